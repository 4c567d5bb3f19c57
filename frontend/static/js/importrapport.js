// @ts-check
/* The import report on the import page: key figures, the features as a paged table with a
 * status filter, and a CSV download made here, in the browser, from the same JSON. */

/**
 * @typedef {{nr: number, status: string, titel?: string, extern_id?: string,
 *   redenen?: string[], meldingen?: string[], gebieden?: string[]}} Regel
 * @typedef {{bestand: {naam: string, laag: string, formaat: string, crs: string},
 *   dry_run: boolean, strikt: boolean, meldingen: string[],
 *   samenvatting: Record<string, number>, features: Regel[],
 *   gebieden: Record<string, string>}} Rapport
 */

export const PAGINA = 50; // rows per page of the table
/** @type {Record<string, string>} */
export const STATUSSEN = {
  geaccepteerd: "Geaccepteerd",
  hersteld: "Hersteld",
  geweigerd: "Geweigerd",
  bestaat_al: "Bestaat al",
  overgeslagen: "Overgeslagen",
};
const GETAL = new Intl.NumberFormat("nl-NL");
export const getal = (/** @type {number} */ n) => GETAL.format(n);

/**
 * Build an element; text is always set as text, never parsed as HTML.
 * @param {string} tag
 * @param {Record<string, string | boolean | null | undefined>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** @param {HTMLElement} vak @param {string} naam */
const deel = (vak, naam) => /** @type {HTMLElement} */ (vak.querySelector(`[${naam}]`));

/** A status as a label that says it in words, not only in colour. */
export const statusLabel = (/** @type {string} */ status) =>
  el("span", { class: `label label-${status}`, text: STATUSSEN[status] || status });

export class RapportTabel {
  /** @param {HTMLElement} vak the report's section (importeren.html) */
  constructor(vak) {
    this.vak = vak;
    /** @type {Rapport | null} */
    this.rapport = null;
    /** @type {Regel[]} */
    this.regels = [];
    this.blad = 0;
    this.filter = deel(vak, "data-rapport-filter");
    this.filter.addEventListener("change", () => this.kies());
    for (const knop of vak.querySelectorAll("[data-blad]")) {
      knop.addEventListener("click", () =>
        this.toonBlad(this.blad + Number(knop.getAttribute("data-blad")))
      );
    }
    deel(vak, "data-rapport-csv").addEventListener("click", () => this.download());
  }

  /** Show `rapport`; `uitkomst` says in one sentence what happened. */
  toon(/** @type {Rapport} */ rapport, /** @type {string} */ uitkomst) {
    this.rapport = rapport;
    const som = rapport.samenvatting;
    deel(this.vak, "data-rapport-titel").textContent = rapport.dry_run
      ? `Rapport van de proefimport: ${rapport.bestand.naam}`
      : `Rapport van de import: ${rapport.bestand.naam}`;
    deel(this.vak, "data-rapport-uitkomst").textContent = uitkomst;
    const cijfers = [
      ["Features", som.totaal],
      ...Object.entries(STATUSSEN).map(([code, naam]) => [naam, som[code]]),
      [rapport.dry_run ? "Zou opslaan" : "Opgeslagen", rapport.dry_run ? opslaanbaar(som) : som.geschreven],
    ];
    deel(this.vak, "data-rapport-cijfers").replaceChildren(
      ...cijfers.map(([naam, n]) =>
        el("div", null, el("dt", { text: String(naam) }), el("dd", { text: getal(Number(n || 0)) }))
      )
    );
    deel(this.vak, "data-rapport-meldingen").replaceChildren(
      ...(rapport.meldingen || []).map((tekst) => el("li", { text: tekst }))
    );
    const gebieden = Object.entries(rapport.gebieden || {}).flatMap(([slug, naam], i) => [
      i ? ", " : "",
      el("a", { href: `/gebieden/${encodeURIComponent(slug)}`, text: naam }),
    ]);
    deel(this.vak, "data-rapport-gebieden").replaceChildren(
      ...(gebieden.length
        ? ["De features liggen in: ", ...gebieden, "."]
        : ["De features liggen in geen van de gebieden."])
    );
    const opties = [el("option", { value: "", text: `Alle features (${getal(som.totaal)})` })];
    for (const [code, naam] of Object.entries(STATUSSEN)) {
      if (som[code]) opties.push(el("option", { value: code, text: `${naam} (${getal(som[code])})` }));
    }
    this.filter.replaceChildren(...opties);
    // Refused features first: they are what the user has to act on.
    this.filter.value = som.geweigerd ? "geweigerd" : "";
    this.vak.hidden = false;
    this.kies();
  }

