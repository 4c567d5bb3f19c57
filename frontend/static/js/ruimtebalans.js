/* The ruimtebalans of the gebied page: what the opgaven ask (their ruimtevraag) against what is
 * available (the gebied minus its sturende lagen), for the filters and the situation shown. A
 * stacked bar in plain SVG, a table per thema, and what the figures mean. Loaded when its
 * section is open. */
"use strict";

(function (G) {
  const el = G.el;
  const SVG = "http://www.w3.org/2000/svg";
  const STUREND_KLEUR = "#7b8794";
  const BESCHIKBAAR_KLEUR = "#eef3e8";
  const TEKORT_KLEUR = "#b3261e";

  /**
   * @typedef {Object} ThemaBalans
   * @property {string} thema
   * @property {number} aantal_opgaven
   * @property {number} vraag_ha
   * @property {"nee"|"deels"|"geheel"} geschat
   * @property {number} aantal_geschat
   * @property {number} geschat_ha
   * @property {number} zoekgebied_ha_som
   * @property {number} zoekgebied_ha_unie
   * @property {number} zoekgebied_in_sturend_ha
   *
   * @typedef {Object} Ruimtebalans the API's answer (GET /gebieden/{id}/ruimtebalans)
   * @property {{id: string, naam: string}|null} variant
   * @property {number} gebied_ha
   * @property {number} sturend_ha
   * @property {number} beschikbaar_ha
   * @property {number} vraag_ha
   * @property {number} saldo_ha
   * @property {number|null} ratio
   * @property {number|null} ruimtedruk_zoekgebied
   * @property {number|null} ruimtedruk_vraag
   * @property {number} zoekgebied_ha_som
   * @property {number} zoekgebied_ha_unie
   * @property {number} zoekgebied_in_sturend_ha
   * @property {number} aantal_opgaven
   * @property {number} aantal_geschat
   * @property {number} aantal_deels_buiten
   * @property {number} aantal_illustratief
   * @property {ThemaBalans[]} themas
   * @property {Array<{slug: string, naam: string, kleur: string, oppervlakte_ha: number}>} sturende_lagen
   */

  /** An SVG element with attributes (text as text, never parsed). */
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null) continue;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) if (child) node.append(child);
    return node;
  }

  let figuren = 0;
  const LABEL = 46; // the row labels' column, in the SVG's units
  const BREEDTE = 404;

  /**
   * The stacked bar: the gebied as sturend + beschikbaar, and below it the vraag per thema
   * (hatched where estimated) from where beschikbaar starts; past the gebied, the tekort.
   * @param {Ruimtebalans} b
   * @param {Map<string, {naam: string, kleur: string}>} themas
   */
  G.ruimtebalansStaaf = function (b, themas) {
    const id = `arcering-${++figuren}`;
    const baan = BREEDTE - LABEL - 4;
    const schaal = Math.max(b.gebied_ha, b.sturend_ha + b.vraag_ha) || 1;
    const x = (ha) => LABEL + (baan * ha) / schaal;
    const w = (ha) => (ha > 0 ? Math.max((baan * ha) / schaal, 0.75) : 0);
    const balk = (x0, ha, y, kleur, titel, extra) =>
      svg("rect", { x: x(x0), y, width: w(ha), height: 22, fill: kleur, ...extra }, svg("title", { text: titel }));
    const tekst = (x0, y, inhoud, extra) =>
      svg("text", { x: x0, y, "font-size": 10, fill: "#1a1a1a", ...extra, text: inhoud });
    const delen = [
      svg("defs", null,
        svg("pattern", { id, width: 5, height: 5, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
          svg("rect", { width: 5, height: 5, fill: "#ffffff", "fill-opacity": 0.55 }),
          svg("line", { x1: 0, y1: 0, x2: 0, y2: 5, stroke: "#000000", "stroke-opacity": 0.35, "stroke-width": 2 }))),
      tekst(0, 15, "Gebied"),
      tekst(0, 45, "Vraag"),
      balk(0, b.sturend_ha, 0, STUREND_KLEUR, `In sturende lagen: ${G.ha(b.sturend_ha)}`),
      balk(b.sturend_ha, b.beschikbaar_ha, 0, BESCHIKBAAR_KLEUR, `Beschikbaar: ${G.ha(b.beschikbaar_ha)}`,
        { stroke: "#6a8f4e", "stroke-width": 1 }),
    ];
    // The figures in a segment wide enough for them.
    if (w(b.sturend_ha) > 110) delen.push(tekst(x(b.sturend_ha / 2), 15, `sturend ${G.ha(b.sturend_ha)}`, { "text-anchor": "middle", fill: "#ffffff" }));
    if (w(b.beschikbaar_ha) > 130) delen.push(tekst(x(b.sturend_ha + b.beschikbaar_ha / 2), 15, `beschikbaar ${G.ha(b.beschikbaar_ha)}`, { "text-anchor": "middle" }));
    let begin = b.sturend_ha;
    for (const t of b.themas) {
      const thema = themas.get(t.thema) || { naam: t.thema, kleur: "#999999" };
      const opgegeven = t.vraag_ha - t.geschat_ha;
      delen.push(balk(begin, opgegeven, 30, thema.kleur, `${thema.naam}: ${G.ha(opgegeven)} gevraagd`));
      if (t.geschat_ha > 0) {
        const titel = `${thema.naam}: ${G.ha(t.geschat_ha)} geschat uit het zoekgebied`;
        delen.push(balk(begin + opgegeven, t.geschat_ha, 30, thema.kleur, titel),
          balk(begin + opgegeven, t.geschat_ha, 30, `url(#${id})`, titel));
      }
      begin += t.vraag_ha;
    }
    if (b.saldo_ha < 0) {
      delen.push(balk(b.gebied_ha, -b.saldo_ha, 30, "none", `Tekort: ${G.ha(-b.saldo_ha)}`,
        { stroke: TEKORT_KLEUR, "stroke-width": 2, "stroke-dasharray": "4 2" }));
    }
    const vraag = `${G.ha(b.vraag_ha)}${b.saldo_ha < 0 ? `, tekort ${G.ha(-b.saldo_ha)}` : ""}`;
    const eind = x(b.sturend_ha + b.vraag_ha);
    delen.push(eind < BREEDTE - 120
      ? tekst(eind + 4, 45, vraag)
      : tekst(x(b.sturend_ha) - 4, 45, vraag, { "text-anchor": "end" }));
    delen.push(svg("line", { x1: x(b.gebied_ha), x2: x(b.gebied_ha), y1: 0, y2: 56, stroke: "#1a1a1a", "stroke-dasharray": "3 2" }));
    const beschrijving = `Gebied ${G.ha(b.gebied_ha)}: ${G.ha(b.sturend_ha)} in sturende lagen, ` +
      `${G.ha(b.beschikbaar_ha)} beschikbaar; vraag ${G.ha(b.vraag_ha)}.`;
    const figuur = svg("svg", { viewBox: `0 -1 ${BREEDTE} 58`, class: "balansstaaf", role: "img", "aria-label": beschrijving }, delen);
    const staal = (kleur) => el("span", { class: "staal", style: { backgroundColor: kleur } });
    const legenda = el("ul", { class: "balanslegenda" },
      el("li", null, staal(STUREND_KLEUR), "Sturende lagen"),
      el("li", null, staal(BESCHIKBAAR_KLEUR), "Beschikbaar"),
      el("li", { class: "legenda-kop", text: "Vraag:" }),
      b.themas.map((t) => {
        const thema = themas.get(t.thema) || { naam: t.thema, kleur: "#999999" };
        return el("li", null, staal(thema.kleur), thema.naam);
      }),
      b.aantal_geschat ? el("li", { class: "klein" }, "gearceerd: geschat uit het zoekgebied") : null,
      b.saldo_ha < 0 ? el("li", { class: "klein tekort" }, "rood gestippeld: tekort") : null
    );
    return el("figure", { class: "grafiek" },
      el("figcaption", { text: "Vraag per thema tegen wat beschikbaar is" }), figuur, legenda);
  };

  /** Hectares without the unit (the table's heading says ha): 1.234, 12,5 below 100. */
  const getal = (value) => G.ha(value).replace(/ ha$/, "");

  /** The table per thema, with the totals; hectares. */
  function tabel(b, themas) {
    const rij = (kop, t, totaal) =>
      el("tr", { class: totaal ? "totaal" : null },
        el("th", { scope: "row" }, kop,
          el("span", { class: "klein blok", text:
            `${G.aantal(t.aantal_opgaven, "opgave", "opgaven")}` +
            (t.aantal_geschat ? `, ${t.aantal_geschat} zonder ruimtevraag` : "") })),
        el("td", { class: "getal", text: getal(t.vraag_ha) + (t.aantal_geschat ? "*" : "") }),
        el("td", { class: "getal", text: getal(t.zoekgebied_ha_som) }),
        el("td", { class: "getal", text: getal(t.zoekgebied_ha_unie) }),
        el("td", { class: "getal", text: getal(t.zoekgebied_in_sturend_ha) }));
    const kop = el("tr", null, ...["Thema", "Vraag", "Zoek\u00adgebied", "Unie", "In sturend"].map((k, i) =>
      el("th", { scope: "col", class: i ? "getal" : null, text: k })));
    const rijen = b.themas.map((t) => {
      const thema = themas.get(t.thema) || { naam: t.thema, kleur: "#999999" };
      return rij([el("span", { class: "staal", style: { backgroundColor: thema.kleur } }), thema.naam], t, false);
    });
    const totaal = rij("Totaal", b, true);
    return el("div", { class: "balanstabel", role: "region", "aria-label": "Ruimtebalans per thema", tabindex: "0" },
      el("table", null, el("caption", { class: "klein", text: "Per thema, in hectare" }),
        el("thead", null, kop), el("tbody", null, rijen), el("tfoot", null, totaal)));
  }

  /**
   * The ruimtebalans as DOM nodes.
   * @param {Ruimtebalans} b
   * @param {{themas: Map<string, {naam: string, kleur: string}>, filters: string[]}} o
   */
  G.ruimtebalansBlok = function (b, o) {
    const tekort = b.saldo_ha < 0;
    const saldo = `${tekort ? "\u2212" : "+"}${G.ha(Math.abs(b.saldo_ha))}`;
    const lagen = b.sturende_lagen.length
      ? b.sturende_lagen.map((l) => `${l.naam} (${G.ha(l.oppervlakte_ha)})`).join(", ")
      : "geen: er is geen sturende referentielaag, dus het hele gebied telt als beschikbaar";
    const blok = [
      el("p", {
        class: "filteruitleg",
        text: (b.variant ? `Variant "${b.variant.naam}". ` : "") +
          (o.filters.length ? `Met filters: ${o.filters.join("; ")}.` : "Alle opgaven, zonder filters."),
      }),
      b.aantal_illustratief
        ? el("p", {
          class: "let-op",
          dataset: { illustratief: "" },
          text: `Illustratief: ${b.aantal_illustratief === b.aantal_opgaven ? "alle" : `${b.aantal_illustratief} van de`} ` +
            `${G.aantal(b.aantal_opgaven, "opgave", "opgaven")} ${b.aantal_illustratief === 1 ? "is" : "zijn"} volgens de bron ` +
            "geen echte plannen; hun ruimtevraag is een voorbeeld. Gebruik deze cijfers niet als beleidsinformatie.",
        })
        : null,
      el("dl", { class: "kerncijfers" },
        [
          ["Oppervlakte gebied", G.ha(b.gebied_ha)],
          ["In sturende lagen", G.ha(b.sturend_ha)],
          ["Beschikbaar", G.ha(b.beschikbaar_ha)],
          ["Vraag", G.ha(b.vraag_ha)],
          [tekort ? "Saldo (tekort)" : "Saldo (over)", saldo],
          ["Vraag / beschikbaar", G.getal2(b.ratio)],
          ["Ruimtedruk (zoekgebied)", G.getal2(b.ruimtedruk_zoekgebied)],
          ["Ruimtedruk (vraag)", G.getal2(b.ruimtedruk_vraag)],
        ].map(([key, value]) =>
          el("div", null, el("dt", { text: key }), el("dd", { text: value, dataset: { balans: key } })))
      ),
      el("p", { class: "klein", text: `Sturende lagen: ${lagen}.` }),
      G.ruimtebalansStaaf(b, o.themas),
    ];
    if (b.themas.length) blok.push(tabel(b, o.themas));
    else blok.push(el("p", { class: "leeg", text: "Geen opgaven met deze filters." }));
    const noten = [];
    if (b.aantal_geschat) {
      const een = b.aantal_geschat === 1;
      noten.push(`* ${G.aantal(b.aantal_geschat, "opgave heeft", "opgaven hebben")} geen ruimtevraag: ` +
        `daar telt ${een ? "haar" : "hun"} zoekgebied binnen het gebied als vraag (een schatting, vaak te hoog).`);
    }
    if (b.aantal_deels_buiten) {
      const een = b.aantal_deels_buiten === 1;
      noten.push(`${G.aantal(b.aantal_deels_buiten, "opgave ligt", "opgaven liggen")} deels buiten het gebied; ` +
        `${een ? "haar" : "hun"} ruimtevraag telt hier geheel mee.`);
    }
    for (const noot of noten) blok.push(el("p", { class: "klein", text: noot }));
    blok.push(el("p", {
      class: "uitleg",
      text:
        "Vraag: de ruimtevraag van de opgaven, de grond die ze zelf nodig hebben. Zoekgebied: " +
        "de vorm van een opgave, waar ze mag landen (som: overlap telt dubbel; unie: één keer). " +
        "Beschikbaar: het gebied buiten de sturende lagen (zoals Natura 2000); dat is geen lege " +
        "grond, er wordt al gewoond, gewerkt en geboerd. Ruimtedruk (zoekgebied) is de som van " +
        "de zoekgebieden gedeeld door het gebied, die van de samenvatting; ruimtedruk (vraag) " +
        "is de vraag gedeeld door het gebied.",
    }));
    return blok;
  };

  /** The section on the gebied page: reloads when the filters or the situation change. */
  class RuimtebalansPaneel {
    constructor(pagina) {
      this.pagina = pagina;
      this.sectie = document.getElementById("ruimtebalans-sectie");
      this.doel = this.sectie ? this.sectie.querySelector("[data-ruimtebalans]") : null;
      this.nr = 0;
      this.verouderd = true;
      if (this.sectie) {
        this.sectie.addEventListener("toggle", () => {
          if (this.sectie.open && this.verouderd) this.laad();
        });
      }
    }

    /** What it shows is outdated: load now when shown, else when opened. */
    werkBij() {
      this.verouderd = true;
      if (this.sectie && this.sectie.open) this.laad();
    }

    async laad() {
      const nr = ++this.nr;
      const p = this.pagina;
      this.verouderd = false;
      this.doel.dataset.laden = "ja";
      const params = { ...p.filters(false), ...(p.variant ? { variant: p.variant.id } : {}) };
      try {
        const balans = await G.api(`${p.api}/gebieden/${p.gebied.id}/ruimtebalans`, { params });
        if (nr !== this.nr) return;
        this.doel.replaceChildren(
          ...G.ruimtebalansBlok(balans, { themas: p.themas, filters: p.filterForm.beschrijving() })
        );
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (nr !== this.nr) return;
        this.verouderd = true;
        const tekst = error.status === 401 ? G.toegangMelding(error) : [`Laden mislukt: ${error.message}`];
        this.doel.replaceChildren(el("p", { class: "veldfout", role: "alert" }, ...tekst));
      } finally {
        if (nr === this.nr) this.doel.dataset.laden = "nee";
      }
    }
  }

  G.RuimtebalansPaneel = RuimtebalansPaneel;
})(window.Gebiedsregie);
