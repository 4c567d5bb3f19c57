/* The difference map of the vergelijken page: the faces of the overlay of A and B (the API's
 * vergelijking), coloured by how many more (red) or fewer (blue) opgaven meet in B than in A, a
 * diverging palette; where B has other opgaven but as many, a pale face with a dashed edge.
 * Its popup says which opgaven came or went there; its legend rows follow what is drawn. */
"use strict";

(function (G) {
  const el = G.el;
  // ColorBrewer RdBu (11 classes, without the palest): 1, 2, 3, 4 or more fewer (blue) or
  // more (red) opgaven in B than in A; the lightest still shows on the cream offline background.
  const MINDER = ["#92c5de", "#4393c3", "#2166ac", "#053061"];
  const MEER = ["#f4a582", "#d6604d", "#b2182b", "#67001f"];
  const GELIJK = "#efeae4"; // as many, but other opgaven
  const STAPPEN = MEER.length;
  const MIN = "\u2212"; // a real minus sign

  /** The colour of a face whose depth in B differs by `verschil` from A's. */
  G.verschilKleur = (verschil) => {
    if (verschil === 0) return GELIJK;
    const stap = Math.min(Math.abs(verschil), STAPPEN) - 1;
    return verschil > 0 ? MEER[stap] : MINDER[stap];
  };

  /** A difference as text with its sign: "+2", "−1", "0". */
  G.metTeken = (n, tekst) => {
    const woord = tekst || G.getal(Math.abs(n));
    if (n > 0) return `+${woord}`;
    if (n < 0) return `${MIN}${woord}`;
    return woord;
  };

  /** The legend's block for the faces drawn (their properties): the steps from low to high. */
  G.verschilLegenda = function (vlakken) {
    const verschillen = vlakken.map((p) => Math.max(-STAPPEN, Math.min(STAPPEN, p.verschil)));
    if (!verschillen.length)
      return [{ kop: "Verschil in stapeling", rijen: [[null, "Geen verschil tussen A en B."]] }];
    const rijen = [];
    for (let v = Math.max(...verschillen); v >= Math.min(...verschillen); v--) {
      if (v === 0 && !verschillen.includes(0)) continue;
      const grens = Math.abs(v) === STAPPEN ? " of meer" : "";
      const label =
        v === 0
          ? "even veel, andere opgaven"
          : `${G.metTeken(v)}${grens} ${Math.abs(v) === 1 ? "opgave" : "opgaven"} ${v > 0 ? "(meer in B)" : "(minder in B)"}`;
      const staal = el("span", {
        class: `staal verschil-staal${v === 0 ? " gelijk-staal" : ""}`,
        style: { backgroundColor: G.verschilKleur(v) },
      });
      rijen.push([staal, label]);
    }
    return [{ kop: "Verschil in stapeling (B t.o.v. A)", rijen, klasse: "legenda-verschil" }];
  };

  class VerschilLaag {
    constructor(map, pane) {
      this.map = map;
      this.pane = pane;
      if (!map.getPane(pane)) map.createPane(pane).style.zIndex = 415;
      this.groep = L.featureGroup();
      this.vlakken = []; // the properties of the faces drawn
      this.titels = new Map(); // opgave id -> titel, of the opgaven that differ
    }

    /** Draw the difference faces; `opgaven` is the comparison's list of differing opgaven. */
    teken(faces, opgaven) {
      this.groep.clearLayers();
      this.titels = new Map(
        [...opgaven.toegevoegd, ...opgaven.weggelaten, ...opgaven.gewijzigd].map((o) => [o.id, o.titel])
      );
      this.vlakken = faces.features.map((f) => f.properties);
      L.geoJSON(faces, {
        pane: this.pane,
        style: (feature) => {
          const { verschil } = feature.properties;
          return {
            fillColor: G.verschilKleur(verschil),
            fillOpacity: 0.85,
            color: verschil === 0 ? "#5b2a86" : "#3d3d3d",
            weight: verschil === 0 ? 1.5 : 0.7,
            dashArray: verschil === 0 ? "4 3" : null,
            className: `verschil-vlak ${verschil > 0 ? "meer" : verschil < 0 ? "minder" : "gelijk"}`,
          };
        },
        onEachFeature: (feature, layer) => layer.bindPopup(() => this.popup(feature.properties)),
      }).addTo(this.groep);
    }

    popup(p) {
      const alleen = (van, zonder) => van.filter((id) => !zonder.includes(id));
      const lijst = (kop, ids) =>
        ids.length
          ? [
              el("p", { class: "popup-kop", text: kop }),
              el(
                "ul",
                { class: "popup-lijst" },
                ids.map((id) => el("li", { text: this.titels.get(id) || "opgave" }))
              ),
            ]
          : null;
      const kop =
        p.verschil === 0
          ? "Even veel opgaven, andere"
          : `${G.metTeken(p.verschil)} ${Math.abs(p.verschil) === 1 ? "opgave" : "opgaven"} in B`;
      return el(
        "div",
        { class: "popup verschil-popup" },
        el("h3", { text: kop }),
        el("p", {
          text: `A: ${G.aantal(p.aantal_a, "opgave", "opgaven")} · B: ${G.aantal(p.aantal_b, "opgave", "opgaven")} · ${G.ha(p.oppervlakte_ha)}`,
        }),
        lijst("Hier in B, niet in A:", alleen(p.opgaven_b, p.opgaven_a)),
        lijst("Hier in A, niet in B:", alleen(p.opgaven_a, p.opgaven_b))
      );
    }

    toon(aan) {
      if (aan) this.groep.addTo(this.map);
      else this.groep.remove();
    }
  }

  G.VerschilLaag = VerschilLaag;
})(window.Gebiedsregie);
