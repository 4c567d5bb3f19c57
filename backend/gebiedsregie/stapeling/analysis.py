"""Count-overlapping analysis: the planar partition of overlapping polygons, with depths.

Pure: shapely geometries in (any planar CRS; we use RD New), faces out. No database, no web.
The operation is what ArcGIS Pro calls *Count Overlapping Features*: every face of the
partition of the union carries the set of input polygons covering it.

Method
------
1. Clip the inputs to the area of interest (exact overlay; inputs fully inside are kept).
2. Node all boundaries (GEOS OverlayNG, which falls back to snapping and snap rounding where
   floating-point noding is not robust) and trace the faces of the noded lines with our own
   half-edge structure (`planar.py`: faster than GEOS polygonize, and it knows which faces
   lie on both sides of each edge).
3. Label each face with the inputs that contain an interior point of it (one STRtree query,
   with the inputs prepared).
4. Absorb slivers (see Tolerance) into the neighbour they share the longest edge with, and
   merge faces that share an edge and carry the same set, so adjacent faces always differ
   (`merging.py`): the edges between them are dropped and those faces traced again.

Large inputs are cut into a grid of tiles of about TILE_VERTICES boundary vertices each
(many small noding problems beat one large one), and steps 2 and 3 run per tile in threads
(GEOS, and numpy for the most part, release the GIL). The boundary segments are split where
they cross a tile border, at one point shared by both sides, and each tile is closed by its
own border lines (`tiles.py`). A face cut by a border is thus two faces of one set that
share border lines; step 4 merges them like any other such pair, before judging slivers.

Each tile checks that every input's faces add up to its area (inside the tile). If
floating-point noding slipped somewhere, everything is noded again in one piece with snap
rounding on the SNAP_GRID_M grid, which is always consistent (`Faces.snapped`).

Tolerance
---------
A face whose mean width ``2 * area / perimeter`` is below ``sliver_width`` (default 0.5 m) is
a sliver: the trace of near-coincident edges from different sources, not a real claim. It is
merged into its neighbour, so its area (reported as ``sliver_m2``) counts for that neighbour's
set. Isolated slivers (an input that is itself that thin, with no neighbour) are kept.
"""

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely import Geometry, MultiPolygon

from gebiedsregie.stapeling import tiles
from gebiedsregie.stapeling.merging import Labels, merge, polygon_parts
from gebiedsregie.stapeling.planar import Arrangement, Traced, trace_faces

SLIVER_WIDTH_M = 0.5
SNAP_GRID_M = 0.001  # the storage grid: snap rounding here moves nothing stored
CONSERVATION_RTOL = 1e-9
TILE_VERTICES = 60_000  # tiles of this size node faster than one large problem (measured)
PARALLEL_MIN_VERTICES = 100_000  # below this, a second thread costs more than it saves


@dataclass
class Faces:
    """The faces of a stapeling, columnar.

    Attributes
    ----------
    geoms : array of Polygon
    members : list of tuple of int
        Per face, the sorted indices (into the input) of the polygons covering it.
    sliver_m2 : float
        Area of the slivers absorbed into neighbouring faces.
    snapped : bool
        Whether floating-point noding failed somewhere and snap rounding was used.
    """

    geoms: np.ndarray
    members: list[tuple[int, ...]]
    sliver_m2: float = 0.0
    snapped: bool = False
    _area: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.members)

    @property
    def area(self) -> np.ndarray:
        if self._area is None:
            self._area = shapely.area(self.geoms)
        return self._area

    @property
    def aantal(self) -> np.ndarray:
        return np.fromiter((len(m) for m in self.members), dtype=np.int64, count=len(self))


