/* The maps of the vergelijken page: the second map (B) beside folium's (A), with the same
 * background, moving together (pan and zoom) and showing where the pointer is on the other; a
 * side's stapeling as a layer (faces coloured by depth, hotspots outlined, a popup per face);
 * and the gebied's border on a map. */
"use strict";

(function (G) {
  const el = G.el;
  const VLAK_RAND = "#6b4300"; // as on the gebied page (stapeling.js)
  const GRENS_STIJL = { color: "#1a1a1a", weight: 3, dashArray: "10 6", fill: false, interactive: false };

  /** A tile layer like `layer`: Leaflet keeps its URL template in `_url` (there is no getter). */
  const kopieVan = (layer) => L.tileLayer(layer._url, { ...layer.options });

  /**
   * Map B in `node`: the background map A shows (and follows A's choice), the provinces, the
   * same view. `api` is the API's root.
   */
  G.tweedeKaart = function (kaart, node, api) {
    const map = L.map(node, {
      center: kaart.getCenter(),
      zoom: kaart.getZoom(),
      zoomSnap: kaart.options.zoomSnap,
    });
    // Not shown: map A names the same sources, once (room on a phone). The control stays, off
    // the map, for the layers that add to it.
    map.attributionControl.remove();
    let achtergrond = null;
    const volg = (layer) => {
      if (achtergrond) map.removeLayer(achtergrond);
      achtergrond = kopieVan(layer).addTo(map);
      achtergrond.bringToBack();
    };
    kaart.eachLayer((layer) => {
      if (layer instanceof L.TileLayer && !achtergrond) volg(layer);
    });
    kaart.on("baselayerchange", (event) => volg(event.layer));
    G.bewaakAchtergrond(map);
    G.provincieLaag(map, { addOverlay() {} }, api); // no layer control of its own
    G.popupToetsen(map);
    return map;
  };

  /**
   * Pan and zoom `a` and `b` together: each follows the other's view at once (no animation,
   * so they never drift apart). A hidden map (zero size) is left alone until it shows.
   */
  G.synchroniseer = function (a, b) {
    let bezig = false;
    const volg = (van, naar) => () => {
      if (bezig || !naar.getContainer().offsetWidth || !van.getContainer().offsetWidth) return;
      bezig = true;
      naar.setView(van.getCenter(), van.getZoom(), { animate: false });
      bezig = false;
    };
    a.on("move zoomend", volg(a, b));
    b.on("move zoomend", volg(b, a));
    return { gelijk: () => volg(a, b)() };
  };

  /** Where the pointer is on one map, a small ring at the same place on the other. */
  G.wijsAan = function (a, b) {
    for (const [van, naar] of [
      [a, b],
      [b, a],
    ]) {
      naar.createPane("aanwijzer").style.zIndex = 660;
      const ring = L.circleMarker([0, 0], {
        pane: "aanwijzer",
        radius: 7,
        color: "#111111",
        weight: 2,
        fill: false,
        interactive: false,
        className: "aanwijzer",
      });
      van.on("mousemove", (event) => {
        ring.setLatLng(event.latlng);
        if (!naar.hasLayer(ring)) ring.addTo(naar);
      });
      van.on("mouseout", () => ring.remove());
    }
  };

  /** The gebied's border (a GeoJSON feature) on `map`, below the popups; returns its layer. */
  G.grensOp = (map, feature) => L.geoJSON(feature, { style: GRENS_STIJL, interactive: false }).addTo(map);

  /** One side's stapeling on a map, in a pane of its own (the swipe mode clips panes). */
  class KantLaag {
    /**
     * @param {L.Map} map
     * @param {string} pane created here when missing
     * @param {"a"|"b"} kant
     * @param {Map<string, {naam: string}>} themas by code
     */
    constructor(map, pane, kant, themas) {
      this.map = map;
      this.pane = pane;
      this.kant = kant;
      this.themas = themas;
      if (!map.getPane(pane)) map.createPane(pane).style.zIndex = 410;
      this.groep = L.featureGroup();
      this.naam = kant.toUpperCase();
    }

    /** Draw `faces` (the side's stapeling) with the hotspots of its `samenvatting`. */
    teken(faces, samenvatting, naam) {
      this.naam = naam;
      this.groep.clearLayers();
      const hotspots = new Set(G.hotspots(samenvatting).map((h) => h.nr));
      L.geoJSON(faces, {
        pane: this.pane,
        style: (feature) => {
          const { aantal, nr } = feature.properties;
          const hotspot = hotspots.has(nr);
          return {
            fillColor: G.diepteKleur(aantal),
            fillOpacity: 0.8,
            color: hotspot ? "#111111" : VLAK_RAND,
            weight: hotspot ? 3 : 0.8,
            className: `stapeling-vlak kant-${this.kant} diepte-${aantal}${hotspot ? " hotspot" : ""}`,
          };
        },
        onEachFeature: (feature, layer) =>
          layer.bindPopup(() => this.popup(feature, hotspots.has(feature.properties.nr))),
      }).addTo(this.groep);
    }

    popup(feature, hotspot) {
      const p = feature.properties;
      const namen = p.themas.map((code) => (this.themas.get(code) || { naam: code }).naam);
      return el(
        "div",
        { class: "popup vlak-popup" },
        el("p", { class: `kantmerk kantmerk-${this.kant}`, text: this.naam }),
        el("h3", { text: p.aantal === 1 ? "1 opgave hier" : `${p.aantal} opgaven stapelen hier` }),
        hotspot ? el("p", { class: "hotspot-label", text: "Hotspot" }) : null,
        el(
          "p",
          null,
          `${G.ha(p.oppervlakte_ha)} · ${G.aantal(p.aantal_themas, "thema", "thema's")}: `,
          namen.join(", ")
        )
      );
    }

    toon(aan) {
      if (aan) this.groep.addTo(this.map);
      else this.groep.remove();
    }
  }

  G.KantLaag = KantLaag;
})(window.Gebiedsregie);
