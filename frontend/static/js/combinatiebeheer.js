// @ts-check
/* The page /combinaties (combinaties.html): the matrices of koppelkansen and conflicten
 * (GET /api/v1/combinaties) as two tables; a cell shows its waarde and reden, and a beheerder
 * changes cells here and saves them all at once (PUT with If-Match: 412 when someone else
 * saved meanwhile, 400 naming the cells in error). */

import { el } from "./importrapport.js";

/**
 * @typedef {"koppelkans" | "neutraal" | "conflict"} Waarde
 * @typedef {{waarde: Waarde, reden: string}} Cel
 * @typedef {{thema_a: string, thema_b: string} & Cel} ThemaCel
 * @typedef {{thema: string, laag: string} & Cel} LaagCel
 * @typedef {{versie: number, voorbeeld: boolean, label: string | null, toelichting: string,
 *   gewijzigd_op: string | null, themas: {code: string, naam: string}[],
 *   lagen: {slug: string, naam: string, soort: string}[], thema_thema: ThemaCel[],
 *   thema_laag: LaagCel[]}} Stand
 * @typedef {{name: string, code: string, reason: string}} VeldFout
 */

const API = "/api/v1/combinaties";
/** @type {Record<Waarde, string>} */
const TEKEN = { koppelkans: "+", neutraal: "·", conflict: "−" };
/** @type {Record<Waarde, string>} */
const WOORD = { koppelkans: "koppelkans", neutraal: "neutraal", conflict: "conflict" };

const pagina = /** @type {HTMLElement} */ (document.querySelector(".combinatiebeheer"));
const beheerder = pagina.dataset.beheerder === "ja";
const csrf = /** @type {HTMLMetaElement} */ (document.querySelector('meta[name="csrf-token"]')).content;
/** @param {string} naam */
const deel = (naam) => /** @type {HTMLElement} */ (document.querySelector(`[${naam}]`));
const celForm = /** @type {HTMLFormElement | null} */ (document.getElementById("cel-form"));
const opslaanForm = /** @type {HTMLFormElement | null} */ (document.getElementById("opslaan-form"));

/** @type {Stand | null} */
let stand = null;
/** The cells as edited: key -> cell ("t|wonen|natuur", "l|wonen|natura-2000"). */
/** @type {Map<string, Cel>} */
let concept = new Map();
/** @type {string | null} the cell chosen */
let gekozen = null;
/** @type {Set<string>} cells the last save refused */
let fout = new Set();

/** @param {string} a @param {string} b */
const themaKey = (a, b) => (a <= b ? `t|${a}|${b}` : `t|${b}|${a}`);
/** @param {string} thema @param {string} laag */
const laagKey = (thema, laag) => `l|${thema}|${laag}`;

/** @param {string} key */
function origineel(key) {
  if (!stand) return null;
  const [soort, x, y] = key.split("|");
  const cel =
    soort === "t"
      ? stand.thema_thema.find((c) => c.thema_a === x && c.thema_b === y)
      : stand.thema_laag.find((c) => c.thema === x && c.laag === y);
  return cel ? { waarde: cel.waarde, reden: cel.reden } : null;
}

/** @param {string} key */
function gewijzigd(key) {
  const nu = concept.get(key);
  const toen = origineel(key);
  return !!nu && !!toen && (nu.waarde !== toen.waarde || nu.reden !== toen.reden);
}

/** @param {string} code */
function themaNaam(code) {
  const thema = stand && stand.themas.find((t) => t.code === code);
  return thema ? thema.naam : code;
}

/** @param {string} slug */
function laagNaam(slug) {
  const laag = stand && stand.lagen.find((l) => l.slug === slug);
  return laag ? laag.naam : slug;
}

/** @param {string} key */
function celNaam(key) {
  const [soort, x, y] = key.split("|");
  if (soort === "l") return `${themaNaam(x)} × ${laagNaam(y)}`;
  return x === y ? `Twee opgaven ${themaNaam(x)}` : `${themaNaam(x)} × ${themaNaam(y)}`;
}

