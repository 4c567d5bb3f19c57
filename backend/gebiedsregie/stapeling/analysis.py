"""Count-overlapping analysis: the planar partition of overlapping polygons, with depths.

Pure: shapely geometries in (any planar CRS; we use RD New), faces out. No database, no web.
The operation is what ArcGIS Pro calls *Count Overlapping Features*: every face of the
partition of the union carries the set of input polygons covering it.

Method
------
1. Clip the inputs to the area of interest (exact overlay; inputs fully inside are kept).
   A large input (over `tiling.STRIP_VERTICES` vertices) is cut into vertical strips on
   grid lines and computed strip by strip, so that the working memory is a strip's; faces
   of one set are joined across the borders (`tiling.py`).
2. Node all boundaries with snap rounding on the SNAP_GRID_M grid and trace the faces of
   the noded lines, in C (`noding.py`, `_noder.c`): exact integer arithmetic, consistent
   by construction, with a half-edge structure that knows which faces lie on both sides of
   each edge.
3. Label each face with the inputs covering it, found in the same graph: crossing an edge
   toggles the inputs whose (snapped) boundary runs along it, so each connected part is
   walked from its outside (`noding.py`). Testing a point of each face against the
   original inputs, the usual way, can go wrong in a face thinner than the snapping moved;
   it is kept only as a counted, logged fallback (see `_solve`).
4. Absorb slivers (see Tolerance) into the neighbour they share the longest edge with, and
   merge faces that share an edge and carry the same set, so adjacent faces always differ
   (`merging.py`): the edges between them are dropped and those faces traced again.

As a guard against a defect, every input's faces must add up to its area, within what
snap rounding can move; if not, the computation fails rather than answer wrongly.

Tolerance
---------
Snap rounding moves every vertex, and every crossing of two boundaries, to the nearest
point of the grid (default 1 mm, the storage grid, so stored geometries do not move), and
a boundary that passes through the half-open grid cell around such a point through that
point: boundaries move by at most 0.71 grid cells, and anything narrower than that
collapses. A strip border moves a boundary that crosses it the same way (the crossing is
rounded to the grid).

A face whose mean width ``2 * area / perimeter`` is below ``sliver_width`` (default 0.5 m) is
a sliver: the trace of near-coincident edges from different sources, not a real claim. It is
merged into its neighbour, so its area (reported as ``sliver_m2``) counts for that neighbour's
set. Isolated slivers (an input that is itself that thin, with no neighbour) are kept.
"""

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely import Geometry, MultiPolygon

from gebiedsregie.stapeling import tiling
from gebiedsregie.stapeling.merging import Labels, Members, merge, polygon_parts
from gebiedsregie.stapeling.noding import Boundaries, boundaries, node_and_trace
from gebiedsregie.stapeling.planar import Arrangement, Traced

SLIVER_WIDTH_M = 0.5
SNAP_GRID_M = 0.001  # the storage grid: snap rounding here moves nothing stored
CONSERVATION_RTOL = 1e-9
PARALLEL_MIN_VERTICES = 20_000  # below this, a second thread costs more than it saves

CHECK_NODING = False  # verify planarity in every call (the tests set it)

log = logging.getLogger(__name__)


