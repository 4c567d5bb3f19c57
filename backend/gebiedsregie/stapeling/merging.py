"""Merging faces in the half-edge graph: slivers absorbed, faces of one set joined.

Pure, like `analysis`: the faces of an arrangement and their sets in, merged faces out. Two
faces that share an edge and carry the same set (a face cut by a tile border, or a sliver
that took its neighbour's set) become one: the edges between them are dropped and the
merged faces are traced again (`planar.trace_merged`), with no GEOS union.
"""

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import shapely
from shapely import Geometry, Polygon

from gebiedsregie.stapeling.planar import Arrangement, Traced, ranges, trace_merged


def polygon_parts(geom: Geometry) -> list[Polygon]:
    """Return the non-empty polygons of a geometry (of a collection: its polygon parts)."""
    return (
        [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
        if not isinstance(geom, Polygon)
        else [geom]
    )


class Members(Sequence[tuple[int, ...]]):
    """The set of each face, columnar: face f is covered by the inputs
    flat[start[f] : start[f + 1]] (sorted indices into the caller's inputs). A tuple is
    made only for the face asked for: at a million faces, tuples of Python ints would take
    more memory than the faces themselves."""

    def __init__(self, start: np.ndarray, flat: np.ndarray) -> None:
        self.start = start
        self.flat = flat

    @classmethod
    def of(cls, sets: Sequence[tuple[int, ...]]) -> "Members":
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        flat = np.fromiter((i for s in sets for i in s), dtype=np.int32, count=int(sizes.sum()))
        return cls(np.r_[0, np.cumsum(sizes)].astype(np.int64), flat)

    @classmethod
    def concat(cls, parts: Sequence["Members"]) -> "Members":
        if not parts:
            return cls(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))
        shift = np.cumsum([0] + [len(p.flat) for p in parts[:-1]])
        return cls(
            np.r_[0, *[p.start[1:] + d for p, d in zip(parts, shift, strict=True)]],
            np.concatenate([p.flat for p in parts]),
        )

    def counts(self) -> np.ndarray:
        return np.diff(self.start)

    def take(self, faces: np.ndarray) -> "Members":
        sizes = self.counts()[faces]
        flat = self.flat[ranges(self.start[faces], sizes)]
        return Members(np.r_[0, np.cumsum(sizes)].astype(np.int64), flat)

    def where(self, mask: np.ndarray) -> "Members":
        """Return the sets of the faces in `mask` (a boolean per face)."""
        sizes = self.counts()[mask]
        flat = self.flat[np.repeat(mask, self.counts())]
        return Members(np.r_[0, np.cumsum(sizes)].astype(np.int64), flat)

    def __len__(self) -> int:
        return len(self.start) - 1

    @overload
    def __getitem__(self, face: int) -> tuple[int, ...]: ...
    @overload
    def __getitem__(self, face: slice) -> list[tuple[int, ...]]: ...
    def __getitem__(self, face: int | slice) -> tuple[int, ...] | list[tuple[int, ...]]:
        if isinstance(face, slice):
            return [self[i] for i in range(*face.indices(len(self)))]
        if not -len(self) <= face < len(self):
            raise IndexError(face)
        face %= len(self)
        return tuple(self.flat[self.start[face] : self.start[face + 1]].tolist())

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        flat, start = self.flat.tolist(), self.start.tolist()
        return (tuple(flat[a:b]) for a, b in itertools.pairwise(start))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Members({list(self)!r})"


@dataclass
class Labels:
    """Which inputs cover each face, as flat (face, input position) pairs, sorted.

    Columnar, not a tuple per face: at a million faces, tuples of Python ints would take
    more memory than the faces themselves. A sliver takes its neighbour's set by pointing
    at that face (`source`), so no set is ever copied.
    """

    face_i: np.ndarray  # sorted
    geom_i: np.ndarray  # position in the (clipped) inputs, sorted within a face
    start: np.ndarray  # face f's pairs are start[f] .. start[f + 1]
    index: np.ndarray  # per input position, the index of the input in the caller's list
    source: np.ndarray  # per face, the face whose set it carries (itself, or a neighbour)
    count: np.ndarray  # per face, how many inputs cover it
    digest: np.ndarray  # per face, a hash of its set: equal sets have equal digests

    def same_sets(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return, per pair of faces a[k], b[k], whether they carry the same set."""
        same = (self.digest[a] == self.digest[b]) & (self.count[a] == self.count[b])
        a, b = self.source[a[same]], self.source[b[same]]
        check = np.flatnonzero(a != b)  # equal digests: compare the sets themselves
        if len(check):
            size = self.count[a[check]]
            first = np.r_[0, np.cumsum(size)[:-1]]
            differ = (
                self.geom_i[ranges(self.start[a[check]], size)]
                != self.geom_i[ranges(self.start[b[check]], size)]
            )
            bad = np.zeros(len(check), dtype=bool)
            nonempty = size > 0
            bad[nonempty] = np.logical_or.reduceat(differ, first[nonempty])
            same[np.flatnonzero(same)[check[bad]]] = False
        return same

    def members(self, faces: np.ndarray) -> Members:
        """Return the sets of `faces`, as indices into the caller's inputs."""
        source = self.source[faces]
        sizes = self.count[source]
        flat = self.index[self.geom_i[ranges(self.start[source], sizes)]].astype(np.int32)
        return Members(np.r_[0, np.cumsum(sizes)].astype(np.int64), flat)


def _components(a: np.ndarray, b: np.ndarray, count: int) -> np.ndarray:
    """Return, per node of the graph with edges a-b, the smallest node of its component."""
    comp = np.arange(count)
    while True:
        low = np.minimum(comp[a], comp[b])
        new = comp.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, comp):
            return comp
        comp = new