/** A cell of a table: a button with the waarde's sign and colour. @param {string} key */
function celKnop(key) {
  const cel = /** @type {Cel} */ (concept.get(key));
  const klassen = ["cel", `waarde-${cel.waarde}`];
  if (gewijzigd(key)) klassen.push("gewijzigd");
  if (fout.has(key)) klassen.push("fout");
  if (key === gekozen) klassen.push("gekozen");
  return el("button", {
    type: "button",
    class: klassen.join(" "),
    "data-cel": key,
    "aria-label": `${celNaam(key)}: ${WOORD[cel.waarde]}. ${cel.reden}`,
    title: `${WOORD[cel.waarde]}: ${cel.reden}`,
    text: TEKEN[cel.waarde],
  });
}

/**
 * A matrix as a table: a row per thema, a column per `kolommen`, a cell button each.
 * @param {string} titel @param {string[]} kolommen @param {(thema: string, kolom: number) => string} key
 */
function matrix(titel, kolommen, key) {
  if (!stand) return el("p");
  const kop = el("tr", null, el("td"), ...kolommen.map((k) => el("th", { scope: "col" }, el("span", { text: k }))));
  const rijen = stand.themas.map((t) =>
    el(
      "tr",
      null,
      el("th", { scope: "row", text: t.naam }),
      ...kolommen.map((_, i) => el("td", null, celKnop(key(t.code, i))))
    )
  );
  return el(
    "table",
    { class: "matrix" },
    el("caption", { class: "visueel-verborgen", text: titel }),
    el("thead", null, kop),
    el("tbody", null, ...rijen)
  );
}

function tekenMatrices() {
  if (!stand) return;
  const themas = stand.themas;
  const lagen = stand.lagen;
  deel('data-matrix="thema"').replaceChildren(
    matrix("Thema × thema", themas.map((t) => t.naam), (code, i) => themaKey(code, themas[i].code))
  );
  deel('data-matrix="laag"').replaceChildren(
    lagen.length
      ? matrix(
          "Thema × referentielaag",
          lagen.map((l) => `${l.naam} (${l.soort})`),
          (code, i) => laagKey(code, lagen[i].slug)
        )
      : el("p", {
          class: "leeg",
          text:
            "Er zijn nog geen referentielagen. Hun cellen (zoals die van het voorbeeld voor " +
            "Natura 2000) gelden zodra een laag met die naam is ingelezen.",
        })
  );
}

/** @param {string} naam */
const veld = (naam) =>
  /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ (opslaanForm).elements.namedItem(naam));

function toonStand() {
  if (!stand) return;
  deel("data-voorbeeld").hidden = !stand.voorbeeld;
  deel("data-toelichting").textContent = stand.voorbeeld ? stand.toelichting : "";
  const op = stand.gewijzigd_op ? new Date(stand.gewijzigd_op).toLocaleString("nl-NL") : null;
  const vastgesteld = stand.voorbeeld ? "" : ` ${stand.toelichting}`;
  deel("data-versie").textContent = `Versie ${stand.versie}${op ? `, gewijzigd op ${op}` : ""}.${vastgesteld}`;
  if (opslaanForm) {
    veld("vastgesteld").checked = !stand.voorbeeld;
    veld("toelichting").value = stand.toelichting;
  }
  tekenMatrices();
  telWijzigingen();
}

/** @param {Stand} nieuw */
function neem(nieuw) {
  stand = nieuw;
  concept = new Map();
  for (const c of nieuw.thema_thema) {
    concept.set(themaKey(c.thema_a, c.thema_b), { waarde: c.waarde, reden: c.reden });
  }
  for (const c of nieuw.thema_laag) concept.set(laagKey(c.thema, c.laag), { waarde: c.waarde, reden: c.reden });
  fout = new Set();
  toonStand();
  if (gekozen && concept.has(gekozen)) kies(gekozen);
}

