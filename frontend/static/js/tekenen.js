/* Drawing on the map with leaflet-geoman: a polygon, a rectangle or a circle (which becomes a
 * polygon), for whatever the page wants it for. */
"use strict";

(function (G) {
  const AARDSTRAAL = 6378137; // metres, the sphere of Web Mercator
  const CIRKEL_HOEKEN = 64;

  /** A polygon of CIRKEL_HOEKEN vertices approximating a circle (radius in metres). */
  G.cirkelNaarVeelhoek = function (circle) {
    const centre = circle.getLatLng();
    const radius = circle.getRadius();
    const latScale = 180 / Math.PI / AARDSTRAAL;
    const lngScale = latScale / Math.cos((centre.lat * Math.PI) / 180);
    const ring = [];
    for (let i = 0; i < CIRKEL_HOEKEN; i++) {
      const angle = (2 * Math.PI * i) / CIRKEL_HOEKEN;
      ring.push([
        centre.lat + radius * Math.sin(angle) * latScale,
        centre.lng + radius * Math.cos(angle) * lngScale,
      ]);
    }
    return L.polygon(ring);
  };

  /**
   * Let the user draw one shape of `vorm` ("Polygon", "Rectangle", "Circle").
   * Resolves with the drawn L.Polygon (on the map, styled with `style`), or null when the
   * user stops drawing without a shape (Escape or another button).
   */
  G.teken = function (map, vorm, style) {
    map.pm.disableDraw();
    // While drawing, clicks go to the drawing, not to the popups of the layers below.
    const container = map.getContainer();
    container.classList.add("tekenmodus");
    return new Promise((resolve) => {
      let done = false;
      const finish = (layer) => {
        if (done) return;
        done = true;
        container.classList.remove("tekenmodus");
        map.off("pm:create", onCreate);
        map.off("pm:drawend", onEnd);
        document.removeEventListener("keydown", onKey);
        resolve(layer);
      };
      const onCreate = (event) => {
        let layer = event.layer;
        if (event.shape === "Circle") {
          map.removeLayer(layer);
          layer = G.cirkelNaarVeelhoek(layer).addTo(map);
        }
        if (style) layer.setStyle(style);
        finish(layer);
      };
      // drawend also follows a create: give pm:create the first word.
      const onEnd = () => window.setTimeout(() => finish(null), 0);
      const onKey = (event) => {
        if (event.key === "Escape") map.pm.disableDraw();
      };
      map.on("pm:create", onCreate);
      map.on("pm:drawend", onEnd);
      document.addEventListener("keydown", onKey);
      map.pm.enableDraw(vorm, { continueDrawing: false, finishOn: null });
    });
  };

  /** The GeoJSON geometry of a Leaflet polygon layer, to 8 decimals (about 1 mm). */
  G.geometrieVan = (layer) => layer.toGeoJSON(8).geometry;

  /** Let the user move the vertices of `layer`; returns a function that stops it. */
  G.bewerkVorm = function (layer) {
    layer.pm.enable({ allowSelfIntersection: false, draggable: true });
    return () => layer.pm.disable();
  };

  /**
   * Wire the panel's draw buttons (data-teken="doel", data-vorm="Polygon|Rectangle|Circle")
   * to `handlers[doel](layer)`, called with each drawn shape.
   */
  G.tekenknoppen = function (map, handlers, style) {
    for (const button of document.querySelectorAll("[data-teken]")) {
      button.addEventListener("click", async () => {
        const handler = handlers[button.dataset.teken];
        if (!handler) return;
        document.querySelectorAll("[data-teken]").forEach((b) => b.classList.remove("actief"));
        button.classList.add("actief");
        button.setAttribute("aria-pressed", "true");
        G.meld("Klik op de kaart om te tekenen; Escape stopt.", { blijft: true });
        const layer = await G.teken(map, button.dataset.vorm, style);
        button.classList.remove("actief");
        button.removeAttribute("aria-pressed");
        G.meld("");
        if (layer) handler(layer);
      });
    }
  };
})(window.Gebiedsregie);
