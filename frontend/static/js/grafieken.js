/* Small charts of the samenvatting, as plain HTML (readable by screen readers, no library):
 * a horizontal bar chart and a heatmap table. */
"use strict";

(function (G) {
  const el = G.el;

  /**
   * Horizontal bars. `rows` are {label, value, kleur, title?}; values in ha.
   * Returns a <figure> with a caption.
   */
  G.staafdiagram = function (caption, rows) {
    const max = Math.max(...rows.map((r) => r.value), 0);
    const list = el("ul", { class: "staven" });
    for (const row of rows) {
      const width = max > 0 ? Math.max(0.5, (100 * row.value) / max) : 0;
      list.append(
        el(
          "li",
          { class: "staaf", title: row.title || null },
          el("span", { class: "staaf-label", text: row.label }),
          el(
            "span",
            { class: "staaf-baan" },
            el("span", {
              class: "staaf-balk",
              style: { width: `${width}%`, backgroundColor: row.kleur },
            })
          ),
          el("span", { class: "staaf-waarde", text: G.ha(row.value) })
        )
      );
    }
    return el("figure", { class: "grafiek" }, el("figcaption", { text: caption }), list);
  };

  /**
   * Thema x thema overlap as a table whose cells are shaded by their hectares.
   * `labels` name the rows and columns (codes), `namen` maps a code to its full name.
   */
  G.heatmap = function (caption, labels, matrix, namen) {
    const max = Math.max(
      0,
      ...matrix.flatMap((row, i) => row.filter((_, j) => j !== i))
    );
    const head = el(
      "tr",
      null,
      el("th", { scope: "col" }, el("span", { class: "visueel-verborgen", text: "Thema" })),
      labels.map((code) =>
        el("th", { scope: "col", title: namen[code] || code }, el("span", { text: code }))
      )
    );
    const body = matrix.map((row, i) =>
      el(
        "tr",
        null,
        el("th", { scope: "row", title: namen[labels[i]] || labels[i], text: labels[i] }),
        row.map((value, j) => {
          const diagonal = i === j;
          const share = max > 0 && !diagonal ? value / max : 0;
          const background = diagonal ? "#eeeeee" : mix(share);
          return el("td", {
            class: diagonal ? "diagonaal" : null,
            title: `${namen[labels[i]] || labels[i]} × ${namen[labels[j]] || labels[j]}: ${G.ha(value)}`,
            style: { backgroundColor: background, color: G.tekstKleur(background) },
            text: value > 0 ? G.getal(value) : "",
          });
        })
      )
    );
    return el(
      "figure",
      { class: "grafiek heatmap" },
      el("figcaption", { text: caption }),
      el("div", { class: "heatmap-scroll" }, el("table", null, el("thead", null, head), el("tbody", null, body)))
    );
  };

  // White to dark red, by share of the largest off-diagonal overlap.
  function mix(share) {
    const from = [255, 255, 255];
    const to = [128, 0, 38];
    const rgb = from.map((f, k) => Math.round(f + (to[k] - f) * Math.sqrt(share)));
    return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  }
})(window.Gebiedsregie);
