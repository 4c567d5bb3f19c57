"""Tegels: a fixed grid of squares in RD, and the stapeling of one tegel, computed on its own.

The tegels are the strips of `stapeling.tiling` in two dimensions. Their borders lie on grid
lines (multiples of the tegel size, a whole number of grid cells), and an input is cut to a
tegel exactly as a strip cuts it: first to the tegel's column (x), then, with x and y swapped,
to its row (y). Each crossing of an edge with a border is rounded to the grid from the
edge's own ends, so the tegels on both sides of a border get the very same point: the
tegels together hold exactly the whole area with the borders drawn in (`with_borders`), and
the statistics add up to its. From the plain whole they differ where a boundary crosses a
border off the grid, by what rounding that crossing moves (at most half a grid cell), as
the core's strips do (figures: benchmarks/README.md, `landelijk.py`).

A tegel's faces are then computed as the core computes a strip's (`stapeling.analysis`):
noded on the grid, labelled in the graph, checked against the inputs' areas. A face on a
border is never absorbed as a sliver (its other part lies in the next tegel), and carries
a marker (`rand`) naming the borders it runs along, so it can be joined (`samenvoegen`).
"""

import itertools
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import Geometry

from gebiedsregie.landelijk.statistiek import Statistiek, of_faces
from gebiedsregie.stapeling import analysis, tiling
from gebiedsregie.stapeling.analysis import SLIVER_WIDTH_M, SNAP_GRID_M, Faces
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.merging import Members, merge
from gebiedsregie.stapeling.noding import Boundaries, boundaries

TEGEL_M = 10_000  # default size of a tegel (metres)

# Borders a face runs along (`rand`), as bits.
WEST, OOST, ZUID, NOORD = 1, 2, 4, 8

TegelKey = tuple[int, int]  # (column, row): the tegel [i, i + 1) x [j, j + 1) times its size


@dataclass(frozen=True)
class Raster:
    """The grid of tegels: squares of `size_m`, aligned to multiples of it, on `grid`."""

    size_m: float = TEGEL_M
    grid: float = SNAP_GRID_M

    def __post_init__(self) -> None:
        units = self.size_m / self.grid
        if not (units >= 1 and abs(units - round(units)) < 1e-6):
            raise ValueError(f"tegel size {self.size_m} m is no whole number of grid cells")

    @property
    def scale(self) -> float:
        return 1.0 / self.grid

    @property
    def units(self) -> int:
        """The size in grid units."""
        return round(self.size_m / self.grid)

    def border_m(self, k: int) -> float:
        """Return the k-th border (x or y, metres), as the noder writes that grid line."""
        return (k * self.units) / self.scale

    def bounds(self, key: TegelKey) -> tuple[float, float, float, float]:
        i, j = key
        return self.border_m(i), self.border_m(j), self.border_m(i + 1), self.border_m(j + 1)

    def key_of(self, x: float, y: float) -> TegelKey:
        """Return the tegel holding the point (x, y) (on a border: the one east or north)."""
        return int(np.floor(x / self.size_m)), int(np.floor(y / self.size_m))


@dataclass(frozen=True)
class Tegel:
    key: TegelKey
    raster: Raster

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.raster.bounds(self.key)

    @property
    def box(self) -> shapely.Polygon:
        return shapely.box(*self.bounds)


def tegels_for(extent: Geometry, raster: Raster) -> list[Tegel]:
    """Return the tegels that share area with `extent`, by row, then column."""
    if extent.is_empty:
        return []
    x0, y0, x1, y1 = extent.bounds
    (i0, j0), (i1, j1) = raster.key_of(x0, y0), raster.key_of(x1, y1)
    shapely.prepare(extent)
    result = []
    for j, i in itertools.product(range(j0, j1 + 1), range(i0, i1 + 1)):
        tegel = Tegel((i, j), raster)
        if shapely.intersection(extent, tegel.box).area > 0:
            result.append(tegel)
    return result


@dataclass
class TegelVlakken:
    """A tegel's faces: geometry (RD), the sorted opgave ids covering each, and `rand`, the
    borders each runs along (WEST | OOST | ZUID | NOORD; 0: inside the tegel)."""

    geoms: np.ndarray
    opgaven: list[tuple[uuid.UUID, ...]]
    rand: np.ndarray


@dataclass
class TegelResultaat:
    """What one tegel's computation returns."""

    key: TegelKey
    statistiek: Statistiek
    vlakken: TegelVlakken | None  # None when asked for the statistics only
    fallback: bool = False  # the core's point-test fallback fired (a defect; logged)
    rekentijd_s: float = field(default=0.0, compare=False)


