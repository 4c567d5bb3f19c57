// @ts-check
/* The map in RD or in Web Mercator. In RD (`?kaart=rd`) the map's CRS is NetherlandsRDNewQuad,
 * the grid of PDOK's RD tiles (origin (-285401.92, 903401.92), 3440.64 m a pixel at level 0,
 * halving per level); the background is the BRT in EPSG:28992 and the app's vector tiles come
 * from its RD tilesets. Leaflet cannot change a map's CRS once made, so the switch (a button
 * on the map) reloads the page with or without `kaart=rd`, keeping the rest of its URL. */
"use strict";

(function (G) {
  const RD_SCHEMA = "NetherlandsRDNewQuad";
  const MERCATOR_SCHEMA = "WebMercatorQuad";
  const ORIGIN = [-285401.92, 903401.92];
  const LEVELS = 17; // 0 .. 16, as the tiles (/ogc/tileMatrixSets/NetherlandsRDNewQuad)
  // EPSG:28992 with the datum shift proj4 needs to place it on the WGS84 of Leaflet's latlngs.
  const RD_NEW =
    "+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 " +
    "+x_0=155000 +y_0=463000 +ellps=bessel " +
    "+towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs";
  // The page code gives maxZoom in Web Mercator levels; RD level z has about the scale of
  // Web Mercator level z + 5 over the Netherlands (3440.64 m against 156543 m * cos 52°).
  const ZOOM_VERSCHIL = 5;

  /** @type {any} */
  const Lf = window.L;
  if (Lf.Proj) {
    // Only on a page in RD: proj4 and proj4leaflet are loaded there (pages.py).
    const size = 3440.64 * 256;
    /** The Leaflet CRS of NetherlandsRDNewQuad; folium makes the map with L.CRS.RDNew. */
    G.RD_CRS = new Lf.Proj.CRS("EPSG:28992", RD_NEW, {
      origin: ORIGIN,
      resolutions: Array.from({ length: LEVELS }, (_, z) => 3440.64 / 2 ** z),
      bounds: Lf.bounds([ORIGIN[0], ORIGIN[1] - size], [ORIGIN[0] + size, ORIGIN[1]]),
    });
    Lf.CRS.RDNew = G.RD_CRS;
  }

  /** Whether `map` is in RD. @param {any} map */
  G.inRd = (map) => Boolean(map && G.RD_CRS && map.options.crs === G.RD_CRS);

  /** The tile matrix set of the app's vector tiles for `map`. @param {any} [map] */
  G.tegelSchema = (map) => (G.inRd(map) ? RD_SCHEMA : MERCATOR_SCHEMA);

  /** This page's URL in the other CRS (the rest of the query kept). @param {boolean} rd */
  function urlIn(rd) {
    const url = new URL(window.location.href);
    if (rd) url.searchParams.set("kaart", "rd");
    else url.searchParams.delete("kaart");
    return url.toString();
  }

  /**
   * The switch between the two maps, bottom right; in RD, also the page code's maxZoom in
   * fitBounds brought to RD levels.
   * @param {any} map
   */
  G.kaartKeuze = function (map) {
    const rd = G.inRd(map);
    if (rd) {
      const fitBounds = map.fitBounds;
      map.fitBounds = function (/** @type {any} */ bounds, /** @type {any} */ options) {
        const opties =
          options && options.maxZoom != null
            ? { ...options, maxZoom: Math.max(0, options.maxZoom - ZOOM_VERSCHIL) }
            : options;
        return fitBounds.call(map, bounds, opties);
      };
    }
    const keuze = Lf.control({ position: "bottomright" });
    keuze.onAdd = () =>
      G.el(
        "div",
        { class: "kaart-keuze leaflet-bar" },
        G.el("button", {
          type: "button",
          text: rd ? "Kaart in Web Mercator" : "Kaart in RD",
          title: rd
            ? "Toon de kaart in Web Mercator, met ook OpenStreetMap als achtergrond"
            : "Toon de kaart in RD (EPSG:28992), met de PDOK-achtergrond en de tegels in RD",
          onclick: () => window.location.assign(urlIn(!rd)),
        })
      );
    keuze.addTo(map);
    map.getContainer().classList.toggle("kaart-rd", rd);
    return keuze;
  };
})(/** @type {any} */ (window).Gebiedsregie);
