/* The vergelijken page: two situations of a gebied (the register or a variant, each with its own
 * horizon) on two maps side by side that move together, on one map with a swipe divider, or as
 * a difference map; beside them the tables of differences and the opgaven that differ. The URL
 * holds the choice (a, b, a_horizon, b_horizon, the filters thema, status and trekker of both,
 * weergave), so a comparison can be shared. The maps are in vergelijkkaarten.js, swipe.js and
 * verschilkaart.js; the tables in verschiltabel.js; the filters' form in vergelijkfilters.js. */
"use strict";

(function (G) {
  const el = G.el;
  const HUIDIG = "huidig";
  const VARIANT = "variant:";
  const WEERGAVEN = ["naast", "schuif", "verschil"];
  const VELDEN = ["a", "a_horizon", "b", "b_horizon"];
  const FILTERS = ["thema", "status", "trekker"]; // both sides'
  const UITLEG = {
    naast: "A links, B rechts; de kaarten bewegen samen.",
    schuif: "Eén kaart: A links van de schuifbalk, B rechts. Sleep de balk, of gebruik de pijltjestoetsen.",
    verschil: "Rood: hier stapelen in B meer opgaven dan in A; blauw: minder. Een vlak noemt de opgaven.",
  };

  G.vergelijkPagina = function (map, control, config) {
    const pagina = new VergelijkPagina(map, control, config);
    pagina.start();
    G.pagina = pagina; // for the browser console and the browser tests
    return pagina;
  };

  /** The variant id in a situation ("variant:<id>"), or null for the register. */
  const variantId = (situatie) => (situatie.startsWith(VARIANT) ? situatie.slice(VARIANT.length) : null);

  class VergelijkPagina {
    constructor(map, control, config) {
      this.map = map;
      this.control = control;
      this.api = config.api;
      this.gebied = config.gebied;
      this.themas = new Map(config.themas.map((t) => [t.code, t]));
      this.woorden = Object.fromEntries(
        [...config.statussen, ...config.trekkers].map((i) => [i.code, i.naam])
      );
      this.form = document.getElementById("vergelijk-form");
      const filterForm = document.getElementById("vergelijk-filters");
      this.filters = new G.FilterKeuze(filterForm, this.themas, this.woorden);
      this.vak = document.querySelector(".vergelijkvak");
      this.varianten = []; // the gebied's variants, when logged in
      this.laadNr = 0;
      this.laatste = null; // the last comparison drawn (the API's answer)
      this.stand = this.leesUitUrl();

      map.getContainer().setAttribute("aria-label", "Kaart A");
      // Half a map each: half zoom steps let the gebied fill it (map B takes this over).
      map.options.zoomSnap = 0.5;
      this.kaartB = G.tweedeKaart(map, document.querySelector("[data-kaart-b]"), this.api);
      this.kaartB.getContainer().setAttribute("aria-label", "Kaart B");
      this.kantA = new G.KantLaag(map, "stapeling-a", "a", this.themas);
      this.kantBSchuif = new G.KantLaag(map, "stapeling-b", "b", this.themas); // the swipe's right side
      this.kantB = new G.KantLaag(this.kaartB, "stapeling", "b", this.themas);
      this.verschil = new G.VerschilLaag(map, "verschil");
      this.schuif = new G.Schuif(map, "stapeling-a", "stapeling-b");
      this.legenda = new G.Legenda(map);
      this.grenzen = [];
    }

    start() {
      G.themaStijlen([...this.themas.values()]); // the filters' swatches
      G.bewaakAchtergrond(this.map);
      G.provincieLaag(this.map, this.control, this.api);
      // The layer control starts folded: with two maps there is little room.
      G.kaartBediening(this.map, this.control).open(false);
      const gebied = () => (this.grenzen.length ? this.grenzen[0].getBounds() : null);
      G.zoomKnop(this.map, "Zoom naar het hele gebied", gebied);
      G.zoomKnop(this.kaartB, "Zoom naar het hele gebied", gebied);
      this.sync = G.synchroniseer(this.map, this.kaartB);
      G.wijsAan(this.map, this.kaartB);
      this.vulForm();
      this.koppel();
      this.zetWeergave(this.stand.weergave, false);
      this.grensGeladen = this.laadGrens();
      this.laadVarianten();
      this.laad();
    }

    leesUitUrl() {
      const params = new URLSearchParams(window.location.search);
      const weergave = params.get("weergave");
      return {
        a: params.get("a") || HUIDIG,
        b: params.get("b") || HUIDIG,
        a_horizon: params.get("a_horizon") || "",
        b_horizon: params.get("b_horizon") || "",
        ...this.filters.leesUit(params),
        weergave: WEERGAVEN.includes(weergave) ? weergave : "naast",
      };
    }

    schrijfInUrl() {
      const s = this.stand;
      const params = Object.fromEntries([...VELDEN, ...FILTERS].map((veld) => [veld, s[veld]]));
      params.weergave = s.weergave === "naast" ? null : s.weergave;
      window.history.replaceState(null, "", G.metParams(window.location.pathname, params));
    }

    async laadGrens() {
      const feature = await G.api(`${this.api}/gebieden/${this.gebied.id}`);
      this.grenzen = [G.grensOp(this.map, feature), G.grensOp(this.kaartB, feature)];
      this.control.addOverlay(this.grenzen[0], "Gebiedsgrens");
      this.map.fitBounds(this.grenzen[0].getBounds(), { padding: [20, 20], animate: false });
      this.sync.gelijk();
    }

    /** The gebied's variants as choices (an account is needed to read them). */
    async laadVarianten() {
      if (!G.rol()) return;
      try {
        const page = await G.api(`${this.api}/gebieden/${this.gebied.id}/varianten`, {
          params: { limit: 1000 },
        });
        this.varianten = page.varianten;
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        G.meldFout(`Varianten niet geladen: ${error.message}`);
      }
      this.vulForm();
      this.toonLabels();
    }

    /** The form as the state has it: each side's choices, with an asked variant among them. */
    vulForm() {
      for (const kant of ["a", "b"]) {
        const select = this.form.elements.namedItem(kant);
        const opties = [
          el("option", { value: HUIDIG, text: "Huidige situatie" }),
          ...this.varianten.map((v) =>
            el("option", { value: `${VARIANT}${v.id}`, text: `Variant "${v.naam}" (${v.status})` })
          ),
        ];
        const gevraagd = this.stand[kant];
        if (!opties.some((o) => o.value === gevraagd))
          opties.push(el("option", { value: gevraagd, text: this.situatieNaam(kant) }));
        select.replaceChildren(...opties);
        select.value = gevraagd;
        this.form.elements.namedItem(`${kant}_horizon`).value = this.stand[`${kant}_horizon`];
      }
      this.filters.vul(this.stand);
    }

    koppel() {
      let timer = null;
      const later = () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => this.formGewijzigd(), 300);
      };
      this.form.addEventListener("change", later);
      this.form.addEventListener("input", later);
      this.form.addEventListener("submit", (event) => event.preventDefault());
      this.filters.koppel((filters) => {
        if (!G.FilterKeuze.gelijk(filters, this.stand)) this.zet(filters, false);
      });
      this.form.querySelector("[data-wissel]").addEventListener("click", () => {
        const s = this.stand;
        this.zet({ a: s.b, a_horizon: s.b_horizon, b: s.a, b_horizon: s.a_horizon });
      });
      this.form
        .querySelector('[data-snel="horizon"]')
        .addEventListener("click", () =>
          this.zet({ a: HUIDIG, a_horizon: "2030", b: HUIDIG, b_horizon: "2040" })
        );
      for (const radio of document.querySelectorAll('[data-weergavekeuze] input[name="weergave"]')) {
        radio.addEventListener("change", () => radio.checked && this.zetWeergave(radio.value, true));
      }
    }

    formGewijzigd() {
      const waarden = Object.fromEntries(
        VELDEN.map((veld) => [veld, this.form.elements.namedItem(veld).value.trim()])
      );
      if (VELDEN.every((veld) => waarden[veld] === this.stand[veld])) return;
      this.zet(waarden, false);
    }

    /** Compare anew: `waarden` holds any of a, b, their horizons and the filters. */
    zet(waarden, vulForm = true) {
      Object.assign(this.stand, waarden);
      if (vulForm) this.vulForm();
      this.schrijfInUrl();
      this.laad();
    }

    /** A side's situation in words: "Huidige situatie", 'Variant "X" (concept)'. */
    situatieNaam(kant) {
      const situatie = this.stand[kant];
      const id = variantId(situatie);
      if (!id) return "Huidige situatie";
      const gevonden =
        this.varianten.find((v) => v.id === id) ||
        (this.laatste && this.laatste[kant].variant && this.laatste[kant].variant.id === id
          ? this.laatste[kant].variant
          : null);
      return gevonden ? `Variant "${gevonden.naam}" (${gevonden.status})` : "Variant";
    }

    /** A side in words, with its horizon (and whether filters apply: the panel says which). */
    naam(kant) {
      const horizon = this.stand[`${kant}_horizon`];
      const jaren = horizon ? `, horizon t/m ${horizon}` : ", alle horizonnen";
      const gefilterd = this.filters.beschrijving(this.stand).length ? ", met filters" : "";
      return `${this.situatieNaam(kant)}${jaren}${gefilterd}`;
    }

    toonLabels() {
      const namen = { a: `A · ${this.naam("a")}`, b: `B · ${this.naam("b")}` };
      const verschil = this.stand.weergave === "verschil";
      for (const node of document.querySelectorAll("[data-kaartlabel]")) {
        const kant = node.dataset.kaartlabel;
        node.textContent = verschil && kant === "a" ? "Verschil: B ten opzichte van A" : namen[kant];
        node.title = node.textContent; // the whole name, where the strip cuts it
      }
      this.schuif.zetLabels(namen.a, namen.b);
    }

    /** Compare the situations of the state: the tables, then both sides' stapelingen. */
    async laad() {
      const nr = ++this.laadNr;
      document.body.dataset.laden = "ja";
      G.meld("Vergelijken…", { blijft: true });
      this.toonLabels();
      try {
        // The comparison first: it stores both stapelingen, which the sides then read.
        const vergelijking = await this.vraagVergelijking();
        const [facesA, facesB] = await Promise.all(["a", "b"].map((kant) => this.vraagStapeling(kant)));
        await this.grensGeladen;
        if (nr !== this.laadNr) return; // a newer request is under way
        this.toonFouten(null);
        this.laatste = vergelijking;
        this.teken(vergelijking, facesA, facesB);
        const d = vergelijking.verschillen;
        const z = vergelijking.overzicht;
        G.meld(
          `A: ${G.aantal(d.aantal_opgaven.a, "opgave", "opgaven")}, B: ${G.aantal(d.aantal_opgaven.b, "opgave", "opgaven")}; ` +
            `${G.aantal(z.gewijzigde_vlakken, "vlak", "vlakken")} met een verschil.`
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (nr !== this.laadNr) return;
        this.toonFouten(error);
        const niet = el("p", { class: "veldfout", text: `Niet vergeleken: ${error.message}` });
        document.querySelector("[data-verschillen]").replaceChildren(niet);
        document.querySelector("[data-opgaven-verschil]").replaceChildren();
        G.meldFout(G.toegangMelding(error) || `Vergelijken mislukt: ${error.message}`);
      } finally {
        if (nr === this.laadNr) document.body.dataset.laden = "nee";
      }
    }

    /** The filters of the state, as API query parameters (for both sides). */
    filterParams() {
      return Object.fromEntries(FILTERS.map((veld) => [veld, this.stand[veld]]));
    }

    /** The API's comparison with all its difference faces (where B has other opgaven). */
    async vraagVergelijking() {
      const s = this.stand;
      const params = {
        ...Object.fromEntries([...VELDEN, ...FILTERS].map((veld) => [veld, s[veld]])),
        alleen_gewijzigd: true,
        limit: 10000,
      };
      const eerste = await G.api(`${this.api}/gebieden/${this.gebied.id}/vergelijking`, { params });
      const features = eerste.features.slice();
      for (let page = eerste; ;) {
        const next = (page.links || []).find((link) => link.rel === "next");
        if (!next) break;
        page = await G.api(next.href);
        features.push(...page.features);
      }
      return { ...eerste, features };
    }

    vraagStapeling(kant) {
      // The same filters as the comparison's side: its stored stapeling is read.
      const params = {
        variant: variantId(this.stand[kant]),
        horizon: this.stand[`${kant}_horizon`],
        ...this.filterParams(),
      };
      return G.api(`${this.api}/gebieden/${this.gebied.id}/stapeling`, { params });
    }

    teken(v, facesA, facesB) {
      const namen = { a: this.naam("a"), b: this.naam("b") };
      this.kantA.teken(facesA, v.a.samenvatting, `A · ${namen.a}`);
      this.kantBSchuif.teken(facesB, v.b.samenvatting, `B · ${namen.b}`);
      this.kantB.teken(facesB, v.b.samenvatting, `B · ${namen.b}`);
      this.verschil.teken({ type: "FeatureCollection", features: v.features }, v.opgaven);
      this.toonLabels();
      document
        .querySelector("[data-verschillen]")
        .replaceChildren(
          this.filters.regel(this.stand),
          ...G.verschilTabellen(v, { themas: this.themas, namen })
        );
      document.querySelector("[data-opgaven-verschil]").replaceChildren(
        ...G.opgavenVerschil(v, {
          themas: this.themas,
          woorden: this.woorden,
          link: (id, kant) => this.opgaveLink(id, kant),
        })
      );
      this.zetWeergave(this.stand.weergave, false);
    }

    /** Where to see an opgave: the gebied page, in the situation (of `kant`) that has it. */
    opgaveLink(id, kant) {
      return G.metParams(`/gebieden/${this.gebied.slug}`, {
        variant: variantId(this.stand[kant]),
        opgave: id,
      });
    }

    /** "naast" (two maps), "schuif" (one, with the divider) or "verschil" (the difference map). */
    zetWeergave(weergave, schrijf) {
      this.stand.weergave = weergave;
      this.vak.dataset.weergave = weergave;
      for (const radio of document.querySelectorAll('[data-weergavekeuze] input[name="weergave"]')) {
        radio.checked = radio.value === weergave;
      }
      document.querySelector("[data-weergave-uitleg]").textContent = UITLEG[weergave];
      this.map.closePopup();
      this.kaartB.closePopup();
      this.kantA.toon(weergave !== "verschil");
      this.kantBSchuif.toon(weergave === "schuif");
      this.kantB.toon(weergave === "naast");
      this.verschil.toon(weergave === "verschil");
      this.schuif.zet(weergave === "schuif");
      this.map.invalidateSize({ animate: false });
      if (weergave === "naast") {
        this.kaartB.invalidateSize({ animate: false });
        this.sync.gelijk();
      }
      this.werkLegendaBij();
      this.toonLabels();
      if (schrijf) this.schrijfInUrl();
    }

    werkLegendaBij() {
      const v = this.laatste;
      const inhoud = { grens: this.grenzen.length > 0, themas: null, stapeling: null, adhoc: false };
      if (v && this.stand.weergave === "verschil") {
        inhoud.extra = G.verschilLegenda(this.verschil.vlakken);
      } else if (v) {
        const [a, b] = [v.a.samenvatting, v.b.samenvatting];
        const tot = Math.max(a.max_diepte, b.max_diepte);
        const hotspot = G.hotspots(a).length + G.hotspots(b).length > 0;
        inhoud.stapeling = tot ? { van: 1, tot, hotspot } : null;
      }
      this.legenda.werkBij(inhoud);
    }

    /** The API's errors next to the fields they name (a, b, a_horizon, b_horizon, the filters);
     * null clears them. */
    toonFouten(error) {
      this.filters.toonFouten(error);
      for (const slot of this.form.querySelectorAll("[data-fout-voor]")) {
        slot.hidden = true;
        slot.textContent = "";
        const field = this.form.elements.namedItem(slot.dataset.foutVoor);
        if (field) field.removeAttribute("aria-invalid");
      }
      for (const item of (error && error.errors) || []) {
        const naam = String(item.name || "").replace(/^query\./, "");
        const slot = this.form.querySelector(`[data-fout-voor="${CSS.escape(naam)}"]`);
        if (!slot) continue;
        slot.textContent = item.reason;
        slot.hidden = false;
        this.form.elements.namedItem(naam).setAttribute("aria-invalid", "true");
      }
    }
  }
})(window.Gebiedsregie);