def _same_set(side: np.ndarray, labels: Labels) -> np.ndarray:
    """Return, per line, whether it lies between two faces covered by the same set."""
    covered = labels.count > 0
    inner = (side >= 0).all(axis=1) & (side[:, 0] != side[:, 1])
    a, b = side[inner, 0], side[inner, 1]
    inner[inner] = covered[a] & labels.same_sets(a, b)
    return inner


def _absorb_slivers(
    side: np.ndarray,
    length: np.ndarray,
    area: np.ndarray,
    labels: Labels,
    width: float,
    keep: np.ndarray | None = None,
) -> float:
    """Give each sliver its neighbour's set (the one sharing the longest edge), in place;
    return the slivers' area. `side` holds the faces on both sides of each line.

    Faces of one set that share a line (cut by a tile border) are judged as one."""
    faces = len(area)
    inner = _same_set(side, labels)
    comp = _components(side[inner, 0], side[inner, 1], faces)
    total = np.bincount(comp, area, faces)
    outer = ~inner & (side >= 0).any(axis=1)
    ends = side[outer]
    valid = ends >= 0
    perimeter = np.bincount(comp[ends[valid]], np.repeat(length[outer], 2)[valid.ravel()], faces)
    covered = labels.count > 0
    sliver = covered & (comp == np.arange(faces)) & (2 * total < width * perimeter)
    if keep is not None:  # faces that go on in another strip are no slivers here
        sliver &= np.bincount(comp, keep, faces) == 0
    if not sliver.any():
        return 0.0
    s = np.concatenate([ends[:, 0], ends[:, 1]])
    n = np.concatenate([ends[:, 1], ends[:, 0]])
    shared = np.concatenate([length[outer], length[outer]])
    pair = (s >= 0) & (n >= 0)
    s, n, shared = comp[s[pair]], comp[n[pair]], shared[pair]
    pair = sliver[s] & covered[n] & ~sliver[n]
    s, n, shared = s[pair], n[pair], shared[pair]
    if len(s) == 0:
        return 0.0
    # Shared length per (sliver, neighbour), then per sliver the longest (ties: the first).
    order = np.lexsort((n, s))
    s, n, shared = s[order], n[order], shared[order]
    start = np.flatnonzero(np.r_[True, (s[1:] != s[:-1]) | (n[1:] != n[:-1])])
    s, n, shared = s[start], n[start], np.add.reduceat(shared, start)
    order = np.lexsort((n, -shared, s))
    s, n = s[order], n[order]
    best = np.r_[True, s[1:] != s[:-1]]
    source = np.full(faces, -1, dtype=np.int64)
    source[s[best]] = n[best]
    taker = np.flatnonzero(source[comp] >= 0)  # every face of an absorbed sliver
    giver = source[comp[taker]]
    labels.source[taker] = labels.source[giver]
    labels.count[taker] = labels.count[giver]
    labels.digest[taker] = labels.digest[giver]
    return float(area[taker].sum())


def merge(
    arr: Arrangement,
    traced: Traced,
    labels: Labels,
    sliver_width: float,
    keep: np.ndarray | None = None,
) -> tuple[np.ndarray, Members, float]:
    """Absorb slivers (see Tolerance), then merge faces that share an edge and a set; return
    the covered faces and their sets, and the slivers' area. Faces marked in `keep` are
    never absorbed."""
    side = traced.left.reshape(-1, 2)
    sliver_m2 = _absorb_slivers(side, arr.length, traced.area, labels, sliver_width, keep)
    faces = len(labels.count)
    covered = labels.count > 0
    inner = _same_set(side, labels)
    keep_polygon = covered[traced.owner]
    if not inner.any():
        return (
            traced.polygons[keep_polygon],
            labels.members(traced.owner[keep_polygon]),
            sliver_m2,
        )
    comp = _components(side[inner, 0], side[inner, 1], faces)
    size = np.bincount(comp, minlength=faces)
    merged = size[comp] > 1
    groups = np.unique(comp[merged])
    group = np.full(faces + 1, -1, dtype=np.int64)  # the last entry: outside every face
    group[np.flatnonzero(merged)] = np.searchsorted(groups, comp[merged])
    left_group = group[traced.left]
    pair_group = left_group.reshape(-1, 2)
    bounding = ((pair_group >= 0).any(axis=1)) & (pair_group[:, 0] != pair_group[:, 1])
    traced_merged = trace_merged(arr, np.flatnonzero(bounding), left_group)
    if traced_merged is None:  # not one shell per group: let GEOS dissolve them instead
        poly_group = group[traced.owner]
        order = np.argsort(poly_group, kind="stable")
        order = order[poly_group[order] >= 0]
        starts = np.searchsorted(poly_group[order], np.arange(1, len(groups)))
        unions = [
            polygon_parts(shapely.union_all(traced.polygons[part]))
            for part in np.split(order, starts)
        ]
        new_polygons = np.array([p for u in unions for p in u], dtype=object)
        new_group = np.array([i for i, u in enumerate(unions) for _ in u], dtype=np.int64)
    else:
        new_polygons, new_group = traced_merged
    keep_polygon &= ~merged[traced.owner]
    representative = groups  # the smallest face of each group carries its set
    return (
        np.concatenate([traced.polygons[keep_polygon], new_polygons]),
        labels.members(
            np.r_[traced.owner[keep_polygon], representative[new_group]].astype(np.int64)
        ),
        sliver_m2,
    )
