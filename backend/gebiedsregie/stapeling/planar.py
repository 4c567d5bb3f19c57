"""Faces of a noded planar line arrangement, and faces merged by dropping lines between them.

The C extension (`_noder.c`) nodes and traces; this module holds the arrangement and its
faces as arrays, puts shells and holes together into polygons (`faces_of_rings`), and traces
merged faces again (`trace_merged`): the lines between faces being merged are dropped and
the rest is traced anew, without a GEOS union. Knowing which face lies on each side of every
line is what makes that possible. Pure: shapely, numpy and our extension only.

Half-edge ``2 * e`` runs along line ``e``, ``2 * e + 1`` against it.
"""

from dataclasses import dataclass

import numpy as np
import shapely

from gebiedsregie.stapeling import _noder


@dataclass
class Arrangement:
    """Noded lines as flat coordinates: line ``e`` is ``coords[starts[e] : ends[e] + 1]``."""

    coords: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    length: np.ndarray  # of each line
    node: np.ndarray  # of each coordinate, as the noder numbered them
    grid: float  # the grid it snapped to

    def __len__(self) -> int:
        return len(self.starts)


@dataclass
class Traced:
    """Bounded faces of an arrangement.

    Attributes
    ----------
    polygons : array of Polygon
        The faces; a face whose ring touches itself may come out as several polygons.
    owner : array of int
        The face of each polygon.
    left : array of int
        Per half-edge, the face on its left; -1 outside every face, or for a dropped dangle.
    area : array of float
        Per face, its area.
    face_of_ring : array of int
        Per traced ring, the face it bounds (as shell or hole); -1 for the outer boundary of
        a part outside every face.
    """

    polygons: np.ndarray
    owner: np.ndarray
    left: np.ndarray
    area: np.ndarray
    face_of_ring: np.ndarray


@dataclass
class Rings:
    """Traced rings of an arrangement: the half-edges of each, in order. Their points are
    the arrangement's, gathered only when a ring is built (in chunks), so the coordinates
    are never held twice over."""

    arr: Arrangement
    order: np.ndarray  # half-edges (2 * line + side of arr), ring after ring, in order
    edge_start: np.ndarray  # ring r's half-edges: order[edge_start[r] : edge_start[r + 1]]
    ring_of_half: np.ndarray  # ring of each traced half-edge (indexed like `half`)
    half: np.ndarray  # half-edge numbers (into 2 * line + side of the arrangement)
    ccw: np.ndarray
    pinched: np.ndarray
    area: np.ndarray  # signed, per ring

    @classmethod
    def from_buffers(
        cls, out: "_noder.Traced", arr: Arrangement, lines: np.ndarray | None = None
    ) -> "Rings":
        """Return the rings `_noder` traced (`node` or `trace_lines`) in `arr`; `lines` are
        the arrangement's lines they were traced from, if not all."""
        edges = np.frombuffer(out["ring_size"], dtype=np.int64)
        of_half = np.frombuffer(out["half_ring"], dtype=np.int64)
        traced = np.flatnonzero(of_half >= 0)
        order = np.frombuffer(out["ring_half"], dtype=np.int64)
        signed = np.frombuffer(out["ring_area"], dtype=np.float64)
        pinched = np.frombuffer(out["ring_pinched"], dtype=np.uint8)
        if lines is not None:
            traced = 2 * lines[traced >> 1] + (traced & 1)
            order = 2 * lines[order >> 1] + (order & 1)
        return cls(
            arr=arr,
            order=order,
            edge_start=np.r_[0, np.cumsum(edges)],
            ring_of_half=of_half[of_half >= 0],
            half=traced,
            ccw=signed > 0,
            pinched=pinched.astype(bool),
            area=signed,
        )

    def __len__(self) -> int:
        return len(self.ccw)

    def first_points(self, which: np.ndarray) -> np.ndarray:
        """Return the first point of each ring `which`."""
        half = self.order[self.edge_start[which]]
        line, back = half >> 1, (half & 1) == 1
        return self.arr.coords[np.where(back, self.arr.ends[line], self.arr.starts[line])]

    def geoms(self, which: np.ndarray) -> np.ndarray:
        """Return the rings `which` as LinearRings (closed by shapely)."""
        edges = np.diff(self.edge_start)[which]
        half = self.order[ranges(self.edge_start[which], edges)]
        line, back = half >> 1, (half & 1) == 1
        # Each half-edge gives its line's points but the last, forwards or backwards.
        count = self.arr.ends[line] - self.arr.starts[line]
        first = np.where(back, self.arr.ends[line], self.arr.starts[line])
        step = np.where(back, -1, 1)
        point = np.repeat(first, count) + np.repeat(step, count) * ranges(
            np.zeros(len(count), dtype=np.int64), count
        )
        size = np.add.reduceat(count, np.r_[0, np.cumsum(edges)[:-1]]) if len(which) else count
        return shapely.linearrings(
            self.arr.coords[point], indices=np.repeat(np.arange(len(which)), size)
        )

    def polygons(self, which: np.ndarray, chunk: int = 50_000) -> np.ndarray:
        """Return polygons with the rings `which` as their shells, made in chunks, so that
        only one chunk of coordinates is held at a time."""
        parts = [
            shapely.polygons(self.geoms(which[low : low + chunk]))
            for low in range(0, len(which), chunk)
        ]
        return np.concatenate(parts) if parts else np.array([], dtype=object)


def ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Return the concatenated ranges starts[i] .. starts[i] + sizes[i] (exclusive)."""
    offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(starts, sizes) + offset


def _trace_rings(arr: Arrangement, lines: np.ndarray) -> Rings:
    """Trace the rings of `lines` in C, from the nodes the noder numbered (`_noder.c`)."""
    starts, sizes = arr.starts[lines], arr.ends[lines] - arr.starts[lines] + 1
    index = ranges(starts, sizes)
    out = _noder.trace_lines(
        np.ascontiguousarray(arr.coords[index]),
        np.r_[0, np.cumsum(sizes)].astype(np.int64),
        np.ascontiguousarray(arr.node[index]),
        1.0 / arr.grid,
    )
    return Rings.from_buffers(out, arr, lines)


def faces_of_rings(r: Rings, count: int) -> Traced:
    """Return the faces made by traced rings: each counter-clockwise ring is a shell, and
    each clockwise one (the outer boundary of a connected part) a hole of the smallest
    shell around it, if any. `count` is the number of lines of the arrangement."""
    left = np.full(2 * count, -1, dtype=np.int64)
    if len(r) == 0:
        none = np.array([], dtype=np.int64)
        return Traced(np.array([], dtype=object), none, left, np.array([]), none)
    ccw = r.ccw
    shells = np.flatnonzero(ccw)
    outers = np.flatnonzero(~ccw)
    face_of_ring = np.full(len(r), -1, dtype=np.int64)
    face_of_ring[shells] = np.arange(len(shells))
    shell_polygons = r.polygons(shells)
    repair = r.pinched[shells].copy()
    result = shell_polygons
    if len(outers):
        # The outer boundary of a connected component is a hole of the smallest shell (of
        # another component) around it, or borders the unbounded face.
        probe = shapely.points(r.first_points(outers))
        tree = shapely.STRtree(shell_polygons)
        probe_i, shell_i = tree.query(probe, predicate="within")
        if len(probe_i):
            area = shapely.area(shell_polygons)[shell_i]
            pick = np.lexsort((area, probe_i))
            probe_i, shell_i = probe_i[pick], shell_i[pick]
            keep = np.r_[True, probe_i[1:] != probe_i[:-1]]
            hole_of_shell = shell_i[keep]
            hole_rings = outers[probe_i[keep]]
            face_of_ring[hole_rings] = hole_of_shell
            with_holes = np.unique(hole_of_shell)
            # shapely.polygons with indices takes, per polygon, its shell and then its holes.
            parts = np.concatenate(
                [shapely.get_exterior_ring(shell_polygons[with_holes]), r.geoms(hole_rings)]
            )
            owner = np.concatenate([with_holes, hole_of_shell])
            is_hole = np.r_[np.zeros(len(with_holes), dtype=bool), np.ones(len(hole_rings), bool)]
            order_p = np.lexsort((is_hole, owner))
            rebuilt = shapely.polygons(
                parts[order_p], indices=np.searchsorted(with_holes, owner[order_p])
            )
            result = shell_polygons.copy()
            result[with_holes] = rebuilt
            repair[hole_of_shell[r.pinched[hole_rings]]] = True
    left[r.half] = face_of_ring[r.ring_of_half]
    polygons, owner = _repaired(result, np.arange(len(shells)), repair)
    bounded = face_of_ring >= 0  # a shell's area, less its holes' (negative: clockwise)
    area = np.bincount(face_of_ring[bounded], r.area[bounded], len(shells))
    return Traced(polygons, owner, left, area, face_of_ring)


def trace_merged(
    arr: Arrangement, lines: np.ndarray, left_group: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the polygons of merged faces, and the group of each, traced anew.

    `lines` are the lines that bound a group (a set of old faces being merged), without the
    lines inside one; `left_group` gives, per half-edge of the arrangement, the group on its
    left, or -1 for a face that is not being merged. Only the rings of groups are traced
    right (the neighbours of a line that is dropped are not there), and only they are kept.
    Returns None if some group does not come out as one shell with holes.
    """
    r = _trace_rings(arr, lines)
    group_of_ring = np.full(len(r), -1, dtype=np.int64)
    group_of_ring[r.ring_of_half] = left_group[r.half]
    # A ring lies on one side of one group throughout: take any of its half-edges.
    mine = np.flatnonzero(group_of_ring >= 0)
    groups = group_of_ring[mine]
    shell = r.ccw[mine]
    shells_per_group = np.bincount(groups[shell], minlength=int(left_group.max()) + 1)
    used = np.unique(groups)
    if not (shells_per_group[used] == 1).all():
        return None
    order = np.lexsort((~shell, groups))  # per group, its shell first, then its holes
    polygons = shapely.polygons(r.geoms(mine[order]), indices=np.searchsorted(used, groups[order]))
    repair = np.zeros(len(used), dtype=bool)
    repair[np.searchsorted(used, groups[r.pinched[mine]])] = True
    return _repaired(polygons, used, repair)


def _repaired(
    faces: np.ndarray, owner: np.ndarray, pinched: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild faces with a pinched ring as valid polygons (a hole touching the shell)."""
    if not pinched.any():
        return faces, owner
    fixed = shapely.make_valid(faces[pinched])
    parts, part_of = shapely.get_parts(fixed, return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    return (
        np.concatenate([faces[~pinched], parts[polygons]]),
        np.concatenate([owner[~pinched], owner[pinched][part_of[polygons]]]),
    )
