/* The map mode "Conflicten en koppelkansen" on the gebied page: the stapeling's faces coloured
 * by conflict, koppelkans, both or neither (the matrices of /combinaties), a switch between it
 * and the colouring by depth, its legend, popups that name the pairs (with their reden), and
 * the figures in the side panel (combinatieblok.js). */
"use strict";

(function (G) {
  const el = G.el;
  const PARAM = "weergave"; // in the page's URL: ?weergave=conflicten
  const MODUS = "conflicten";
  const VLAK_RAND = "#4a4a4a";

  /** The four kinds of face, in the legend's order. */
  G.COMBINATIE_SOORTEN = [
    { code: "conflict", label: "Conflict", kleur: "#c62828" },
    { code: "beide", label: "Conflict én koppelkans", kleur: "#7b3294" },
    { code: "koppelkans", label: "Koppelkans", kleur: "#1b7837" },
    { code: "geen", label: "Geen van beide", kleur: "#e3ddcf" },
  ];
  const KLEUR = Object.fromEntries(G.COMBINATIE_SOORTEN.map((s) => [s.code, s.kleur]));

  /** A face's kind from its properties (`conflicten`, `koppelkansen`). */
  G.combinatieSoort = function (p) {
    const conflict = p.conflicten && p.conflicten.length > 0;
    const koppel = p.koppelkansen && p.koppelkansen.length > 0;
    if (conflict && koppel) return "beide";
    if (conflict) return "conflict";
    return koppel ? "koppelkans" : "geen";
  };

  /** A pair as words: "Wonen – Natuur", "Wonen – Natura 2000". */
  G.paarNaam = function (paar, themas, lagen) {
    const thema = (code) => (themas.get(code) || { naam: code }).naam;
    if (paar.laag !== undefined) {
      return `${thema(paar.thema)} – ${(lagen.get(paar.laag) || { naam: paar.laag }).naam}`;
    }
    if (paar.thema_a === paar.thema_b) return `Twee opgaven ${thema(paar.thema_a)}`;
    return `${thema(paar.thema_a)} – ${thema(paar.thema_b)}`;
  };

  class CombinatieLaag {
    /** `pagina` is the GebiedPagina: its map, api, themas, stapeling and opgaven. */
    constructor(pagina) {
      this.pagina = pagina;
      this.map = pagina.map;
      // On the map only in this mode; the switch, not the layer control, puts it there.
      this.groep = L.featureGroup();
      this.vlakLagen = new Map(); // face nr -> Leaflet layer
      this.lagen = new Map(); // laag slug -> {naam, soort}, from the samenvatting
      this.redenen = null; // pair key -> reden, from GET /combinaties (asked once, when shown)
      this.samenvatting = null;
      this.schakelaar = this.maakSchakelaar();
      // The stapeling switched on in the layer control: the depths it is, then.
      this.map.on("overlayadd", (event) => {
        if (event.layer === this.pagina.stapelingLaag.groep && this.aan()) this.zet(false);
      });
    }

    /** Whether the map shows this mode now. */
    aan() {
      return this.map.hasLayer(this.groep);
    }

    /** Switch the mode on or off (the stapeling's depths then); kept in the page's URL. */
    zet(aan) {
      const stapeling = this.pagina.stapelingLaag.groep;
      if (aan) {
        if (this.map.hasLayer(stapeling)) this.map.removeLayer(stapeling);
        if (!this.aan()) this.groep.addTo(this.map);
        this.laadRedenen();
      } else {
        if (this.aan()) this.map.removeLayer(this.groep);
        if (!this.map.hasLayer(stapeling)) stapeling.addTo(this.map);
      }
      const url = new URL(window.location.href);
      if (aan) url.searchParams.set(PARAM, MODUS);
      else url.searchParams.delete(PARAM);
      window.history.replaceState(null, "", url.pathname + url.search);
      this.toonKeuze();
      this.pagina.opgavenLaag.herstijl(); // outlines over the faces, either way
      this.pagina.werkLegendaBij();
    }

    /** The switch on the map: "Vlakken kleuren naar" depth or combinaties. */
    maakSchakelaar() {
      const control = L.control({ position: "topleft" });
      control.onAdd = () => {
        const keuze = (waarde, label) =>
          el(
            "label",
            null,
            el("input", {
              type: "radio",
              name: "kaartweergave",
              value: waarde,
              onchange: () => this.zet(waarde === MODUS),
            }),
            ` ${label}`
          );
        const vak = el(
          "fieldset",
          { class: "kaartweergave", "data-kaartweergave": "" },
          el("legend", { text: "Vlakken kleuren naar" }),
          keuze("stapeling", "Stapeling"),
          keuze(MODUS, "Conflicten en koppelkansen")
        );
        L.DomEvent.disableClickPropagation(vak);
        return vak;
      };
      control.addTo(this.map);
      return control.getContainer();
    }

    toonKeuze() {
      const waarde = this.aan() ? MODUS : "stapeling";
      for (const input of this.schakelaar.querySelectorAll("input")) {
        input.checked = input.value === waarde;
      }
    }

    /** Start in the mode the URL asks. */
    start() {
      this.zet(new URLSearchParams(window.location.search).get(PARAM) === MODUS);
    }

    teken(collection, samenvatting) {
      this.groep.clearLayers();
      this.vlakLagen.clear();
      this.samenvatting = samenvatting.combinaties || null;
      const deel = this.samenvatting || { lagen: [], hotspots: [] };
      this.lagen = new Map(deel.lagen.map((l) => [l.laag, l]));
      const hotspots = new Set(deel.hotspots.map((h) => h.nr));
      for (const feature of collection.features) {
        const soort = G.combinatieSoort(feature.properties);
        const hotspot = hotspots.has(feature.properties.nr);
        const layer = L.geoJSON(feature, {
          pane: "stapeling",
          style: {
            fillColor: KLEUR[soort],
            fillOpacity: soort === "geen" ? 0.55 : 0.8,
            color: hotspot ? "#111111" : VLAK_RAND,
            weight: hotspot ? 3 : 0.6,
            className: `combinatie-vlak combinatie-${soort}${hotspot ? " hotspot" : ""}`,
          },
        });
        layer.bindPopup(() => this.popup(feature, soort));
        layer.addTo(this.groep);
        this.vlakLagen.set(feature.properties.nr, layer);
      }
    }

    /** The legend's block while this mode is on: the kinds present. */
    legenda() {
      if (!this.aan()) return [];
      const aanwezig = new Set(this.groep.getLayers().map((l) => l.options.style.className.split(" ")[1]));
      const rijen = G.COMBINATIE_SOORTEN.filter((s) => aanwezig.has(`combinatie-${s.code}`)).map(
        (s) => [el("span", { class: "staal", style: { backgroundColor: s.kleur } }), s.label]
      );
      if (this.samenvatting && this.samenvatting.hotspots.length) {
        rijen.push([el("span", { class: "staal hotspot-staal" }), "meeste conflict"]);
      }
      const voorbeeld = this.samenvatting && this.samenvatting.voorbeeld;
      const kop = `Conflicten en koppelkansen${voorbeeld ? " (voorbeeld)" : ""}`;
      return [{ kop, rijen, klasse: "legenda-combinaties" }];
    }

    async laadRedenen() {
      if (this.redenen) return;
      this.redenen = new Map();
      try {
        const matrices = await G.api(`${this.pagina.api}/combinaties`);
        for (const c of matrices.thema_thema) this.redenen.set(`${c.thema_a}|${c.thema_b}`, c.reden);
        for (const c of matrices.thema_laag) this.redenen.set(`${c.thema}|laag:${c.laag}`, c.reden);
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        this.redenen = null; // asked again next time; the popups name the pairs meanwhile
      }
    }

    reden(paar) {
      if (!this.redenen) return null;
      const key =
        paar.laag !== undefined ? `${paar.thema}|laag:${paar.laag}` : `${paar.thema_a}|${paar.thema_b}`;
      return this.redenen.get(key) || null;
    }

    paren(kop, paren, p, klasse) {
      if (!paren.length) return null;
      const deel = (slug) => (p.lagen || []).find((d) => d.laag === slug);
      return el(
        "div",
        { class: `popup-paren ${klasse}` },
        el("h4", { text: kop }),
        el(
          "ul",
          { class: "popup-lijst" },
          paren.map((paar) => {
            const reden = this.reden(paar);
            const inLaag = paar.laag !== undefined ? deel(paar.laag) : null;
            return el(
              "li",
              null,
              el("strong", { text: G.paarNaam(paar, this.pagina.themas, this.lagen) }),
              inLaag
                ? el("span", { class: "klein", text: ` (${G.ha(inLaag.oppervlakte_ha)} van dit vlak in de laag)` })
                : null,
              reden ? el("div", { class: "klein reden", text: reden }) : null
            );
          })
        )
      );
    }

    popup(feature, soort) {
      const p = feature.properties;
      const label = G.COMBINATIE_SOORTEN.find((s) => s.code === soort).label;
      const stapeling = this.pagina.stapelingLaag.popup(feature, false);
      const voorbeeld = this.samenvatting && this.samenvatting.voorbeeld;
      return el(
        "div",
        { class: "popup combinatie-popup" },
        el("p", { class: `combinatie-label combinatie-label-${soort}`, text: label }),
        this.paren("Conflicten", p.conflicten || [], p, "conflicten"),
        this.paren("Koppelkansen", p.koppelkansen || [], p, "koppelkansen"),
        voorbeeld
          ? el("p", { class: "klein", text: "Volgens de voorbeeldmatrix; stel vast per provincie." })
          : null,
        stapeling
      );
    }

    /** Zoom to a face and open its popup, in this mode. */
    toonVlak(nr) {
      if (!this.aan()) this.zet(true);
      const layer = this.vlakLagen.get(nr);
      if (!layer) return;
      this.map.closePopup();
      this.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [30, 30], animate: false });
      layer.openPopup(layer.getBounds().getCenter());
    }
  }

  G.CombinatieLaag = CombinatieLaag;
})(window.Gebiedsregie);
