// @ts-check
/* The import page (importeren.html): choose a file, see its layers and fields
 * (POST /api/v1/import/inspectie), map the fields, run a dry run and then the import
 * (POST /api/v1/import), with the upload's and the check's progress and the report. As
 * opgaven, or into a referentielaag (importdoel.js). */

import { ImportDoel } from "./importdoel.js";
import { RapportTabel, el, getal } from "./importrapport.js";
import { Voortgang, post, sleutel } from "./importverzoek.js";

/**
 * @typedef {{naam: string, voorbeelden: string[]}} Veld
 * @typedef {{naam: string, formaat: string, geometrietype: string, aantal: number,
 *   crs: string | null, crs_herkomst: string | null,
 *   crs_fout: {code: string, reason: string} | null, velden: Veld[],
 *   standaard: Record<string, string | null>, novex: boolean, meldingen: string[]}} Laag
 * @typedef {{bestand: {naam: string, formaat: string}, lagen: string[],
 *   aantal_lagen: number, geinspecteerd: Laag[]}} Inspectie
 * @typedef {import("./importverzoek.js").Antwoord} Antwoord
 */

const API = "/api/v1/import";
const GEEN_VELD = "-"; // the import's name for "no field" (importer.GEEN_VELD)
const POLL_MS = 1000;

const form = /** @type {HTMLFormElement} */ (document.getElementById("import-form"));
const csrf = /** @type {HTMLMetaElement} */ (document.querySelector('meta[name="csrf-token"]')).content;
const maxBytes = Number(form.dataset.maxBytes);
const bestandVeld = /** @type {HTMLInputElement} */ (form.elements.namedItem("bestand"));
const laagVeld = /** @type {HTMLSelectElement} */ (form.elements.namedItem("laag"));
const crsVeld = /** @type {HTMLInputElement} */ (form.elements.namedItem("crs"));
const proefKnop = /** @type {HTMLButtonElement} */ (form.querySelector('[data-actie="proef"]'));
const importKnop = /** @type {HTMLButtonElement} */ (form.querySelector('[data-actie="importeer"]'));
const rapport = new RapportTabel(/** @type {HTMLElement} */ (document.querySelector("[data-rapport]")));
// Opgaven or a referentielaag: its steps replace the field mapping and the fixed values.
const doel = new ImportDoel(form, () => {
  toonStappen(Boolean(gekozenLaag()));
  const laag = gekozenLaag();
  if (laag) deel("data-laag-meldingen").replaceChildren(...meldingen(laag).map((t) => el("li", { text: t })));
  kijkProef();
});
/** @param {string} naam */
const deel = (naam) => /** @type {HTMLElement} */ (document.querySelector(`[${naam}]`));

/** @type {Inspectie | null} */
let inspectie = null;
let bezig = false;
let proefVoor = ""; // the choices of the last dry run without refusal of the file
let inspecties = 0; // the last inspection asked for wins (the user may change the file)

// --- errors ------------------------------------------------------------------------------

function wisFouten() {
  for (const slot of form.querySelectorAll("[data-fout-voor], [data-formfout]")) {
    /** @type {HTMLElement} */ (slot).hidden = true;
    slot.textContent = "";
  }
  for (const veld of form.querySelectorAll("[aria-invalid]")) veld.removeAttribute("aria-invalid");
}

/**
 * Put each error of a problem+json next to its field; the rest above the buttons.
 * @param {Antwoord} antwoord
 * @param {boolean} [bijBestand] errors without a field of their own go with the file
 */
