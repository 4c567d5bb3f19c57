/* "Wat stapelt hier?": the stapeling inside a shape the user draws, with the page's filters,
 * of the situation shown (the register or a variant); the result is scrolled into view (and
 * the sheet opened on a phone), where the user looks. */
"use strict";

(function (G) {
  const el = G.el;

  class WatStapeltHier {
    /** `pagina` is the GebiedPagina; `stijl` the style of a drawn shape. */
    constructor(pagina, stijl) {
      this.pagina = pagina;
      this.map = pagina.map;
      this.stijl = stijl;
      this.groep = L.featureGroup().addTo(this.map);
      this.resultaat = document.getElementById("adhoc-resultaat");
      this.fout = document.querySelector("[data-adhoc-fout]");
    }

    /** Bring the result to the user: open the sheet (phone), scroll it into view, say so. */
    toon(node) {
      G.openBlad && G.openBlad(true);
      const rustig = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      node.scrollIntoView({ block: "start", behavior: rustig ? "auto" : "smooth" });
    }

    async bereken(layer) {
      this.fout.hidden = true;
      this.groep.clearLayers();
      this.map.removeLayer(layer);
      layer.options.pane = "tekenen";
      layer.setStyle({ ...this.stijl, fill: false });
      layer.addTo(this.groep);
      if (!this.map.hasLayer(this.groep)) this.groep.addTo(this.map);
      this.resultaat.replaceChildren(el("p", { text: "Berekenen…" }));
      this.pagina.werkLegendaBij();
      try {
        const body = { type: "Feature", geometry: G.geometrieVan(layer), properties: {} };
        const variant = this.pagina.variant;
        const result = await G.api(`${this.pagina.api}/stapeling`, {
          method: "POST",
          params: { ...this.pagina.filters(true), variant: variant ? variant.id : null },
          body,
        });
        this.pagina.stapelingLaag.vlakken(result, result.samenvatting, this.groep, null);
        layer.bringToFront();
        const kop = el("h3", {
          text: variant ? `In het getekende vlak, variant "${variant.naam}"` : "In het getekende vlak",
          tabindex: "-1",
        });
        this.resultaat.replaceChildren(
          kop,
          ...G.samenvattingBlok(result.samenvatting, {
            themas: this.pagina.themas,
            filters: this.pagina.filterForm.beschrijving(),
            minAantal: this.pagina.filterForm.minAantal(),
            vlakken: null,
            toonVlak: null,
          }),
          el("button", { type: "button", text: "Wissen", onclick: () => this.wis() })
        );
        this.toon(kop);
        const diepte = result.samenvatting.max_diepte;
        G.meld(
          diepte
            ? `In het getekende vlak stapelen tot ${G.aantal(diepte, "opgave", "opgaven")}. ` +
                "Het resultaat staat in het paneel."
            : "In het getekende vlak liggen geen opgaven (met deze filters)."
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        this.resultaat.replaceChildren();
        this.fout.textContent = error.errors.length
          ? error.errors.map((e) => e.reason).join(" ")
          : error.message;
        this.fout.hidden = false;
        this.toon(this.fout);
        layer.bindTooltip(el("span", { text: this.fout.textContent }), {
          permanent: true,
          direction: "center",
          className: "kaartfout",
        });
      }
    }

    wis() {
      this.groep.clearLayers();
      this.resultaat.replaceChildren();
      this.pagina.werkLegendaBij();
    }
  }

  G.WatStapeltHier = WatStapeltHier;
})(window.Gebiedsregie);
