"""Geometry input is checked, not trusted: GeoJSON in, a valid RD MultiPolygon out.

Rules, in order: areal type; well-formed finite positions; closed rings; the vertex limit;
coordinates where the Netherlands is in the declared CRS (with a hint for swapped lat/lon or a
missing Content-Crs); inside the Netherlands' outline; and finally a self-intersecting shape is
repaired (`make_valid`, keeping only its areal part) and snapped to the millimetre grid.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon
from shapely.geometry import mapping, shape
from shapely.prepared import PreparedGeometry, prep

from gebiedsregie import bounded
from gebiedsregie.bounded import Budget
from gebiedsregie.crs import CRS84, ETRS89, RD, RD_NEW, Crs, from_rd, to_rd
from gebiedsregie.errors import FieldError

GRID_DECIMALS = 3  # storage precision: a millimetre in RD
GRID_SIZE_M = 10.0**-GRID_DECIMALS
# Repairs of at most this many vertices run in the server's process: the worst shape we know
# (a spiral with turns half a millimetre apart) takes 0.06 s at 500 vertices, 1.4 s at 2,000.
REPAIR_IN_PROCESS_VERTICES = 500
NL_OUTLINE = Path(__file__).resolve().parent / "data" / "nederland_rd.geojson"

# Generous envelopes of the Netherlands (land plus territorial sea) per CRS.
ENVELOPES = {
    CRS84.epsg: (2.9, 50.6, 7.4, 53.9),
    RD.epsg: (-20_000.0, 280_000.0, 310_000.0, 640_000.0),
    ETRS89.epsg: (50.6, 2.9, 53.9, 7.4),  # latitude first, as EPSG:4258 has it
}


@dataclass
class CheckedGeometry:
    """A geometry that passed every rule, in RD New, and what was done to it."""

    geom: MultiPolygon
    messages: list[dict[str, str]] = field(default_factory=list)

    @property
    def repaired(self) -> bool:
        return any(m["code"] == "geometrie_hersteld" for m in self.messages)


class GeometryRejected(Exception):
    """Raised with the reasons a geometry is refused."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.reason for e in errors))
        self.errors = errors


def _fail(name: str, reason: str, code: str) -> GeometryRejected:
    return GeometryRejected([FieldError(name, reason, code)])


def _check_position(pos: Any, path: str) -> None:
    if not isinstance(pos, list) or not 2 <= len(pos) <= 3:
        raise _fail(path, "Een positie is een lijst van 2 (of 3) getallen.", "ongeldige_positie")
    for value in pos:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, "Coördinaten moeten getallen zijn.", "ongeldige_positie")
        if not math.isfinite(value):
            raise _fail(path, "Coördinaten mogen geen NaN of Infinity zijn.", "niet_eindig")


def _check_ring(ring: Any, path: str) -> int:
    if not isinstance(ring, list):
        raise _fail(path, "Een ring is een lijst van posities.", "ongeldige_ring")
    for i, pos in enumerate(ring):
        _check_position(pos, f"{path}[{i}]")
    if len(ring) < 4:
        raise _fail(path, "Een ring heeft minstens 4 posities (3 hoekpunten).", "ring_te_kort")
    if ring[0][:2] != ring[-1][:2]:
        raise _fail(
            path,
            "Een ring moet gesloten zijn: eerste en laatste positie gelijk.",
            "ring_niet_gesloten",
        )
    return len(ring)


def _check_polygon(rings: Any, path: str) -> int:
    if not isinstance(rings, list):
        raise _fail(path, "Een Polygon is een lijst van ringen.", "ongeldige_coordinaten")
    return sum(_check_ring(ring, f"{path}[{i}]") for i, ring in enumerate(rings))