def clip_inputs(
    inputs: Sequence[Geometry] | np.ndarray, clip: Geometry | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the inputs clipped to `clip` (areal parts only) and their original indices."""
    geoms = np.asarray(inputs, dtype=object)
    index = np.arange(len(geoms))
    if clip is None or len(geoms) == 0:
        return geoms, index
    shapely.prepare(clip)
    hits = shapely.intersects(clip, geoms)
    geoms, index = geoms[hits], index[hits]
    inside = shapely.contains(clip, geoms)
    clipped = geoms.copy()
    clipped[~inside] = shapely.intersection(geoms[~inside], clip)
    areal = np.array(
        [MultiPolygon(polygon_parts(g)) if g.geom_type != "Polygon" else g for g in clipped],
        dtype=object,
    )
    keep = ~shapely.is_empty(areal) & (shapely.area(areal) > 0)
    return areal[keep], index[keep]


def _in_threads(fn: Callable[[np.ndarray], Any], items: np.ndarray, workers: int) -> list[Any]:
    """Apply `fn` to `workers` slices of `items`, in threads (GEOS releases the GIL)."""
    if workers <= 1 or len(items) < 2:
        return [fn(items)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, np.array_split(items, workers)))


def _label(
    traced: Traced, geoms: np.ndarray, positions: np.ndarray, index: np.ndarray, workers: int
) -> Labels:
    """Return, per face, the sorted original indices of the inputs (of those at `positions`)
    containing it."""
    faces = len(traced.area)
    # One interior point per face (a face split by its repair has several polygons).
    _, first = np.unique(traced.owner, return_index=True)
    tree = shapely.STRtree(shapely.point_on_surface(traced.polygons[first]))

    # The inputs are the query geometries, so each is prepared once for all its points.
    def query(part: np.ndarray) -> np.ndarray:
        geom_i, point_i = tree.query(geoms[part], predicate="contains")
        return np.stack([part[geom_i], point_i])

    hits = np.concatenate(_in_threads(query, positions, workers), axis=1)
    geom_i, face_i = hits[0], traced.owner[first][hits[1]]
    order = np.lexsort((geom_i, face_i))  # index is increasing: the same order as originals
    face_i, geom_i = face_i[order], geom_i[order]
    flat = index[geom_i].tolist()
    bounds = np.searchsorted(face_i, np.arange(faces + 1))
    starts = bounds.tolist()
    members = [tuple(flat[starts[i] : starts[i + 1]]) for i in range(faces)]
    weights = np.random.default_rng(0).integers(0, 2**63, len(geoms), dtype=np.uint64)
    running = np.r_[np.uint64(0), np.cumsum(weights[geom_i], dtype=np.uint64)]
    digest = running[bounds[1:]] - running[bounds[:-1]]  # wraps around, as meant
    return Labels(members, face_i, geom_i, np.diff(bounds), digest)


@dataclass
class _Solved:
    arr: Arrangement
    traced: Traced
    labels: Labels
    conserved: bool
    border: int


def _solve_tile(
    tile: tiles.Tile,
    geoms: np.ndarray,
    bounds: np.ndarray,
    index: np.ndarray,
    grid_size: float | None,
    workers: int = 1,
) -> _Solved:
    """Node, trace and label one tile; check that each input's faces add up to its area."""
    arr = tiles.node(tile, grid_size)
    tile.release()
    arr.lengths()  # here, in the tile's thread
    traced = trace_faces(arr)
    x0, y0, x1, y1 = tile.rect
    hit = (bounds[:, 2] >= x0) & (bounds[:, 0] <= x1) & (bounds[:, 3] >= y0) & (bounds[:, 1] <= y1)
    positions = np.flatnonzero(hit)
    labels = _label(traced, geoms, positions, index, workers)
    inside = (
        (bounds[:, 0] >= x0) & (bounds[:, 2] <= x1) & (bounds[:, 1] >= y0) & (bounds[:, 3] <= y1)
    )
    expected = np.zeros(len(geoms))
    expected[hit & inside] = shapely.area(geoms[hit & inside])
    expected[hit & ~inside] = shapely.area(shapely.clip_by_rect(geoms[hit & ~inside], *tile.rect))
    per_input = np.bincount(labels.geom_i, traced.area[labels.face_i], len(geoms))
    conserved = bool(np.all(np.abs(per_input - expected) <= CONSERVATION_RTOL * expected + 1e-6))
    return _Solved(arr, traced, labels, conserved, len(tile.border))


def _join(solved: list[_Solved]) -> tuple[Arrangement, Traced, Labels]:
    """Return the tiles' results as one arrangement, its faces and their labels."""
    faces = [len(s.traced.area) for s in solved]
    arr, left = tiles.join(
        [s.arr for s in solved], [s.traced.left for s in solved], faces, [s.border for s in solved]
    )
    offset = np.cumsum([0, *faces])
    traced = Traced(
        np.concatenate([s.traced.polygons for s in solved]),
        np.concatenate([s.traced.owner + o for s, o in zip(solved, offset, strict=False)]),
        left,
        np.concatenate([s.traced.area for s in solved]),
    )
    labels = Labels(
        [m for s in solved for m in s.labels.members],
        np.concatenate([s.labels.face_i + o for s, o in zip(solved, offset, strict=False)]),
        np.concatenate([s.labels.geom_i for s in solved]),
        np.concatenate([s.labels.count for s in solved]),
        np.concatenate([s.labels.digest for s in solved]),
    )
    return arr, traced, labels


def _solve(
    geoms: np.ndarray, index: np.ndarray, workers: int
) -> tuple[Arrangement, Traced, Labels, bool]:
    """Node, trace and label the (already clipped) inputs, in tiles if they are large.

    Floating-point noding is fast but can leave a node a hair off (near-collinear edges), and
    a face then goes missing or takes the wrong side. Per-input area conservation shows
    that; the inputs are then noded again, in one piece, with snap rounding on the
    SNAP_GRID_M grid, which is always consistent.
    """
    vertices = int(shapely.get_num_coordinates(geoms).sum())
    bounds = shapely.bounds(geoms)
    parts = tiles.split(geoms, vertices, TILE_VERTICES)
    threads = workers if vertices >= PARALLEL_MIN_VERTICES else 1
    if len(parts) > 1 and threads > 1:
        # Largest tiles first, so that no thread is left with a big one at the end.
        order = sorted(range(len(parts)), key=lambda i: -len(parts[i].piece_of))
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = {
                i: pool.submit(_solve_tile, parts[i], geoms, bounds, index, None) for i in order
            }
            solved = [futures[i].result() for i in range(len(parts))]
    else:
        solved = [_solve_tile(tile, geoms, bounds, index, None, threads) for tile in parts]
    if all(s.conserved for s in solved):
        return (*_join(solved), False)
    whole = tiles.split(geoms, vertices, vertices)
    return (*_join([_solve_tile(whole[0], geoms, bounds, index, SNAP_GRID_M, threads)]), True)


def compute_faces(
    geoms: Sequence[Geometry] | np.ndarray,
    clip: Geometry | None = None,
    *,
    sliver_width: float = SLIVER_WIDTH_M,
    workers: int = 1,
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
    workers : int
        Threads to use for large inputs (tiles); 1 computes in this thread only.

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
    clipped, index = clip_inputs(geoms, clip)
    if len(clipped) == 0:
        return Faces(np.array([], dtype=object), [])
    arr, traced, labels, snapped = _solve(clipped, index, workers)
    faces, members, sliver_m2 = merge(arr, traced, labels, sliver_width)
    return Faces(np.asarray(faces, dtype=object), members, sliver_m2, snapped)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
