/* The gebied page's filters: the one place where thema's, status, trekker, horizon and the
 * minimal stapeling are chosen. They live in the URL, and every layer, the samenvatting, the
 * table and the downloads follow them. */
"use strict";

(function (G) {
  const DREMPEL_PARAM = "tegeldrempel"; // kept in the URL when the filters change
  // The same, the situation shown (varianten.js) and the map mode (conflictkaart.js).
  const BEHOUDEN = [DREMPEL_PARAM, "variant", "weergave"];
  const VELDEN = ["status", "trekker", "horizon", "min_aantal"];

  /**
   * @typedef {Object} Filters the filters as API query parameters
   * @property {string[]} thema
   * @property {string} status
   * @property {string} trekker
   * @property {string} horizon
   * @property {string} [min_aantal]
   */

  /** `path` with `params` as its query (lists repeat their key, empty values are left out). */
  G.metParams = function (path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item != null && item !== "") query.append(key, item);
      }
    }
    const search = query.toString();
    return search ? `${path}?${search}` : path;
  };

  class FilterForm {
    /**
     * @param {HTMLFormElement} form the filter form of gebied.html
     * @param {Map<string, {naam: string}>} themas by code
     * @param {Object<string, string>} namen the names of statussen and trekkers, by code
     */
    constructor(form, themas, namen) {
      this.form = form;
      this.themas = themas;
      this.namen = namen;
    }

    veld(name) {
      return /** @type {HTMLInputElement} */ (this.form.elements.namedItem(name));
    }

    leesUitUrl() {
      const params = new URLSearchParams(window.location.search);
      const themas = new Set(params.getAll("thema"));
      for (const box of this.form.querySelectorAll('input[name="thema"]')) {
        box.checked = themas.has(box.value);
      }
      for (const name of VELDEN) if (params.has(name)) this.veld(name).value = params.get(name);
    }

    /** The filters as API query parameters; `metDiepte` adds min_aantal. @returns {Filters} */
    waarden(metDiepte) {
      const params = {
        thema: [...this.form.querySelectorAll('input[name="thema"]:checked')].map((box) => box.value),
        status: this.veld("status").value,
        trekker: this.veld("trekker").value,
        horizon: this.veld("horizon").value.trim(),
      };
      // As typed: a value the API refuses is named next to its field.
      if (metDiepte) params.min_aantal = this.veld("min_aantal").value.trim() || "1";
      return params;
    }

    /** The minimal stapeling as a number (1 when it is not a valid one). */
    minAantal() {
      const value = Number(this.waarden(true).min_aantal);
      return Number.isInteger(value) && value >= 1 ? value : 1;
    }

    /** What the filters select, in words: ["min. 3 opgaven", "thema's: Wonen, Natuur"]. */
    beschrijving() {
      const f = this.waarden(true);
      const delen = [];
      if (f.min_aantal !== "1") delen.push(`min. ${f.min_aantal} opgaven`);
      if (f.thema.length) {
        const namen = f.thema.map((code) => (this.themas.get(code) || { naam: code }).naam);
        delen.push(`${namen.length === 1 ? "thema" : "thema's"}: ${namen.join(", ")}`);
      }
      if (f.status) delen.push(`status: ${this.namen[f.status] || f.status}`);
      if (f.trekker) delen.push(`trekker: ${this.namen[f.trekker] || f.trekker}`);
      if (f.horizon) delen.push(`horizon t/m ${f.horizon}`);
      return delen;
    }

    schrijfInUrl() {
      const huidig = new URLSearchParams(window.location.search);
      const behouden = Object.fromEntries(BEHOUDEN.map((key) => [key, huidig.get(key)]));
      const params = { ...this.waarden(true) };
      if (params.min_aantal === "1") delete params.min_aantal;
      const pad = G.metParams(window.location.pathname, { ...behouden, ...params });
      window.history.replaceState(null, "", pad);
    }

    /** Call `changed()` a moment after the user stops changing the filters. */
    koppel(changed) {
      let timer = null;
      const later = () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          this.schrijfInUrl();
          changed();
        }, 250);
      };
      this.form.addEventListener("change", later);
      this.form.addEventListener("input", later);
      this.form.addEventListener("submit", (event) => event.preventDefault());
      this.form.addEventListener("reset", () => window.setTimeout(later, 0));
    }

    /** The API's errors on the filters next to their fields; null clears them. */
    toonFouten(error) {
      for (const slot of this.form.querySelectorAll("[data-fout-voor]")) {
        slot.hidden = true;
        slot.textContent = "";
      }
      for (const item of (error && error.errors) || []) {
        const slot = this.form.querySelector(`[data-fout-voor="${CSS.escape(item.name)}"]`);
        if (slot) {
          slot.textContent = item.reason;
          slot.hidden = false;
        }
      }
    }
  }

  G.FilterForm = FilterForm;
  G.DREMPEL_PARAM = DREMPEL_PARAM;
})(window.Gebiedsregie);