/** @param {string} key */
function kies(key) {
  gekozen = key;
  const cel = /** @type {Cel} */ (concept.get(key));
  const kop = deel("data-cel-kop");
  kop.textContent = celNaam(key);
  deel("data-cel-uitleg").hidden = true;
  const reden = deel("data-cel-reden");
  reden.hidden = false;
  const woord = el("strong", { class: `waardewoord waarde-${cel.waarde}`, text: WOORD[cel.waarde] });
  reden.replaceChildren(woord, ` — ${cel.reden}`);
  if (celForm) {
    celForm.hidden = false;
    for (const input of celForm.querySelectorAll('input[name="waarde"]')) {
      const radio = /** @type {HTMLInputElement} */ (input);
      radio.checked = radio.value === cel.waarde;
    }
    /** @type {HTMLInputElement} */ (celForm.elements.namedItem("reden")).value = cel.reden;
    zetVeldfout(null);
  }
  tekenMatrices();
  kop.focus();
}

/** @param {string | null} tekst */
function zetVeldfout(tekst) {
  if (!celForm) return;
  const slot = /** @type {HTMLElement} */ (celForm.querySelector('[data-fout-voor="reden"]'));
  const veld = /** @type {HTMLInputElement} */ (celForm.elements.namedItem("reden"));
  slot.hidden = !tekst;
  slot.textContent = tekst || "";
  if (tekst) veld.setAttribute("aria-invalid", "true");
  else veld.removeAttribute("aria-invalid");
}

function telWijzigingen() {
  if (!opslaanForm || !stand) return;
  const aantal = [...concept.keys()].filter(gewijzigd).length;
  const setGewijzigd =
    veld("vastgesteld").checked === stand.voorbeeld || veld("toelichting").value !== stand.toelichting;
  const cellen = `${aantal === 1 ? "1 cel" : `${aantal} cellen`} gewijzigd`;
  const set = setGewijzigd ? ", en de vaststelling of toelichting" : "";
  const iets = aantal > 0 || setGewijzigd;
  deel("data-wijzigingen").textContent = iets ? `${cellen}${set}; nog niet opgeslagen.` : "Geen wijzigingen.";
  for (const knop of opslaanForm.querySelectorAll("[data-opslaan], [data-herstel]")) {
    /** @type {HTMLButtonElement} */ (knop).disabled = !iets;
  }
}

/** @param {string | Node[] | null} inhoud @param {string} [soort] */
function zetFormfout(inhoud, soort) {
  if (!opslaanForm) return;
  const slot = /** @type {HTMLElement} */ (opslaanForm.querySelector("[data-formfout]"));
  slot.hidden = !inhoud;
  slot.className = `formfout${soort ? ` ${soort}` : ""}`;
  if (inhoud == null) slot.replaceChildren();
  else if (typeof inhoud === "string") slot.replaceChildren(el("p", { text: inhoud }));
  else slot.replaceChildren(...inhoud);
}

/**
 * The cell a field of the PUT names ("thema_thema[3].reden"), as sent.
 * @param {string} naam @param {{thema_thema: ThemaCel[], thema_laag: LaagCel[]}} body
 */
function celVanVeld(naam, body) {
  const match = /^(thema_thema|thema_laag)\[(\d+)\]/.exec(naam);
  if (!match) return null;
  if (match[1] === "thema_thema") {
    const c = body.thema_thema[Number(match[2])];
    return c ? themaKey(c.thema_a, c.thema_b) : null;
  }
  const c = body.thema_laag[Number(match[2])];
  return c ? laagKey(c.thema, c.laag) : null;
}

async function laad() {
  const answer = await fetch(API, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!answer.ok) throw new Error(`De matrices laden mislukte (${answer.status}).`);
  neem(await answer.json());
}