def compute_tegel(
    tegel: Tegel,
    opgaven: Sequence[Invoer],
    extent: Geometry | None = None,
    *,
    sliver_width: float = SLIVER_WIDTH_M,
    met_vlakken: bool = True,
    context: Mapping[str, object] | None = None,
) -> TegelResultaat:
    """Return the stapeling of `opgaven` within `tegel` (and `extent`), computed on its own.

    Parameters
    ----------
    tegel : Tegel
    opgaven : sequence of (id, thema, WKB)
        The inputs, RD; those not meeting the tegel are left out here.
    extent : Polygon or MultiPolygon, optional
        The area of the run (a province, the country); the inputs are clipped to it first,
        as `compute_faces` clips them to a gebied. None: the tegels themselves.
    sliver_width : float
        As for `compute_faces`; faces on a tegel border are never absorbed.
    met_vlakken : bool
        Return the faces too (else the statistics only).

    Returns
    -------
    TegelResultaat
        Its statistics (areas in m²) and, if asked, its faces with their border marker.
    """
    started = time.perf_counter()
    raster = tegel.raster
    box = tegel.box
    gebied_m2 = box.area if extent is None else shapely.intersection(extent, box).area
    geoms = shapely.from_wkb([o[2] for o in opgaven]) if opgaven else np.zeros(0, dtype=object)
    meeting = np.flatnonzero(shapely.intersects(box, geoms)) if len(geoms) else np.zeros(0, int)
    clipped, index = analysis.clip_inputs(geoms[meeting], extent)
    index = meeting[index]
    rings = _cut(boundaries(clipped), tegel) if len(clipped) else None
    if rings is None or len(rings) == 0:
        empty = Faces(np.zeros(0, dtype=object), Members.of([]), grid=raster.grid)
        return _result(
            tegel, empty, [o[1] for o in opgaven], gebied_m2, opgaven, met_vlakken, started
        )
    area, length = rings.per_input(len(clipped))
    x0, y0, x1, y1 = tegel.bounds
    inputs = analysis._Inputs(  # the strips' path: no public entry takes cut rings
        rings, area, length, index, lambda: shapely.clip_by_rect(clipped, x0, y0, x1, y1)
    )
    context = {"tegel": tegel.key, **(context or {})}
    arr, traced, labels, fallback = analysis._solve(
        inputs, raster.grid, 1, analysis.CHECK_NODING, context
    )
    lines = _along_borders(arr.coords, arr.starts, arr.ends, tegel.bounds)
    side = traced.left.reshape(-1, 2)[lines].ravel()
    on_border = np.zeros(len(labels.count), dtype=bool)
    on_border[side[side >= 0]] = True
    polygons, members, sliver_m2 = merge(arr, traced, labels, sliver_width, on_border)
    faces = Faces(np.asarray(polygons, dtype=object), members, sliver_m2, raster.grid, fallback)
    return _result(tegel, faces, [o[1] for o in opgaven], gebied_m2, opgaven, met_vlakken, started)


def _result(
    tegel: Tegel,
    faces: Faces,
    themas: list[str],
    gebied_m2: float,
    opgaven: Sequence[Invoer],
    met_vlakken: bool,
    started: float,
) -> TegelResultaat:
    vlakken = None
    if met_vlakken:
        ids = [o[0] for o in opgaven]
        vlakken = TegelVlakken(
            faces.geoms,
            [tuple(sorted(ids[m] for m in s)) for s in faces.members],
            rand(faces.geoms, tegel.bounds),
        )
    return TegelResultaat(
        tegel.key,
        of_faces(faces, themas, gebied_m2),
        vlakken,
        faces.fallback,
        time.perf_counter() - started,
    )


def _cut(rings: Boundaries, tegel: Tegel) -> Boundaries | None:
    """Return the rings cut exactly to the tegel: its column, then (x and y swapped) its row."""
    scale, units = tegel.raster.scale, tegel.raster.units
    i, j = tegel.key
    column = _slab(rings, i * units, (i + 1) * units, scale)
    if column is None:
        return None
    row = _slab(_swapped(column), j * units, (j + 1) * units, scale)
    return None if row is None else _swapped(row)


