"""Count-overlapping analysis: the planar partition of overlapping polygons, with depths.

Pure: shapely geometries in (any planar CRS; we use RD New), faces out. No database, no web.
The operation is what ArcGIS Pro calls *Count Overlapping Features*: every face of the
partition of the union carries the set of input polygons covering it.

Method
------
1. Clip the inputs to the area of interest (exact overlay; inputs fully inside are kept).
2. Node all boundaries in one overlay (GEOS OverlayNG, which falls back to snapping and snap
   rounding where floating-point noding is not robust) and polygonize them into faces.
3. Label each face with the inputs that contain an interior point of it (one STRtree query,
   with the inputs prepared).
4. Absorb slivers (see Tolerance) into the neighbour they share the longest edge with, and
   dissolve faces that touch and carry the same set, so adjacent faces always differ.

Large inputs are cut into a grid of tiles of about TILE_VERTICES each (many small noding
problems beat one large one), solved in two threads (GEOS and numpy release the GIL), and the
faces cut by tile borders are dissolved back together in step 4. Faces are traced by our own
half-edge polygonizer (`planar.py`), which is faster than GEOS polygonize.

Tolerance
---------
A face whose mean width ``2 * area / perimeter`` is below ``sliver_width`` (default 0.5 m) is
a sliver: the trace of near-coincident edges from different sources, not a real claim. It is
merged into its neighbour, so its area (reported as ``sliver_m2``) counts for that neighbour's
set. Isolated slivers (an input that is itself that thin, with no neighbour) are kept.
"""

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely import Geometry, MultiPolygon, Polygon

from gebiedsregie.stapeling.planar import polygonize_noded

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


def _polygons(geom: Geometry) -> list[Polygon]:
    return (
        [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
        if not isinstance(geom, Polygon)
        else [geom]
    )


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
        [MultiPolygon(_polygons(g)) if g.geom_type != "Polygon" else g for g in clipped],
        dtype=object,
    )
    keep = ~shapely.is_empty(areal) & (shapely.area(areal) > 0)
    return areal[keep], index[keep]


def _label(
    faces: np.ndarray, geoms: np.ndarray, index: np.ndarray
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Return the covered faces and, per face, the sorted original indices covering it."""
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(points)
    # The inputs are the query geometries, so each is prepared once for all its points.
    geom_i, face_i = tree.query(geoms, predicate="contains")
    order = np.lexsort((index[geom_i], face_i))
    face_i, flat = face_i[order], index[geom_i][order].tolist()
    covered, starts = np.unique(face_i, return_index=True)
    bounds = [*starts.tolist(), len(flat)]
    members = [tuple(flat[bounds[i] : bounds[i + 1]]) for i in range(len(covered))]
    return faces[covered], members


def _node_and_label(
    geoms: np.ndarray, index: np.ndarray, grid_size: float | None
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    noded = shapely.get_parts(shapely.union_all(shapely.boundary(geoms), grid_size=grid_size))
    try:
        faces = polygonize_noded(noded)
    except shapely.errors.GEOSException:
        # Linework the half-edge tracer cannot close (a noding slip): let GEOS sort it out.
        faces = shapely.get_parts(shapely.polygonize(noded))
    return _label(np.asarray(faces, dtype=object), geoms, index)


Solved = tuple[np.ndarray, list[tuple[int, ...]], bool]


def _conserved(
    geoms: np.ndarray, index: np.ndarray, faces: np.ndarray, members: list[tuple[int, ...]]
) -> bool:
    """Whether the faces of each input add up to that input's area."""
    position = {int(v): i for i, v in enumerate(index)}
    flat = [position[v] for m in members for v in m]
    weights = np.repeat(shapely.area(faces), [len(m) for m in members])
    per_input = np.bincount(flat, weights=weights, minlength=len(geoms))
    expected = shapely.area(geoms)
    return bool(np.all(np.abs(per_input - expected) <= CONSERVATION_RTOL * expected + 1e-6))


def _solve(geoms: np.ndarray, index: np.ndarray) -> Solved:
    """Node, polygonize and label one set of (already clipped) inputs.

    Floating-point noding is fast but can leave a node a hair off (near-collinear edges), and
    a face then goes missing or takes the wrong side. Per-input area conservation shows
    that; the inputs are then noded again with snap rounding on the SNAP_GRID_M grid, which
    is always consistent.
    """
    if len(geoms) == 0:
        return np.array([], dtype=object), [], False
    faces, members = _node_and_label(geoms, index, None)
    if _conserved(geoms, index, faces, members):
        return faces, members, False
    return (*_node_and_label(geoms, index, SNAP_GRID_M), True)


def _solve_tile(args: tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]) -> Solved:
    geoms, index, rect = args
    # Rectangle clipping is exact for the rectangle's own edges, and cheap.
    clipped = shapely.clip_by_rect(geoms, *rect)
    keep = shapely.area(clipped) > 0
    return _solve(clipped[keep], index[keep])


