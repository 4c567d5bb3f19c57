/* Who changed an opgave or gebied, and what: the audit trail, for logged-in users. */
"use strict";

(function (G) {
  const el = G.el;
  const LIMIT = 10;
  const tijd = new Intl.DateTimeFormat("nl-NL", { dateStyle: "short", timeStyle: "short" });

  function regel(wijziging) {
    const velden = wijziging.gewijzigde_velden.filter((v) => v !== "id" && v !== "verwijderd_op");
    const wat = wijziging.actie === "gewijzigd" && velden.length ? ` (${velden.join(", ")})` : "";
    return el(
      "li",
      null,
      el("time", { datetime: wijziging.op, text: tijd.format(new Date(wijziging.op)) }),
      " · ",
      el("strong", { text: wijziging.door }),
      ` · ${wijziging.actie}${wat}`
    );
  }

  /** A button that, when pressed, replaces itself by the last changes of an object. */
  G.historieKnop = function (soort, id) {
    const vak = el("div", { class: "historie" });
    const knop = el("button", {
      type: "button",
      text: "Wijzigingen tonen",
      onclick: async () => {
        knop.disabled = true;
        try {
          const pad = `/api/v1/${soort === "gebied" ? "gebieden" : "opgaven"}/${id}/historie`;
          const page = await G.api(pad, { params: { limit: LIMIT } });
          const lijst = el("ol", { class: "historie-lijst" }, page.wijzigingen.map(regel));
          const meer =
            page.numberMatched > LIMIT
              ? el("p", { class: "klein", text: `De laatste ${LIMIT} van ${page.numberMatched}.` })
              : null;
          vak.replaceChildren(...[lijst, meer].filter(Boolean));
        } catch (error) {
          if (!(error instanceof G.ApiError)) throw error;
          vak.replaceChildren(el("p", { class: "veldfout", text: error.message }));
        }
      },
    });
    vak.append(knop);
    return vak;
  };
})(window.Gebiedsregie);
