/* The map on the OGC API's HTML pages: the features of this page, with their properties. */
"use strict";

(function (G) {
  const el = G.el;

  G.ogcPagina = function (map, control, config) {
    G.bewaakAchtergrond(map);
    // The same offline background as the map pages: the provinces, filled when tiles fail.
    G.provincieLaag(map, control, config.api);
    G.kaartBediening(map, control);
    const group = L.featureGroup().addTo(map);
    control.addOverlay(group, "Features");
    document.body.dataset.laden = "ja";
    G.api(config.url)
      .then((data) => {
        const features = data.type === "Feature" ? [data] : data.features;
        for (const feature of features) {
          const layer = L.geoJSON(feature, {
            style: { color: "#0b3d91", weight: 2, fillOpacity: 0.15 },
          });
          layer.bindPopup(() => popup(feature));
          layer.addTo(group);
        }
        if (features.length) map.fitBounds(group.getBounds(), { padding: [20, 20], animate: false });
      })
      .catch((error) => G.meldFout(`Laden mislukt: ${error.message}`))
      .finally(() => {
        document.body.dataset.laden = "nee";
      });
    G.pagina = { map };
  };

  function popup(feature) {
    const rows = Object.entries(feature.properties || {}).map(([key, value]) =>
      el(
        "div",
        null,
        el("dt", { text: key }),
        el("dd", { text: Array.isArray(value) ? value.join(", ") : value == null ? "–" : String(value) })
      )
    );
    return el("div", { class: "popup" }, el("h3", { text: String(feature.id) }), el("dl", null, rows));
  }
})(window.Gebiedsregie);