class _Counter:
    """A count shared by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.value += n


FALLBACKS = _Counter()  # how often the point-test fallback fired in this process


@dataclass
class Faces:
    """The faces of a stapeling, columnar.

    Attributes
    ----------
    geoms : array of Polygon
    members : Members
        Per face, the sorted indices (into the input) of the polygons covering it (a
        sequence of tuples, kept columnar).
    sliver_m2 : float
        Area of the slivers absorbed into neighbouring faces.
    grid : float
        The snap-rounding grid (metres): boundaries moved by at most 0.71 of it.
    """

    geoms: np.ndarray
    members: Members
    sliver_m2: float = 0.0
    grid: float = SNAP_GRID_M
    fallback: bool = False  # the sets come from the point-test fallback (see `_solve`)
    _area: np.ndarray | None = field(default=None, repr=False)
    _aantal: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.members)

    @property
    def area(self) -> np.ndarray:
        if self._area is None:
            self._area = shapely.area(self.geoms)
        return self._area

    @property
    def aantal(self) -> np.ndarray:
        if self._aantal is None:
            self._aantal = self.members.counts()
        return self._aantal


def clip_inputs(
    inputs: Sequence[Geometry] | np.ndarray, clip: Geometry | None, workers: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Return the inputs clipped to `clip` (areal parts only) and their original indices;
    the overlays in `workers` threads."""
    geoms = np.asarray(inputs, dtype=object)
    index = np.arange(len(geoms))
    if clip is None or len(geoms) == 0:
        return geoms, index
    shapely.prepare(clip)
    hits = shapely.intersects(clip, geoms)
    geoms, index = geoms[hits], index[hits]
    crossing = np.flatnonzero(~shapely.contains(clip, geoms))
    cut = np.concatenate(
        [
            np.array([], dtype=object),
            *_in_threads(lambda part: shapely.intersection(part, clip), geoms[crossing], workers),
        ]
    )
    # An overlay can leave lines or points beside the areal parts: those are dropped.
    mixed = np.flatnonzero(shapely.get_type_id(cut) == 7)
    cut[mixed] = [MultiPolygon(polygon_parts(g)) for g in cut[mixed]]
    clipped = geoms.copy()
    clipped[crossing] = cut
    keep = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 0)
    return clipped[keep], index[keep]


def _in_threads(fn: Callable[[np.ndarray], Any], items: np.ndarray, workers: int) -> list[Any]:
    """Apply `fn` to `workers` slices of `items`, in threads (GEOS releases the GIL)."""
    if workers <= 1 or len(items) < 2:
        return [fn(items)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, np.array_split(items, workers)))


