/* The opgaven of the gebied as a table (from /opgaventabel, with the page's filters and the
 * situation shown: the register or a variant), docked under the map: sortable by every column (header buttons, aria-sort), and a row (or its titel
 * button) zooms to the opgave and opens its popup. */
"use strict";

(function (G) {
  const el = G.el;
  const GETALLEN = new Set([
    "horizon",
    "oppervlakte_in_gebied_ha",
    "ruimtevraag_ha",
    "hoogste_stapeling",
  ]);
  const RICHTING = { ascending: "oplopend", descending: "aflopend" };
  // In the downloads, not on the screen: the thema's code (its name is shown), the id, the bron.
  const NIET_GETOOND = new Set(["thema", "id", "bron"]);

  /**
   * @typedef {Object} TabelRij a row of /api/v1/gebieden/{id}/opgaventabel
   * @property {string} id
   * @property {string} titel
   * @property {string} thema
   * @property {string} thema_naam
   * @property {string} trekker
   * @property {string} status
   * @property {number|null} horizon
   * @property {number} oppervlakte_in_gebied_ha
   * @property {number|null} ruimtevraag_ha
   * @property {number} hoogste_stapeling
   * @property {string|null} bron
   * @property {string|null} [wijziging] a variant's: gewijzigd, nieuw, or null (as the register)
   */

  class OpgavenTabel {
    /** `pagina` is the GebiedPagina: api, gebied, filters, namen, opgavenLaag. */
    constructor(pagina) {
      this.pagina = pagina;
      this.vak = document.getElementById("tabelvak");
      this.inhoud = this.vak.querySelector("[data-tabel]");
      this.knoppen = [...document.querySelectorAll("[data-tabel-knop]")];
      this.sortering = { kolom: "titel", richting: "ascending" };
      this.antwoord = null; // the last answer of the API
      this.verouderd = true;
      this.laadNr = 0;
      for (const knop of this.knoppen) {
        knop.addEventListener("click", () => this.open(this.vak.hidden));
      }
    }

    open(aan) {
      this.vak.hidden = !aan;
      for (const knop of this.knoppen) {
        knop.setAttribute("aria-expanded", String(aan));
        if (knop.dataset.tabelKnop === "wissel") knop.textContent = aan ? "Tabel verbergen" : "Tabel tonen";
      }
      document.body.classList.toggle("met-tabel", aan);
      if (!aan) G.openBlad(false); // the sheet's strip again
      this.pagina.map.invalidateSize();
      if (aan) {
        G.klapBladIn(); // a phone: map, table and the sheet's button, one above the other
        if (this.verouderd) this.laad();
        this.vak.focus({ preventScroll: true });
      }
    }

    /** The filters changed: reload now when the table is shown, or else when it is opened. */
    filtersGewijzigd() {
      this.verouderd = true;
      if (!this.vak.hidden) this.laad();
    }

    async laad() {
      const nr = ++this.laadNr;
      this.verouderd = false;
      this.vak.setAttribute("aria-busy", "true");
      const pad = `${this.pagina.api}/gebieden/${this.pagina.gebied.id}/opgaventabel`;
      try {
        const variant = this.pagina.variant;
        const antwoord = await G.api(pad, {
          params: { ...this.pagina.filters(false), variant: variant ? variant.id : null, formaat: "json" },
        });
        if (nr !== this.laadNr) return;
        this.antwoord = antwoord;
        this.toon();
      } catch (error) {
        if (!(error instanceof G.ApiError)) throw error;
        if (nr !== this.laadNr) return;
        this.verouderd = true;
        this.inhoud.replaceChildren(el("p", { class: "veldfout", text: `Tabel niet geladen: ${error.message}` }));
      } finally {
        if (nr === this.laadNr) this.vak.removeAttribute("aria-busy");
      }
    }

    /** What a cell shows. @param {TabelRij} rij */
    tekst(rij, kolom) {
      const value = rij[kolom];
      if (value == null || value === "") return "–";
      if (kolom === "thema") return rij.thema_naam || value; // should a code column be shown
      if (kolom === "trekker" || kolom === "status") return this.pagina.namen[value] || value;
      if (kolom.endsWith("_ha")) return G.ha(value);
      if (kolom === "horizon") return String(value);
      if (typeof value === "number") return G.getal(value);
      return String(value);
    }

    /** The value a column sorts by: numbers as numbers, the rest as the cell reads. */
    sleutel(rij, kolom) {
      const value = rij[kolom];
      if (GETALLEN.has(kolom) || typeof value === "number") return value == null ? null : Number(value);
      return value == null || value === "" ? null : this.tekst(rij, kolom);
    }

    gesorteerd() {
      const { kolom, richting } = this.sortering;
      const keer = richting === "ascending" ? 1 : -1;
      const vergelijk = new Intl.Collator("nl", { numeric: true, sensitivity: "base" });
      return [...this.antwoord.rijen].sort((a, b) => {
        const x = this.sleutel(a, kolom);
        const y = this.sleutel(b, kolom);
        if (x === y) return vergelijk.compare(a.titel, b.titel);
        if (x === null) return 1; // empty cells last, either way
        if (y === null) return -1;
        return keer * (typeof x === "number" ? x - y : vergelijk.compare(x, y));
      });
    }

    sorteer(kolom) {
      const zelfde = this.sortering.kolom === kolom;
      const richting = zelfde && this.sortering.richting === "ascending" ? "descending" : "ascending";
      this.sortering = { kolom, richting };
      this.toon();
      const knop = this.inhoud.querySelector(`th[data-kolom="${CSS.escape(kolom)}"] button`);
      if (knop) knop.focus({ preventScroll: true });
      G.meld(`Tabel gesorteerd op ${knop ? knop.dataset.titel : kolom}, ${RICHTING[richting]}.`);
    }

    toon() {
      const rijen = this.antwoord.rijen;
      const kolommen = this.antwoord.kolommen.filter((k) => !NIET_GETOOND.has(k.naam));
      const { kolom: sortKolom, richting } = this.sortering;
      // The filters of the table (it has no minimal stapeling: every opgave is a row).
      const filters = this.pagina.filterForm.beschrijving().filter((d) => !d.startsWith("min."));
      const variant = this.antwoord.variant; // only in a variant's table
      const situatie = variant ? `variant "${variant.naam}"` : null;
      const telling = [G.aantal(rijen.length, "opgave", "opgaven"), situatie, ...filters]
        .filter(Boolean)
        .join(" · ");
      this.vak.querySelector("[data-tabel-telling]").textContent = telling;
      const caption = el("caption", { class: "visueel-verborgen" }, `Opgaven in ${this.pagina.gebied.naam}: ${telling}`);
      const kop = el(
        "tr",
        null,
        kolommen.map((k) =>
          el(
            "th",
            {
              scope: "col",
              "aria-sort": k.naam === sortKolom ? richting : null,
              dataset: { kolom: k.naam },
              class: GETALLEN.has(k.naam) ? "getal" : null,
            },
            el(
              "button",
              { type: "button", class: "sorteer", dataset: { titel: k.titel }, onclick: () => this.sorteer(k.naam) },
              G.afbreekbaar(k.titel, 11),
              el("span", {
                class: "sorteerpijl",
                "aria-hidden": "true",
                text: k.naam === sortKolom ? (richting === "ascending" ? "▲" : "▼") : "↕",
              })
            )
          )
        )
      );
      const body = this.gesorteerd().map((rij) =>
        el(
          "tr",
          { dataset: { opgave: rij.id }, onclick: (event) => this.rijKlik(event, rij.id) },
          kolommen.map((k) => {
            if (k.naam === "titel") {
              return el(
                "th",
                { scope: "row" },
                el("button", {
                  type: "button",
                  class: "link",
                  text: rij.titel,
                  title: "Toon op de kaart",
                  onclick: () => this.pagina.opgavenLaag.toon(rij.id),
                })
              );
            }
            const getal = GETALLEN.has(k.naam);
            const tekst = this.tekst(rij, k.naam);
            return el("td", { class: getal ? "getal" : null, text: getal ? tekst : G.afbreekbaar(tekst, 16) });
          })
        )
      );
      const tabel = rijen.length
        ? el("table", { class: "opgaventabel" }, caption, el("thead", null, kop), el("tbody", null, body))
        : el("p", { class: "leeg", text: "Geen opgaven met deze filters." });
      this.inhoud.replaceChildren(tabel);
    }

    rijKlik(event, id) {
      // The titel's own button already did it; a click elsewhere in the row does the same.
      if (event.target instanceof Element && event.target.closest("button, a")) return;
      this.pagina.opgavenLaag.toon(id);
    }
  }

  G.OpgavenTabel = OpgavenTabel;
})(window.Gebiedsregie);
