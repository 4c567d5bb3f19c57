/* The table of a variant's opgaven (tabel.js, while the gebied page shows a variant). The API's
 * opgaventabel knows the register only, so the rows are made here from what the page loaded of
 * the variant: its opgaven (without the left-out ones) and its stapeling. The area is the
 * opgave's whole area, so the column says so (the register's table has the part in the gebied). */
"use strict";

(function (G) {
  const KOLOMMEN = [
    ["titel", "Titel"],
    ["thema_naam", "Thema"],
    ["trekker", "Trekker"],
    ["status", "Status"],
    ["horizon", "Horizon"],
    ["oppervlakte_ha", "Oppervlakte (ha)"],
    ["ruimtevraag_ha", "Ruimtevraag (ha)"],
    ["hoogste_stapeling", "Hoogste stapeling"],
    ["variant_wijziging", "In de variant"],
  ];

  /** The highest stapeling on each opgave: id -> depth, from the faces of the variant. */
  function hoogste(faces) {
    const diepte = new Map();
    for (const face of faces.features) {
      for (const id of face.properties.opgaven) {
        diepte.set(id, Math.max(diepte.get(id) || 0, face.properties.aantal));
      }
    }
    return diepte;
  }

  /** The answer tabel.js shows: {kolommen, rijen, situatie}, as /opgaventabel has it. */
  G.variantTabel = async function (pagina) {
    const variant = pagina.variant;
    let faces = pagina.laatste ? pagina.laatste.faces : null;
    if (!faces || pagina.filterForm.minAantal() > 1) {
      // The shallower faces are not on the map: ask them all (the stored stapeling).
      const pad = `${pagina.api}/gebieden/${pagina.gebied.id}/stapeling`;
      faces = await G.api(pad, { params: { ...pagina.filters(false), variant: variant.id } });
    }
    const diepte = hoogste(faces);
    const rijen = [...pagina.opgavenLaag.opgaven.values()]
      .filter((f) => f.properties.variant_wijziging !== "weggelaten")
      .map((f) => {
        const p = f.properties;
        const thema = pagina.themas.get(p.thema);
        return {
          id: f.id,
          titel: p.titel,
          thema: p.thema,
          thema_naam: thema ? thema.naam : p.thema,
          trekker: p.trekker,
          status: p.status,
          horizon: p.horizon,
          oppervlakte_ha: p.oppervlakte_ha,
          ruimtevraag_ha: p.ruimtevraag_ha,
          hoogste_stapeling: diepte.has(f.id) ? diepte.get(f.id) : null,
          variant_wijziging: p.variant_wijziging,
        };
      });
    return {
      kolommen: KOLOMMEN.map(([naam, titel]) => ({ naam, titel })),
      rijen,
      situatie: `variant "${variant.naam}"`,
    };
  };
})(window.Gebiedsregie);
