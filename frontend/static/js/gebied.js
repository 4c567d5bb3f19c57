/* The gebied page: thema layers, the stapeling with its legend and samenvatting, filters,
 * "wat stapelt hier?"; for planners, drawing and editing through bewerken.js. */
"use strict";

(function (G) {
  const el = G.el;
  const FILTERS = ["thema", "status", "trekker", "horizon", "min_aantal"];
  const TEKEN_STIJL = { color: "#0b3d91", weight: 3, dashArray: "6 4", fillOpacity: 0.15 };
  const GRENS_STIJL = { color: "#1a1a1a", weight: 3, dashArray: "10 6", fill: false };
  // `?tegeldrempel=N` in the page's URL overrides the config's threshold (to try tiles out).
  const DREMPEL_PARAM = "tegeldrempel";

  G.gebiedPagina = function (map, control, config) {
    const pagina = new GebiedPagina(map, control, config);
    pagina.start();
    G.pagina = pagina; // for the browser console and the browser tests
    return pagina;
  };

  class GebiedPagina {
    constructor(map, control, config) {
      this.map = map;
      this.control = control;
      this.api = config.api;
      this.gebied = config.gebied;
      this.themas = new Map(config.themas.map((t) => [t.code, t]));
      this.namen = Object.fromEntries(
        [...config.statussen, ...config.trekkers].map((item) => [item.code, item.naam])
      );
      this.opgaven = new Map(); // id -> feature
      this.opgaveLagen = new Map(); // id -> Leaflet layer
      // Above this many opgaven, the thema layers are vector tiles instead of GeoJSON.
      const drempel = new URLSearchParams(window.location.search).get(DREMPEL_PARAM);
      this.tegelDrempel = /^\d+$/.test(drempel || "") ? Number(drempel) : config.tegelDrempel;
      this.tegelLagen = new Map(); // thema code -> vector tile layer, when drawn as tiles
      this.vlakLagen = new Map(); // face nr -> Leaflet layer
      this.laadNr = 0;

      for (const [name, z] of [["stapeling", 410], ["opgaven", 420], ["tekenen", 440]]) {
        map.createPane(name).style.zIndex = z;
      }
      this.grens = L.featureGroup().addTo(map);
      this.stapeling = L.featureGroup().addTo(map);
      this.adhoc = L.featureGroup().addTo(map);
      control.addOverlay(this.grens, "Gebiedsgrens");
      control.addOverlay(this.stapeling, "Stapeling");
      this.themaLagen = new Map();
      for (const thema of config.themas) {
        const group = L.featureGroup().addTo(map);
        this.themaLagen.set(thema.code, group);
        control.addOverlay(
          group,
          `<span class="staal staal-${G.escape(thema.code)}"></span>` +
            `<span class="thema-laag" data-thema="${G.escape(thema.code)}">${G.escape(thema.naam)}</span>`
        );
      }
      control.addOverlay(this.adhoc, "Wat stapelt hier?");
      this.legenda = this.maakLegenda().addTo(map);

      this.filterForm = document.getElementById("filters");
      // The editing tools are on the page for planners only (gebied.html).
      const bewerkbaar = G.magBewerken() && G.Bewerker && document.getElementById("opgave-form");
      this.bewerker = bewerkbaar ? new G.Bewerker(this, TEKEN_STIJL) : null;
    }

    start() {
      G.themaStijlen([...this.themas.values()]);
      G.bewaakAchtergrond(this.map);
      this.provincies = G.provincieLaag(this.map, this.control, this.api);
      G.initTekenen(this.map);
      this.leesFiltersUitUrl();
      this.werkExportsBij();
      this.koppelFilters();
      G.tekenknoppen(
        this.map,
        {
          adhoc: (layer) => this.watStapeltHier(layer),
          opgave: this.bewerker && ((layer) => this.bewerker.startOpgave(layer, null)),
        },
        TEKEN_STIJL
      );
      if (this.bewerker) this.bewerker.koppel();
      // Opgaven get a fill only when the stapeling (which colours the ground) is off.
      this.map.on("overlayadd overlayremove", (event) => {
        if (event.layer === this.stapeling) this.stijlOpgaven();
      });
      this.grensGeladen = this.laadGrens(true);
      this.laad();
    }

    // --- filters -----------------------------------------------------------------------

    leesFiltersUitUrl() {
      const params = new URLSearchParams(window.location.search);
      const themas = new Set(params.getAll("thema"));
      for (const box of this.filterForm.querySelectorAll('input[name="thema"]')) {
        box.checked = themas.has(box.value);
      }
      for (const name of ["status", "trekker", "horizon", "min_aantal"]) {
        if (params.has(name)) this.filterForm.elements.namedItem(name).value = params.get(name);
      }
    }

    /** The filters as API query parameters; `metDiepte` adds min_aantal. */
    filters(metDiepte) {
      const form = this.filterForm.elements;
      const params = {
        thema: [...this.filterForm.querySelectorAll('input[name="thema"]:checked')].map(
          (box) => box.value
        ),
        status: form.namedItem("status").value,
        trekker: form.namedItem("trekker").value,
        horizon: form.namedItem("horizon").value.trim(),
      };
      if (metDiepte) params.min_aantal = form.namedItem("min_aantal").value.trim() || "1";
      return params;
    }

    koppelFilters() {
      let timer = null;
      const changed = () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          this.schrijfFiltersInUrl();
          this.werkExportsBij();
          this.laad();
        }, 250);
      };
      this.filterForm.addEventListener("change", changed);
      this.filterForm.addEventListener("input", changed);
      this.filterForm.addEventListener("submit", (event) => event.preventDefault());
      this.filterForm.addEventListener("reset", () => window.setTimeout(changed, 0));
    }

    /** The export links carry the current filters. */
    werkExportsBij() {
      const extra = { "geojson-rd": { crs: "http://www.opengis.net/def/crs/EPSG/0/28992" }, gpkg: { formaat: "gpkg" } };
      for (const link of document.querySelectorAll("[data-export]")) {
        const url = new URL(`${this.api}/gebieden/${this.gebied.id}/export`, window.location.origin);
        const params = { ...this.filters(false), ...(extra[link.dataset.export] || {}) };
        for (const [key, value] of Object.entries(params)) {
          for (const item of Array.isArray(value) ? value : [value]) {
            if (item !== "") url.searchParams.append(key, item);
          }
        }
        link.href = url.pathname + url.search;
      }
    }

    schrijfFiltersInUrl() {
      const params = new URLSearchParams();
      const drempel = new URLSearchParams(window.location.search).get(DREMPEL_PARAM);
      if (drempel !== null) params.set(DREMPEL_PARAM, drempel);
      for (const [key, value] of Object.entries(this.filters(true))) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item !== "" && !(key === "min_aantal" && item === "1")) params.append(key, item);
        }
      }
      const query = params.toString();
      window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
    }

    toonFilterFouten(error) {
      for (const slot of this.filterForm.querySelectorAll("[data-fout-voor]")) {
        slot.hidden = true;
        slot.textContent = "";
      }
      for (const item of (error && error.errors) || []) {
        const slot = this.filterForm.querySelector(`[data-fout-voor="${CSS.escape(item.name)}"]`);
        if (slot) {
          slot.textContent = item.reason;
          slot.hidden = false;
        }
      }
    }

    // --- loading -----------------------------------------------------------------------

    async laadGrens(zoom) {
      const feature = await G.api(`${this.api}/gebieden/${this.gebied.id}`);
      this.gebiedFeature = feature;
      this.grens.clearLayers();
      L.geoJSON(feature, { style: GRENS_STIJL, interactive: false }).addTo(this.grens);
      if (zoom) this.map.fitBounds(this.grens.getBounds(), { padding: [20, 20], animate: false });
    }

    /** Re-query opgaven, stapeling and samenvatting for the current filters, and redraw. */
    async laad() {
      const nr = ++this.laadNr;
      document.body.dataset.laden = "ja";
      G.meld("Kaartlagen laden…");
      const base = `${this.api}/gebieden/${this.gebied.id}/stapeling`;
      const filters = this.filters(false);
      const params = { gebied: this.gebied.id, ...filters };
      try {
        const [[aantal, opgaven], [vlakken, samenvatting]] = await Promise.all([
          // Counted first (limit=1): too many are drawn as tiles, the others fetched.
          G.api(`${this.api}/opgaven`, { params: { ...params, limit: 1 } }).then(async (page) => [
            page.numberMatched,
            page.numberMatched > this.tegelDrempel
              ? null
              : await G.apiAll(`${this.api}/opgaven`, params),
          ]),
          // The faces first: that request stores the stapeling the samenvatting then reads.
          G.api(base, { params: this.filters(true) }).then(async (faces) => [
            faces,
            await G.api(`${base}/samenvatting`, { params: filters }),
          ]),
        ]);
        const alsTegels = opgaven === null;
        await this.grensGeladen; // the first view is the gebied's, before "loaded" is said
        if (nr !== this.laadNr) return; // a newer request is under way
        this.toonFilterFouten(null);
        if (alsTegels) this.tekenOpgaveTegels(filters, samenvatting.themas);
        else this.tekenOpgaven(opgaven);
        document.body.dataset.opgavenAls = alsTegels ? "tegels" : "geojson";
        this.tekenStapeling(vlakken, samenvatting);
        this.toonSamenvatting(samenvatting);
        G.meld(
          `${G.getal(alsTegels ? aantal : opgaven.features.length)} opgaven` +
            `${alsTegels ? " (als kaarttegels)" : ""}, ` +
            `${vlakken.features.length} stapelingsvlakken.`
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (nr !== this.laadNr) return;
        this.toonFilterFouten(error);
        G.meld(error.status === 401 ? G.toegangMelding(error) : `Laden mislukt: ${error.message}`);
      } finally {
        if (nr === this.laadNr) document.body.dataset.laden = "nee";
      }
    }

    // --- opgaven -----------------------------------------------------------------------

    opgaveStijl(feature) {
      const thema = this.themas.get(feature.properties.thema);
      const kleur = thema ? thema.kleur : "#555555";
      const fill = !this.map.hasLayer(this.stapeling);
      return {
        color: kleur,
        weight: 2.5,
        fill,
        fillColor: kleur,
        fillOpacity: 0.3,
        className: `opgave thema-${feature.properties.thema}`,
      };
    }

    stijlOpgaven() {
      for (const [id, layer] of this.opgaveLagen) layer.setStyle(this.opgaveStijl(this.opgaven.get(id)));
      // Tiles are styled as they are drawn: their fill goes by a class, not by a redraw.
      this.map.getPane("opgaven").classList.toggle("zonder-vulling", this.map.hasLayer(this.stapeling));
    }

    wisOpgaven() {
      this.opgaven.clear();
      this.opgaveLagen.clear();
      this.tegelLagen.clear();
      for (const group of this.themaLagen.values()) group.clearLayers();
    }

    tekenOpgaven(collection) {
      this.wisOpgaven();
      for (const feature of collection.features) {
        const group = this.themaLagen.get(feature.properties.thema);
        if (!group) continue;
        this.opgaven.set(feature.id, feature);
        const layer = L.geoJSON(feature, { pane: "opgaven", style: (f) => this.opgaveStijl(f) });
        layer.bindTooltip(() => el("span", { text: feature.properties.titel }), { sticky: true });
        layer.bindPopup(() => this.opgavePopup(feature), { maxWidth: 340 });
        layer.addTo(group);
        this.opgaveLagen.set(feature.id, layer);
      }
      if (this.bewerker) this.bewerker.naHertekenen();
    }

    /**
     * Too many opgaven for GeoJSON: each thema layer holds the thema's vector tiles instead,
     * for the `themas` that have opgaven here (with the filters), so no tile is asked for in vain.
     */
    tekenOpgaveTegels(filters, themas) {
      this.wisOpgaven();
      const params = { gebied: this.gebied.id, ...filters, thema: [] };
      for (const [code, group] of this.themaLagen) {
        if (!themas.includes(code)) continue;
        const layer = G.vectorTegels(`opgaven-${code}`, params, {
          pane: "opgaven",
          stijl: (properties) => ({
            ...this.opgaveStijl({ properties }),
            fill: true, // unless the pane says otherwise: see stijlOpgaven
            className: `opgave-tegel thema-${code}`,
          }),
          klik: (properties, latlng) => this.toonTegelOpgave(properties.id, latlng),
        });
        layer.addTo(group);
        this.tegelLagen.set(code, layer);
      }
      this.stijlOpgaven();
    }

    /** The opgave's feature: the loaded one, or fetched (and kept) when drawn as tiles. */
    async opgaveFeature(id) {
      if (!this.opgaven.has(id)) this.opgaven.set(id, await G.api(`${this.api}/opgaven/${id}`));
      return this.opgaven.get(id);
    }

    /** The popup of an opgave drawn as tiles, at `latlng`, or else zoomed to its shape. */
    async toonTegelOpgave(id, latlng) {
      try {
        const feature = await this.opgaveFeature(id);
        let plek = latlng;
        if (!plek) {
          const bounds = L.geoJSON(feature).getBounds();
          this.map.closePopup();
          this.map.fitBounds(bounds, { maxZoom: 15, padding: [30, 30] });
          plek = bounds.getCenter();
        }
        L.popup({ maxWidth: 340 }).setLatLng(plek).setContent(this.opgavePopup(feature)).openOn(this.map);
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meld(`Opgave niet geladen: ${error.message}`);
      }
    }

    opgavePopup(feature) {
      const p = feature.properties;
      const thema = this.themas.get(p.thema);
      const regels = [
        ["Thema", thema ? thema.naam : p.thema],
        ["Trekker", this.namen[p.trekker] || p.trekker],
        ["Status", this.namen[p.status] || p.status],
        ["Horizon", p.horizon],
        ["Oppervlakte", G.ha(p.oppervlakte_ha)],
        ["Ruimtevraag", p.ruimtevraag_ha == null ? null : G.ha(p.ruimtevraag_ha)],
        ["Bron", p.bron],
      ].filter(([, value]) => value != null && value !== "");
      return el(
        "div",
        { class: "popup opgave-popup" },
        el("h3", { text: p.titel }),
        el(
          "dl",
          null,
          regels.map(([key, value]) => el("div", null, el("dt", { text: key }), el("dd", { text: value })))
        ),
        p.beschrijving ? el("p", { class: "popup-tekst", text: p.beschrijving }) : null,
        G.rol() && G.historieKnop ? G.historieKnop("opgave", feature.id) : null,
        this.bewerker
          ? el(
              "div",
              { class: "knoppen" },
              el("button", {
                type: "button",
                text: "Bewerken",
                onclick: () => this.bewerker.bewerkOpgave(feature.id),
              }),
              el("button", {
                type: "button",
                class: "gevaar",
                text: "Verwijderen",
                onclick: () => this.bewerker.verwijderOpgave(feature.id),
              })
            )
          : null
      );
    }

    // --- stapeling ---------------------------------------------------------------------

    tekenStapeling(collection, samenvatting) {
      this.stapeling.clearLayers();
      this.vlakLagen.clear();
      this.vlakkenLaag(collection, samenvatting, this.stapeling, this.vlakLagen);
      this.werkLegendaBij(samenvatting.max_diepte);
    }

    /** Faces coloured by depth, hotspots outlined, into `group`. */
    vlakkenLaag(collection, samenvatting, group, index) {
      const hotspots = new Set(samenvatting.hotspots.map((h) => h.nr));
      for (const feature of collection.features) {
        const { aantal, nr } = feature.properties;
        const hotspot = hotspots.has(nr);
        const layer = L.geoJSON(feature, {
          pane: "stapeling",
          style: {
            fillColor: G.diepteKleur(aantal),
            fillOpacity: 0.75,
            color: hotspot ? "#111111" : "#7a4a00",
            weight: hotspot ? 3 : 0.4,
            className: `stapeling-vlak diepte-${aantal}${hotspot ? " hotspot" : ""}`,
          },
        });
        layer.bindPopup(() => this.vlakPopup(feature, hotspot), { maxWidth: 340 });
        layer.addTo(group);
        if (index) index.set(nr, layer);
      }
    }

    vlakPopup(feature, hotspot) {
      const p = feature.properties;
      const items = p.opgaven.map((id) => {
        const opgave = this.opgaven.get(id);
        if (!opgave) return this.laterGeladenOpgave(id);
        const thema = opgave && this.themas.get(opgave.properties.thema);
        return el(
          "li",
          null,
          el("span", { class: "staal", style: { backgroundColor: thema ? thema.kleur : "#999" } }),
          opgave
            ? el("button", {
                type: "button",
                class: "link",
                text: opgave.properties.titel,
                onclick: () => this.toonOpgave(id),
              })
            : el("span", { text: `opgave ${id}` }),
          thema ? el("span", { class: "klein", text: ` (${thema.naam})` }) : null
        );
      });
      return el(
        "div",
        { class: "popup vlak-popup" },
        el("h3", { text: p.aantal === 1 ? "1 opgave hier" : `${p.aantal} opgaven stapelen hier` }),
        hotspot ? el("p", { class: "hotspot-label", text: "Hotspot" }) : null,
        el(
          "p",
          null,
          `${G.ha(p.oppervlakte_ha)} · ${p.aantal_themas} ${p.aantal_themas === 1 ? "thema" : "thema's"}: `,
          p.themas.map((code) => (this.themas.get(code) || { naam: code }).naam).join(", ")
        ),
        el("ul", { class: "popup-lijst" }, items)
      );
    }

    /** A list item for an opgave that is not loaded (tiles): its titel follows when fetched. */
    laterGeladenOpgave(id) {
      const staal = el("span", { class: "staal", style: { backgroundColor: "#999" } });
      const knop = el("button", {
        type: "button",
        class: "link",
        text: "opgave (laden…)",
        onclick: () => this.toonOpgave(id),
      });
      this.opgaveFeature(id)
        .then((opgave) => {
          const thema = this.themas.get(opgave.properties.thema);
          knop.textContent = opgave.properties.titel;
          if (thema) staal.style.backgroundColor = thema.kleur;
        })
        .catch(() => {
          knop.textContent = `opgave ${id}`;
        });
      return el("li", null, staal, knop);
    }

    toonOpgave(id) {
      const layer = this.opgaveLagen.get(id);
      if (!layer) {
        if (this.tegelLagen.size) this.toonTegelOpgave(id, null);
        return;
      }
      this.map.closePopup();
      this.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [30, 30] });
      layer.openPopup(layer.getBounds().getCenter());
    }

    maakLegenda() {
      const legenda = L.control({ position: "bottomright" });
      legenda.onAdd = () => {
        this.legendaDiv = el("div", { class: "legenda", "aria-label": "Legenda stapeling" });
        return this.legendaDiv;
      };
      return legenda;
    }

    werkLegendaBij(maxDiepte) {
      const n = Math.max(1, Math.min(maxDiepte, G.DIEPTE_KLEUREN.length));
      const rows = [];
      for (let aantal = 1; aantal <= n; aantal++) {
        const label = aantal === G.DIEPTE_KLEUREN.length ? `${aantal} of meer` : String(aantal);
        rows.push(
          el("li", null, el("span", { class: "staal", style: { backgroundColor: G.diepteKleur(aantal) } }), label)
        );
      }
      rows.push(el("li", null, el("span", { class: "staal hotspot-staal" }), "hotspot"));
      this.legendaDiv.replaceChildren(
        el("strong", { text: "Stapeling (aantal opgaven)" }),
        el("ul", null, rows)
      );
    }

    // --- samenvatting ------------------------------------------------------------------

    toonSamenvatting(s) {
      document.querySelector("[data-samenvatting]").replaceChildren(...this.samenvattingBlok(s, true));
    }

    samenvattingBlok(s, metHotspots) {
      const namen = Object.fromEntries([...this.themas].map(([code, t]) => [code, t.naam]));
      const blok = [
        el(
          "dl",
          { class: "kerncijfers" },
          [
            ["Oppervlakte", G.ha(s.gebied_ha)],
            ["Met opgaven", `${G.ha(s.bedekt_ha)} (${G.procent(s.bedekt_ha, s.gebied_ha)})`],
            ["Opgaven", G.getal(s.aantal_opgaven)],
            ["Maximale stapeling", s.max_diepte],
            ["Ruimtedruk", G.getal2(s.ruimtedruk)],
            ["Vlakken", G.getal(s.aantal_vlakken)],
          ].map(([key, value]) =>
            el("div", null, el("dt", { text: key }), el("dd", { text: value, dataset: { cijfer: key } }))
          )
        ),
      ];
      if (!s.aantal_opgaven) {
        blok.push(el("p", { class: "leeg", text: "Geen opgaven met deze filters." }));
        return blok;
      }
      blok.push(
        G.staafdiagram(
          "Oppervlakte per stapelingsdiepte",
          s.per_diepte.map((d) => ({
            label: `${d.aantal} ${d.aantal === 1 ? "opgave" : "opgaven"}`,
            value: d.oppervlakte_ha,
            kleur: G.diepteKleur(d.aantal),
          }))
        ),
        G.staafdiagram(
          "Oppervlakte per thema",
          Object.entries(s.per_thema)
            .sort((a, b) => b[1] - a[1])
            .map(([code, ha]) => ({
              label: namen[code] || code,
              value: ha,
              kleur: (this.themas.get(code) || { kleur: "#999999" }).kleur,
            }))
        )
      );
      if (s.themas.length > 1) {
        blok.push(G.heatmap("Overlap tussen thema's (ha)", s.themas, s.overlap_ha, namen));
      }
      if (metHotspots && s.hotspots.length) {
        blok.push(
          el("h3", { text: "Hotspots" }),
          el(
            "ol",
            { class: "hotspots" },
            s.hotspots.map((h) =>
              el(
                "li",
                null,
                el("button", {
                  type: "button",
                  class: "link",
                  text: `${h.aantal} opgaven · ${G.ha(h.oppervlakte_ha)}`,
                  onclick: () => this.toonVlak(h.nr),
                }),
                el("span", { class: "klein", text: ` ${h.themas.map((c) => namen[c] || c).join(", ")}` })
              )
            )
          )
        );
      }
      blok.push(
        el("p", {
          class: "uitleg",
          text:
            "Ruimtedruk: de oppervlakte van alle opgaven in het gebied samen, gedeeld door de " +
            "oppervlakte van het gebied.",
        })
      );
      return blok;
    }

    toonVlak(nr) {
      const layer = this.vlakLagen.get(nr);
      if (!layer) return;
      if (!this.map.hasLayer(this.stapeling)) this.stapeling.addTo(this.map);
      this.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [30, 30] });
      layer.openPopup(layer.getBounds().getCenter());
    }

    // --- wat stapelt hier? -------------------------------------------------------------

    async watStapeltHier(layer) {
      const resultaat = document.getElementById("adhoc-resultaat");
      const fout = document.querySelector("[data-adhoc-fout]");
      fout.hidden = true;
      this.adhoc.clearLayers();
      this.map.removeLayer(layer);
      layer.options.pane = "tekenen";
      layer.setStyle({ ...TEKEN_STIJL, fill: false });
      layer.addTo(this.adhoc);
      if (!this.map.hasLayer(this.adhoc)) this.adhoc.addTo(this.map);
      resultaat.replaceChildren(el("p", { text: "Berekenen…" }));
      try {
        const body = { type: "Feature", geometry: G.geometrieVan(layer), properties: {} };
        const result = await G.api(`${this.api}/stapeling`, {
          method: "POST",
          params: this.filters(true),
          body,
        });
        this.vlakkenLaag(result, result.samenvatting, this.adhoc, null);
        layer.bringToFront();
        resultaat.replaceChildren(
          el("h3", { text: "In het getekende vlak" }),
          ...this.samenvattingBlok(result.samenvatting, false),
          el("button", { type: "button", text: "Wissen", onclick: () => this.wisAdhoc() })
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        resultaat.replaceChildren();
        fout.textContent = error.errors.length
          ? error.errors.map((e) => e.reason).join(" ")
          : error.message;
        fout.hidden = false;
        layer.bindTooltip(el("span", { text: fout.textContent }), {
          permanent: true,
          direction: "center",
          className: "kaartfout",
        });
      }
    }

    wisAdhoc() {
      this.adhoc.clearLayers();
      document.getElementById("adhoc-resultaat").replaceChildren();
    }
  }
})(window.Gebiedsregie);
