/* The map's furniture on every map page: a collapsible layer control, popups that pan clear
 * of the controls, Escape closes a popup, shapes reachable by keyboard, "zoom to gebied". */
"use strict";

(function (G) {
  const el = G.el;
  const SMAL = "(max-width: 800px)"; // phones and narrow windows: the controls start collapsed
  const MARGE = 10; // px between a popup and a control
  const SVG = "http://www.w3.org/2000/svg";
  const marges = new WeakMap(); // map -> the function that recomputes its popups' padding

  G.isSmal = () => window.matchMedia(SMAL).matches;

  /** An SVG icon from path data (a 20 x 20 box), hidden from screen readers. */
  G.icoon = function (d) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.classList.add("icoon");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  };
  const LAGEN_ICOON = "M10 2 1 6.5 10 11l9-4.5L10 2Zm-6.7 8L1 11.2 10 16l9-4.8-2.3-1.2L10 13.5 3.3 10Z";
  const GEBIED_ICOON = "M2 2h6v2H4v4H2V2Zm10 0h6v6h-2V4h-4V2ZM2 12h2v4h4v2H2v-6Zm14 0h2v6h-6v-2h4v-4Z";

  /**
   * The layer control with a button of our own: "Kaartlagen", aria-expanded, collapsed from
   * the start on small screens; while drawing it folds away, so no click meant for the map
   * lands on it. Returns {open(bool), isOpen()}.
   */
  G.lagenknop = function (map, control) {
    const container = control.getContainer();
    const lijst = container.querySelector(".leaflet-control-layers-list");
    lijst.id = `${map.getContainer().id}-lagen`;
    lijst.setAttribute("aria-label", "Kaartlagen");
    const knop = el(
      "button",
      { type: "button", class: "lagen-knop", "aria-controls": lijst.id },
      G.icoon(LAGEN_ICOON),
      el("span", { text: "Kaartlagen" })
    );
    container.prepend(knop);
    container.classList.add("lagen");
    const open = (aan) => {
      container.classList.toggle("leaflet-control-layers-expanded", aan);
      container.classList.toggle("ingeklapt", !aan);
      knop.setAttribute("aria-expanded", String(aan));
      // The list may not reach below the map: it scrolls instead (a drawer on a phone).
      const hoogte = map.getContainer().clientHeight - knop.offsetHeight - 40;
      lijst.style.maxHeight = `${Math.max(120, hoogte)}px`;
      map.fire("bedieningveranderd");
    };
    knop.addEventListener("click", () => open(knop.getAttribute("aria-expanded") !== "true"));
    open(!G.isSmal());
    let wasOpen = null;
    map.on("pm:drawstart", () => {
      wasOpen = knop.getAttribute("aria-expanded") === "true";
      open(false);
    });
    map.on("pm:drawend", () => {
      if (wasOpen) open(true);
      wasOpen = null;
    });
    G.plooiVoorPopup(map, open);
    return { open, isOpen: () => knop.getAttribute("aria-expanded") === "true" };
  };

  /**
   * On a small screen an open popup has the map to itself: `open(false)` folds a control
   * (layer drawer, legend) away, and the popup pans again with the room that leaves.
   */
  G.plooiVoorPopup = function (map, open) {
    map.on("popupopen", (event) => {
      if (!G.isSmal()) return;
      open(false);
      window.requestAnimationFrame(() => {
        G.werkPopupMargesBij(map);
        if (map.hasLayer(event.popup)) event.popup.update();
      });
    });
  };

  /** The box of `node` relative to the map's container. */
  function vak(node, kaart) {
    const r = node.getBoundingClientRect();
    return { left: r.left - kaart.left, top: r.top - kaart.top, right: r.right - kaart.left, bottom: r.bottom - kaart.top };
  }

  /**
   * Popups pan clear of the controls: on a wide map they keep out of the strip of the right-hand
   * controls (layer control, legend); on a narrow one, out of the band above and below them.
   * Leaflet reads a popup's padding and size from the prototype's options (the pages' popups
   * set none of their own), so they follow the controls as these fold and the map resizes.
   */
  G.popupMarges = function (map) {
    const kaartNode = map.getContainer();
    const werkBij = () => {
      const kaart = kaartNode.getBoundingClientRect();
      if (!kaart.width) return;
      // What a popup must not go under: the controls one acts on or reads (not the
      // attribution or the scale, which are thin and always there).
      const blokken = (hoek) =>
        [...kaartNode.querySelectorAll(`.leaflet-${hoek} > .leaflet-control`)]
          .filter((node) => node.offsetParent !== null)
          .filter((node) => !node.matches(".leaflet-control-attribution, .leaflet-control-scale"))
          .map((node) => vak(node, kaart));
      const linksBoven = blokken("top.leaflet-left");
      const links = Math.max(0, ...linksBoven.map((b) => b.right));
      const rechtsBoven = blokken("top.leaflet-right");
      const rechtsOnder = blokken("bottom.leaflet-right");
      const rechts = [...rechtsBoven, ...rechtsOnder];
      const strook = Math.max(0, ...rechts.map((b) => kaart.width - b.left));
      // The legend (bottom right) may not run into the layer control (top right).
      const bovenRechts = Math.max(0, ...rechtsBoven.map((b) => b.bottom));
      for (const node of kaartNode.querySelectorAll(".leaflet-bottom.leaflet-right .legenda")) {
        node.style.maxHeight = `${Math.max(80, kaart.height - bovenRechts - 40)}px`;
      }
      const opties = L.Popup.prototype.options;
      let tl;
      let br;
      const linksOnder = blokken("bottom.leaflet-left"); // the notice when tiles fail
      if (kaart.width - strook - links >= 380) {
        tl = L.point(links + MARGE, MARGE);
        br = L.point(strook + MARGE, MARGE + Math.max(0, ...linksOnder.map((b) => kaart.height - b.top)));
      } else {
        // Narrow: between the controls at the top (both corners) and those at the bottom.
        const boven = Math.max(bovenRechts, ...linksBoven.map((b) => b.bottom));
        const onder = Math.max(0, ...[...rechtsOnder, ...linksOnder].map((b) => kaart.height - b.top));
        tl = L.point(MARGE, boven + MARGE);
        br = L.point(MARGE, onder + MARGE);
      }
      opties.autoPanPaddingTopLeft = tl;
      opties.autoPanPaddingBottomRight = br;
      // A popup that would not fit in what is left scrolls inside instead (the tip: 20 px).
      opties.maxWidth = Math.max(180, Math.min(340, kaart.width - tl.x - br.x - 50));
      opties.maxHeight = Math.max(120, kaart.height - tl.y - br.y - 40);
    };
    marges.set(map, werkBij);
    new ResizeObserver(werkBij).observe(kaartNode);
    map.on("bedieningveranderd resize", () => window.requestAnimationFrame(werkBij));
    werkBij();
    return werkBij;
  };

  /** Recompute the popups' padding now (after a control changed size). */
  G.werkPopupMargesBij = (map) => {
    const werkBij = marges.get(map);
    if (werkBij) werkBij();
  };

  /**
   * Escape closes the open popup (wherever the focus is), and the focus goes back to where it
   * was when the popup opened. The popup's close button gets a Dutch name.
   */
  G.popupToetsen = function (map) {
    let terug = null;
    let open = null;
    map.on("popupclose", (event) => {
      if (event.popup === open) open = null;
    });
    map.on("popupopen", (event) => {
      open = event.popup;
      const active = document.activeElement;
      terug = active && active !== document.body ? active : null;
      const sluit = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (sluit) {
        sluit.setAttribute("aria-label", "Sluiten");
        sluit.setAttribute("title", "Sluiten");
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (!open || !map.hasLayer(open)) return;
      map.closePopup(open);
      event.preventDefault();
      if (terug && terug.isConnected && terug.focus) terug.focus();
      terug = null;
    });
  };

  /**
   * Make the paths of `layer` reachable by keyboard: in the tab order, named `naam`, and Enter
   * or Space opens the popup, with the focus in it (Escape brings it back).
   */
  G.toegankelijkeVorm = function (layer, naam) {
    const open = (sub) => {
      const popup = layer.getPopup();
      if (!popup) return;
      layer.openPopup(sub.getBounds ? sub.getBounds().getCenter() : undefined);
      const node = popup.getElement();
      if (node) {
        node.setAttribute("tabindex", "-1");
        node.focus({ preventScroll: true });
      }
    };
    const markeer = (sub) => {
      const path = sub.getElement && sub.getElement();
      if (!path || path.dataset.toegankelijk) return;
      path.dataset.toegankelijk = "ja";
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", naam);
      path.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        open(sub);
      });
    };
    layer.eachLayer((sub) => {
      sub.on("add", () => markeer(sub));
      markeer(sub);
    });
  };

  /** A button under the zoom buttons that zooms to `bounds()`: "Zoom naar het gebied". */
  G.zoomKnop = function (map, label, bounds) {
    const control = L.control({ position: "topleft" });
    control.onAdd = () => {
      const knop = el(
        "button",
        { type: "button", class: "zoom-gebied", title: label, "aria-label": label },
        G.icoon(GEBIED_ICOON)
      );
      knop.addEventListener("click", () => {
        const box = bounds();
        if (box && box.isValid()) map.closePopup().fitBounds(box, { padding: [20, 20] });
      });
      const bar = el("div", { class: "leaflet-bar zoom-gebied-bar" }, knop);
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    };
    return control.addTo(map);
  };

  /**
   * Printing: the map gets its size on paper (as afdrukken.css has it) already on the screen,
   * so Leaflet lays it out for that size and shows `bounds()`; the sections to print are
   * opened. Afterwards the view comes back.
   */
  G.afdrukken = function (map, bounds, secties) {
    const PAPIER = { width: "180mm", height: "125mm" }; // the map on A4 (afdrukken.css)
    const node = map.getContainer();
    let terug = null;
    const voor = () => {
      if (terug) return;
      const dicht = secties.map((id) => document.getElementById(id)).filter((d) => d && !d.open);
      terug = { center: map.getCenter(), zoom: map.getZoom(), dicht };
      for (const details of dicht) details.open = true;
      Object.assign(node.style, PAPIER);
      map.invalidateSize({ animate: false });
      const box = bounds();
      if (box && box.isValid()) map.fitBounds(box, { padding: [10, 10], animate: false });
    };
    const na = () => {
      if (!terug) return;
      Object.assign(node.style, { width: "", height: "" });
      map.invalidateSize({ animate: false });
      map.setView(terug.center, terug.zoom, { animate: false });
      for (const details of terug.dicht) details.open = false;
      terug = null;
    };
    window.addEventListener("beforeprint", voor);
    window.addEventListener("afterprint", na);
    // Also when print media is emulated (a PDF made by a headless browser).
    window.matchMedia("print").addEventListener("change", (event) => (event.matches ? voor() : na()));
  };

  /** All of the above that every map page wants; returns the layer control's handle. */
  G.kaartBediening = function (map, control) {
    const lagen = G.lagenknop(map, control);
    G.popupMarges(map);
    G.popupToetsen(map);
    if (G.indeling) {
      G.indeling();
      // Drawing wants the map: the sheet goes down (a phone), the controls fold (lagenknop).
      map.on("pm:drawstart", () => G.openBlad(false));
    }
    return lagen;
  };
})(window.Gebiedsregie);
