/* The differences of the vergelijken page, as tables: the key figures of A and B, the area per
 * depth, per thema and per thema pair, each with B's difference from A (a sign, a word and a
 * bar, never colour alone); and the opgaven that differ: only in B, only in A, changed (which
 * fields, from what to what). From the API's vergelijking. */
"use strict";

(function (G) {
  const el = G.el;
  const VELDEN = {
    titel: "titel",
    thema: "thema",
    trekker: "trekker",
    status: "status",
    horizon: "horizon",
    ruimtevraag_ha: "ruimtevraag",
    beschrijving: "beschrijving",
    bron: "bron",
    geometrie: "vorm",
  };

  /** A difference cell: the signed value, and a bar as long as its share of `max`. */
  function verschilCel(verschil, tekst, max) {
    // What rounds to nothing ("0 ha", "0,00") is no difference: no sign, no bar.
    const nul = !verschil || !/[1-9]/.test(tekst || G.getal(Math.abs(verschil)));
    const soort = nul ? "gelijk" : verschil > 0 ? "meer" : "minder";
    if (nul) verschil = 0;
    const breedte = max > 0 ? Math.max(3, (100 * Math.abs(verschil)) / max) : 0;
    return el(
      "td",
      { class: `getal verschil ${soort}` },
      el("span", { class: "verschil-tekst", text: G.metTeken(verschil, tekst) }),
      verschil && max
        ? el(
            "span",
            { class: "verschilbaan", "aria-hidden": "true" },
            el("span", { class: `verschilbalk ${soort}`, style: { width: `${breedte}%` } })
          )
        : null
    );
  }

  /** A table: a caption, [label, A, B] columns, and rows of [label node, a, b, verschil, tekst]. */
  function tabel(caption, kop, rijen, klasse) {
    const max = Math.max(0, ...rijen.map((r) => Math.abs(r.verschil)));
    return el(
      "table",
      { class: `verschiltabel ${klasse || ""}` },
      el("caption", { text: caption }),
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          el("th", { scope: "col", text: kop }),
          el("th", { scope: "col", class: "getal", text: "A" }),
          el("th", { scope: "col", class: "getal", text: "B" }),
          el("th", { scope: "col", class: "getal", text: "Verschil" })
        )
      ),
      el(
        "tbody",
        null,
        rijen.map((r) =>
          el(
            "tr",
            null,
            el("th", { scope: "row" }, r.label),
            el("td", { class: "getal", text: r.a }),
            el("td", { class: "getal", text: r.b }),
            verschilCel(r.verschil, r.tekst, r.balk ? max : 0)
          )
        )
      )
    );
  }

  const haRij = (label, a, b, verschil) => ({
    label,
    a: G.ha(a),
    b: G.ha(b),
    verschil,
    tekst: G.ha(Math.abs(verschil)),
    balk: true,
  });

  /**
   * The tables of differences. `o.themas` names the thema's (code -> {naam, kleur}); `o.namen`
   * the situations as the page says them ({a, b}).
   */
  G.verschilTabellen = function (v, o) {
    const d = v.verschillen;
    const z = v.overzicht;
    const naam = (code) => (o.themas.get(code) || { naam: code }).naam;
    const staal = (kleur) => el("span", { class: "staal", style: { backgroundColor: kleur } });
    const even = Math.max(0, z.gewijzigd_ha - z.meer_ha - z.minder_ha);
    const blokken = [
      el(
        "p",
        { class: "verschil-namen" },
        el("strong", { text: "A: " }),
        o.namen.a,
        el("br"),
        el("strong", { text: "B: " }),
        o.namen.b
      ),
      z.gewijzigde_vlakken
        ? el(
            "p",
            { class: "verschil-overzicht", dataset: { overzicht: "" } },
            `In B stapelen meer opgaven op ${G.ha(z.meer_ha)}, minder op ${G.ha(z.minder_ha)}` +
              (even >= 0.05 ? `; op ${G.ha(even)} andere opgaven, even veel.` : ".")
          )
        : el("p", {
            class: "verschil-overzicht",
            dataset: { overzicht: "" },
            text: "A en B hebben overal dezelfde opgaven.",
          }),
      tabel(
        "Kerncijfers",
        "",
        [
          {
            label: "Opgaven",
            a: G.getal(d.aantal_opgaven.a),
            b: G.getal(d.aantal_opgaven.b),
            verschil: d.aantal_opgaven.verschil,
          },
          haRij("Met opgaven", d.bedekt_ha.a, d.bedekt_ha.b, d.bedekt_ha.verschil),
          {
            label: "Maximale stapeling",
            a: String(d.max_diepte.a),
            b: String(d.max_diepte.b),
            verschil: d.max_diepte.verschil,
          },
          {
            label: "Ruimtedruk (zoekgebied)",
            a: G.getal2(d.ruimtedruk.a),
            b: G.getal2(d.ruimtedruk.b),
            verschil: d.ruimtedruk.verschil || 0,
            tekst: d.ruimtedruk.verschil == null ? "–" : G.getal2(Math.abs(d.ruimtedruk.verschil)),
          },
          {
            label: "Ruimtedruk (vraag)",
            a: d.ruimtedruk_vraag.a == null ? "–" : G.getal2(d.ruimtedruk_vraag.a),
            b: d.ruimtedruk_vraag.b == null ? "–" : G.getal2(d.ruimtedruk_vraag.b),
            verschil: d.ruimtedruk_vraag.verschil || 0,
            tekst:
              d.ruimtedruk_vraag.verschil == null ? "–" : G.getal2(Math.abs(d.ruimtedruk_vraag.verschil)),
          },
        ],
        "kerncijfers-tabel"
      ),
    ];
    if (d.per_diepte.length) {
      blokken.push(
        tabel(
          "Oppervlakte per stapelingsdiepte",
          "Stapeling",
          d.per_diepte.map((r) =>
            haRij(
              [staal(G.diepteKleur(r.aantal)), G.aantal(r.aantal, "opgave", "opgaven")],
              r.a_ha,
              r.b_ha,
              r.verschil_ha
            )
          ),
          "diepte-tabel"
        )
      );
    }
    if (d.per_thema.length) {
      const rijen = [...d.per_thema].sort((x, y) => Math.abs(y.verschil_ha) - Math.abs(x.verschil_ha));
      blokken.push(
        tabel(
          "Oppervlakte per thema",
          "Thema",
          rijen.map((r) =>
            haRij(
              [staal((o.themas.get(r.thema) || { kleur: "#999999" }).kleur), naam(r.thema)],
              r.a_ha,
              r.b_ha,
              r.verschil_ha
            )
          ),
          "thema-tabel"
        )
      );
    }
    const paren = d.per_themapaar.filter((r) => Math.abs(r.verschil_ha) >= 0.05);
    if (paren.length) {
      const getoond = paren.slice(0, 10);
      blokken.push(
        el(
          "details",
          { class: "paren" },
          el("summary", {
            text: `Overlap per paar thema's (${paren.length} ${paren.length === 1 ? "paar verschilt" : "paren verschillen"})`,
          }),
          tabel(
            paren.length > getoond.length
              ? `De ${getoond.length} grootste verschillen`
              : "Overlap per paar thema's",
            "Thema's",
            getoond.map((r) => haRij(r.themas.map(naam).join(" + "), r.a_ha, r.b_ha, r.verschil_ha)),
            "paar-tabel"
          )
        )
      );
    }
    return blokken;
  };

  /** How an opgave changed, field by field: "horizon 2035 → 2045". */
  function wat(o, namen) {
    const waarde = (veld, versie) => {
      const w = versie && versie[veld];
      if (w == null || w === "") return "leeg";
      if (veld === "thema") return namen.themas.get(w) ? namen.themas.get(w).naam : w;
      if (veld === "trekker" || veld === "status") return namen.woorden[w] || w;
      if (veld === "ruimtevraag_ha") return G.ha(w);
      return String(w);
    };
    return o.velden.map((veld) => {
      if (veld === "geometrie") return `vorm (${G.ha(o.a.oppervlakte_ha)} → ${G.ha(o.b.oppervlakte_ha)})`;
      if (veld === "beschrijving" || veld === "bron" || !o.a || !(veld in o.a)) return VELDEN[veld] || veld;
      return `${VELDEN[veld] || veld} ${waarde(veld, o.a)} → ${waarde(veld, o.b)}`;
    });
  }

  /**
   * The opgaven that differ. `o.link(id, kant)` is where to see one ("a" or "b": the side
   * that has it); `o.themas`, `o.woorden` (names of statussen and trekkers).
   */
  G.opgavenVerschil = function (v, o) {
    const { toegevoegd, weggelaten, gewijzigd } = v.opgaven;
    if (!toegevoegd.length && !weggelaten.length && !gewijzigd.length) {
      return [el("p", { class: "leeg", text: "Geen opgaven verschillen tussen A en B." })];
    }
    const naam = (code) => (o.themas.get(code) || { naam: code }).naam;
    const titel = (item, kant) => el("a", { href: o.link(item.id, kant), text: item.titel });
    const lijst = (soort, kop, items, kant, extra) =>
      items.length
        ? [
            el("h3", { text: `${kop} (${items.length})` }),
            el(
              "table",
              { class: "verschiltabel opgaven-verschil", dataset: { opgaven: soort } },
              el("caption", { class: "visueel-verborgen", text: kop }),
              el(
                "thead",
                null,
                el(
                  "tr",
                  null,
                  el("th", { scope: "col", text: "Opgave" }),
                  el("th", { scope: "col", text: "Thema" }),
                  el("th", { scope: "col", text: extra ? "Wat verschilt" : "Horizon" })
                )
              ),
              el(
                "tbody",
                null,
                items.map((item) => {
                  const versie = item[kant] || item.a || item.b;
                  return el(
                    "tr",
                    { dataset: { opgave: item.id } },
                    el("th", { scope: "row" }, titel(item, kant)),
                    el("td", { text: naam(item.thema) }),
                    el("td", {
                      text: extra
                        ? extra(item).join("; ")
                        : versie.horizon == null
                          ? "–"
                          : String(versie.horizon),
                    })
                  );
                })
              )
            ),
          ]
        : null;
    return [
      lijst("toegevoegd", "Alleen in B", toegevoegd, "b"),
      lijst("weggelaten", "Alleen in A", weggelaten, "a"),
      lijst("gewijzigd", "Anders in B", gewijzigd, "b", (item) => wat(item, o)),
    ]
      .filter(Boolean)
      .flat();
  };
})(window.Gebiedsregie);