def _check_structure(obj: Any, name: str, max_vertices: int) -> None:
    if not isinstance(obj, dict):
        raise _fail(name, "Geometrie ontbreekt of is geen GeoJSON-object.", "verplicht")
    kind = obj.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        what = f"een {kind}" if isinstance(kind, str) else "geen geldig GeoJSON-type"
        raise _fail(
            f"{name}.type",
            f"Geometrie moet een vlak zijn (Polygon of MultiPolygon), niet {what}.",
            "geen_vlak",
        )
    coords = obj.get("coordinates")
    path = f"{name}.coordinates"
    if not isinstance(coords, list):
        raise _fail(path, "Coördinaten ontbreken.", "verplicht")
    if not coords or (kind == "MultiPolygon" and all(p == [] for p in coords)):
        raise _fail(name, "Geometrie is leeg.", "leeg")
    if kind == "Polygon":
        vertices = _check_polygon(coords, path)
    else:
        vertices = sum(_check_polygon(p, f"{path}[{i}]") for i, p in enumerate(coords))
    if vertices > max_vertices:
        raise _fail(
            name,
            f"Geometrie heeft {vertices} hoekpunten; het maximum is {max_vertices}.",
            "te_veel_hoekpunten",
        )
    rings = [coords] if kind == "Polygon" else coords
    if len({len(pos) for polygon in rings for ring in polygon for pos in ring}) > 1:
        raise _fail(
            path,
            "Alle posities hebben evenveel getallen: 2 (x, y) of 3 (x, y, z), niet gemengd.",
            "gemengde_dimensies",
        )


