/* The legend of the gebied page: what is on the map now. The thema colours of the opgaven in
 * view, the stapeling's depths as filtered (only while the stapeling is on), the hotspots, the
 * gebied's border and a "wat stapelt hier?" shape. Collapsible; collapsed on a phone. */
"use strict";

(function (G) {
  const el = G.el;

  /**
   * @typedef {Object} LegendaInhoud
   * @property {boolean} grens the gebied's border is on
   * @property {Array<{code: string, naam: string, kleur: string}>|null} themas opgaven shown
   * @property {{van: number, tot: number, hotspot: boolean}|null} stapeling depths shown
   * @property {boolean} adhoc a "wat stapelt hier?" shape is on the map
   * @property {Array<{kop: string, rijen: Array<[Node, string]>}>|null} [extra] blocks of a
   *   page's own (a variant's marks, the vergelijken page's differences), shown first
   */

  class Legenda {
    constructor(map) {
      this.map = map;
      const control = L.control({ position: "bottomright" });
      control.onAdd = () => {
        this.inhoud = el("div", { class: "legenda-inhoud", id: "legenda-inhoud" });
        this.knop = el("button", {
          type: "button",
          class: "legenda-knop",
          "aria-expanded": "true",
          "aria-controls": "legenda-inhoud",
          text: "Legenda",
        });
        this.knop.addEventListener("click", () => this.open(this.knop.getAttribute("aria-expanded") !== "true"));
        const div = el("section", { class: "legenda", "aria-label": "Legenda" }, this.knop, this.inhoud);
        // Clicks on the legend stay on it; while drawing it folds away (see lagenknop).
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      };
      control.addTo(map);
      this.open(!G.isSmal());
      let wasOpen = null;
      map.on("pm:drawstart", () => {
        wasOpen = this.isOpen();
        this.open(false);
      });
      map.on("pm:drawend", () => {
        if (wasOpen) this.open(true);
        wasOpen = null;
      });
      G.plooiVoorPopup(map, (aan) => this.open(aan));
    }

    isOpen() {
      return this.knop.getAttribute("aria-expanded") === "true";
    }

    open(aan) {
      this.knop.setAttribute("aria-expanded", String(aan));
      this.inhoud.hidden = !aan;
      this.map.fire("bedieningveranderd");
    }

    /** @param {LegendaInhoud} inhoud */
    werkBij({ grens, themas, stapeling, adhoc, extra }) {
      const blokken = (extra || []).map((b) => this.blok(b.kop, b.rijen, b.klasse));
      if (stapeling && stapeling.tot >= stapeling.van) {
        const max = G.DIEPTE_KLEUREN.length;
        const rijen = [];
        for (let aantal = stapeling.van; aantal <= Math.min(stapeling.tot, max); aantal++) {
          const label = aantal === max ? `${aantal} of meer` : String(aantal);
          rijen.push([el("span", { class: "staal", style: { backgroundColor: G.diepteKleur(aantal) } }), label]);
        }
        if (stapeling.hotspot) rijen.push([el("span", { class: "staal hotspot-staal" }), "hotspot"]);
        blokken.push(this.blok("Stapeling (aantal opgaven)", rijen, "legenda-diepten"));
      }
      if (themas && themas.length) {
        blokken.push(
          this.blok(
            "Opgaven per thema",
            themas.map((t) => [el("span", { class: `staal rand-staal staal-${t.code}` }), t.naam]),
            "legenda-themas"
          )
        );
      }
      if (grens) {
        blokken.push(this.blok(null, [[el("span", { class: "staal lijn-staal grens-staal" }), "Gebiedsgrens"]]));
      }
      if (adhoc) {
        blokken.push(this.blok(null, [[el("span", { class: "staal lijn-staal adhoc-staal" }), "Getekend vlak"]]));
      }
      if (!blokken.length) blokken.push(el("p", { class: "leeg", text: "Geen kaartlagen aan." }));
      this.inhoud.replaceChildren(...blokken);
      this.map.fire("bedieningveranderd");
    }

    blok(kop, rijen, klasse) {
      return el(
        "div",
        { class: `legenda-blok ${klasse || ""}` },
        kop ? el("strong", { text: kop }) : null,
        el("ul", null, rijen.map(([staal, label]) => el("li", null, staal, label)))
      );
    }
  }

  G.Legenda = Legenda;
})(window.Gebiedsregie);
