// @ts-check
/* Talking to the import API from the import page: a form POST with the session's CSRF token
 * and the upload's progress, and the progress box (phase, share, elapsed time). */

/** @typedef {{status: number, body: any}} Antwoord */

/**
 * POST a form to the API with the session's CSRF token; report the upload's progress.
 * @param {string} url
 * @param {FormData} data
 * @param {string} csrf the session's token ("" without a session)
 * @param {(fractie: number) => void} [geupload]
 * @returns {Promise<Antwoord>}
 */
export function post(url, data, csrf, geupload) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.responseType = "json";
    xhr.setRequestHeader("Accept", "application/json");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    if (geupload) {
      xhr.upload.addEventListener("progress", (e) => e.lengthComputable && geupload(e.loaded / e.total));
      xhr.upload.addEventListener("load", () => geupload(1));
    }
    xhr.addEventListener("load", () => resolve({ status: xhr.status, body: xhr.response }));
    const weg = () =>
      resolve({
        status: 0,
        body: { title: "Geen verbinding", detail: "De server is niet bereikbaar; probeer het opnieuw." },
      });
    xhr.addEventListener("error", weg);
    xhr.addEventListener("abort", weg);
    xhr.send(data);
  });
}

/** The progress box: the phase, the elapsed time, and a bar when the share is known. */
export class Voortgang {
  /** @param {HTMLElement} vak the box with [data-voortgang-tekst] and [data-voortgang-balk] */
  constructor(vak) {
    this.vak = vak;
    this.tekst = /** @type {HTMLElement} */ (vak.querySelector("[data-voortgang-tekst]"));
    this.balk = /** @type {HTMLProgressElement} */ (vak.querySelector("[data-voortgang-balk]"));
    this.begin = Date.now();
    this.wat = "";
    this.fase = "";
    this.klok = 0;
  }

  start(/** @type {string} */ wat) {
    this.wat = wat;
    this.begin = Date.now();
    this.vak.hidden = false;
    this.zet("Bestand versturen", 0);
    this.klok = window.setInterval(() => this.schrijf(), 1000);
  }

  /** @param {string} fase @param {number | null} fractie null: unknown share (no bar value) */
  zet(fase, fractie) {
    this.fase = fase;
    if (fractie == null) this.balk.removeAttribute("value");
    else this.balk.value = Math.round(100 * fractie);
    this.schrijf();
  }

  tijd() {
    const s = Math.floor((Date.now() - this.begin) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  schrijf() {
    this.tekst.textContent = `${this.wat} bezig (${this.tijd()}): ${this.fase}`;
  }

  /** Hide the box; its text says the run ended, never "bezig" beside the report. */
  stop() {
    window.clearInterval(this.klok);
    this.tekst.textContent = `${this.wat} klaar (${this.tijd()})`;
    this.vak.hidden = true;
  }
}

/** A random key for the import's progress (crypto.randomUUID needs a secure context). */
export const sleutel = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
