/* The samenvatting of a stapeling (the gebied's, or of a drawn shape): key figures, charts per
 * depth and per thema, the thema x thema overlap, the hotspots; and which filters it reflects. */
"use strict";

(function (G) {
  const el = G.el;

  /**
   * @typedef {Object} SamenvattingOpties
   * @property {Map<string, {naam: string, kleur: string}>} themas by code
   * @property {string[]} filters the filters in words (FilterForm.beschrijving)
   * @property {number} minAantal faces less deep are not on the map
   * @property {number|null} vlakken the faces on the map (with minAantal); null: all
   * @property {((nr: number) => void)|null} toonVlak zoom to a hotspot; null: no hotspot list
   */

  /** Blocks of the samenvatting `s` (the API's), as DOM nodes. @param {SamenvattingOpties} o */
  G.samenvattingBlok = function (s, o) {
    const namen = Object.fromEntries([...o.themas].map(([code, t]) => [code, t.naam]));
    const vlakken =
      o.vlakken == null || o.vlakken === s.aantal_vlakken
        ? G.getal(s.aantal_vlakken)
        : `${G.getal(o.vlakken)} van ${G.getal(s.aantal_vlakken)}`;
    const blok = [
      el("p", {
        class: "filteruitleg",
        dataset: { filteruitleg: "" },
        text: o.filters.length ? `Met filters: ${o.filters.join("; ")}.` : "Alle opgaven, zonder filters.",
      }),
      el(
        "dl",
        { class: "kerncijfers" },
        [
          ["Oppervlakte", G.ha(s.gebied_ha)],
          ["Met opgaven", `${G.ha(s.bedekt_ha)} (${G.procent(s.bedekt_ha, s.gebied_ha)})`],
          ["Opgaven", G.getal(s.aantal_opgaven)],
          ["Maximale stapeling", s.max_diepte],
          ["Ruimtedruk (zoekgebied)", G.getal2(s.ruimtedruk)],
          ["Ruimtedruk (vraag)", s.ruimtedruk_vraag == null ? "–" : G.getal2(s.ruimtedruk_vraag)],
          [o.minAantal > 1 ? `Vlakken (min. ${o.minAantal} opgaven)` : "Vlakken", vlakken],
        ].map(([key, value], i) =>
          el(
            "div",
            null,
            el("dt", { text: key }),
            // The last one is "Vlakken", whatever its label says.
            el("dd", { text: value, dataset: { cijfer: i === 6 ? "Vlakken" : key } })
          )
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
          label: G.aantal(d.aantal, "opgave", "opgaven"),
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
            kleur: (o.themas.get(code) || { kleur: "#999999" }).kleur,
          }))
      )
    );
    if (s.themas.length > 1) {
      blok.push(G.heatmap("Overlap tussen thema's (ha)", s.themas, s.overlap_ha, namen));
    }
    const hotspots = G.hotspots(s).filter((h) => h.aantal >= o.minAantal);
    if (o.toonVlak && hotspots.length) {
      blok.push(
        el("h3", { text: "Hotspots" }),
        el(
          "ol",
          { class: "hotspots" },
          hotspots.map((h) =>
            el(
              "li",
              null,
              el("button", {
                type: "button",
                class: "link",
                text: `${G.aantal(h.aantal, "opgave", "opgaven")} · ${G.ha(h.oppervlakte_ha)}`,
                onclick: () => o.toonVlak(h.nr),
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
          "Ruimtedruk (zoekgebied): de oppervlakten van de vormen van alle opgaven in het " +
          "gebied samen (overlap telt dubbel), gedeeld door de oppervlakte van het gebied. Een " +
          "vorm is waar een opgave mag landen, niet wat ze vraagt. Ruimtedruk (vraag): de " +
          "som van wat de opgaven vragen (ruimtevraag_ha; waar die ontbreekt telt hun vorm " +
          "binnen het gebied), gedeeld door de oppervlakte van het gebied. De ruimtebalans " +
          "zet die vraag af tegen wat beschikbaar is.",
      })
    );
    return blok;
  };
})(window.Gebiedsregie);
