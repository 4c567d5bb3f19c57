/* The opgaven on the gebied page: one layer "Opgaven" (outlined in their thema's colour), as
 * GeoJSON or, when there are too many, as vector tiles; their popups; reachable by keyboard. */
"use strict";

(function (G) {
  const el = G.el;

  class OpgavenLaag {
    /** `pagina` is the GebiedPagina: its map, api, themas, namen, bewerker, stapeling. */
    constructor(pagina) {
      this.pagina = pagina;
      this.map = pagina.map;
      this.groep = L.featureGroup().addTo(this.map);
      this.opgaven = new Map(); // id -> feature
      this.opgaveLagen = new Map(); // id -> Leaflet layer
      this.tegelLagen = new Map(); // thema code -> vector tile layer, when drawn as tiles
      // A group per thema inside "Opgaven": the thema's of the filter form choose what is loaded.
      this.themaLagen = new Map();
      for (const code of pagina.themas.keys()) {
        this.themaLagen.set(code, L.featureGroup().addTo(this.groep));
      }
    }

    stijl(feature) {
      const thema = this.pagina.themas.get(feature.properties.thema);
      const kleur = thema ? thema.kleur : "#555555";
      // Opgaven get a fill only when the stapeling (which colours the ground) is off.
      const fill = !this.pagina.stapelingZichtbaar();
      const basis = {
        color: kleur,
        weight: 2.5,
        fill,
        fillColor: kleur,
        fillOpacity: 0.3,
        className: `opgave thema-${feature.properties.thema}`,
      };
      // In a variant, its changes are marked (varianten.js).
      return this.pagina.variant ? G.variantStijl(feature.properties.variant_wijziging, basis) : basis;
    }

    herstijl() {
      for (const [id, layer] of this.opgaveLagen) layer.setStyle(this.stijl(this.opgaven.get(id)));
      // Tiles are styled as they are drawn: their fill goes by a class, not by a redraw.
      const zonder = this.pagina.stapelingZichtbaar();
      this.map.getPane("opgaven").classList.toggle("zonder-vulling", zonder);
    }

    wis() {
      this.opgaven.clear();
      this.opgaveLagen.clear();
      this.tegelLagen.clear();
      for (const group of this.themaLagen.values()) group.clearLayers();
    }

    /** The name a screen reader gives an outline: its titel and thema. */
    naam(feature) {
      const thema = this.pagina.themas.get(feature.properties.thema);
      const wijziging = feature.properties.variant_wijziging;
      return (
        `Opgave ${feature.properties.titel}${thema ? ` (${thema.naam})` : ""}` +
        `${wijziging ? `, ${wijziging} in de variant` : ""}`
      );
    }

    teken(collection) {
      this.wis();
      for (const feature of collection.features) {
        const group = this.themaLagen.get(feature.properties.thema);
        if (!group) continue;
        this.opgaven.set(feature.id, feature);
        const layer = L.geoJSON(feature, { pane: "opgaven", style: (f) => this.stijl(f) });
        layer.bindTooltip(() => el("span", { text: feature.properties.titel }), { sticky: true });
        layer.bindPopup(() => this.popup(feature));
        layer.on("popupopen", () => layer.closeTooltip());
        layer.addTo(group);
        G.toegankelijkeVorm(layer, this.naam(feature));
        this.opgaveLagen.set(feature.id, layer);
      }
      if (this.pagina.bewerker) this.pagina.bewerker.naHertekenen();
    }

    /**
     * Too many opgaven for GeoJSON: each thema group holds the thema's vector tiles instead,
     * for the `themas` that have opgaven here (with the filters), so no tile is asked for in vain.
     */
    tekenTegels(filters, themas) {
      this.wis();
      const params = { gebied: this.pagina.gebied.id, ...filters, thema: [] };
      for (const [code, group] of this.themaLagen) {
        if (!themas.includes(code)) continue;
        const layer = G.vectorTegels(`opgaven-${code}`, params, {
          map: this.map,
          pane: "opgaven",
          stijl: (properties) => ({
            ...this.stijl({ properties }),
            fill: true, // unless the pane says otherwise: see herstijl
            className: `opgave-tegel thema-${code}`,
          }),
          klik: (properties, latlng) => this.toonTegel(properties.id, latlng),
        });
        layer.addTo(group);
        this.tegelLagen.set(code, layer);
      }
      this.herstijl();
    }

    /** The opgave's feature: the loaded one, or fetched (and kept) when drawn as tiles. */
    async feature(id) {
      const variant = this.pagina.variant;
      const url = variant ? `varianten/${variant.id}/opgaven/${id}` : `opgaven/${id}`;
      if (!this.opgaven.has(id)) this.opgaven.set(id, await G.api(`${this.pagina.api}/${url}`));
      return this.opgaven.get(id);
    }

    /** The popup of an opgave drawn as tiles, at `latlng`, or else zoomed to its shape. */
    async toonTegel(id, latlng) {
      try {
        const feature = await this.feature(id);
        let plek = latlng;
        if (!plek) {
          const bounds = L.geoJSON(feature).getBounds();
          this.map.closePopup();
          this.map.fitBounds(bounds, { maxZoom: 15, padding: [30, 30] });
          plek = bounds.getCenter();
        }
        L.popup().setLatLng(plek).setContent(this.popup(feature)).openOn(this.map);
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meldFout(`Opgave niet geladen: ${error.message}`);
      }
    }

    /** Zoom to an opgave and open its popup (from the table, a stapeling popup, a search). */
    toon(id) {
      if (!this.map.hasLayer(this.groep)) this.groep.addTo(this.map);
      const layer = this.opgaveLagen.get(id);
      if (!layer) {
        if (this.tegelLagen.size) this.toonTegel(id, null);
        return;
      }
      this.map.closePopup();
      this.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [30, 30], animate: false });
      layer.openPopup(layer.getBounds().getCenter());
    }

    popup(feature) {
      const p = feature.properties;
      const thema = this.pagina.themas.get(p.thema);
      const namen = this.pagina.namen;
      const regels = [
        ["Thema", thema ? thema.naam : p.thema],
        ["Trekker", namen[p.trekker] || p.trekker],
        ["Status", namen[p.status] || p.status],
        ["Horizon", p.horizon],
        ["Oppervlakte", G.ha(p.oppervlakte_ha)],
        ["Ruimtevraag", p.ruimtevraag_ha == null ? null : G.ha(p.ruimtevraag_ha)],
        ["Bron", p.bron],
      ].filter(([, value]) => value != null && value !== "");
      const bewerker = this.pagina.bewerker;
      return el(
        "div",
        { class: "popup opgave-popup" },
        el("h3", { text: p.titel }),
        this.pagina.variant ? G.variantMerk(feature) : null, // what the variant does with it
        el(
          "dl",
          null,
          regels.map(([key, value]) => el("div", null, el("dt", { text: key }), el("dd", { text: value })))
        ),
        p.beschrijving ? el("p", { class: "popup-tekst", text: p.beschrijving }) : null,
        // In a variant: what it does with the opgave, and its own buttons (variantbewerken.js).
        this.pagina.variant ? G.variantPopupDelen(this.pagina, feature) : null,
        !this.pagina.variant && G.rol() && G.historieKnop ? G.historieKnop("opgave", feature.id) : null,
        bewerker && !this.pagina.variant
          ? el(
              "div",
              { class: "knoppen" },
              el("button", { type: "button", text: "Bewerken", onclick: () => bewerker.bewerkOpgave(feature.id) }),
              el("button", {
                type: "button",
                class: "gevaar",
                text: "Verwijderen",
                onclick: () => bewerker.verwijderOpgave(feature.id),
              })
            )
          : null
      );
    }
  }

  G.OpgavenLaag = OpgavenLaag;
})(window.Gebiedsregie);
