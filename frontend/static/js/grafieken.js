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
   * Thema x thema overlap as a table whose cells are shaded by their hectares, headed by the
   * thema's names. `labels` are the rows' and columns' codes, `namen` maps a code to its name.
   * Too wide for its box (a phone), it scrolls sideways, and says so (see volgScroll).
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
      labels.map((code) => el("th", { scope: "col" }, el("span", { text: G.afbreekbaar(namen[code] || code) })))
    );
    const body = matrix.map((row, i) =>
      el(
        "tr",
        null,
        el("th", { scope: "row", text: G.afbreekbaar(namen[labels[i]] || labels[i]) }),
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
    const id = `heatmap-${++heatmaps}`;
    const hint = el("p", { class: "scrollhint", id: `${id}-hint`, text: "Schuif opzij voor de hele tabel →", hidden: true });
    const scroll = el(
      "div",
      { class: "heatmap-scroll", role: "region", "aria-labelledby": `${id}-titel`, tabindex: "0" },
      el("table", null, el("thead", null, head), el("tbody", null, body))
    );
    const rand = el("div", { class: "heatmap-rand" }, scroll);
    volgScroll(scroll, rand, hint);
    return el("figure", { class: "grafiek heatmap" }, el("figcaption", { id: `${id}-titel`, text: caption }), hint, rand);
  };

  let heatmaps = 0;

  /** Show `hint`, and shadows on `rand`'s edges, while `scroll` has more than it shows. */
  function volgScroll(scroll, rand, hint) {
    const werkBij = () => {
      const meer = scroll.scrollWidth > scroll.clientWidth + 1;
      hint.hidden = !meer;
      rand.classList.toggle("meer-rechts", meer && scroll.scrollLeft + scroll.clientWidth < scroll.scrollWidth - 1);
      rand.classList.toggle("meer-links", meer && scroll.scrollLeft > 1);
    };
    scroll.addEventListener("scroll", werkBij, { passive: true });
    new ResizeObserver(werkBij).observe(scroll);
  }

  const KLINKER = /[aeiouyàáâäèéêëìíîïòóôöùúûü]/i;
  const SOFT = "\u00ad";
  const BEGIN = /^(bl|br|ch|dr|fl|fr|gl|gr|kl|kn|kr|pl|pr|sc|sj|sl|sm|sn|sp|st|sw|tr|tw|vl|vr|wr|zw)$/;

  /**
   * Long words (`vanaf` letters or more) get soft hyphens where a Dutch word may break (roughly: V|CV, VC|CV, VC|CCV),
   * so a narrow header breaks "landbouw-transitie" instead of overflowing (the browser has
   * no Dutch hyphenation offline). Screen readers ignore them.
   */
  G.afbreekbaar = function (tekst, vanaf = 12) {
    const lang = new RegExp(`\\p{L}{${vanaf},}`, "gu");
    return String(tekst).replace(lang, (woord) => {
      const klinker = [...woord].map((c, i) => KLINKER.test(c) || (c === "j" && woord[i - 1] === "i"));
      let uit = "";
      let vorige = 0;
      for (let i = 3; i < woord.length - 3; i++) {
        if (!klinker[i] || klinker[i - 1]) continue; // i starts a vowel after a consonant
        let begin = i - 1; // the consonants before it: begin..i-1
        while (begin > 0 && !klinker[begin - 1]) begin--;
        if (begin === 0) continue;
        // One consonant goes with the next syllable, of two the second; of more, the last
        // two when they can start a word ("bouw-transitie"), or else the last ("land-bouw").
        const cluster = woord.slice(begin, i).toLowerCase();
        const breuk =
          cluster.length === 1 ? begin : cluster.length === 2 || !BEGIN.test(cluster.slice(-2)) ? i - 1 : i - 2;
        if (breuk - vorige < 2 || woord.length - breuk < 3) continue;
        uit += woord.slice(vorige, breuk) + SOFT;
        vorige = breuk;
      }
      return uit + woord.slice(vorige);
    });
  };

  // White to dark red, by share of the largest off-diagonal overlap.
  function mix(share) {
    const from = [255, 255, 255];
    const to = [128, 0, 38];
    const rgb = from.map((f, k) => Math.round(f + (to[k] - f) * Math.sqrt(share)));
    return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  }
})(window.Gebiedsregie);
