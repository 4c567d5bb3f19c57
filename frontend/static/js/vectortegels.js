/* Vector tiles (Mapbox Vector Tiles from /ogc, drawn by leaflet.vectorgrid), for layers too big
 * to load as GeoJSON. */
"use strict";

(function (G) {
  // VectorGrid 1.3.0 calls L.DomEvent.fakeStop when a feature in a canvas tile is clicked;
  // Leaflet 1.8 removed it. Stopping the click there keeps the map from treating it as a
  // click on empty map (which closes the popup the feature just opened). Our tiles are SVG,
  // which does not need this; the shim keeps a canvas renderer from failing.
  if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = L.DomEvent.stopPropagation;

  /**
   * The URL template of a collection's tiles in OGC order (tileMatrix/tileRow/tileCol, as
   * Leaflet's {z}/{y}/{x}), in the grid of `map` (RD or Web Mercator; without a map Web
   * Mercator), with query filters (empty values left out).
   */
  G.tegelUrl = function (collectie, params, map) {
    const schema = G.tegelSchema ? G.tegelSchema(map) : "WebMercatorQuad";
    const query = new URLSearchParams({ f: "mvt" });
    for (const [key, value] of Object.entries(params || {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item != null && item !== "") query.append(key, item);
      }
    }
    const path = `/ogc/collections/${encodeURIComponent(collectie)}/tiles/${schema}/{z}/{y}/{x}`;
    return `${path}?${query.toString()}`;
  };

  /**
   * A layer of a collection's vector tiles, for `map` (its grid). `stijl(properties)` gives the
   * Leaflet path style of a feature; `klik(properties, latlng)` is called when one is clicked.
   */
  G.vectorTegels = function (collectie, params, { map, pane, stijl, klik }) {
    const layer = L.vectorGrid.protobuf(G.tegelUrl(collectie, params, map), {
      pane,
      interactive: true,
      // The layer is named after the collection (one layer per tile).
      vectorTileLayerStyles: { [collectie]: (properties) => stijl(properties) },
      // With feature ids, VectorGrid also forgets a tile's paths when the tile goes.
      getFeatureId: (feature) => feature.properties.id,
    });
    if (klik) layer.on("click", (event) => klik(event.layer.properties, event.latlng));
    return layer;
  };
})(window.Gebiedsregie);
