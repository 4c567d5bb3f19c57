/* Feedback where the user looks: a toast (the page's one polite live region, [data-status])
 * for progress, confirmations and errors, and an accessible question dialog. */
"use strict";

(function (G) {
  const el = G.el;
  const INFO_MS = 6000; // a confirmation stays this long, longer while hovered or focused
  let timer = null;

  /**
   * @typedef {Object} ToastOpties
   * @property {"info"|"ok"|"let-op"|"fout"} [soort] "let-op" and "fout" stay until closed
   * @property {boolean} [blijft] stay until replaced (e.g. "klik op de kaart…")
   */

  /** The toast of basis.html; null on a page without one. */
  const toastVak = () => document.querySelector("[data-toast]");

  // Hidden, not emptied: it fades out with its text (the next message replaces it).
  function verberg() {
    const vak = toastVak();
    if (vak) vak.classList.remove("zichtbaar");
  }

  function planVerbergen(vak) {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      // Not while the user reads it or acts on it (WCAG 2.2.1).
      if (vak.matches(":hover, :focus-within")) planVerbergen(vak);
      else verberg();
    }, INFO_MS);
  }

  /**
   * Say `message` (text, or a list of text and nodes; empty hides the toast) in the toast.
   * @param {string|Array<string|Node|null>} message
   * @param {ToastOpties} [opties]
   */
  G.toast = function (message, opties = {}) {
    const vak = toastVak();
    if (!vak) return;
    const delen = [].concat(message || []).filter((part) => part != null && part !== "");
    window.clearTimeout(timer);
    if (!delen.length) {
      verberg();
      return;
    }
    const soort = opties.soort || "info";
    vak.dataset.soort = soort;
    vak.querySelector("[data-status]").replaceChildren(...delen);
    vak.classList.add("zichtbaar");
    if (soort !== "fout" && soort !== "let-op" && !opties.blijft) planVerbergen(vak);
  };

  /** Progress and confirmations: the toast, as G.meld always said things. */
  G.meld = (message, opties) => G.toast(message, opties);
  G.meldFout = (message) => G.toast(message, { soort: "fout" });

  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-toast-sluit]")) verberg();
  });

  /**
   * Ask the user a question in a modal <dialog> (focus stays inside, Escape is "no").
   * Resolves with true for `ja`, false otherwise. `tekst` is a list of paragraphs.
   * @param {{titel: string, tekst: string[], ja: string, nee: string}} vraag
   * @returns {Promise<boolean>}
   */
  G.vraag = function ({ titel, tekst, ja, nee }) {
    const kopId = `vraag-${Date.now()}`;
    const jaKnop = el("button", { type: "submit", class: "primair", value: "ja", text: ja });
    const neeKnop = el("button", { type: "submit", value: "nee", text: nee });
    const dialog = el(
      "dialog",
      { class: "vraag", "aria-labelledby": kopId },
      el(
        "form",
        { method: "dialog" },
        el("h2", { id: kopId, text: titel }),
        tekst.map((alinea) => el("p", { text: alinea })),
        el("div", { class: "knoppen" }, jaKnop, neeKnop)
      )
    );
    const terug = document.activeElement;
    document.body.append(dialog);
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => {
        resolve(dialog.returnValue === "ja");
        dialog.remove();
        if (terug instanceof HTMLElement && terug.isConnected) terug.focus();
      });
      dialog.showModal();
      // The safe answer has the focus: Enter does not save by accident.
      neeKnop.focus();
    });
  };
})(window.Gebiedsregie);
