/* The referentielagen on a map page (gebied, overzicht): each live laag an overlay of its
 * vector tiles (/ogc/collections/referentielaag-<slug>/tiles), hatched in its kleur over a
 * thin outline, so the opgaven and the stapeling under it stay readable. Its legend rows, its
 * attribution (bron, licentie) while it is on, and a popup naming the object where a click
 * hit nothing else: the hatching takes no clicks, so opgaven and faces keep theirs. */
"use strict";

(function (G) {
  const el = G.el;
  const PANE = "referentielagen";
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_EIGENSCHAPPEN = 8;
  // Attributes that say nothing to a reader of the popup.
  const TECHNISCH = new Set(["naam", "name", "slug", "id", "fid", "objectid", "geom_bron", "shape_area", "shape_length"]);
  const SOORTEN = { sturend: "sturend", informatief: "informatief" };

  /**
   * @typedef {Object} Referentielaag  GET /api/v1/referentielagen, one of them
   * @property {string} slug
   * @property {string} naam
   * @property {"sturend"|"informatief"} soort
   * @property {string} kleur  #rrggbb
   * @property {string} naamsvermelding  licentie or bron, naming the laag
   * @property {number} aantal_objecten
   */

  /**
   * @typedef {Object} Opties
   * @property {string} api  the API's base path
   * @property {(laag: Referentielaag) => boolean} [aan]  whether a laag starts switched on
   * @property {() => void} [gewijzigd]  called when the lagen are loaded (for the legend)
   */

  class Referentielagen {
    /**
     * @param {any} map  the Leaflet map
     * @param {any} control  its layer control
     * @param {Opties} opties
     */
    constructor(map, control, { api, aan = () => false, gewijzigd = () => {} }) {
      this.map = map;
      this.control = control;
      this.api = api;
      this.aan = aan;
      this.gewijzigd = gewijzigd;
      /** @type {Map<string, {laag: Referentielaag, tegels: any}>} */
      this.lagen = new Map();
      /** @type {Map<string, Record<string, any>>} object id -> its tile properties */
      this.objecten = new Map();
      if (!map.getPane(PANE)) {
        // Over the stapeling (410), under the opgaven (420); clicks go through.
        const pane = map.createPane(PANE);
        pane.style.zIndex = "415";
        pane.style.pointerEvents = "none";
      }
      this.defs = patroonDefs();
      map.on("click", (/** @type {any} */ event) => this.klik(event));
      this.geladen = this.laad();
    }

    async laad() {
      try {
        const antwoord = await G.api(`${this.api}/referentielagen`);
        /** @type {Referentielaag[]} */
        const lagen = antwoord.referentielagen.filter(
          (/** @type {Referentielaag} */ l) => /^[a-z0-9-]+$/.test(l.slug) && /^#[0-9a-f]{6}$/i.test(l.kleur)
        );
        stalen(lagen);
        for (const laag of lagen) this.voegToe(laag);
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meldFout(`Referentielagen niet geladen: ${error.message}`);
      }
      this.gewijzigd();
    }

    /** @param {Referentielaag} laag */
    voegToe(laag) {
      const collectie = `referentielaag-${laag.slug}`;
      this.defs.append(patroon(laag));
      const stijl = {
        fill: true,
        fillColor: `url(#arcering-${laag.slug})`,
        fillOpacity: 1,
        color: laag.kleur,
        weight: 1.5,
        opacity: 0.9,
      };
      const tegels = L.vectorGrid.protobuf(G.tegelUrl(collectie, {}, this.map), {
        pane: PANE,
        interactive: false,
        attribution: G.escape(laag.naamsvermelding),
        vectorTileLayerStyles: {
          [collectie]: (/** @type {Record<string, any>} */ properties) => {
            this.objecten.set(properties.id, properties);
            // The id in a class: a click finds the object's properties by its path.
            return { ...stijl, className: `referentieobject laag-${laag.slug} object-${properties.id}` };
          },
        },
      });
      this.lagen.set(laag.slug, { laag, tegels });
      const label = `<span class="staal referentie-staal laag-${laag.slug}"></span>${G.escape(laag.naam)}`;
      this.control.addOverlay(tegels, label);
      if (this.aan(laag)) tegels.addTo(this.map);
    }

    /** @returns {Referentielaag[]} the lagen switched on */
    zichtbaar() {
      return [...this.lagen.values()].filter((l) => this.map.hasLayer(l.tegels)).map((l) => l.laag);
    }

    /** The legend's block: each laag on, its naam and soort (its attribution is on the map). */
    legenda() {
      const lagen = this.zichtbaar();
      if (!lagen.length) return [];
      const rijen = lagen.map((laag) => [
        el("span", { class: `staal referentie-staal laag-${laag.slug}` }),
        el("span", { class: "referentie-label" }, laag.naam, el("span", { class: "soort", text: ` · ${SOORTEN[laag.soort] || laag.soort}` })),
      ]);
      return [{ kop: "Referentielagen", rijen, klasse: "legenda-referentielagen" }];
    }

    /** A click that hit no opgave or face: the objecten under it, in one popup. */
    klik(/** @type {any} */ event) {
      if (this.map.pm && this.map.pm.globalDrawModeEnabled()) return;
      const { clientX, clientY } = event.originalEvent;
      /** @type {Map<string, {laag: Referentielaag, properties: Record<string, any>}>} */
      const treffers = new Map();
      for (const path of this.map.getPane(PANE).querySelectorAll("path.referentieobject")) {
        const box = path.getBoundingClientRect();
        if (clientX < box.left || clientX > box.right || clientY < box.top || clientY > box.bottom) continue;
        const ctm = path.getScreenCTM();
        if (!ctm || !path.isPointInFill(new DOMPoint(clientX, clientY).matrixTransform(ctm.inverse()))) continue;
        const klassen = [...path.classList];
        const id = (klassen.find((k) => k.startsWith("object-")) || "").slice(7);
        const slug = (klassen.find((k) => k.startsWith("laag-")) || "").slice(5);
        const bij = this.lagen.get(slug);
        if (bij && this.objecten.has(id)) treffers.set(id, { laag: bij.laag, properties: this.objecten.get(id) || {} });
      }
      if (!treffers.size) return;
      const inhoud = [...treffers.values()].map(({ laag, properties }) => popupDeel(laag, properties));
      L.popup({ className: "referentie-popup-vak" })
        .setLatLng(event.latlng)
        .setContent(el("div", { class: "popup referentie-popup" }, inhoud))
        .openOn(this.map);
    }
  }

  /** The popup of one object: its naam, laag and soort, key attributes, and its source. */
  function popupDeel(/** @type {Referentielaag} */ laag, /** @type {Record<string, any>} */ p) {
    let eigenschappen = {};
    try {
      eigenschappen = JSON.parse(p.eigenschappen || "{}");
    } catch {
      // Not JSON: the naam and id are shown still.
    }
    const regels = [["Id", p.extern_id]];
    for (const [key, value] of Object.entries(eigenschappen)) {
      if (regels.length > MAX_EIGENSCHAPPEN || TECHNISCH.has(key.toLowerCase())) continue;
      if (value == null || value === "" || typeof value === "object") continue;
      if (String(value) === p.extern_id) continue; // shown as its Id
      regels.push([key, typeof value === "boolean" ? (value ? "ja" : "nee") : String(value)]);
    }
    const href = `/ogc/collections/referentielaag-${encodeURIComponent(laag.slug)}/items/${encodeURIComponent(p.id)}?f=html`;
    return el(
      "section",
      { class: "referentie-object" },
      el("h3", { text: p.naam || "Object zonder naam" }),
      el("p", { class: "referentie-laag" }, el("span", { class: `staal referentie-staal laag-${laag.slug}` }), `${laag.naam} · ${SOORTEN[laag.soort] || laag.soort}`),
      el(
        "dl",
        null,
        regels
          .filter(([, value]) => value != null && value !== "")
          .map(([key, value]) => el("div", null, el("dt", { text: key }), el("dd", { text: value })))
      ),
      el("p", { class: "klein", text: `Bron: ${laag.naamsvermelding}` }),
      el("a", { href, text: "Alle gegevens" })
    );
  }

  /** A hidden <svg> whose <defs> hold the hatching of each laag (fill="url(#arcering-…)"). */
  function patroonDefs() {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "referentie-patronen");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const defs = document.createElementNS(SVG, "defs");
    svg.append(defs);
    document.body.append(svg);
    return defs;
  }

  /** Sturend: diagonal lines, dense; informatief: the other diagonal, lighter. */
  function patroon(/** @type {Referentielaag} */ laag) {
    const sturend = laag.soort === "sturend";
    const maak = (/** @type {string} */ tag, /** @type {Record<string, string>} */ attrs) => {
      const node = document.createElementNS(SVG, tag);
      for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
      return node;
    };
    const stap = sturend ? "7" : "9";
    const vak = maak("pattern", {
      id: `arcering-${laag.slug}`,
      patternUnits: "userSpaceOnUse",
      width: stap,
      height: stap,
      patternTransform: `rotate(${sturend ? 45 : -45})`,
    });
    vak.append(
      maak("rect", { width: stap, height: stap, fill: laag.kleur, "fill-opacity": sturend ? "0.14" : "0.08" }),
      maak("line", {
        x1: "0",
        y1: "0",
        x2: "0",
        y2: stap,
        stroke: laag.kleur,
        "stroke-width": sturend ? "2.5" : "1.5",
        "stroke-opacity": sturend ? "0.75" : "0.6",
      })
    );
    return vak;
  }

  /** Swatches .referentie-staal.laag-<slug>: hatched like the map (no inline styles: CSP). */
  function stalen(/** @type {Referentielaag[]} */ lagen) {
    const sheet = new CSSStyleSheet();
    const regels = lagen.map((l) => {
      const hoek = l.soort === "sturend" ? "45deg" : "-45deg";
      return (
        `.referentie-staal.laag-${l.slug} { border: 1.5px solid ${l.kleur}; ` +
        `background: repeating-linear-gradient(${hoek}, ${l.kleur} 0 2px, ${l.kleur}22 2px 6px); }`
      );
    });
    sheet.replaceSync(regels.join("\n"));
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }

  G.Referentielagen = Referentielagen;
})(window.Gebiedsregie);
