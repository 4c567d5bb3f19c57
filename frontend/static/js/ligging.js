/* Before an opgave is saved: where would it lie? Outside every gebied it is on no map and in no
 * stapeling; partly outside, only the part inside counts. The planner is asked first. */
"use strict";

(function (G) {
  const BUITEN = new Set(["buiten_gebieden", "deels_buiten_gebied"]);

  /**
   * @typedef {Object} Melding a remark of the API on a saved (or checked) opgave
   * @property {string} code e.g. "buiten_gebieden", "deels_buiten_gebied"
   * @property {string} reason in Dutch, for the planner
   */

  /**
   * Ask /opgaven/ligging about `geometry`; when (part of) it lies outside the gebieden, ask the
   * planner. Resolves with true to save. A refusal of the geometry (400) or of the planner
   * (401, 403) is thrown, for the form to show.
   */
  G.controleerLigging = async function (api, geometry) {
    let antwoord;
    try {
      antwoord = await G.api(`${api}/opgaven/ligging`, { method: "POST", body: geometry });
    } catch (error) {
      if (!(error instanceof G.ApiError) || [400, 401, 403].includes(error.status)) throw error;
      // The save says the same in its meldingen; but a check that fails is a bug to see.
      console.error(`ligging niet gecontroleerd: ${error.status} ${error.message}`);
      return true;
    }
    /** @type {Melding[]} */
    const buiten = (antwoord.meldingen || []).filter((m) => BUITEN.has(m.code));
    if (!buiten.length) return true;
    const alles = buiten.some((m) => m.code === "buiten_gebieden");
    return G.vraag({
      titel: alles ? "Deze opgave ligt buiten elk gebied" : "Deze opgave ligt deels buiten het gebied",
      tekst: [...buiten.map((m) => m.reason), "Wilt u de opgave toch zo opslaan?"],
      ja: "Toch opslaan",
      nee: "Vorm aanpassen",
    });
  };

  /** The API's meldingen of a saved object, as one text (empty when there are none). */
  G.meldingenTekst = (saved) =>
    ((saved && saved.meldingen) || [])
      .map((m) => m.reason || m.tekst || m.detail)
      .filter(Boolean)
      .join(" ");
})(window.Gebiedsregie);