def _inside(bounds: Sequence[float], envelope: Sequence[float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return (
        envelope[0] <= minx and maxx <= envelope[2] and envelope[1] <= miny and maxy <= envelope[3]
    )


def _check_envelope(geom: shapely.Geometry, crs: Crs, name: str) -> None:
    bounds = geom.bounds
    if _inside(bounds, ENVELOPES[crs.epsg]):
        return
    if crs.epsg == CRS84.epsg:
        swapped = (bounds[1], bounds[0], bounds[3], bounds[2])
        if _inside(swapped, ENVELOPES[CRS84.epsg]):
            reason = (
                "Coördinaten liggen buiten Nederland; ze lijken verwisseld (lat/lon in plaats "
                "van lon/lat). GeoJSON in CRS84 heeft eerst de lengtegraad, dan de breedtegraad."
            )
            raise _fail(name, reason, "lat_lon_verwisseld")
        if _inside(bounds, ENVELOPES[RD.epsg]):
            reason = (
                "Coördinaten lijken RD New (EPSG:28992) te zijn; geef dan de header "
                f"Content-Crs: {RD.header} mee."
            )
            raise _fail(name, reason, "verkeerd_crs")
    elif crs.lat_lon:
        if _inside((bounds[1], bounds[0], bounds[3], bounds[2]), ENVELOPES[crs.epsg]):
            reason = (
                "Coördinaten liggen buiten Nederland; ze lijken verwisseld (lon/lat in plaats "
                f"van lat/lon). In {crs.label} komt eerst de breedtegraad, dan de lengtegraad."
            )
            raise _fail(name, reason, "lat_lon_verwisseld")
    elif _inside(bounds, ENVELOPES[CRS84.epsg]) or _inside(
        (bounds[1], bounds[0], bounds[3], bounds[2]), ENVELOPES[CRS84.epsg]
    ):
        reason = (
            "Coördinaten lijken lengte- en breedtegraden, maar Content-Crs zegt RD New; "
            "laat de header weg of stuur RD-coördinaten in meters."
        )
        raise _fail(name, reason, "verkeerd_crs")
    raise _fail(name, f"Coördinaten liggen buiten Nederland (in {crs.label}).", "buiten_nederland")


@cache
def _netherlands() -> PreparedGeometry:
    with NL_OUTLINE.open(encoding="utf-8") as f:
        outline = shape(json.load(f)["features"][0]["geometry"])
    return prep(outline)


def _areal_part(geom: shapely.Geometry) -> MultiPolygon:
    parts = shapely.get_parts(geom)
    polygons: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(p for p in part.geoms if not p.is_empty)
        elif part.geom_type == "GeometryCollection":
            polygons.extend(_areal_part(part).geoms)
    return MultiPolygon(polygons)


def _rounded(geom_rd: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom_rd, lambda xy: np.round(xy, GRID_DECIMALS))


def _snap(geom_rd: shapely.Geometry) -> shapely.Geometry:
    # Plain rounding keeps the client's vertex order; only where rounding breaks validity
    # (vertices a hair apart) does GEOS rebuild the shape on the grid.
    rounded = _rounded(geom_rd)
    if rounded.is_valid:
        return rounded
    return shapely.set_precision(geom_rd, GRID_SIZE_M)


def check_geometry(
    obj: Any, crs: Crs, max_vertices: int, name: str = "geometry", budget: Budget | None = None
) -> CheckedGeometry:
    """Return the GeoJSON geometry `obj` (in `crs`) as a valid RD MultiPolygon, or raise;
    a repair runs within `budget` (see `check_rd_geometry`)."""
    _check_structure(obj, name, max_vertices)
    geom = shape(obj)
    geom = shapely.force_2d(geom)
    _check_envelope(geom, crs, name)
    return check_rd_geometry(to_rd(geom, crs), name, budget)


def _repair(geom_rd: shapely.Geometry) -> tuple[shapely.Geometry, str | None]:
    """Return the shape made valid (if it was not) and snapped to the grid, and the reason
    it was invalid, if it was."""
    reason = None
    if not geom_rd.is_valid:
        reason = shapely.is_valid_reason(geom_rd)
        geom_rd = _areal_part(shapely.make_valid(geom_rd, method="structure", keep_collapsed=False))
    return _areal_part(_snap(geom_rd)), reason


def check_rd_geometry(
    geom_rd: shapely.Geometry,
    name: str = "geometry",
    budget: Budget | None = None,
    partly_outside: bool = False,
) -> CheckedGeometry:
    """Return an areal RD geometry as a valid, snapped MultiPolygon inside NL, or raise.

    With `partly_outside` the shape need only meet NL (a referentielaag's Natura 2000 area
    reaches into the sea): it is kept whole, not cut to the outline.

    A self-intersecting shape is repaired (make_valid, areal part kept) and says so. With a
    `budget`, a shape of more than REPAIR_IN_PROCESS_VERTICES that needs GEOS to repair it or
    to rebuild it on the grid has that done in a process of its own, stopped when it exceeds
    the budget (`bounded.py`); a valid shape that rounds to the grid as it is needs no such
    process, and a small one is repaired here (a child costs about 30 ms).
    """
    if partly_outside:
        # Within the RD envelope still: far outside it RD New has no meaning.
        if not _inside(geom_rd.bounds, ENVELOPES[RD.epsg]):
            raise _fail(
                name, "Geometrie reikt tot ver buiten Nederland (en RD New).", "buiten_nederland"
            )
        if not _netherlands().intersects(geom_rd):
            raise _fail(name, "Geometrie ligt geheel buiten Nederland.", "buiten_nederland")
    elif not _netherlands().covers(geom_rd):
        raise _fail(name, "Geometrie ligt (deels) buiten Nederland.", "buiten_nederland")

    messages: list[dict[str, str]] = []
    if budget is None or shapely.get_num_coordinates(geom_rd) <= REPAIR_IN_PROCESS_VERTICES:
        result, reason = _repair(geom_rd)
    elif geom_rd.is_valid and (rounded := _rounded(geom_rd)).is_valid:
        result, reason = _areal_part(rounded), None
    else:
        try:
            result, reason = bounded.run(_repair, geom_rd, budget=budget)
        except bounded.OverBudget:
            raise _fail(
                name,
                f"Geometrie is ongeldig of valt bij afronden op de millimeter samen, en is te "
                f"bewerkelijk om hier te herstellen (meer dan {budget.seconds:g} s of "
                f"{budget.memory_mb} MB). Herstel haar in uw GIS.",
                "herstel_te_zwaar",
            ) from None
    if reason is not None:
        messages.append(
            {
                "code": "geometrie_hersteld",
                "reason": f"Geometrie was ongeldig ({reason}) en is hersteld met make_valid; "
                "alleen het vlakdeel is bewaard.",
            }
        )
    if result.is_empty or result.area <= 0:
        raise _fail(name, "Geometrie heeft geen oppervlakte.", "geen_oppervlakte")
    return CheckedGeometry(result, messages)


def area_ha(geom_rd: shapely.Geometry) -> float:
    """Return the area of an RD geometry in hectares, to the square metre."""
    return round(geom_rd.area / 10_000, 4)


def _for_output(geoms_rd: Any, crs: Crs) -> Any:
    # RFC 7946 orientation (exterior counter-clockwise), rounded to the CRS's precision.
    out = shapely.orient_polygons(from_rd(geoms_rd, crs), exterior_cw=False)
    return shapely.transform(out, lambda xy: np.round(xy, crs.decimals))


def to_geojson(geom_rd: shapely.Geometry, crs: Crs) -> dict[str, Any]:
    """Return a GeoJSON geometry of `geom_rd` in `crs`: RFC 7946 orientation, rounded."""
    return dict(mapping(_for_output(geom_rd, crs)))


def to_geojsons(geoms_rd: list[shapely.Geometry], crs: Crs) -> list[dict[str, Any]]:
    """Return GeoJSON geometries of RD geometries in `crs` (as `to_geojson`, vectorised: one
    transformation for all, written by GEOS)."""
    if not geoms_rd:
        return []
    out = shapely.to_geojson(_for_output(np.asarray(geoms_rd, dtype=object), crs))
    return [json.loads(text) for text in out]


def geojson_texts(geoms_rd: np.ndarray | list[shapely.Geometry], crs: Crs) -> list[str]:
    """Return GeoJSON geometry texts of RD geometries in `crs` (as `to_geojson`, vectorised)."""
    if len(geoms_rd) == 0:
        return []
    return polygon_texts(_for_output(np.asarray(geoms_rd, dtype=object), crs), crs.decimals)


# WKT to GeoJSON, by plain replaces in this order: the separators of polygons and of rings
# before that of positions, a MultiPolygon's opening and closing before a Polygon's (which
# they contain), the spaces in the names before those in the positions.
_WKT_TO_GEOJSON = (
    (")), ((", "]]],[[["),
    ("), (", "]],[["),
    (", ", "],["),
    ("MULTIPOLYGON EMPTY", '{"type":"MultiPolygon","coordinates":[]}'),
    ("POLYGON EMPTY", '{"type":"Polygon","coordinates":[]}'),
    ("MULTIPOLYGON (((", '{"type":"MultiPolygon","coordinates":[[[['),
    ("POLYGON ((", '{"type":"Polygon","coordinates":[[['),
    (")))", "]]]]}"),
    ("))", "]]]}"),
    (" ", ","),
)


def polygon_texts(geoms: np.ndarray, decimals: int) -> list[str]:
    """Return GeoJSON texts of 2D (multi)polygons, numbers to at most `decimals` decimals.

    Made from GEOS's WKT, which rounds in decimal; its GeoJSON writer prints up to 17
    significant digits (5.5578823999999996 for 5.5578824).
    """
    if len(geoms) == 0:
        return []
    if not np.isin(shapely.get_type_id(geoms), (3, 6)).all() or shapely.has_z(geoms).any():
        raise ValueError("only 2D Polygons and MultiPolygons")
    # All texts at once, one line each: each replace is then one pass in C (per text, in
    # Python, they cost three times GEOS's writer).
    text = "\n".join(shapely.to_wkt(geoms, rounding_precision=decimals, trim=True).tolist())
    for wkt, geojson in _WKT_TO_GEOJSON:
        text = text.replace(wkt, geojson)
    return text.split("\n")


def bbox_polygon(bbox: Sequence[float], crs: Crs) -> Polygon:
    """Return a bbox given in `crs` as an RD polygon, densified so its edges stay true.

    A bbox in degrees is first cut to the envelope of the Netherlands, where everything we
    store lies: far outside it RD New has no meaning (a world-wide bbox came out as a
    garbled polygon that matched nothing, a 1e308-wide one as infinities, a 500). A bbox
    with nothing of the Netherlands in it is an empty polygon: it matches nothing.
    """
    if crs.epsg == RD_NEW:
        return shapely.box(*bbox)
    minx, miny, maxx, maxy = ENVELOPES[CRS84.epsg]
    envelope = (miny, minx, maxy, maxx) if crs.lat_lon else (minx, miny, maxx, maxy)
    low_x, low_y = max(bbox[0], envelope[0]), max(bbox[1], envelope[1])
    high_x, high_y = min(bbox[2], envelope[2]), min(bbox[3], envelope[3])
    if low_x >= high_x or low_y >= high_y:
        return Polygon()
    box = shapely.box(low_x, low_y, high_x, high_y)
    return to_rd(shapely.segmentize(box, max(high_x - low_x, high_y - low_y) / 32), crs)
