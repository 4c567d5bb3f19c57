/* The overview page: every gebied on the map of the Netherlands, and (for planners) drawing a
 * new one. */
"use strict";

(function (G) {
  const el = G.el;
  const GEBIED_STIJL = { color: "#0b3d91", weight: 2, fillColor: "#0b3d91", fillOpacity: 0.12 };
  const ACTIEF_STIJL = { weight: 4, fillOpacity: 0.3 };
  const TEKEN_STIJL = { color: "#b3003c", weight: 3, dashArray: "6 4", fillOpacity: 0.15 };
  const BUITEN_STIJL = { color: "#b00020", weight: 2.5, dashArray: "4 4", fillColor: "#b00020", fillOpacity: 0.15 };

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
      this.themas = new Map(config.themas.map((t) => [t.code, t]));
      this.gebieden = L.featureGroup().addTo(map);
      this.lagen = new Map(); // slug -> layer
      control.addOverlay(this.gebieden, "Gebieden");
      // Natura 2000 and the like, off at first: the overview is of the gebieden.
      this.legenda = new G.Legenda(map);
      this.referentielagen = new G.Referentielagen(map, control, {
        api: this.api,
        gewijzigd: () => this.werkLegendaBij(),
      });
      map.on("overlayadd overlayremove", () => this.werkLegendaBij());
      // For planners: the opgaven outside every gebied (overzicht.html has their list).
      this.buitenLijst = document.querySelector("[data-buiten-lijst]");
      this.buiten = L.featureGroup();
      this.buitenLagen = new Map(); // id -> layer
      if (this.buitenLijst) {
        this.buiten.addTo(map);
        control.addOverlay(this.buiten, "Opgaven buiten elk gebied");
      }
      // The drawing tools are on the page for planners only (overzicht.html).
      const form = document.getElementById("gebied-form");
      this.form = G.magBewerken() && form ? new G.Formulier(form) : null;
      this.nieuw = null;
    }

    start() {
      G.bewaakAchtergrond(this.map);
      G.kaartKeuze(this.map);
      this.provincies = G.provincieLaag(this.map, this.control, this.api);
      G.kaartBediening(this.map, this.control);
      G.zoomKnop(this.map, "Zoom naar alle gebieden", () => this.gebieden.getBounds());
      G.initTekenen(this.map);
      if (this.form) {
        G.tekenknoppen(this.map, { gebied: (layer) => this.startNieuw(layer) }, TEKEN_STIJL);
        this.form.on({ submit: (values) => this.bewaar(values), cancel: () => this.stopNieuw() });
      }
      this.koppelKaartjes();
      this.laad();
      if (this.buitenLijst) this.laadBuiten();
    }

    /** The legend: the gebieden and the referentielagen that are on. */
    werkLegendaBij() {
      const gebieden = this.map.hasLayer(this.gebieden)
        ? [{ kop: null, rijen: [[el("span", { class: "staal gebied-staal" }), "Gebied"]] }]
        : [];
      this.legenda.werkBij({
        grens: false,
        themas: null,
        stapeling: null,
        adhoc: false,
        extra: [...gebieden, ...this.referentielagen.legenda()],
      });
    }

    /** `?bbox=minlon,minlat,maxlon,maxlat` (from the search box on a page without a map). */
    gevraagdVak() {
      const bbox = new URLSearchParams(window.location.search).get("bbox");
      const getallen = (bbox || "").split(",").map(Number);
      if (getallen.length !== 4 || getallen.some((n) => !Number.isFinite(n))) return null;
      const [minlon, minlat, maxlon, maxlat] = getallen;
      return L.latLngBounds([minlat, minlon], [maxlat, maxlon]);
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
        const vak = this.gevraagdVak();
        if (vak) this.map.fitBounds(vak, { padding: [30, 30], maxZoom: 15, animate: false });
        else if (collection.features.length) {
          this.map.fitBounds(this.gebieden.getBounds(), { padding: [30, 30], maxZoom: 11, animate: false });
        }
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meldFout(`Gebieden laden mislukt: ${error.message}`);
      } finally {
        document.body.dataset.laden = "nee";
      }
    }

    /** The opgaven outside every gebied: on the map, and listed with a button that zooms. */
    async laadBuiten() {
      const aantal = document.querySelector("[data-buiten-aantal]");
      try {
        const collection = await G.apiAll(`${this.api}/opgaven`, { buiten_gebieden: "true" });
        this.buiten.clearLayers();
        this.buitenLagen.clear();
        const items = collection.features.map((feature) => {
          const p = feature.properties;
          const thema = this.themas.get(p.thema);
          const layer = L.geoJSON(feature, { style: { ...BUITEN_STIJL, className: "opgave-buiten" } });
          layer.bindPopup(() => this.buitenPopup(feature));
          layer.addTo(this.buiten);
          G.toegankelijkeVorm(layer, `Opgave buiten elk gebied: ${p.titel}`);
          this.buitenLagen.set(feature.id, layer);
          return el(
            "li",
            { dataset: { opgave: feature.id } },
            el("button", { type: "button", class: "link", text: p.titel, onclick: () => this.toonBuiten(feature.id) }),
            el("span", { class: "klein", text: ` ${thema ? thema.naam : p.thema} · ${G.ha(p.oppervlakte_ha)}` })
          );
        });
        aantal.textContent = `(${G.getal(items.length)})`;
        this.buitenLijst.replaceChildren(
          ...(items.length ? items : [el("li", { class: "leeg", text: "Geen: elke opgave ligt in een gebied." })])
        );
        this.buitenLijst.closest("details").open = items.length > 0;
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        this.buitenLijst.replaceChildren(el("li", { class: "veldfout", text: `Niet geladen: ${error.message}` }));
      }
    }

    toonBuiten(id) {
      const layer = this.buitenLagen.get(id);
      if (!layer) return;
      if (!this.map.hasLayer(this.buiten)) this.buiten.addTo(this.map);
      this.map.closePopup();
      this.map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 14, animate: false });
      layer.openPopup(layer.getBounds().getCenter());
    }

    buitenPopup(feature) {
      const p = feature.properties;
      const thema = this.themas.get(p.thema);
      return el(
        "div",
        { class: "popup buiten-popup" },
        el("h3", { text: p.titel }),
        el("p", { text: `${thema ? thema.naam : p.thema} · ${G.ha(p.oppervlakte_ha)}` }),
        el("p", { class: "klein", text: "Ligt buiten elk gebied: op geen gebiedskaart, in geen stapeling." }),
        el("a", { href: `/ogc/collections/opgaven/items/${encodeURIComponent(feature.id)}?f=html`, text: "Alle gegevens" })
      );
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
