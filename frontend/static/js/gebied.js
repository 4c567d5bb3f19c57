/* The gebied page: wires the filters, the layers (opgaven, stapeling, "wat stapelt hier?"),
 * the legend, the samenvatting, the table and the downloads; the situation shown (the register
 * or a variant, varianten.js); for planners, editing through bewerken.js (variantbewerken.js in
 * a variant). Each concern lives in its own file; this one loads and redraws. */
"use strict";

(function (G) {
  const TEKEN_STIJL = { color: "#0b3d91", weight: 3, dashArray: "6 4", fillOpacity: 0.15 };
  const GRENS_STIJL = { color: "#1a1a1a", weight: 3, dashArray: "10 6", fill: false };

  G.gebiedPagina = function (map, control, config) {
    const pagina = new GebiedPagina(map, control, config);
    pagina.start();
    G.pagina = pagina; // for the browser console, the search box and the browser tests
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
      // Above this many opgaven, the opgaven are vector tiles instead of GeoJSON;
      // `?tegeldrempel=N` in the page's URL overrides the config's threshold (to try tiles out).
      const drempel = new URLSearchParams(window.location.search).get(G.DREMPEL_PARAM);
      this.tegelDrempel = /^\d+$/.test(drempel || "") ? Number(drempel) : config.tegelDrempel;
      this.laadNr = 0;
      this.laatste = null; // what the last load drew: {samenvatting, vlakken, faces}
      this.variant = null; // the variant shown (GET /varianten/{id}), or null: the register
      // `?opgave=<id>` (a search hit elsewhere): shown once the opgaven are drawn.
      this.teTonen = new URLSearchParams(window.location.search).get("opgave");

      for (const [name, z] of [["stapeling", 410], ["opgaven", 420], ["tekenen", 440]]) {
        map.createPane(name).style.zIndex = z;
      }
      // One model for the thema's: the filter form chooses them (and recomputes everything);
      // the layer control switches whole layers on and off, nothing per thema.
      this.grens = L.featureGroup().addTo(map);
      this.stapelingLaag = new G.StapelingLaag(this);
      this.combinaties = new G.CombinatieLaag(this); // the map mode "Conflicten en koppelkansen"
      this.opgavenLaag = new G.OpgavenLaag(this);
      this.adhoc = new G.WatStapeltHier(this, TEKEN_STIJL);
      control.addOverlay(this.grens, "Gebiedsgrens");
      control.addOverlay(this.opgavenLaag.groep, "Opgaven");
      control.addOverlay(this.stapelingLaag.groep, "Stapeling");
      control.addOverlay(this.adhoc.groep, "Wat stapelt hier?");
      this.legenda = new G.Legenda(map);
      // Natura 2000 and the like: the sturende lagen on from the start, as they steer here.
      this.referentielagen = new G.Referentielagen(map, control, {
        api: this.api,
        aan: (laag) => laag.soort === "sturend",
        gewijzigd: () => this.werkLegendaBij(),
      });

      this.filterForm = new G.FilterForm(document.getElementById("filters"), this.themas, this.namen);
      this.tabel = new G.OpgavenTabel(this);
      this.combinatieBlok = new G.CombinatieBlok(this);
      // The editing tools are on the page for planners only (gebied.html).
      const bewerkbaar = G.magBewerken() && G.Bewerker && document.getElementById("opgave-form");
      const Bewerker = G.VariantBewerker || G.Bewerker;
      this.bewerker = bewerkbaar ? new Bewerker(this, TEKEN_STIJL) : null;
      this.situatie = new G.Situatiekeuze(this);
      this.ruimtebalans = new G.RuimtebalansPaneel(this);
    }

    // What bewerken.js, the tests and the console reach through the page.
    get opgaven() {
      return this.opgavenLaag.opgaven;
    }
    get opgaveLagen() {
      return this.opgavenLaag.opgaveLagen;
    }
    get themaLagen() {
      return this.opgavenLaag.themaLagen;
    }
    get tegelLagen() {
      return this.opgavenLaag.tegelLagen;
    }
    get stapeling() {
      return this.stapelingLaag.groep;
    }
    opgaveFeature(id) {
      return this.opgavenLaag.feature(id);
    }
    toonOpgave(id) {
      this.opgavenLaag.toon(id);
    }
    filters(metDiepte) {
      return this.filterForm.waarden(metDiepte);
    }
    stapelingZichtbaar() {
      // Its faces, coloured by depth or by conflict (the opgaven are outlines over them).
      return this.map.hasLayer(this.stapelingLaag.groep) || this.map.hasLayer(this.combinaties.groep);
    }

    start() {
      G.themaStijlen([...this.themas.values()]);
      G.bewaakAchtergrond(this.map);
      G.kaartKeuze(this.map);
      this.provincies = G.provincieLaag(this.map, this.control, this.api);
      G.kaartBediening(this.map, this.control);
      this.combinaties.start();
      G.zoomKnop(this.map, "Zoom naar het hele gebied", () => this.grens.getBounds());
      G.afdrukken(this.map, () => this.grens.getBounds(), ["samenvatting-sectie"]);
      G.initTekenen(this.map);
      this.filterForm.leesUitUrl();
      this.werkDownloadsBij();
      this.filterForm.koppel(() => {
        if (!this.variant) this.tabel.filtersGewijzigd(); // a variant's: after the load
        this.laad();
      });
      G.tekenknoppen(
        this.map,
        {
          adhoc: (layer) => this.adhoc.bereken(layer),
          opgave: this.bewerker && ((layer) => this.bewerker.startOpgave(layer, null)),
        },
        TEKEN_STIJL
      );
      if (this.bewerker) this.bewerker.koppel();
      this.map.on("overlayadd overlayremove", (event) => {
        if (event.layer === this.stapelingLaag.groep) this.opgavenLaag.herstijl();
        this.werkLegendaBij();
      });
      this.grensGeladen = this.laadGrens(true);
      // The situation first (`?variant=` in the URL): the first load is of what is asked.
      this.situatie.start().finally(() => this.laad());
    }

    /** The register or a variant is shown now: everything anew. */
    situatieGewijzigd() {
      if (!this.variant) this.tabel.filtersGewijzigd(); // a variant's: after the load
      return this.laad();
    }

    /** The downloads (table, samenvatting, report, exports) of what the page shows. */
    werkDownloadsBij() {
      G.werkDownloadsBij(this.api, this.gebied, this.filterForm, this.variant ? this.variant.id : null);
    }

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
      this.werkDownloadsBij(); // what is loaded is what the downloads give
      document.body.dataset.laden = "ja";
      G.meld("Kaartlagen laden…", { blijft: true });
      const base = `${this.api}/gebieden/${this.gebied.id}/stapeling`;
      const filters = this.filters(false);
      const params = { gebied: this.gebied.id, ...filters };
      const variant = this.variant;
      const situatie = variant ? { variant: variant.id } : {};
      try {
        const [[aantal, opgaven], [vlakken, samenvatting]] = await Promise.all([
          variant
            ? // A variant's opgaven (and the left-out ones, marked) as GeoJSON: no tiles of it.
              G.apiAll(`${this.api}/varianten/${variant.id}/opgaven`, { ...filters, weggelaten: true })
                .then((collection) => [null, collection])
            : // Counted first (limit=1): too many are drawn as tiles, the others fetched.
              G.api(`${this.api}/opgaven`, { params: { ...params, limit: 1 } }).then(async (page) => [
                page.numberMatched,
                page.numberMatched > this.tegelDrempel
                  ? null
                  : await G.apiAll(`${this.api}/opgaven`, params),
              ]),
          // The faces first: that request stores the stapeling the samenvatting then reads.
          G.api(base, { params: { ...this.filters(true), ...situatie } }).then(async (faces) => [
            faces,
            await G.api(`${base}/samenvatting`, { params: { ...filters, ...situatie } }),
          ]),
        ]);
        const alsTegels = opgaven === null;
        await this.grensGeladen; // the first view is the gebied's, before "loaded" is said
        if (nr !== this.laadNr) return; // a newer request is under way
        this.filterForm.toonFouten(null);
        if (alsTegels) this.opgavenLaag.tekenTegels(filters, samenvatting.themas);
        else this.opgavenLaag.teken(opgaven);
        document.body.dataset.opgavenAls = alsTegels ? "tegels" : "geojson";
        this.stapelingLaag.teken(vlakken, samenvatting);
        this.combinaties.teken(vlakken, samenvatting);
        this.laatste = { samenvatting, vlakken: vlakken.features.length, faces: vlakken };
        this.toonSamenvatting();
        this.combinatieBlok.werkBij(samenvatting);
        this.ruimtebalans.werkBij();
        this.werkLegendaBij();
        // A variant's table after its stapeling is stored, and anew after each edit of it.
        if (variant) this.tabel.filtersGewijzigd();
        if (this.teTonen) {
          this.opgavenLaag.toon(this.teTonen);
          this.teTonen = null;
        }
        const meegeteld = alsTegels
          ? aantal
          : opgaven.features.filter((f) => f.properties.variant_wijziging !== "weggelaten").length;
        G.meld(
          `${variant ? `Variant "${variant.naam}": ` : ""}` +
            `${G.aantal(meegeteld, "opgave", "opgaven")}` +
            `${alsTegels ? " (als kaarttegels)" : ""}, ` +
            `${G.aantal(vlakken.features.length, "stapelingsvlak", "stapelingsvlakken")}.`
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (nr !== this.laadNr) return;
        this.filterForm.toonFouten(error);
        G.meldFout(error.status === 401 ? G.toegangMelding(error) : `Laden mislukt: ${error.message}`);
      } finally {
        if (nr === this.laadNr) document.body.dataset.laden = "nee";
      }
    }

    toonSamenvatting() {
      const { samenvatting, vlakken } = this.laatste;
      document.querySelector("[data-samenvatting]").replaceChildren(
        ...G.samenvattingBlok(samenvatting, {
          themas: this.themas,
          filters: this.filterForm.beschrijving(),
          minAantal: this.filterForm.minAantal(),
          vlakken,
          toonVlak: (nr) => this.stapelingLaag.toonVlak(nr),
        })
      );
    }

    /** The legend shows what is on the map now: layers switched on, filters applied. */
    werkLegendaBij() {
      const s = this.laatste && this.laatste.samenvatting;
      const map = this.map;
      const minAantal = this.filterForm.minAantal();
      const opgavenAan = map.hasLayer(this.opgavenLaag.groep);
      this.legenda.werkBij({
        grens: map.hasLayer(this.grens),
        themas:
          s && opgavenAan
            ? [...this.themas.values()].filter((t) => s.themas.includes(t.code))
            : null,
        stapeling:
          s && this.map.hasLayer(this.stapelingLaag.groep) && this.laatste.vlakken
            ? {
                van: minAantal,
                tot: s.max_diepte,
                hotspot: G.hotspots(s).some((h) => h.aantal >= minAantal),
              }
            : null,
        adhoc: map.hasLayer(this.adhoc.groep) && this.adhoc.groep.getLayers().length > 0,
        extra: [
          ...this.combinaties.legenda(),
          ...this.referentielagen.legenda(),
          ...(this.variant && opgavenAan ? G.variantLegenda(this.opgavenLaag.opgaven.values()) : []),
        ],
      });
    }
  }
})(window.Gebiedsregie);
