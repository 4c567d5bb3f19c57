/* The search box in every page's header: gemeenten, provinces, gebieden and opgaven from
 * /api/v1/zoeken, as an ARIA 1.2 combobox (arrow keys, Enter, Escape), debounced. A hit zooms
 * the map to its bbox on a map page; elsewhere it opens its page (or the overview, zoomed).
 * Standalone: pages without a map load no other script. */
"use strict";

(function () {
  const WACHT_MS = 250;
  const MIN_TEKENS = 2;
  const SOORTEN = { gemeente: "Gemeente", provincie: "Provincie", gebied: "Gebied", opgave: "Opgave" };

  /**
   * @typedef {Object} Zoekresultaat one of /api/v1/zoeken's `resultaten`
   * @property {"gemeente"|"provincie"|"gebied"|"opgave"} soort
   * @property {string} id
   * @property {string} naam
   * @property {string|null} toelichting
   * @property {number[]} bbox [minlon, minlat, maxlon, maxlat]
   * @property {string|null} url
   */

  function maak(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c != null));
    return node;
  }

  class Zoekvak {
    constructor(vak) {
      this.vak = vak;
      this.input = vak.querySelector('[role="combobox"]');
      this.lijst = vak.querySelector('[role="listbox"]');
      this.status = maak("div", { class: "visueel-verborgen", "aria-live": "polite", "data-zoek-status": "" });
      this.melding = maak("p", { class: "zoekmelding", hidden: "" });
      vak.append(this.status, this.melding);
      /** @type {Zoekresultaat[]} */
      this.resultaten = [];
      this.actief = -1;
      this.timer = null;
      this.vraagNr = 0;
      this.markering = null;
      this.input.addEventListener("input", () => this.later());
      this.input.addEventListener("keydown", (event) => this.toets(event));
      this.input.addEventListener("blur", () => window.setTimeout(() => this.sluitAlsWeg(), 150));
      // mousedown, not click: the input keeps its focus and the list stays until chosen.
      this.lijst.addEventListener("mousedown", (event) => {
        const optie = event.target instanceof Element && event.target.closest('[role="option"]');
        if (!optie) return;
        event.preventDefault();
        this.kies(Number(optie.dataset.index));
      });
    }

    later() {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.zoek(), WACHT_MS);
    }

    async zoek() {
      const q = this.input.value.trim();
      const nr = ++this.vraagNr;
      if (q.length < MIN_TEKENS) {
        this.toon([], "");
        return;
      }
      let resultaten;
      try {
        const url = `/api/v1/zoeken?${new URLSearchParams({ q, limit: "10" })}`;
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`status ${response.status}`);
        resultaten = (await response.json()).resultaten;
      } catch (error) {
        if (nr !== this.vraagNr) return;
        this.toon([], "Zoeken lukt nu niet; probeer het later opnieuw.");
        return;
      }
      if (nr !== this.vraagNr) return; // a newer search is under way
      this.toon(resultaten, resultaten.length ? "" : `Niets gevonden voor "${q}".`);
    }

    /** Show `resultaten` as options (none active), or `melding` when there are none. */
    toon(resultaten, melding) {
      this.resultaten = resultaten;
      this.actief = -1;
      this.lijst.replaceChildren(
        ...resultaten.map((r, i) =>
          maak(
            "li",
            { role: "option", id: `zoekresultaat-${i}`, "aria-selected": "false", "data-index": String(i), class: `zoek-${r.soort}` },
            maak("span", { class: "zoek-naam", text: r.naam }),
            // The toelichting names the soort ("Gemeente in Gelderland"); else the soort does.
            maak("span", { class: "zoek-soort", text: r.toelichting || SOORTEN[r.soort] || r.soort })
          )
        )
      );
      this.open(resultaten.length > 0);
      this.melding.textContent = melding;
      this.melding.hidden = !melding;
      const q = this.input.value.trim();
      this.status.textContent =
        q.length < MIN_TEKENS ? "" : melding || `${resultaten.length} ${resultaten.length === 1 ? "resultaat" : "resultaten"}.`;
    }

    open(aan) {
      this.lijst.hidden = !aan;
      this.input.setAttribute("aria-expanded", String(aan));
      if (!aan) {
        this.input.removeAttribute("aria-activedescendant");
        this.actief = -1;
      }
    }

    sluitAlsWeg() {
      if (document.activeElement !== this.input) {
        this.open(false);
        this.melding.hidden = true;
      }
    }

    zetActief(index) {
      const opties = [...this.lijst.children];
      if (!opties.length) return;
      this.actief = (index + opties.length) % opties.length;
      opties.forEach((optie, i) => optie.setAttribute("aria-selected", String(i === this.actief)));
      const optie = opties[this.actief];
      this.input.setAttribute("aria-activedescendant", optie.id);
      optie.scrollIntoView({ block: "nearest" });
    }

    toets(event) {
      const open = !this.lijst.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!open && this.resultaten.length) this.open(true);
          this.zetActief(this.actief + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!open && this.resultaten.length) this.open(true);
          this.zetActief(this.actief < 0 ? -1 : this.actief - 1);
          break;
        case "Enter":
          if (open && this.actief >= 0) {
            event.preventDefault();
            this.kies(this.actief);
          } else if (open && this.resultaten.length === 1) {
            event.preventDefault();
            this.kies(0);
          }
          break;
        case "Escape":
          event.preventDefault(); // also keeps the map's Escape (close a popup) out of it
          if (open) this.open(false);
          else {
            this.input.value = "";
            this.toon([], "");
          }
          break;
        default:
      }
    }

    kies(index) {
      const hit = this.resultaten[index];
      if (!hit) return;
      this.input.value = hit.naam;
      this.open(false);
      const G = window.Gebiedsregie;
      const pagina = G && G.pagina;
      if (pagina && pagina.map) this.zoomNaar(pagina, hit);
      else if (hit.url) window.location.assign(hit.url);
      else window.location.assign(`/?bbox=${hit.bbox.join(",")}`);
    }

    /** On a map page: zoom to the hit, mark its box a while, open an opgave's popup. */
    zoomNaar(pagina, hit) {
      const G = window.Gebiedsregie;
      const map = pagina.map;
      const [minlon, minlat, maxlon, maxlat] = hit.bbox;
      const box = L.latLngBounds([minlat, minlon], [maxlat, maxlon]);
      map.closePopup();
      map.fitBounds(box, { padding: [30, 30], maxZoom: 15, animate: false });
      if (this.markering) this.markering.remove();
      this.markering = L.rectangle(box, { className: "zoekmarkering", interactive: false, fill: false }).addTo(map);
      window.setTimeout(() => {
        if (this.markering) this.markering.remove();
        this.markering = null;
      }, 8000);
      if (hit.soort === "opgave" && pagina.opgavenLaag && pagina.opgavenLaag.opgaveLagen.has(hit.id)) {
        pagina.opgavenLaag.toon(hit.id);
        return;
      }
      const hier = hit.url && hit.url === window.location.pathname;
      const naar =
        hit.url && !hier ? [" ", maak("a", { href: hit.url, text: `Open de kaart van ${hit.naam}` })] : [];
      if (G.meld) G.meld([`${SOORTEN[hit.soort] || ""} ${hit.naam} in beeld.`, ...naar]);
    }
  }

  function start() {
    for (const vak of document.querySelectorAll("[data-zoeken]")) new Zoekvak(vak);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
