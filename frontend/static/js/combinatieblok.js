/* The side panel's "Koppelkansen en conflicten": hectares in conflict and in koppelkans, per
 * pair, the faces with the most conflict, and per opgave its knelpunten (the samenvatting's
 * `combinaties`, computed with the matrices of /combinaties). */
"use strict";

(function (G) {
  const el = G.el;
  const KNELPUNTEN = 10; // the opgaven with the most conflict; the rest behind a button

  class CombinatieBlok {
    /** `pagina` is the GebiedPagina: its themas, opgaven and the CombinatieLaag. */
    constructor(pagina) {
      this.pagina = pagina;
      this.node = document.querySelector("[data-combinaties]");
    }

    werkBij(samenvatting) {
      if (!this.node) return;
      const c = samenvatting.combinaties;
      const leeg = [el("p", { class: "leeg", text: "Niet berekend." })];
      this.node.replaceChildren(...(c ? this.blok(c) : leeg));
    }

    blok(c) {
      const themas = this.pagina.themas;
      const lagen = new Map(c.lagen.map((l) => [l.laag, l]));
      const naam = (paar) => G.paarNaam(paar, themas, lagen);
      const kaart = this.pagina.combinaties;
      const blok = [];
      if (c.voorbeeld) {
        blok.push(
          el(
            "p",
            { class: "voorbeeld-label", dataset: { voorbeeld: "" } },
            el("strong", { text: "Voorbeeld; stel vast per provincie." }),
            " Berekend met de meegeleverde voorbeeldmatrices. ",
            el("a", { href: "/combinaties", text: "Matrices bekijken" })
          )
        );
      } else {
        const link = el("a", { href: "/combinaties", text: "Bekijken" });
        blok.push(el("p", { class: "klein" }, `Matrices versie ${c.versie}. `, link));
      }
      blok.push(
        el(
          "dl",
          { class: "kerncijfers" },
          [
            ["In conflict", c.conflict_ha],
            ["In koppelkans", c.koppelkans_ha],
            ["Beide", c.beide_ha],
          ].map(([key, value]) =>
            el(
              "div",
              null,
              el("dt", { text: key }),
              el("dd", { text: G.ha(value), dataset: { cijfer: key } })
            )
          )
        ),
        el("button", {
          type: "button",
          class: "knop-klein",
          "data-toon-combinaties": "",
          text: "Toon op de kaart",
          onclick: () => kaart.zet(true),
        })
      );
      const paren = [...c.paren, ...c.laag_paren];
      for (const [waarde, kop, kleur] of [
        ["conflict", "Conflict per paar (ha)", "#c62828"],
        ["koppelkans", "Koppelkans per paar (ha)", "#1b7837"],
      ]) {
        const rows = paren
          .filter((p) => p.waarde === waarde)
          .sort((a, b) => b.oppervlakte_ha - a.oppervlakte_ha)
          .map((p) => ({ label: naam(p), value: p.oppervlakte_ha, kleur }));
        if (rows.length) blok.push(G.staafdiagram(kop, rows));
      }
      if (c.hotspots.length) {
        blok.push(
          el("h3", { text: "Meeste conflict" }),
          el(
            "ol",
            { class: "conflict-hotspots", dataset: { conflictHotspots: "" } },
            c.hotspots.map((h) =>
              el(
                "li",
                null,
                el("button", {
                  type: "button",
                  class: "link",
                  text: `${G.ha(h.conflict_ha)} in conflict`,
                  onclick: () => kaart.toonVlak(h.nr),
                }),
                el("span", { class: "klein", text: ` ${h.conflicten.map(naam).join("; ")}` })
              )
            )
          )
        );
      }
      if (c.knelpunten.length) blok.push(...this.knelpunten(c.knelpunten, lagen));
      blok.push(
        el("p", {
          class: "uitleg",
          text:
            "Een vlak is in conflict als twee van zijn opgaven (of een opgave en een referentielaag " +
            "waarin het vlak ligt) volgens de matrix conflicteren; bij een laag telt alleen het deel " +
            "in de laag. Knelpunten: per opgave de oppervlakte die ze deelt met elke opgave en elke " +
            "sturende laag waarmee ze conflicteert.",
        })
      );
      return blok;
    }

    knelpunten(knelpunten, lagen) {
      const rij = (k) => {
        const met = [
          ...k.met_opgaven.map((o) => [this.titel(o.opgave), o.oppervlakte_ha]),
          ...k.met_lagen.map((l) => [
            document.createTextNode((lagen.get(l.laag) || { naam: l.laag }).naam),
            l.oppervlakte_ha,
          ]),
        ];
        return el(
          "tr",
          null,
          el("td", null, this.titel(k.opgave)),
          el("td", { class: "getal", text: G.ha(k.conflict_ha) }),
          el(
            "td",
            null,
            el(
              "ul",
              { class: "met" },
              met.map(([wie, ha]) => el("li", null, wie, el("span", { class: "klein", text: ` ${G.ha(ha)}` })))
            )
          )
        );
      };
      const body = el("tbody", null, knelpunten.slice(0, KNELPUNTEN).map(rij));
      const tabel = el(
        "table",
        { class: "knelpunten", dataset: { knelpunten: "" } },
        el("caption", { class: "visueel-verborgen", text: "Knelpunten per opgave" }),
        el(
          "thead",
          null,
          el(
            "tr",
            null,
            el("th", { text: "Opgave" }),
            el("th", { text: "In conflict" }),
            el("th", { text: "Met" })
          )
        ),
        body
      );
      const blok = [el("h3", { text: "Knelpunten per opgave" }), tabel];
      if (knelpunten.length > KNELPUNTEN) {
        const meer = el("button", {
          type: "button",
          class: "link",
          text: `Alle ${knelpunten.length} opgaven tonen`,
          onclick: () => {
            body.replaceChildren(...knelpunten.map(rij));
            meer.remove();
          },
        });
        blok.push(meer);
      }
      return blok;
    }

    /** An opgave's titel as a button that shows it; fetched when it is not loaded (tiles). */
    titel(id) {
      const opgaven = this.pagina.opgavenLaag;
      const opgave = opgaven.opgaven.get(id);
      const knop = el("button", {
        type: "button",
        class: "link",
        text: opgave ? opgave.properties.titel : "opgave (laden…)",
        onclick: () => opgaven.toon(id),
      });
      if (!opgave) {
        opgaven
          .feature(id)
          .then((f) => {
            knop.textContent = f.properties.titel;
          })
          .catch(() => {
            knop.textContent = `opgave ${id}`;
          });
      }
      return knop;
    }
  }

  G.CombinatieBlok = CombinatieBlok;
})(window.Gebiedsregie);
