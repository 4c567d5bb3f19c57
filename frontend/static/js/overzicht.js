/* The overview page: every gebied on the map of the Netherlands, and (for planners) drawing a
 * new one. */
"use strict";

(function (G) {
  const el = G.el;
  const GEBIED_STIJL = { color: "#0b3d91", weight: 2, fillColor: "#0b3d91", fillOpacity: 0.12 };
  const ACTIEF_STIJL = { weight: 4, fillOpacity: 0.3 };
  const TEKEN_STIJL = { color: "#b3003c", weight: 3, dashArray: "6 4", fillOpacity: 0.15 };

  G.overzichtPagina = function (map, control, config) {
    const pagina = new OverzichtPagina(map, control, config);
    pagina.start();
    G.pagina = pagina; // for the browser console and the browser tests
    return pagina;
  };

  class OverzichtPagina {
    constructor(map, control, config) {
      this.map = map;
      this.control = control;
      this.api = config.api;
      this.gebieden = L.featureGroup().addTo(map);
      this.lagen = new Map(); // slug -> layer
      control.addOverlay(this.gebieden, "Gebieden");
      // The drawing tools are on the page for planners only (overzicht.html).
      const form = document.getElementById("gebied-form");
      this.form = G.magBewerken() && form ? new G.Formulier(form) : null;
      this.nieuw = null;
    }

    start() {
      G.bewaakAchtergrond(this.map);
      this.provincies = G.provincieLaag(this.map, this.control, this.api);
      G.initTekenen(this.map);
      if (this.form) {
        G.tekenknoppen(this.map, { gebied: (layer) => this.startNieuw(layer) }, TEKEN_STIJL);
        this.form.on({ submit: (values) => this.bewaar(values), cancel: () => this.stopNieuw() });
      }
      this.koppelKaartjes();
      this.laad();
    }

    async laad() {
      document.body.dataset.laden = "ja";
      try {
        const collection = await G.apiAll(`${this.api}/gebieden`, {});
        this.gebieden.clearLayers();
        for (const feature of collection.features) {
          const slug = feature.properties.slug;
          const layer = L.geoJSON(feature, {
            style: { ...GEBIED_STIJL, className: `gebied gebied-${slug}` },
          });
          layer.bindTooltip(() => el("strong", { text: feature.properties.naam }), { sticky: true });
          layer.on("click", () => window.location.assign(`/gebieden/${encodeURIComponent(slug)}`));
          layer.on("mouseover", () => this.markeer(slug, true));
          layer.on("mouseout", () => this.markeer(slug, false));
          layer.addTo(this.gebieden);
          this.lagen.set(slug, layer);
        }
        if (collection.features.length) {
          this.map.fitBounds(this.gebieden.getBounds(), { padding: [30, 30], maxZoom: 11, animate: false });
        }
        G.meld("");
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meld(`Gebieden laden mislukt: ${error.message}`);
      } finally {
        document.body.dataset.laden = "nee";
      }
    }

    /** A card and its shape light up together. */
    markeer(slug, aan) {
      const layer = this.lagen.get(slug);
      if (layer) layer.setStyle(aan ? { ...GEBIED_STIJL, ...ACTIEF_STIJL } : GEBIED_STIJL);
      const card = document.querySelector(`[data-gebied="${CSS.escape(slug)}"]`);
      if (card) card.classList.toggle("actief", aan);
    }

    koppelKaartjes() {
      for (const card of document.querySelectorAll("[data-gebied]")) {
        const slug = card.dataset.gebied;
        for (const type of ["mouseenter", "focusin"]) card.addEventListener(type, () => this.markeer(slug, true));
        for (const type of ["mouseleave", "focusout"]) card.addEventListener(type, () => this.markeer(slug, false));
      }
    }

    startNieuw(layer) {
      this.stopNieuw();
      this.nieuw = layer;
      layer.pm.enable({ allowSelfIntersection: false });
      this.form.layer = layer;
      this.form.show();
    }

    stopNieuw() {
      if (this.nieuw) {
        this.nieuw.pm.disable();
        this.nieuw.remove();
        this.nieuw = null;
      }
      this.form.layer = null;
      this.form.hide();
    }

    async bewaar(values) {
      const body = { type: "Feature", geometry: G.geometrieVan(this.nieuw), properties: values };
      const saved = await G.api(`${this.api}/gebieden`, { method: "POST", body });
      this.stopNieuw();
      window.location.assign(`/gebieden/${encodeURIComponent(saved.properties.slug)}`);
    }
  }
})(window.Gebiedsregie);