function toonFout(antwoord, bijBestand = false) {
  const probleem = antwoord.body || {};
  const algemeen = [];
  if (antwoord.status === 401) algemeen.push("Uw sessie is verlopen; log opnieuw in.");
  else if (antwoord.status === 403) algemeen.push(`Geen toegang: ${probleem.detail || ""}`);
  for (const fout of probleem.errors || []) {
    const slot = form.querySelector(`[data-fout-voor="${CSS.escape(String(fout.name))}"]`);
    if (!slot) {
      algemeen.push(fout.reason);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${fout.reason}` : fout.reason;
    /** @type {HTMLElement} */ (slot).hidden = false;
    const veld = form.elements.namedItem(String(fout.name));
    if (veld instanceof HTMLElement) veld.setAttribute("aria-invalid", "true");
  }
  if (!algemeen.length && !(probleem.errors || []).length) {
    algemeen.push(probleem.detail || probleem.title || `Fout ${antwoord.status}`);
  }
  if (!algemeen.length) return;
  const doel = bijBestand
    ? deel('data-fout-voor="bestand"')
    : /** @type {HTMLElement} */ (form.querySelector("[data-formfout]"));
  doel.textContent = `${probleem.title || "Niet gelukt"}: ${algemeen.join(" ")}`;
  doel.hidden = false;
}

// --- step 1 and 2: the file and its layers ------------------------------------------------

/** @param {boolean} zichtbaar */
function toonStappen(zichtbaar) {
  for (const stap of form.querySelectorAll("[data-stap]")) {
    /** @type {HTMLElement} */ (stap).hidden = !zichtbaar || !doel.past(stap);
  }
  doel.nummer();
}

/** Inspect the chosen file (or, of a file with many layers, the layer `laag`). */
async function bekijk(/** @type {string | null} */ laag = null) {
  const bestand = bestandVeld.files && bestandVeld.files[0];
  wisFouten();
  rapport.vak.hidden = true;
  proefVoor = "";
  if (!laag) toonStappen(false);
  if (!bestand) return;
  if (bestand.size > maxBytes) {
    toonFout({
      status: 413,
      body: {
        title: "Te groot",
        errors: [{ name: "bestand", reason: `Het bestand is ${getal(bestand.size)} bytes; de grens is ${getal(maxBytes)}.` }],
      },
    });
    return;
  }
  const data = new FormData();
  data.append("bestand", bestand);
  if (laag) data.append("laag", laag);
  deel("data-inspectie-bezig").hidden = false;
  const nr = ++inspecties;
  const antwoord = await post(`${API}/inspectie`, data, csrf);
  if (nr !== inspecties) return;
  deel("data-inspectie-bezig").hidden = true;
  if (antwoord.status !== 200) {
    toonFout(antwoord, true);
    return;
  }
  /** @type {Inspectie} */
  const nieuw = antwoord.body;
  if (laag && inspectie) {
    inspectie.geinspecteerd.push(...nieuw.geinspecteerd);
  } else {
    inspectie = nieuw;
    laagVeld.replaceChildren(...nieuw.lagen.map((naam) => el("option", { value: naam, text: naam })));
    const eerste = nieuw.lagen.includes("opgave") ? "opgave" : nieuw.lagen[0];
    laagVeld.value = eerste;
  }
  toonLaag(false);
  toonStappen(Boolean(gekozenLaag()));
  kijkProef();
}

/** @returns {Laag | undefined} */
const gekozenLaag = () => inspectie?.geinspecteerd.find((l) => l.naam === laagVeld.value);

function toonLaag(/** @type {boolean} */ vraag = true) {
  const laag = gekozenLaag();
  if (!laag) {
    if (vraag) bekijk(laagVeld.value); // a layer beyond the first ones inspected
    return;
  }
  const kenmerken = [
    ["Formaat", laag.formaat],
    ["Geometrie", /Unknown/.test(laag.geometrietype) || !laag.geometrietype ? "gemengd of onbekend" : laag.geometrietype],
    ["Features", getal(laag.aantal)],
    ["CRS", laag.crs ? `${laag.crs} (${laag.crs_herkomst})` : "nog niet bekend"],
  ];
  deel("data-laag-kenmerken").replaceChildren(
    ...kenmerken.map(([naam, waarde]) => el("div", null, el("dt", { text: naam }), el("dd", { text: waarde })))
  );
  deel("data-laag-meldingen").replaceChildren(...meldingen(laag).map((t) => el("li", { text: t })));
  if (laag.crs_fout && laag.crs_fout.code === "crs_lijkt_rd" && !crsVeld.value) crsVeld.value = "EPSG:28992";
  deel("data-velden").replaceChildren(
    ...laag.velden.map((veld) =>
      el(
        "tr",
        null,
        el("th", { scope: "row" }, el("code", { text: veld.naam })),
        el("td", null, ...(veld.voorbeelden.length
          ? veld.voorbeelden.map((v) => el("span", { class: "voorbeeld", title: v, text: v }))
          : [el("span", { class: "leeg", text: "leeg" })]))
      )
    )
  );
  for (const select of form.querySelectorAll("select[data-eigenschap]")) {
    const eigenschap = /** @type {string} */ (select.getAttribute("data-eigenschap"));
    const standaard = laag.standaard[eigenschap];
    const geen = eigenschap === "titel" ? "Geen: laagnaam en id" : "Geen";
    select.replaceChildren(
      el("option", { value: GEEN_VELD, text: geen }),
      ...laag.velden.map((v) => el("option", { value: v.naam, text: v.naam }))
    );
    /** @type {HTMLSelectElement} */ (select).value = standaard || GEEN_VELD;
  }
}

/** What to tell about a layer of the file, for what it is imported as. */
function meldingen(/** @type {Laag} */ laag) {
  const lijst = [...laag.meldingen];
  if (laag.crs_fout) lijst.push(laag.crs_fout.reason);
  if (doel.isReferentielaag()) {
    if (!/^(Multi)?Polygon/.test(laag.geometrietype)) {
      lijst.push("Een referentielaag bevat alleen vlakken: een punt of lijn in het bestand weigert het hele bestand.");
    }
    return lijst;
  }
  if (laag.novex) lijst.push("Dit is een NOVEX-export: alleen de features van de laag 'opgave' tellen.");
  if (/^(Multi)?(Point|LineString)/.test(laag.geometrietype)) {
    lijst.push("De laag heeft geen vlakken: geef een buffer op, of punten en lijnen worden geweigerd.");
  } else if (!/Polygon/.test(laag.geometrietype)) {
    lijst.push("De laag zegt niet welke soort geometrie zij heeft: punten en lijnen erin worden zonder buffer geweigerd.");
  }
  return lijst;
}

// --- step 5: dry run and import -------------------------------------------------------------

/** The form as the import's fields: a mapping only where it differs from the default. */
function formulier() {
  const data = new FormData();
  const bestand = bestandVeld.files && bestandVeld.files[0];
  if (bestand) data.append("bestand", bestand);
  const laag = gekozenLaag();
  data.append("laag", laagVeld.value);
  if (doel.isReferentielaag()) {
    if (crsVeld.value.trim()) data.append("crs", crsVeld.value.trim());
    doel.velden(data);
    return data;
  }
  for (const naam of ["crs", "thema", "trekker", "status", "bron", "buffer_m"]) {
    const veld = /** @type {HTMLInputElement} */ (form.elements.namedItem(naam));
    if (veld.value.trim()) data.append(naam, veld.value.trim());
  }
  for (const select of form.querySelectorAll("select[data-eigenschap]")) {
    const eigenschap = /** @type {string} */ (select.getAttribute("data-eigenschap"));
    const waarde = /** @type {HTMLSelectElement} */ (select).value;
    if (laag && waarde !== (laag.standaard[eigenschap] || GEEN_VELD)) data.append(`veld_${eigenschap}`, waarde);
  }
  if (/** @type {HTMLInputElement} */ (form.elements.namedItem("strikt")).checked) data.append("strikt", "true");
  return data;
}

/** What the dry run was run with: the import may follow only with the same choices. */
function keuzes() {
  const bestand = bestandVeld.files && bestandVeld.files[0];
  const delen = [...formulier().entries()].filter(([k]) => k !== "bestand").map(([k, v]) => `${k}=${v}`);
  return bestand ? `${bestand.name}|${bestand.size}|${bestand.lastModified}|${delen.join("&")}` : "";
}

function kijkProef() {
  const klaar = proefVoor !== "" && proefVoor === keuzes();
  importKnop.disabled = bezig || !klaar;
  deel("data-import-hint").textContent = klaar
    ? "De proefimport hoort bij deze keuzes: importeren slaat op wat hij accepteerde."
    : "Importeren kan na een proefimport met deze keuzes.";
}

/** Run the import, `proef` as a dry run, and show its report. */
async function voerUit(/** @type {boolean} */ proef) {
  wisFouten();
  const data = formulier();
  if (proef) data.append("dry_run", "true");
  const kenmerk = sleutel();
  data.append("voortgang", kenmerk);
  const voor = keuzes();
  const voortgang = new Voortgang(deel("data-voortgang"));
  bezig = true;
  proefKnop.disabled = importKnop.disabled = true;
  voortgang.start(proef ? "Proefimport" : "Import");
  let peiler = 0;
  let klaar = false;
  const peil = async () => {
    try {
      const antwoord = await fetch(`${API}/voortgang/${kenmerk}`, { headers: { Accept: "application/json" } });
      const stand = antwoord.ok ? await antwoord.json() : { loopt: false };
      if (klaar) return;
      if (stand.loopt && stand.totaal) {
        const tekst = `${getal(stand.gedaan)} van ${getal(stand.totaal)} features gecontroleerd`;
        voortgang.zet(tekst, stand.gedaan / stand.totaal);
      }
    } catch {
      // No answer now: the elapsed time still shows; try again.
    }
    if (!klaar) peiler = window.setTimeout(peil, POLL_MS);
  };
  const antwoord = await post(API, data, csrf, (fractie) => {
    if (fractie < 1) voortgang.zet(`bestand versturen, ${Math.round(100 * fractie)}%`, fractie);
    else if (!peiler) {
      voortgang.zet("bestand lezen en controleren", null);
      peiler = window.setTimeout(peil, POLL_MS);
    }
  });
  bezig = false;
  klaar = true;
  window.clearTimeout(peiler);
  voortgang.stop();
  proefKnop.disabled = false;
  if (antwoord.status !== 200) {
    proefVoor = "";
    kijkProef();
    toonFout(antwoord);
    return;
  }
  const referentie = "referentielaag" in antwoord.body;
  const uitkomst = referentie
    ? doel.uitkomst(antwoord.body)
    : proef
      ? proefUitkomst(antwoord.body)
      : importUitkomst(antwoord.body);
  proefVoor = proef ? voor : "";
  kijkProef();
  rapport.toon(referentie ? doel.alsRapport(antwoord.body) : antwoord.body, uitkomst);
  deel("data-rapport-gebieden").hidden = referentie; // a laag's objecten lie anywhere
  deel("data-rapport-titel").focus();
}

/** @param {any} verslag */
function proefUitkomst(verslag) {
  const som = verslag.samenvatting;
  const nieuw = som.geaccepteerd + som.hersteld;
  if (verslag.strikt && som.geweigerd) {
    return `Proefimport: ${getal(som.geweigerd)} features geweigerd; strikt importeren zou niets opslaan.`;
  }
  const al = som.bestaat_al ? `; ${getal(som.bestaat_al)} bestaan al` : "";
  return `Proefimport: importeren zou ${getal(nieuw)} opgaven opslaan${al}.`;
}

/** @param {any} verslag */
function importUitkomst(verslag) {
  const som = verslag.samenvatting;
  if (verslag.strikt && som.geweigerd && !som.geschreven) {
    return "Niets opgeslagen: er werden features geweigerd en de import was strikt.";
  }
  return `Import klaar: ${getal(som.geschreven)} opgaven opgeslagen.`;
}

bestandVeld.addEventListener("change", () => bekijk());
laagVeld.addEventListener("change", () => {
  toonLaag();
  kijkProef();
});
form.addEventListener("input", (e) => e.target !== bestandVeld && kijkProef());
form.addEventListener("change", (e) => e.target !== bestandVeld && kijkProef());
form.addEventListener("submit", (e) => e.preventDefault());
proefKnop.addEventListener("click", () => voerUit(true));
importKnop.addEventListener("click", () => voerUit(false));
// Leaving the page breaks off a running import (nothing is stored): ask first.
window.addEventListener("beforeunload", (e) => {
  if (bezig) e.preventDefault();
});