def _slab(rings: Boundaries, lo: int, hi: int, scale: float) -> Boundaries | None:
    """Return the rings cut to lo <= x <= hi (grid units), as `tiling.strips` cuts a strip."""
    # The middle of three strips; the one before it is cut on the way (the rings crossing
    # lo a second time), the one after it never.
    middle = next(itertools.islice(tiling.strips(rings, np.array([lo, hi]), scale), 1, 2), None)
    return None if middle is None else middle.rings


def _swapped(rings: Boundaries) -> Boundaries:
    """Return the rings with x and y swapped: that turns every ring, so each role turns too
    (an input's area stays the sum of its rings' roles times their signed areas)."""
    return Boundaries(
        np.ascontiguousarray(rings.coords[:, ::-1]), rings.offsets, rings.owner, -rings.roles()
    )


def _along_borders(
    coords: np.ndarray, starts: np.ndarray, ends: np.ndarray, bounds: tuple[float, ...]
) -> np.ndarray:
    """Return, per line (coords[starts[e] : ends[e] + 1], one after the other), whether a
    stretch of it runs along a border. Not all of it, as `tiling.on_border` asks: a line
    runs from node to node, and where a border face's ring turns off the border at a
    corner there is no node, so its line goes on off the border."""
    if len(starts) == 0:
        return np.zeros(0, dtype=bool)
    line_of = np.repeat(np.arange(len(starts)), ends - starts + 1)
    same = line_of[:-1] == line_of[1:]
    along = np.zeros(len(starts), dtype=bool)
    x0, y0, x1, y1 = bounds
    for axis, at in ((0, x0), (0, x1), (1, y0), (1, y1)):
        on = coords[:, axis] == at
        along[line_of[:-1][on[:-1] & on[1:] & same]] = True
    return along


def rand(polygons: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Return per polygon the borders of `bounds` it runs along (a stretch, not a point),
    as WEST | OOST | ZUID | NOORD bits."""
    result = np.zeros(len(polygons), dtype=np.uint8)
    if len(polygons) == 0:
        return result
    rings = shapely.get_rings(polygons)
    ring_polygon = np.repeat(np.arange(len(polygons)), shapely.get_num_interior_rings(polygons) + 1)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[:-1] == ring_of[1:]
    x0, y0, x1, y1 = bounds
    for bit, axis, at in ((WEST, 0, x0), (OOST, 0, x1), (ZUID, 1, y0), (NOORD, 1, y1)):
        on = coords[:, axis] == at
        step = np.flatnonzero(on[:-1] & on[1:] & same)
        result[np.unique(ring_polygon[ring_of[step]])] |= bit
    return result


def with_borders(geom: Geometry, raster: Raster) -> Geometry:
    """Return `geom` (a Polygon or MultiPolygon) on the grid, with a vertex wherever a tegel
    border crosses an edge, where the cut puts it: first the x borders, then (x and y swapped)
    the y borders. The stapeling of such inputs is that of the whole area with the borders
    drawn in, which the tegels' sum equals exactly, but for a hot pixel that one side has
    and the other not: where two boundaries cross within half a grid cell of a border (the
    whole snaps edges on both sides to it, the tegels on one), or a boundary passes that
    close to a tegel corner (a vertex of the cut). A check on sampled regions, at Python's
    pace (a second per million vertices), not a step of a run."""
    parts = [geom] if isinstance(geom, shapely.Polygon) else list(shapely.get_parts(geom))

    def drawn(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        grid = [(round(x * raster.scale), round(y * raster.scale)) for x, y in coords]
        grid = _crossings_added(grid, raster.units)
        grid = [(y, x) for x, y in _crossings_added([(y, x) for x, y in grid], raster.units)]
        return [(x / raster.scale, y / raster.scale) for x, y in grid]

    polygons = [
        shapely.Polygon(drawn(p.exterior.coords), [drawn(r.coords) for r in p.interiors])
        for p in parts
    ]
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _crossings_added(ring: list[tuple[int, int]], units: int) -> list[tuple[int, int]]:
    """Return the closed ring (grid units) with a vertex where an edge crosses x = k * units,
    rounded half up from the edge's left end (as `tiling` rounds a crossing)."""
    out = [ring[0]]
    for a, b in itertools.pairwise(ring):
        (sx, sy), (ex, ey) = (a, b) if a[0] < b[0] else (b, a)
        crossings = []
        for k in range(sx // units + 1, -(-ex // units)) if sx < ex else ():
            num, den = (ey - sy) * (k * units - sx), ex - sx
            crossings.append((k * units, sy + (2 * num + den) // (2 * den)))
        out += [*(crossings if a[0] < b[0] else crossings[::-1]), b]
    return out
