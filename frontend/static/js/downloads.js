/* The gebied page's downloads carry the current filters and situation (the register or the
 * variant shown): the exports (GeoJSON, GeoPackage), the table and the samenvatting (CSV,
 * Excel), and the report (PDF). */
"use strict";

(function (G) {
  const RD = "http://www.opengis.net/def/crs/EPSG/0/28992";

  /**
   * Each link with data-export or data-download="<soort>": [path under the gebied, extra
   * params, with min_aantal].
   */
  const SOORTEN = {
    geojson: ["export", {}, false],
    "geojson-rd": ["export", { crs: RD }, false],
    gpkg: ["export", { formaat: "gpkg" }, false],
    "tabel-csv": ["opgaventabel", { formaat: "csv" }, false],
    "tabel-xlsx": ["opgaventabel", { formaat: "xlsx" }, false],
    "samenvatting-csv": ["stapeling/samenvatting", { formaat: "csv" }, false],
    "samenvatting-xlsx": ["stapeling/samenvatting", { formaat: "xlsx" }, false],
    rapport: ["rapport", {}, true],
  };

  // The report takes some seconds to make: say so where the user looks.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest('[data-download="rapport"]');
    if (link && G.meld) G.meld("Het rapport wordt gemaakt; de download begint over enkele seconden.");
  });

  /**
   * Point every download link of the page at `gebied` with `filters` (a FilterForm), of
   * `variant` (its id) or, when null, of the register.
   */
  G.werkDownloadsBij = function (api, gebied, filters, variant) {
    for (const link of document.querySelectorAll("[data-export], [data-download]")) {
      const soort = SOORTEN[link.dataset.export || link.dataset.download];
      if (!soort) continue;
      const [pad, extra, metDiepte] = soort;
      link.href = G.metParams(`${api}/gebieden/${gebied.id}/${pad}`, {
        ...filters.waarden(metDiepte),
        ...extra,
        variant: variant || null,
      });
    }
  };
})(window.Gebiedsregie);
