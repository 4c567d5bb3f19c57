// @ts-check
/* What the import page imports as: opgaven, or the objecten of a referentielaag (an existing
 * one, whose objecten the import replaces, or a new one). A new laag goes to the API as
 * `nieuwe_referentielaag` (JSON) and is made in the import's own transaction: a dry run or a
 * refused file leaves no empty laag behind. */

import { el, getal } from "./importrapport.js";

/**
 * @typedef {{slug: string, naam: string, soort: string, kleur: string,
 *   aantal_objecten: number}} Referentielaag  GET /api/v1/referentielagen, one of them
 * @typedef {import("./importrapport.js").Rapport} Rapport
 */

const LAGEN_API = "/api/v1/referentielagen";
const NIEUW = "nieuwe_referentielaag";
// The new laag's fields, as the API names them (nieuwe_referentielaag.<veld>).
const VELDEN = ["naam", "soort", "kleur", "bron", "licentie", "peildatum", "omschrijving"];

export class ImportDoel {
  /**
   * @param {HTMLFormElement} form the import form (importeren.html)
   * @param {() => void} gewijzigd called when the choice or the lagen change
   */
  constructor(form, gewijzigd) {
    this.form = form;
    this.gewijzigd = gewijzigd;
    this.kiezer = /** @type {HTMLSelectElement} */ (form.elements.namedItem("referentielaag"));
    this.nieuw = /** @type {HTMLElement} */ (form.querySelector("[data-nieuwe-laag]"));
    this.uitleg = /** @type {HTMLElement} */ (form.querySelector("[data-referentielaag-uitleg]"));
    /** @type {Referentielaag[]} */
    this.lagen = [];
    for (const keuze of form.querySelectorAll('input[name="doel"]')) {
      keuze.addEventListener("change", () => this.gewijzigd());
    }
    this.kiezer.addEventListener("change", () => this.toonKeuze());
    this.laad();
  }

  /** Whether the file goes into a referentielaag (else: opgaven). */
  isReferentielaag() {
    const gekozen = /** @type {HTMLInputElement | null} */ (this.form.querySelector('input[name="doel"]:checked'));
    return gekozen !== null && gekozen.value === "referentielaag";
  }

  /** Whether a step of the form (a [data-stap] section) belongs to the choice made. */
  past(/** @type {Element} */ stap) {
    if (stap.hasAttribute("data-alleen-opgaven")) return !this.isReferentielaag();
    if (stap.hasAttribute("data-alleen-referentielaag")) return this.isReferentielaag();
    return true;
  }

  /** Number the steps shown 1, 2, 3, … */
  nummer() {
    let nr = 0;
    for (const stap of this.form.querySelectorAll(".stap")) {
      const label = stap.querySelector(".stapnr");
      if (label && !(/** @type {HTMLElement} */ (stap).hidden)) label.textContent = String(++nr);
    }
  }

  /** The existing lagen, to choose from (a new laag is the first choice). */
  async laad(/** @type {string | null} */ kies = null) {
    try {
      const antwoord = await fetch(LAGEN_API, { headers: { Accept: "application/json" } });
      if (!antwoord.ok) return;
      this.lagen = (await antwoord.json()).referentielagen;
    } catch {
      return; // no list: a new laag can still be made
    }
    const gekozen = kies ?? this.kiezer.value;
    this.kiezer.replaceChildren(
      el("option", { value: "", text: "Nieuwe referentielaag" }),
      ...this.lagen.map((laag) =>
        el("option", { value: laag.slug, text: `${laag.naam} (${laag.soort}, ${getal(laag.aantal_objecten)} objecten)` })
      )
    );
    this.kiezer.value = this.lagen.some((l) => l.slug === gekozen) ? gekozen : "";
    this.toonKeuze();
  }

  toonKeuze() {
    const laag = this.lagen.find((l) => l.slug === this.kiezer.value);
    this.nieuw.hidden = Boolean(laag);
    this.uitleg.textContent = laag
      ? `De import vervangt alle ${getal(laag.aantal_objecten)} objecten van ${laag.naam}.`
      : "Een nieuwe laag: geef haar naam, soort en kleur, en de bron en licentie van de gegevens.";
    this.gewijzigd();
  }

  /** Add the choice to the import's form data: the laag's slug, or the new laag as JSON. */
  velden(/** @type {FormData} */ data) {
    if (this.kiezer.value) {
      data.append("referentielaag", this.kiezer.value);
      return;
    }
    /** @type {Record<string, string>} */
    const nieuw = {};
    for (const veld of VELDEN) {
      const invoer = /** @type {HTMLInputElement} */ (this.form.elements.namedItem(`${NIEUW}.${veld}`));
      const waarde = invoer.value.trim();
      if (waarde) nieuw[veld] = waarde;
    }
    data.append(NIEUW, JSON.stringify(nieuw));
  }

  /** A referentielaag's report in the shape of an import of opgaven (naam as titel). */
  alsRapport(/** @type {any} */ verslag) {
    /** @type {Rapport} */
    const rapport = {
      ...verslag,
      strikt: true,
      meldingen: [],
      gebieden: {},
      features: verslag.features.map((/** @type {any} */ r) => ({ ...r, titel: r.naam })),
    };
    return rapport;
  }

  /** What happened, in one sentence; after an import the laag is chosen for the next one. */
  uitkomst(/** @type {any} */ verslag) {
    const som = verslag.samenvatting;
    const laag = verslag.referentielaag;
    if (verslag.dry_run && som.geweigerd) {
      return `Proefimport: ${getal(som.geweigerd)} features geweigerd; importeren zou niets opslaan (een referentielaag wordt in haar geheel vervangen).`;
    }
    if (verslag.dry_run) {
      const nieuw = this.kiezer.value ? "" : " (een nieuwe laag)";
      return `Proefimport: importeren zou ${getal(som.geaccepteerd + som.hersteld)} objecten in ${laag.naam}${nieuw} zetten.`;
    }
    this.laad(laag.slug);
    return `Import klaar: ${laag.naam} heeft nu ${getal(som.geschreven)} objecten.`;
  }
}
