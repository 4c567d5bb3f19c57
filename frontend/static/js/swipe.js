/* The swipe mode of the vergelijken page: one map, A's layers left of a divider and B's right of
 * it. The divider is a range input across the map: a mouse or a finger drags its handle, the
 * keyboard moves it (arrows, Page Up and Page Down, Home, End), a screen reader names it and
 * says where it is. The two sides are panes of the map, clipped at the divider. */
"use strict";

(function (G) {
  const el = G.el;

  class Schuif {
    /** `links` and `rechts` are names of panes of `map` (A's and B's layers). */
    constructor(map, links, rechts) {
      this.map = map;
      this.links = map.getPane(links);
      this.rechts = map.getPane(rechts);
      this.aan = false;
      this.invoer = el("input", {
        type: "range",
        min: "0",
        max: "100",
        step: "1",
        value: "50",
        class: "schuif-invoer",
        "aria-label": "Schuifbalk: links situatie A, rechts situatie B",
      });
      // Which side is which, on the divider (it moves with it).
      this.labels = {
        a: el("span", { class: "schuif-label links" }),
        b: el("span", { class: "schuif-label rechts" }),
      };
      this.lijn = el("div", { class: "schuif-lijn", "aria-hidden": "true" }, this.labels.a, this.labels.b);
      this.vak = el("div", { class: "schuif", hidden: true }, this.lijn, this.invoer);
      map.getContainer().append(this.vak);
      // The handle is the divider's, not the map's: no drag, click or scroll goes through.
      L.DomEvent.disableClickPropagation(this.vak);
      L.DomEvent.disableScrollPropagation(this.vak);
      for (const soort of ["pointerdown", "touchstart", "keydown"]) {
        this.invoer.addEventListener(soort, (event) => event.stopPropagation());
      }
      this.invoer.addEventListener("input", () => this.werkBij());
      map.on("move zoom zoomend viewreset resize", () => this.werkBij());
    }

    /** The divider's place, 0 (all B) to 100 (all A). */
    get waarde() {
      return Number(this.invoer.value);
    }

    set waarde(procent) {
      this.invoer.value = String(Math.max(0, Math.min(100, Math.round(procent))));
      this.werkBij();
    }

    /** The names of the sides, on either side of the divider. */
    zetLabels(a, b) {
      this.labels.a.textContent = a;
      this.labels.b.textContent = b;
    }

    zet(aan) {
      this.aan = aan;
      this.vak.hidden = !aan;
      if (aan) this.werkBij();
      else for (const pane of [this.links, this.rechts]) pane.style.clip = "";
    }

    werkBij() {
      if (!this.aan) return;
      const fractie = this.waarde / 100;
      const size = this.map.getSize();
      // In the panes' own coordinates (they move with the map).
      const nw = this.map.containerPointToLayerPoint([0, 0]);
      const se = this.map.containerPointToLayerPoint(size);
      const x = nw.x + size.x * fractie;
      this.links.style.clip = `rect(${nw.y}px, ${x}px, ${se.y}px, ${nw.x}px)`;
      this.rechts.style.clip = `rect(${nw.y}px, ${se.x}px, ${se.y}px, ${x}px)`;
      this.lijn.style.left = `${size.x * fractie}px`;
      const a = Math.round(this.waarde);
      this.invoer.setAttribute("aria-valuetext", `${a}% A links, ${100 - a}% B rechts`);
    }
  }

  G.Schuif = Schuif;
})(window.Gebiedsregie);
