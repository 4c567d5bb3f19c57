"""The content of an export: the gebied, its opgaven and its stapeling, as layers.

Pure data in, data out: the service fills an Export; the writers turn it into files.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from gebiedsregie.crs import RD_NEW, Crs, from_rd
from gebiedsregie.stapeling.samenvatting import FilterWaarden

if TYPE_CHECKING:  # it reads the database; this module is data only
    from gebiedsregie.uitwisseling.referentie_export import Referentie

PROFIEL = "gebiedsregie-novex"
PROFIEL_VERSIE = "1.1"  # 1.1: koppelkansen and conflicten
LAGEN = ("gebied", "opgave", "stapeling")
LIJST_SCHEIDING = ";"  # arrays in GeoPackage text columns


@dataclass
class Laag:
    """One kind of feature: its properties and RD geometries, in the same order."""

    naam: str
    records: list[dict[str, Any]] = field(default_factory=list)
    geometries: list[shapely.Geometry] = field(default_factory=list)

    def add(self, record: dict[str, Any], geom_rd: shapely.Geometry) -> None:
        self.records.append(record)
        self.geometries.append(geom_rd)


@dataclass
class Export:
    """Everything one export holds, before it is written in a format and CRS."""

    gebied: dict[str, Any]  # id, slug, naam
    filters: FilterWaarden
    bronnen: list[str]
    generator: dict[str, str]
    gegenereerd_op: datetime
    lagen: dict[str, Laag]
    variant: dict[str, Any] | None = None  # id, naam, status, inhoud_versie: of a variant
    combinaties: dict[str, Any] | None = None  # versie, voorbeeld: the matrices used
    # The live referentielagen: metadata; in a GeoPackage also their objecten cut to the gebied.
    referentielagen: list["Referentie"] = field(default_factory=list)

    def metadata(self, crs: Crs, aantallen: dict[str, int], weggelaten: int) -> dict[str, Any]:
        # A variant's export says which variant and its status; the register's is as before.
        situatie = {"variant": self.variant} if self.variant is not None else {}
        if self.combinaties is not None:
            situatie["combinaties"] = self.combinaties
        return {
            "profiel": PROFIEL,
            "profiel_versie": PROFIEL_VERSIE,
            "generator": self.generator,
            "gegenereerd_op": self.gegenereerd_op.isoformat(timespec="seconds"),
            "gebied": self.gebied,
            "filters": self.filters,
            "crs": crs.uri,
            "bronnen": self.bronnen,
            "aantallen": aantallen,
            "weggelaten": weggelaten,
            "referentielagen": [r.metadata for r in self.referentielagen],
            **situatie,
        }


def strict_geometries(geoms_rd: list[shapely.Geometry], crs: Crs) -> np.ndarray:
    """Return the geometries in `crs` on its precision grid, valid, exteriors anticlockwise.

    Snapping to the grid (not just rounding) keeps every ring valid and free of repeated
    vertices; a part thinner than the grid disappears, and an empty result means the whole
    geometry did (the caller leaves it out and counts it).
    """
    geoms = np.asarray(geoms_rd, dtype=object)
    if crs.epsg != RD_NEW:
        geoms = from_rd(geoms, crs)
    grid = 10.0**-crs.decimals
    try:
        geoms = shapely.set_precision(geoms, grid)
    except shapely.errors.GEOSException:
        # GEOS's snap rounding can fail on a rare shape ("unable to assign free hole"): retry
        # one by one, and on failure snap a repaired copy.
        geoms = np.array([_on_grid(g, grid) for g in geoms], dtype=object)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    # The grid's multiples are not always the doubles nearest their decimals: round them.
    return shapely.transform(geoms, lambda xy: np.round(xy, crs.decimals))


def _on_grid(geom: shapely.Geometry, grid: float) -> shapely.Geometry:
    try:
        return shapely.set_precision(geom, grid)
    except shapely.errors.GEOSException:
        pass
    for repaired in (shapely.make_valid(geom), shapely.buffer(geom, 0)):
        try:
            return shapely.set_precision(repaired, grid)
        except shapely.errors.GEOSException:
            continue
    # Last resort: round the vertices alone; the caller's validity checks still apply.
    return shapely.remove_repeated_points(shapely.set_precision(geom, grid, mode="pointwise"))