  kies() {
    const status = /** @type {HTMLSelectElement} */ (this.filter).value;
    const alle = this.rapport ? this.rapport.features : [];
    this.regels = status ? alle.filter((r) => r.status === status) : alle;
    this.toonBlad(0);
  }

  toonBlad(/** @type {number} */ blad) {
    const bladen = Math.max(1, Math.ceil(this.regels.length / PAGINA));
    this.blad = Math.min(Math.max(blad, 0), bladen - 1);
    const begin = this.blad * PAGINA;
    const namen = (this.rapport && this.rapport.gebieden) || {};
    const rijen = this.regels.slice(begin, begin + PAGINA).map((regel) =>
      el(
        "tr",
        { "data-nr": String(regel.nr) },
        el("td", { text: String(regel.nr) }),
        el("td", null, statusLabel(regel.status)),
        el("td", { text: regel.titel || "–" }),
        el("td", null, regel.extern_id ? el("code", { text: regel.extern_id }) : "–"),
        el("td", { text: (regel.gebieden || []).map((s) => namen[s] || s).join(", ") || "–" }),
        el("td", null, redenenLijst(regel))
      )
    );
    if (!rijen.length) {
      rijen.push(el("tr", null, el("td", { colspan: "6", class: "leeg", text: "Geen features." })));
    }
    deel(this.vak, "data-rapport-regels").replaceChildren(...rijen);
    const eind = Math.min(begin + PAGINA, this.regels.length);
    deel(this.vak, "data-blad-tekst").textContent = this.regels.length
      ? `${getal(begin + 1)}–${getal(eind)} van ${getal(this.regels.length)} · pagina ${this.blad + 1} van ${bladen}`
      : "";
    const [vorige, volgende] = this.vak.querySelectorAll("[data-blad]");
    /** @type {HTMLButtonElement} */ (vorige).disabled = this.blad === 0;
    /** @type {HTMLButtonElement} */ (volgende).disabled = this.blad >= bladen - 1;
  }

  download() {
    if (!this.rapport) return;
    const tekst = rapportCsv(this.rapport);
    const url = URL.createObjectURL(new Blob(["\ufeff", tekst], { type: "text/csv;charset=utf-8" }));
    const stam = this.rapport.bestand.naam.replace(/\.[^.]*$/, "").replace(/[^\w.-]+/g, "_");
    const link = el("a", {
      href: url,
      download: `importrapport-${stam || "bestand"}-${this.rapport.dry_run ? "proef" : "import"}.csv`,
    });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

/** @param {Record<string, number>} som */
const opslaanbaar = (som) => (som.geaccepteerd || 0) + (som.hersteld || 0);

/** @param {Regel} regel */
function redenenLijst(regel) {
  const items = [
    ...(regel.redenen || []).map((tekst) => el("li", { text: tekst })),
    ...(regel.meldingen || []).map((tekst) => el("li", { class: "melding", text: tekst })),
  ];
  return items.length ? el("ul", null, ...items) : "–";
}

/**
 * One CSV cell: quoted where needed, and never read as a formula by a spreadsheet (a titel
 * from the file could start with "=").
 * @param {unknown} value
 */
export function csvCel(value) {
  let text = value == null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The report as CSV: one row per feature, separated by ";" (as Dutch spreadsheets expect).
 * @param {Rapport} rapport
 */
export function rapportCsv(rapport) {
  const kop = ["nr", "status", "titel", "extern_id", "gebieden", "redenen", "meldingen"];
  const rijen = rapport.features.map((r) => [
    r.nr,
    r.status,
    r.titel,
    r.extern_id,
    (r.gebieden || []).map((slug) => rapport.gebieden[slug] || slug).join(", "),
    (r.redenen || []).join(" | "),
    (r.meldingen || []).join(" | "),
  ]);
  return [kop, ...rijen].map((rij) => rij.map(csvCel).join(";")).join("\r\n") + "\r\n";
}