def _tiles(
    geoms: np.ndarray, vertices: int
) -> tuple[list[tuple[float, float, float, float]], list[float], list[float]]:
    """Return a grid of tiles of about TILE_VERTICES each, and the inner x and y borders."""
    k = max(1, math.ceil(math.sqrt(vertices / TILE_VERTICES)))
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    xs = np.linspace(minx - 1.0, maxx + 1.0, k + 1).round(3)
    ys = np.linspace(miny - 1.0, maxy + 1.0, k + 1).round(3)
    rects = [(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(k) for j in range(k)]
    return rects, xs[1:-1].tolist(), ys[1:-1].tolist()


def _in_tiles(
    geoms: np.ndarray, index: np.ndarray, vertices: int, workers: int
) -> tuple[np.ndarray, list[tuple[int, ...]], bool, set[int]]:
    """Solve tile by tile (in `workers` processes); return faces, members, faces on borders."""
    rects, x_borders, y_borders = _tiles(geoms, vertices)
    bounds = shapely.bounds(geoms)
    jobs = []
    for rect in rects:
        hit = (
            (bounds[:, 2] >= rect[0])
            & (bounds[:, 0] <= rect[2])
            & (bounds[:, 3] >= rect[1])
            & (bounds[:, 1] <= rect[3])
        )
        if hit.any():
            jobs.append((geoms[hit], index[hit], rect))
    if workers > 1 and vertices >= PARALLEL_MIN_VERTICES:
        results = _in_threads(jobs, workers)
    else:
        results = [_solve_tile(job) for job in jobs]
    parts = [r[0] for r in results if len(r[0])]
    faces = np.concatenate(parts) if parts else np.array([], dtype=object)
    members = [m for r in results for m in r[1]]
    snapped = any(r[2] for r in results)
    return faces, members, snapped, _touching(faces, x_borders, y_borders)


def _in_threads(jobs: list[Any], workers: int) -> list[Solved]:
    """Solve tiles in threads: GEOS noding and the numpy face tracing run without the GIL
    for most of their time, and threads share the inputs instead of copying them."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_solve_tile, jobs))


def _touching(faces: np.ndarray, x_borders: list[float], y_borders: list[float]) -> set[int]:
    """Return the faces whose bounds lie on an inner tile border (cut by the tiling)."""
    if len(faces) == 0 or not (x_borders or y_borders):
        return set()
    bounds = shapely.bounds(faces)
    on_border = np.zeros(len(faces), dtype=bool)
    for x in x_borders:
        on_border |= np.isclose(bounds[:, 0], x, atol=1e-6) | np.isclose(bounds[:, 2], x, atol=1e-6)
    for y in y_borders:
        on_border |= np.isclose(bounds[:, 1], y, atol=1e-6) | np.isclose(bounds[:, 3], y, atol=1e-6)
    return set(np.flatnonzero(on_border).tolist())


def _absorb_slivers(
    faces: np.ndarray, members: list[tuple[int, ...]], width: float
) -> tuple[np.ndarray, list[tuple[int, ...]], float, set[int]]:
    """Merge slivers into the neighbour sharing the longest edge; return what changed."""
    area = shapely.area(faces)
    sliver = 2 * area < width * shapely.length(faces)
    if not sliver.any():
        return faces, members, 0.0, set()
    slivers = np.flatnonzero(sliver)
    tree = shapely.STRtree(faces)
    pair_s, pair_n = tree.query(faces[slivers], predicate="intersects")
    pair_s = slivers[pair_s]
    real = ~sliver[pair_n]
    pair_s, pair_n = pair_s[real], pair_n[real]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(faces[pair_s]), shapely.boundary(faces[pair_n]))
    )
    # Per sliver, the neighbour with the longest shared edge (ties: the first).
    order = np.lexsort((-shared, pair_s))
    pair_s, pair_n, shared = pair_s[order], pair_n[order], shared[order]
    first = np.unique(pair_s, return_index=True)[1]
    best = [(int(pair_s[i]), int(pair_n[i])) for i in first if shared[i] > 0]
    if not best:
        return faces, members, 0.0, set()
    # A sliver takes its neighbour's set; the dissolve that follows unites them.
    members = list(members)
    for s_i, n_i in best:
        members[s_i] = members[n_i]
    absorbed = np.array([s_i for s_i, _ in best])
    changed = {n_i for _, n_i in best} | set(absorbed.tolist())
    return faces, members, float(area[absorbed].sum()), changed


def _components(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Return the connected components (of two or more) of the graph with these edges."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for x in parent:
        groups[find(x)].append(x)
    return [g for g in groups.values() if len(g) > 1]


def _dissolve(
    faces: np.ndarray, members: list[tuple[int, ...]], candidates: set[int], workers: int = 1
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Union each candidate face with the faces of the same set it touches (transitively).

    Candidates are faces cut by a tile border, and faces that took a sliver's place.
    """
    if not candidates:
        return faces, members
    cand = np.array(sorted(candidates))
    key_of: dict[tuple[int, ...], int] = {}
    key = np.array([key_of.setdefault(m, len(key_of)) for m in members])
    # Envelopes first; the exact test only for the few pairs that carry the same set.
    left, right = shapely.STRtree(faces).query(faces[cand])
    left = cand[left]
    same = (left != right) & (key[left] == key[right])
    left, right = left[same], right[same]
    touching = shapely.intersects(faces[left], faces[right])
    pairs = list(zip(left[touching].tolist(), right[touching].tolist(), strict=True))
    groups = _components(pairs)
    if not groups:
        return faces, members
    # GEOS unions run without the GIL: the threads share the groups, a slice each.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        slices = list(
            pool.map(
                lambda k: [shapely.union_all(faces[g]) for g in groups[k::workers]], range(workers)
            )
        )
    unions = [slices[i % workers][i // workers] for i in range(len(groups))]
    taken = np.zeros(len(faces), dtype=bool)
    out_faces: list[Any] = []
    out_members: list[tuple[int, ...]] = []
    for idx, union in zip(groups, unions, strict=True):
        taken[idx] = True
        for part in _polygons(union):  # faces touching in a point stay apart
            out_faces.append(part)
            out_members.append(members[idx[0]])
    rest = np.flatnonzero(~taken)
    merged = np.concatenate([faces[rest], np.array(out_faces, dtype=object)])
    return merged, [members[i] for i in rest] + out_members


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
        Processes to use for large inputs (strips); 1 computes in this process.

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
    vertices = int(shapely.get_num_coordinates(clipped).sum()) if len(clipped) else 0
    cut: set[int] = set()
    if vertices > TILE_VERTICES * 2:
        faces, members, snapped, cut = _in_tiles(clipped, index, vertices, workers)
    else:
        faces, members, snapped = _solve(clipped, index)
    # The tiling cut faces apart: put them back together before judging slivers.
    faces, members = _dissolve(faces, members, cut, workers)
    faces, members, sliver_m2, changed = _absorb_slivers(faces, members, sliver_width)
    faces, members = _dissolve(faces, members, changed, workers)
    return Faces(np.asarray(faces, dtype=object), members, sliver_m2, snapped)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
