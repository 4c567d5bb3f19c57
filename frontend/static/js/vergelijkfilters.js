/* The vergelijken page's filters: thema's, status and trekker, as on the gebied page (filters.js),
 * for both situations at once. The page keeps them in its URL with the rest of the comparison
 * (vergelijken.js); this module only reads and fills the form. */
"use strict";

(function (G) {
  const VELDEN = ["status", "trekker"];

  /**
   * @typedef {Object} VergelijkFilters the filters as API query parameters (both sides')
   * @property {string[]} thema
   * @property {string} status
   * @property {string} trekker
   */

  class FilterKeuze {
    /**
     * @param {HTMLFormElement} form the filter form of vergelijken.html
     * @param {Map<string, {naam: string}>} themas by code
     * @param {Object<string, string>} namen the names of statussen and trekkers, by code
     */
    constructor(form, themas, namen) {
      this.form = form;
      this.themas = themas;
      this.namen = namen;
    }

    veld(name) {
      return /** @type {HTMLSelectElement} */ (this.form.elements.namedItem(name));
    }

    /**
     * The form set to `filters`; what it does not offer (an unknown code in a URL) falls away,
     * as on the gebied page. @param {VergelijkFilters} filters
     */
    vul(filters) {
      const themas = new Set(filters.thema);
      for (const box of this.form.querySelectorAll('input[name="thema"]')) {
        box.checked = themas.has(box.value);
      }
      for (const name of VELDEN) this.veld(name).value = filters[name];
    }

    /** The filters as the form has them. @returns {VergelijkFilters} */
    waarden() {
      return {
        thema: [...this.form.querySelectorAll('input[name="thema"]:checked')].map((box) => box.value),
        status: this.veld("status").value,
        trekker: this.veld("trekker").value,
      };
    }

    /** The filters of a URL's query, as far as the form has them. @returns {VergelijkFilters} */
    leesUit(params) {
      this.vul({
        thema: params.getAll("thema"),
        status: params.get("status") || "",
        trekker: params.get("trekker") || "",
      });
      return this.waarden();
    }

    /** Whether `a` and `b` select the same opgaven. */
    static gelijk(a, b) {
      const themas = (f) => [...f.thema].sort().join(",");
      return themas(a) === themas(b) && VELDEN.every((name) => a[name] === b[name]);
    }

    /** What `filters` select, in words: ["thema's: Wonen, Natuur", "status: Uitvoering"]. */
    beschrijving(filters) {
      const delen = [];
      if (filters.thema.length) {
        const namen = filters.thema.map((code) => (this.themas.get(code) || { naam: code }).naam);
        delen.push(`${namen.length === 1 ? "thema" : "thema's"}: ${namen.join(", ")}`);
      }
      for (const name of VELDEN) {
        if (filters[name]) delen.push(`${name}: ${this.namen[filters[name]] || filters[name]}`);
      }
      return delen;
    }

    /** The line above the tables of differences: which filters apply to both sides. */
    regel(filters) {
      const delen = this.beschrijving(filters);
      return G.el("p", {
        class: "verschil-filters klein",
        dataset: { filters: "" },
        text: `Filters voor A en B: ${delen.length ? delen.join("; ") : "geen (alle opgaven)"}.`,
      });
    }

    /** Call `changed(filters)` a moment after the user stops changing them. */
    koppel(changed) {
      let timer = null;
      const later = () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => changed(this.waarden()), 250);
      };
      this.form.addEventListener("change", later);
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
        const naam = String(item.name || "").replace(/^query\./, "").replace(/[.[].*$/, "");
        const slot = this.form.querySelector(`[data-fout-voor="${CSS.escape(naam)}"]`);
        if (slot) {
          slot.textContent = item.reason;
          slot.hidden = false;
        }
      }
    }
  }

  G.FilterKeuze = FilterKeuze;
})(window.Gebiedsregie);