def _point_pairs(
    traced: Traced, geoms: np.ndarray, workers: int, deep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the (face, input position) pairs of the inputs containing each face, tested
    at one point per face: GEOS' point on surface, or for the faces marked `deep` the centre
    of their largest inscribed circle (dearer, but as far from the boundary as it goes)."""
    # One interior point per face (a face split by its repair has several polygons).
    _, first = np.unique(traced.owner, return_index=True)
    points = shapely.point_on_surface(traced.polygons[first])
    if deep.any():
        circles = shapely.maximum_inscribed_circle(traced.polygons[first[deep]])
        points[deep] = shapely.get_point(circles, 0)
    tree = shapely.STRtree(points)

    # The inputs are the query geometries, so each is prepared once for all its points.
    def query(part: np.ndarray) -> np.ndarray:
        geom_i, point_i = tree.query(geoms[part], predicate="contains")
        return np.stack([part[geom_i], point_i])

    hits = np.concatenate(_in_threads(query, np.arange(len(geoms)), workers), axis=1)
    return traced.owner[first][hits[1]], hits[0]


def _labels(face_i: np.ndarray, geom_i: np.ndarray, index: np.ndarray, faces: int) -> Labels:
    """Return the labels of (face, input position) pairs; `index` gives original indices."""
    if (
        len(face_i) > 1
        and not (
            (face_i[1:] > face_i[:-1]) | ((face_i[1:] == face_i[:-1]) & (geom_i[1:] > geom_i[:-1]))
        ).all()
    ):
        order = np.lexsort((geom_i, face_i))  # index is increasing: the order of originals
        face_i, geom_i = face_i[order], geom_i[order]
    start = np.searchsorted(face_i, np.arange(faces + 1))
    weights = np.random.default_rng(0).integers(0, 2**63, len(index), dtype=np.uint64)
    count = np.diff(start)
    digest = np.zeros(faces, dtype=np.uint64)
    covered = np.flatnonzero(count)
    if len(covered):  # sums that wrap around, as meant
        digest[covered] = np.add.reduceat(weights[geom_i], start[covered], dtype=np.uint64)
    return Labels(face_i, geom_i, start, index, np.arange(faces), count, digest)


@dataclass
class _Inputs:
    """The (clipped) inputs of one computation, a strip or the whole: their rings, and per
    input position its area and boundary length, its index among the caller's inputs, and
    its geometry (made only should the fallback need it)."""

    rings: Boundaries
    area: np.ndarray
    length: np.ndarray
    index: np.ndarray
    geoms: Callable[[], np.ndarray]


def _lost_area(traced: Traced, labels: Labels, inputs: _Inputs, grid: float) -> np.ndarray:
    """Return, per input, whether its faces fail to add up to its area, within what snap
    rounding to `grid` can move."""
    per_input = np.bincount(labels.geom_i, traced.area[labels.face_i], len(inputs.area))
    moved = inputs.length * grid + CONSERVATION_RTOL * np.abs(inputs.area)
    return np.abs(per_input - inputs.area) > moved


def _solve(
    inputs: _Inputs, grid: float, threads: int, check: bool, context: Mapping[str, object]
) -> tuple[Arrangement, Traced, Labels, bool]:
    """Node, trace and label the inputs, in `threads` threads; the last value says whether
    the labels come from the fallback.

    The labels come from the half-edge graph (`noding.py`), exact for the snapped inputs.
    As a guard against a defect, each input's faces must add up to its area, within what
    snap rounding can move. Should that fail, the inputs are tested at points deep inside
    the faces instead, and the result is accepted only if it passes the same guard. That
    fallback stays because the guard is coarse (perimeter times grid), so a labelling that
    passes it is right for every face wider than the snapping moved; but it means a defect
    in the C code, so it is counted (`FALLBACKS`), logged as an error with `context` (the
    gebied and filters), and the test suite fails whenever it fires.
    """
    noded = node_and_trace(inputs.rings, grid, threads, check=check)
    arr, traced, faces = noded.arr, noded.traced, len(noded.traced.area)
    index = inputs.index
    labels = _labels(noded.face_i, noded.geom_i, index, faces)
    lost = _lost_area(traced, labels, inputs, grid)
    fallback = bool(lost.any())
    if fallback:
        FALLBACKS.add()
        log.error(
            "stapeling: the sets from the graph lose area (input %d of %d); labelled by "
            "points instead; %s",
            int(index[np.argmax(lost)]),
            len(index),
            ", ".join(f"{k}={v}" for k, v in context.items()) or "no context",
        )
        deep = np.ones(faces, dtype=bool)
        labels = _labels(*_point_pairs(traced, inputs.geoms(), threads, deep), index, faces)
        lost = _lost_area(traced, labels, inputs, grid)
    if lost.any():
        raise ArithmeticError(f"stapeling: input {int(index[np.argmax(lost)])} lost area")
    return arr, traced, labels, fallback


def _faces_of(
    inputs: _Inputs,
    borders_m: list[float],
    sliver_width: float,
    grid: float,
    threads: int,
    check: bool,
    context: Mapping[str, object],
) -> tuple[np.ndarray, Members, float, bool]:
    """Return the merged faces of `inputs`, their sets, the slivers' area and whether the
    fallback fired. Faces along `borders_m` (x, metres: a strip's inner borders) are never
    absorbed as slivers: they go on in the next strip."""
    arr, traced, labels, fallback = _solve(inputs, grid, threads, check, context)
    on_border = np.zeros(len(labels.count), dtype=bool)
    for x in borders_m:
        lines = tiling.on_border(arr.coords, arr.starts, arr.ends, x)
        side = traced.left.reshape(-1, 2)[lines].ravel()
        on_border[side[side >= 0]] = True
    polygons, members, sliver_m2 = merge(arr, traced, labels, sliver_width, on_border)
    return np.asarray(polygons, dtype=object), members, sliver_m2, fallback


def compute_faces(
    geoms: Sequence[Geometry] | np.ndarray,
    clip: Geometry | None = None,
    *,
    sliver_width: float = SLIVER_WIDTH_M,
    grid: float = SNAP_GRID_M,
    workers: int = 1,
    check: bool | None = None,
    context: Mapping[str, object] | None = None,
) -> Faces:
    """Return the faces of the overlap partition of `geoms`, clipped to `clip`.

    Parameters
    ----------
    geoms : sequence of Polygon or MultiPolygon
        The inputs, valid, in a planar CRS in metres.
    clip : Polygon or MultiPolygon, optional
        The area of interest; faces outside it are not returned.
    sliver_width : float
        Faces thinner than this on average (metres) are absorbed into a neighbour.
    grid : float
        Vertices and crossings are snap rounded to this grid (metres); see Tolerance.
    workers : int
        Threads to use for labelling large inputs; 1 computes in this thread only.
    check : bool, optional
        Verify that the noded boundaries are planar (a debug option; the tests turn it on
        for every call through `CHECK_NODING`).
    context : mapping, optional
        What the computation is for (gebied, filters): logged should the fallback fire.

    Returns
    -------
    Faces
        Every face covered by at least one input, with the inputs' indices covering it.

    Examples
    --------
    >>> from shapely import box
    >>> faces = compute_faces([box(0, 0, 2, 2), box(1, 0, 3, 2)])
    >>> sorted((m, float(a)) for m, a in zip(faces.members, faces.area))
    [((0,), 2.0), ((0, 1), 2.0), ((1,), 2.0)]
    """
    vertices = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
    threads = workers if vertices >= PARALLEL_MIN_VERTICES else 1
    clipped, index = clip_inputs(geoms, clip, threads)
    if len(clipped) == 0:
        return Faces(np.array([], dtype=object), Members.of([]))
    check = CHECK_NODING if check is None else check
    context = context or {}
    rings = boundaries(clipped)
    scale = 1.0 / grid
    cuts = tiling.borders(rings, scale)
    if len(cuts) == 0:
        inputs = _Inputs(
            rings, shapely.area(clipped), shapely.length(clipped), index, lambda: clipped
        )
        del rings
        polygons, members, sliver_m2, fallback = _faces_of(
            inputs, [], sliver_width, grid, threads, check, context
        )
        return Faces(polygons, members, sliver_m2, grid, fallback)
    return _faces_in_strips(
        clipped, index, rings, cuts, sliver_width, grid, threads, check, context
    )


def _faces_in_strips(
    clipped: np.ndarray,
    index: np.ndarray,
    rings: Boundaries,
    cuts: np.ndarray,
    sliver_width: float,
    grid: float,
    threads: int,
    check: bool,
    context: Mapping[str, object],
) -> Faces:
    """Return the faces strip by strip, between `cuts` (grid units), joined across them:
    the working memory is a strip's (see `tiling`)."""
    scale = 1.0 / grid
    parts, sets, strip_of = [], [], []  # per strip: faces, their sets, the strip
    sliver_m2, fallback = 0.0, False
    ymin, ymax = rings.coords[:, 1].min() - 1, rings.coords[:, 1].max() + 1
    for k, strip in enumerate(tiling.strips(rings, cuts, scale)):
        inner = [b / scale for b in (strip.lo, strip.hi) if b is not None]
        xmin = -np.inf if strip.lo is None else strip.lo / scale
        xmax = np.inf if strip.hi is None else strip.hi / scale
        area, length = strip.rings.per_input(len(clipped))

        def strip_geoms(x0: float = xmin, x1: float = xmax) -> np.ndarray:
            return shapely.clip_by_rect(clipped, max(x0, -1e15), ymin, min(x1, 1e15), ymax)

        inputs = _Inputs(strip.rings, area, length, index, strip_geoms)
        polygons, members, slivers, fired = _faces_of(
            inputs, inner, sliver_width, grid, threads, check, context
        )
        parts.append(polygons)
        sets.append(members)
        strip_of.append(np.full(len(polygons), k))
        sliver_m2 += slivers
        fallback |= fired
    polygons, members = tiling.join_across(
        np.concatenate(parts),
        Members.concat(sets),
        np.concatenate(strip_of),
        [b / scale for b in cuts],
    )
    return Faces(polygons, members, sliver_m2, grid, fallback)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