async function opslaan() {
  if (!stand || !opslaanForm) return;
  /** @type {ThemaCel[]} */
  const thema_thema = [];
  /** @type {LaagCel[]} */
  const thema_laag = [];
  for (const [key, cel] of concept) {
    const [soort, x, y] = key.split("|");
    if (soort === "t") thema_thema.push({ thema_a: x, thema_b: y, ...cel });
    else thema_laag.push({ thema: x, laag: y, ...cel });
  }
  const body = {
    voorbeeld: !veld("vastgesteld").checked,
    toelichting: veld("toelichting").value,
    thema_thema,
    thema_laag,
  };
  const knop = /** @type {HTMLButtonElement} */ (opslaanForm.querySelector("[data-opslaan]"));
  knop.disabled = true;
  document.body.dataset.laden = "ja";
  try {
    const answer = await fetch(API, {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "If-Match": `"${stand.versie}"`,
        "X-CSRF-Token": csrf,
      },
      body: JSON.stringify(body),
    });
    const antwoord = await answer.json().catch(() => ({}));
    if (answer.ok) {
      neem(antwoord);
      zetFormfout(
        `Opgeslagen als versie ${antwoord.versie}. De stapeling van elk gebied wordt opnieuw ` +
          "berekend wanneer ze gevraagd wordt.",
        "info"
      );
      return;
    }
    if (answer.status === 412) {
      const nu = answer.headers.get("ETag") || "";
      const herlaad = el("button", { type: "button", text: "Nieuwe versie laden (uw wijzigingen vervallen)" });
      herlaad.addEventListener("click", () => {
        zetFormfout(null);
        laad().catch((error) => zetFormfout(String(error.message)));
      });
      const uitleg =
        `Intussen heeft iemand anders de matrices gewijzigd (nu versie ${nu.replace(/"/g, "")}). ` +
        "Laad de nieuwe versie en breng uw wijzigingen opnieuw aan.";
      zetFormfout([el("p", { text: uitleg }), herlaad], "conflict");
      return;
    }
    /** @type {VeldFout[]} */
    const fouten = antwoord.errors || [];
    fout = new Set(fouten.map((f) => celVanVeld(f.name, body)).filter((k) => k !== null).map(String));
    tekenMatrices();
    const regels = fouten.map((f) => {
      const cel = celVanVeld(f.name, body);
      return el("li", { text: `${cel ? celNaam(cel) : f.name}: ${f.reason}` });
    });
    const detail = antwoord.detail || antwoord.title || `Opslaan mislukte (${answer.status}).`;
    zetFormfout([el("p", { text: detail }), el("ul", null, ...regels)]);
  } finally {
    document.body.dataset.laden = "nee";
    telWijzigingen();
  }
}

pagina.addEventListener("click", (event) => {
  const knop = /** @type {HTMLElement} */ (event.target).closest("[data-cel]");
  if (knop instanceof HTMLElement && knop.dataset.cel) kies(knop.dataset.cel);
});

if (celForm) {
  celForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!gekozen) return;
    const waarde = /** @type {Waarde} */ (new FormData(celForm).get("waarde"));
    const reden = String(new FormData(celForm).get("reden") || "").trim();
    if (!reden) {
      zetVeldfout("Geef een reden van één regel.");
      return;
    }
    concept.set(gekozen, { waarde, reden });
    fout.delete(gekozen);
    kies(gekozen);
    telWijzigingen();
  });
}

if (opslaanForm) {
  opslaanForm.addEventListener("submit", (event) => {
    event.preventDefault();
    opslaan();
  });
  opslaanForm.addEventListener("input", telWijzigingen);
  const herstel = /** @type {HTMLButtonElement} */ (opslaanForm.querySelector("[data-herstel]"));
  herstel.addEventListener("click", () => {
    if (stand) neem(stand);
    zetFormfout(null);
  });
}

window.addEventListener("beforeunload", (event) => {
  if (beheerder && [...concept.keys()].some(gewijzigd)) event.preventDefault();
});

document.body.dataset.laden = "ja";
laad()
  .catch((error) => {
    const melding = el("p", { class: "formfout", text: String(error.message) });
    deel('data-matrix="thema"').replaceChildren(melding);
  })
  .finally(() => {
    document.body.dataset.laden = "nee";
  });
