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
from gebiedsregie.stapeling.planar import Arrangement, Rings, Traced, faces_of_rings, ranges


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
    # The outer ring of a part has the empty set (its outside): `sets` holds the shells'
    # sets, in the order of their faces.
    face_i = np.repeat(np.arange(len(shell_ring)), np.diff(set_start)[shell_ring])
    geom_i = sets
    if len(face_i) != len(sets):
        raise ArithmeticError("stapeling: the outer ring of a part has a set")
    nested = np.flatnonzero(size[root_of_face] > 0)
    if len(nested) == 0:
        return face_i, geom_i
    # A nested part's sets are relative to the face around it: the inputs in one of the
    # two sets, its own and the outside's, cover it (odd counts of (face, input) pairs).
    first = np.r_[0, np.cumsum(size)]
    root = root_of_face[nested]
    inner = np.isin(face_i, nested)
    more_face = np.r_[face_i[inner], np.repeat(nested, size[root])]
    more_geom = np.r_[geom_i[inner], flat[ranges(first[root], size[root])]]
    width = int(more_geom.max()) + 1
    keys, counts = np.unique(more_face * width + more_geom, return_counts=True)
    keys = keys[counts % 2 == 1]
    return np.r_[face_i[~inner], keys // width], np.r_[geom_i[~inner], keys % width]


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


@dataclass
class Boundaries:
    """The rings of the inputs as ragged arrays: ring r is coords[offsets[r] : offsets[r + 1]]
    (closed), of input owner[r]. `role` is +1 for a ring whose signed area counts as it
    is (a counter-clockwise shell, a clockwise hole) and -1 for one whose sign is to be
    turned, so that an input's area is the sum of role times the signed areas of its rings,
    also after clipping (which keeps each ring's orientation)."""

    coords: np.ndarray
    offsets: np.ndarray
    owner: np.ndarray
    role: np.ndarray | None  # made from `shell` when first needed (`roles`)
    measured: tuple[np.ndarray, np.ndarray] | None = None  # `per_ring`, once computed
    shell: np.ndarray | None = None  # per ring, whether it is a shell (else a hole)

    def __len__(self) -> int:
        return len(self.owner)

    def measure(self) -> tuple[np.ndarray, np.ndarray]:
        """Return `per_ring`, computed once."""
        if self.measured is None:
            self.measured = self.per_ring()
        return self.measured

    def roles(self) -> np.ndarray:
        """Return `role`: a shell counts positively, a hole negatively, whichever way each
        was drawn."""
        if self.role is None:
            if self.shell is None:
                raise ValueError("stapeling: rings without roles or shells")
            self.role = np.where((self.measure()[0] >= 0) == self.shell, 1, -1)
        return self.role

    def per_input(self, inputs: int) -> tuple[np.ndarray, np.ndarray]:
        """Return each input's area and boundary length."""
        signed, length = self.measure()
        return (
            np.bincount(self.owner, signed * self.roles(), inputs),
            np.bincount(self.owner, length, inputs),
        )

    def per_ring(self, chunk: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
        """Return each ring's signed area and length, computed `chunk` points at a time."""
        signed, length = np.zeros(len(self)), np.zeros(len(self))
        if len(self.coords) == 0:
            return signed, length
        origin = self.coords.min(axis=0)  # small numbers: a precise shoelace
        low = 0
        while low < len(self):
            high = int(np.searchsorted(self.offsets, self.offsets[low] + chunk, "right")) - 1
            high = min(max(high, low + 1), len(self))
            a, b = int(self.offsets[low]), int(self.offsets[high])
            xy = self.coords[a:b] - origin
            x, y = xy[:, 0], xy[:, 1]
            cross = np.r_[x[:-1] * y[1:] - x[1:] * y[:-1], 0.0]
            step = np.r_[np.hypot(np.diff(x), np.diff(y)), 0.0]
            last = self.offsets[low + 1 : high + 1] - 1 - a  # no segment from a ring's end
            cross[last], step[last] = 0.0, 0.0
            ring = np.repeat(np.arange(high - low), np.diff(self.offsets[low : high + 1]))
            signed[low:high] = np.bincount(ring, cross, high - low) / 2
            length[low:high] = np.bincount(ring, step, high - low)
            low = high
        return signed, length


def boundaries(geoms: np.ndarray, chunk: int = 512) -> Boundaries:
    """Return the rings of `geoms` (Polygons and MultiPolygons). Made `chunk` inputs at a
    time into arrays sized up front: shapely makes a ring object per ring on the way, which
    for all inputs at once would double the memory."""
    coords = np.empty((int(shapely.get_num_coordinates(geoms).sum()), 2), dtype=np.float64)
    sizes, owners, shells = [], [], []
    at = 0
    for low in range(0, len(geoms), chunk):
        part = geoms[low : low + chunk]
        kind, xy, offsets = shapely.to_ragged_array(part)
        if kind == shapely.GeometryType.POLYGON:
            ring_offsets, geom_offsets = offsets
            ring_geom = np.repeat(np.arange(len(part)), np.diff(geom_offsets))
            first_rings = geom_offsets[:-1]
        else:  # MultiPolygons, with Polygons among them as single parts
            ring_offsets, part_offsets, geom_offsets = offsets
            part_geom = np.repeat(np.arange(len(part)), np.diff(geom_offsets))
            ring_geom = part_geom[np.repeat(np.arange(len(part_geom)), np.diff(part_offsets))]
            first_rings = part_offsets[:-1]
        shell = np.zeros(len(ring_geom), dtype=bool)
        shell[first_rings[first_rings < len(shell)]] = True
        coords[at : at + len(xy)] = xy
        at += len(xy)
        sizes.append(np.diff(ring_offsets))
        owners.append(ring_geom + low)
        shells.append(shell)
    if at != len(coords):
        raise ValueError("stapeling: the inputs' coordinates do not add up")
    empty = np.zeros(0, dtype=np.int64)
    size = np.concatenate(sizes) if sizes else empty
    return Boundaries(
        coords,
        np.r_[0, np.cumsum(size)].astype(np.int64),
        np.concatenate(owners).astype(np.int64) if owners else empty,
        None,
        shell=np.concatenate(shells) if shells else np.zeros(0, dtype=bool),
    )


def node_and_trace(
    geoms: np.ndarray | Boundaries, grid: float, threads: int = 1, *, check: bool = False
) -> Noded:
    """Return the noded boundaries of `geoms` (Polygons and MultiPolygons, or their rings)
    as an arrangement, snap rounded to `grid` (coordinate units), its bounded faces, and
    the inputs covering each face. `threads` threads look for crossings and hot pixels.
    With `check`, the C code verifies that no two noded pieces meet but at a shared end,
    and raises ArithmeticError if they do (a debug option: it costs about as much as the
    noding). A point is covered by an input where it lies inside an odd number of its
    rings: rings may overlap themselves or each other along lines (as clipped rings do).

    Examples
    --------
    >>> from shapely import box
    >>> noded = node_and_trace(np.array([box(0, 0, 2, 2), box(1, 0, 3, 2)]), 0.001)
    >>> sorted(noded.traced.area.tolist())
    [2.0, 2.0, 2.0]
    >>> sorted(zip(noded.face_i.tolist(), noded.geom_i.tolist()))
    [(0, 0), (0, 1), (1, 1), (2, 0)]
    """
    rings = geoms if isinstance(geoms, Boundaries) else boundaries(geoms)
    out = _noder.node(rings.coords, rings.offsets, rings.owner, 1.0 / grid, threads, check)
    del rings
    line_start = np.frombuffer(out["line_start"], dtype=np.int64)
    arr = Arrangement(
        coords=np.frombuffer(out["coords"], dtype=np.float64).reshape(-1, 2),
        starts=line_start[:-1],
        ends=line_start[1:] - 1,
        length=np.frombuffer(out["line_length"], dtype=np.float64),
        node=np.frombuffer(out["point_node"], dtype=np.int64),
        grid=grid,
    )
    traced_rings = Rings.from_buffers(out, arr)
    traced = faces_of_rings(traced_rings, out["lines"])
    ccw = traced_rings.ccw
    del traced_rings, out["ring_half"]
    if len(traced.area) == 0:
        empty = np.array([], dtype=np.int64)
        return Noded(arr, traced, empty, empty)
    set_start, sets, part = (
        np.frombuffer(out[name], dtype=np.int64) for name in ("set_start", "set", "ring_part")
    )
    face_i, geom_i = _covering(traced, ccw, set_start, sets, part)
    return Noded(arr, traced, face_i, geom_i)
