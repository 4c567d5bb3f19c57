"""Snap-rounded noding and face tracing in C (`_noder.c`): inputs in, faces and their sets out.

The C part rounds every vertex to the grid and nodes the boundaries with Hobby's snap
rounding, which is consistent by construction: no floating-point noding to validate, and
no fallback. Boundaries move by at most half a grid cell diagonally (0.71 grid units); on
the storage grid (millimetres) that moves nothing stored. It then traces the rings of the
faces, and finds the inputs covering each face by walking the graph: crossing a line
toggles the inputs whose (snapped) boundary runs along it. That is exact for the snapped
inputs, where testing a point against the original inputs can go wrong in a face thinner
than the snapping moved. The shells and holes are put together here
(`planar.faces_of_rings`), and the sets of parts nested in a face are completed with that
face's set.
"""

from dataclasses import dataclass

import numpy as np
import shapely

from gebiedsregie.stapeling import _noder
from gebiedsregie.stapeling.planar import Arrangement, Rings, Traced, faces_of_rings


@dataclass
class Noded:
    """An arrangement, its faces, and which inputs cover them.

    Attributes
    ----------
    face_i, geom_i : array of int
        The (face, input position) pairs of every input covering a face.
    """

    arr: Arrangement
    traced: Traced
    face_i: np.ndarray
    geom_i: np.ndarray


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Return the concatenated ranges starts[i] .. ends[i] (exclusive)."""
    lengths = ends - starts
    offset = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offset


def _covering(
    traced: Traced, ccw: np.ndarray, set_start: np.ndarray, sets: np.ndarray, part: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the (face, input) pairs from the rings' sets, which are relative to the outside
    of each connected part (`part`: its outer ring, per ring)."""
    shell_ring = np.flatnonzero(ccw)
    roots, root_of_face = np.unique(part[shell_ring], return_inverse=True)
    outside = _outside_sets(traced.face_of_ring, shell_ring, set_start, sets, part, roots)
    size = np.fromiter(map(len, outside), dtype=np.int64, count=len(outside))
    flat = np.fromiter(
        (g for s in outside for g in sorted(s)), dtype=np.int64, count=int(size.sum())
    )
    rings = shell_ring
    face_i = np.repeat(np.arange(len(rings)), set_start[rings + 1] - set_start[rings])
    geom_i = sets[_ranges(set_start[rings], set_start[rings + 1])]
    nested = np.flatnonzero(size[root_of_face] > 0)
    if len(nested) == 0:
        return face_i, geom_i
    # A nested part's sets are relative to the face around it: the inputs in one of the
    # two sets, its own and the outside's, cover it (odd counts of (face, input) pairs).
    first = np.r_[0, np.cumsum(size)]
    root = root_of_face[nested]
    face_i = np.r_[face_i, np.repeat(nested, size[root])]
    geom_i = np.r_[geom_i, flat[_ranges(first[root], first[root] + size[root])]]
    width = int(geom_i.max()) + 1
    keys, counts = np.unique(face_i * width + geom_i, return_counts=True)
    keys = keys[counts % 2 == 1]
    return keys // width, keys % width


def _outside_sets(
    face_of_ring: np.ndarray,
    shell_ring: np.ndarray,
    set_start: np.ndarray,
    sets: np.ndarray,
    part: np.ndarray,
    roots: np.ndarray,
) -> list[frozenset[int]]:
    """Return, per part (its outer ring in `roots`), the inputs covering its outside: the
    set of the face around it, if any (which may itself lie in a nested part)."""
    known: dict[int, frozenset[int]] = {}
    for first in roots.tolist():
        stack = [first]  # no recursion: parts may nest deeper than Python's stack
        while stack:
            ring = stack[-1]
            around = int(face_of_ring[ring])
            if around < 0:
                known[ring] = frozenset()
                stack.pop()
                continue
            shell = int(shell_ring[around])
            parent = int(part[shell])
            if parent not in known:
                stack.append(parent)
                continue
            own = frozenset(sets[set_start[shell] : set_start[shell + 1]].tolist())
            known[ring] = own ^ known[parent]
            stack.pop()
    return [known[r] for r in roots.tolist()]


def _ragged(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the coordinates of all rings of `geoms`, the ring offsets, and the input of
    each ring (no ring objects are made: they would double the memory)."""
    if len(geoms) == 0:
        return np.empty((0, 2)), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64)
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        ring_offsets, geom_offsets = offsets
        ring_geom = np.repeat(np.arange(len(geoms)), np.diff(geom_offsets))
    else:  # MultiPolygons, with Polygons among them as single parts
        ring_offsets, part_offsets, geom_offsets = offsets
        part_geom = np.repeat(np.arange(len(geoms)), np.diff(geom_offsets))
        ring_geom = part_geom[np.repeat(np.arange(len(part_geom)), np.diff(part_offsets))]
    return (
        np.ascontiguousarray(coords, dtype=np.float64),
        ring_offsets.astype(np.int64),
        ring_geom.astype(np.int64),
    )


def node_and_trace(
    geoms: np.ndarray, grid: float, threads: int = 1, *, check: bool = False
) -> Noded:
    """Return the noded boundaries of `geoms` (Polygons and MultiPolygons) as an arrangement,
    snap rounded to `grid` (coordinate units), its bounded faces, and the inputs covering
    each face. `threads` threads look for crossings and hot pixels. With `check`, the C
    code verifies that no two noded pieces meet but at a shared end, and raises
    ArithmeticError if they do (a debug option: it costs about as much as the noding).

    Examples
    --------
    >>> from shapely import box
    >>> noded = node_and_trace(np.array([box(0, 0, 2, 2), box(1, 0, 3, 2)]), 0.001)
    >>> sorted(noded.traced.area.tolist())
    [2.0, 2.0, 2.0]
    >>> sorted(zip(noded.face_i.tolist(), noded.geom_i.tolist()))
    [(0, 0), (0, 1), (1, 1), (2, 0)]
    """
    coords, ring_offsets, owner = _ragged(geoms)
    out = _noder.node(coords, ring_offsets, owner, 1.0 / grid, threads, check)
    del coords, ring_offsets, owner
    line_start = np.frombuffer(out["line_start"], dtype=np.int64)
    arr = Arrangement(
        coords=np.frombuffer(out["coords"], dtype=np.float64).reshape(-1, 2),
        starts=line_start[:-1],
        ends=line_start[1:] - 1,
        length=np.frombuffer(out["line_length"], dtype=np.float64),
        node=np.frombuffer(out["point_node"], dtype=np.int64),
        grid=grid,
    )
    rings = Rings.from_buffers(out)
    traced = faces_of_rings(rings, out["lines"])
    if len(traced.area) == 0:
        empty = np.array([], dtype=np.int64)
        return Noded(arr, traced, empty, empty)
    set_start, sets, part = (
        np.frombuffer(out[name], dtype=np.int64) for name in ("set_start", "set", "ring_part")
    )
    face_i, geom_i = _covering(traced, rings.ccw, set_start, sets, part)
    return Noded(arr, traced, face_i, geom_i)
