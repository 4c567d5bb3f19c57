/* The stapeling on the gebied page: faces coloured by how many opgaven meet there, hotspots
 * outlined, and a popup naming the opgaven of a face. */
"use strict";

(function (G) {
  const el = G.el;
  const VLAK_RAND = "#6b4300"; // the edge of a face: 3:1 or more on the cream background

  /** The hotspots worth a visit: where at least two opgaven meet. */
  G.hotspots = (samenvatting) => samenvatting.hotspots.filter((h) => h.aantal > 1);

  /** "1 opgave", "3 opgaven" (and so on, for any noun with its plural). */
  G.aantal = (n, enkel, meer) => `${G.getal(n)} ${n === 1 ? enkel : meer}`;

  class StapelingLaag {
    /** `pagina` is the GebiedPagina: its map, themas, and its opgaven (for the popups). */
    constructor(pagina) {
      this.pagina = pagina;
      this.map = pagina.map;
      this.groep = L.featureGroup().addTo(this.map);
      this.vlakLagen = new Map(); // face nr -> Leaflet layer
    }

    teken(collection, samenvatting) {
      this.groep.clearLayers();
      this.vlakLagen.clear();
      this.vlakken(collection, samenvatting, this.groep, this.vlakLagen);
    }

    /** Faces coloured by depth, hotspots outlined, into `group`. */
    vlakken(collection, samenvatting, group, index) {
      const hotspots = new Set(G.hotspots(samenvatting).map((h) => h.nr));
      for (const feature of collection.features) {
        const { aantal, nr } = feature.properties;
        const hotspot = hotspots.has(nr);
        const layer = L.geoJSON(feature, {
          pane: "stapeling",
          style: {
            fillColor: G.diepteKleur(aantal),
            fillOpacity: 0.8,
            color: hotspot ? "#111111" : VLAK_RAND,
            weight: hotspot ? 3 : 0.8,
            className: `stapeling-vlak diepte-${aantal}${hotspot ? " hotspot" : ""}`,
          },
        });
        layer.bindPopup(() => this.popup(feature, hotspot));
        layer.addTo(group);
        if (index) index.set(nr, layer);
      }
    }

    popup(feature, hotspot) {
      const p = feature.properties;
      const opgaven = this.pagina.opgavenLaag;
      const items = p.opgaven.map((id) => {
        const opgave = opgaven.opgaven.get(id);
        if (!opgave) return this.laterGeladen(id);
        const thema = this.pagina.themas.get(opgave.properties.thema);
        return el(
          "li",
          null,
          el("span", { class: "staal", style: { backgroundColor: thema ? thema.kleur : "#999" } }),
          el("button", {
            type: "button",
            class: "link",
            text: opgave.properties.titel,
            onclick: () => opgaven.toon(id),
          }),
          thema ? el("span", { class: "klein", text: ` (${thema.naam})` }) : null
        );
      });
      const themaNamen = p.themas.map((code) => (this.pagina.themas.get(code) || { naam: code }).naam);
      return el(
        "div",
        { class: "popup vlak-popup" },
        el("h3", { text: p.aantal === 1 ? "1 opgave hier" : `${p.aantal} opgaven stapelen hier` }),
        hotspot ? el("p", { class: "hotspot-label", text: "Hotspot" }) : null,
        el(
          "p",
          null,
          `${G.ha(p.oppervlakte_ha)} · ${G.aantal(p.aantal_themas, "thema", "thema's")}: `,
          themaNamen.join(", ")
        ),
        el("ul", { class: "popup-lijst" }, items)
      );
    }

    /** A list item for an opgave that is not loaded (tiles): its titel follows when fetched. */
    laterGeladen(id) {
      const opgaven = this.pagina.opgavenLaag;
      const staal = el("span", { class: "staal", style: { backgroundColor: "#999" } });
      const knop = el("button", {
        type: "button",
        class: "link",
        text: "opgave (laden…)",
        onclick: () => opgaven.toon(id),
      });
      opgaven
        .feature(id)
        .then((opgave) => {
          const thema = this.pagina.themas.get(opgave.properties.thema);
          knop.textContent = opgave.properties.titel;
          if (thema) staal.style.backgroundColor = thema.kleur;
        })
        .catch(() => {
          knop.textContent = `opgave ${id}`;
        });
      return el("li", null, staal, knop);
    }

    /** Zoom to a face (a hotspot) and open its popup. */
    toonVlak(nr) {
      const layer = this.vlakLagen.get(nr);
      if (!layer) return;
      if (!this.map.hasLayer(this.groep)) this.groep.addTo(this.map);
      this.map.closePopup();
      this.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [30, 30], animate: false });
      layer.openPopup(layer.getBounds().getCenter());
    }
  }

  G.StapelingLaag = StapelingLaag;
})(window.Gebiedsregie);
