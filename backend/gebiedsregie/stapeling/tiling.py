"""Strips: a large stapeling computed strip by strip, so that its working memory grows with
a strip, not with the whole area.

The area is cut into vertical strips of about `STRIP_VERTICES` input vertices each, with
borders on grid lines. Each input ring is clipped to a strip exactly, on the grid, in one
pass over its edges (Sutherland-Hodgman against the strip, an infinite slab): an edge's
points inside the strip are kept, and where it crosses a border the crossing is rounded to
the grid, computed from the edge's left end in integers, so the strips on both sides of a
border get the very same point. Where a ring leaves the strip and comes back, the clipped
ring runs along the border and back: the noder counts an input along a piece only where
it runs there an odd number of times, so those bridges cover nothing, and an input covers
a point inside the strip exactly where the whole input did.

The faces of each strip are computed as usual (`analysis`), except that a face on a border
is never absorbed as a sliver: its other part lies in the next strip. Then faces with the
same set that meet along a border are joined (`join_across`).
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely

from gebiedsregie.stapeling.merging import Members, polygon_parts
from gebiedsregie.stapeling.noding import Boundaries
from gebiedsregie.stapeling.planar import ranges

STRIP_VERTICES = 1_500_000  # a strip's share of the inputs: bounds its working memory


@dataclass
class Strip:
    """The inputs' rings clipped to x in [lo, hi] (grid units; None: no border there)."""

    rings: Boundaries
    lo: int | None
    hi: int | None


def borders(rings: Boundaries, scale: float) -> np.ndarray:
    """Return the x of the strip borders (grid units): quantiles of the vertices' x, so that
    each strip holds about STRIP_VERTICES of them; none for a small input."""
    count = -(-len(rings.coords) // STRIP_VERTICES)
    if count <= 1:
        return np.zeros(0, dtype=np.int64)
    x = rings.coords[:: max(1, len(rings.coords) // 100_000), 0]  # a sample will do
    cuts = np.unique(np.rint(np.quantile(x, np.arange(1, count) / count) * scale))
    inside = (cuts > rings.coords[:, 0].min() * scale) & (cuts < rings.coords[:, 0].max() * scale)
    return cuts[inside].astype(np.int64)


def strips(rings: Boundaries, cuts: np.ndarray, scale: float) -> Iterator[Strip]:
    """Yield the rings clipped to each strip between `cuts` (grid units), one at a time."""
    if len(rings) == 0:
        return
    size = np.diff(rings.offsets)
    nonempty = np.flatnonzero(size)
    ring_lo = np.full(len(rings), np.inf)
    ring_hi = np.full(len(rings), -np.inf)
    ring_lo[nonempty] = np.minimum.reduceat(rings.coords[:, 0], rings.offsets[nonempty])
    ring_hi[nonempty] = np.maximum.reduceat(rings.coords[:, 0], rings.offsets[nonempty])
    origin = np.floor(rings.coords.min(axis=0) * scale).astype(np.int64) - 2
    edges: list[int | None] = [None, *cuts.tolist(), None]
    for lo, hi in itertools.pairwise(edges):
        # In metres, a millimetre to spare: rings near the strip, and those well inside it,
        # which are taken as they are; the others are clipped, exactly.
        near = np.ones(len(rings), dtype=bool)
        within = np.ones(len(rings), dtype=bool)
        if lo is not None:
            near &= ring_hi >= (lo - 1) / scale
            within &= ring_lo >= (lo + 1) / scale
        if hi is not None:
            near &= ring_lo <= (hi + 1) / scale
            within &= ring_hi <= (hi - 1) / scale
        whole = np.flatnonzero(near & within)
        cut = _clip(rings, np.flatnonzero(near & ~within), lo, hi, scale, origin)
        size = np.diff(rings.offsets)[whole]
        signed, length = rings.measure()
        taken = Boundaries(
            rings.coords[ranges(rings.offsets[whole], size)],
            np.r_[0, np.cumsum(size)].astype(np.int64),
            rings.owner[whole],
            rings.roles()[whole],
            (signed[whole], length[whole]),
        )
        yield Strip(_join(taken, cut), lo, hi)


def _join(a: Boundaries, b: Boundaries) -> Boundaries:
    """Return the rings of both, measured."""
    (area_a, length_a), (area_b, length_b) = a.measure(), b.measure()
    return Boundaries(
        np.concatenate([a.coords, b.coords]),
        np.r_[a.offsets[:-1], b.offsets + a.offsets[-1]],
        np.r_[a.owner, b.owner],
        np.r_[a.roles(), b.roles()],
        (np.r_[area_a, area_b], np.r_[length_a, length_b]),
    )


def _clip(
    rings: Boundaries,
    which: np.ndarray,
    lo: int | None,
    hi: int | None,
    scale: float,
    origin: np.ndarray,
) -> Boundaries:
    """Return the rings `which` clipped to lo <= x <= hi (grid units), as closed rings."""
    size = np.diff(rings.offsets)[which]
    point = ranges(rings.offsets[which], size)
    grid = np.rint(rings.coords[point] * scale).astype(np.int64) - origin
    x = grid[:, 0]
    low = -(1 << 62) if lo is None else lo - int(origin[0])
    high = (1 << 62) if hi is None else hi - int(origin[0])
    # Edge k runs from point k to k + 1 within a ring: not from a ring's last point.
    edge = np.ones(len(x), dtype=bool)
    edge[np.cumsum(size) - 1] = False
    nxt = np.r_[x[1:], 0]
    inside = (x >= low) & (x <= high)
    cross_lo = edge & (((x < low) & (nxt > low)) | ((x > low) & (nxt < low)))
    cross_hi = edge & (((x < high) & (nxt > high)) | ((x > high) & (nxt < high)))
    keep = inside & edge  # the closing point is added again below
    # Per edge: its start if inside, then its crossings in order along it.
    count = keep.astype(np.int64) + cross_lo + cross_hi
    at = np.cumsum(count) - count
    out = np.zeros((int(count.sum()), 2), dtype=np.int64)
    k = np.flatnonzero(keep)
    out[at[k]] = grid[k]
    rightward = nxt > x
    for border, crossing in ((low, cross_lo), (high, cross_hi)):
        k = np.flatnonzero(crossing)
        # Second along the edge if the other border comes first: leftwards, the high one.
        first = (border == low) == rightward[k]
        other = cross_hi[k] if border == low else cross_lo[k]
        slot = at[k] + keep[k] + (~first & other)
        out[slot, 0] = border
        out[slot, 1] = _crossing_y(grid, k, border)
    ring_of_edge = np.repeat(np.arange(len(which)), size)
    per_ring = np.bincount(ring_of_edge, count, len(which)).astype(np.int64)
    kept = np.flatnonzero(per_ring >= 3)
    # Each kept ring's points, and its first point again to close it.
    starts = np.cumsum(per_ring) - per_ring
    index = ranges(starts[kept], per_ring[kept] + 1)
    index[np.cumsum(per_ring[kept] + 1) - 1] = starts[kept]
    return Boundaries(
        (out[index] + origin) / scale,
        np.r_[0, np.cumsum(per_ring[kept] + 1)].astype(np.int64),
        rings.owner[which][kept],
        rings.roles()[which][kept],
    )


def _crossing_y(grid: np.ndarray, k: np.ndarray, border: int) -> np.ndarray:
    """Return where edges k .. k + 1 cross x = border, rounded half up on the grid, from
    the edge's left end (the same for the strips on both sides)."""
    a, b = grid[k], grid[k + 1]
    left = a[:, 0] < b[:, 0]
    start = np.where(left[:, None], a, b)
    end = np.where(left[:, None], b, a)
    den = end[:, 0] - start[:, 0]
    num = (end[:, 1] - start[:, 1]) * (border - start[:, 0])  # well inside 64 bits
    return start[:, 1] + np.floor_divide(2 * num + den, 2 * den)


def on_border(coords: np.ndarray, starts: np.ndarray, ends: np.ndarray, x: float) -> np.ndarray:
    """Return, per line (coords[starts[e] : ends[e] + 1]), whether it lies on x."""
    at = coords[:, 0] == x
    if len(starts) == 0:
        return np.zeros(0, dtype=bool)
    return np.logical_and.reduceat(at, starts) & at[ends]


def join_across(
    polygons: np.ndarray, members: Members, strip: np.ndarray, borders_m: list[float]
) -> tuple[np.ndarray, Members]:
    """Join the faces of neighbouring strips (`strip`: of each face) that carry the same
    set and share a stretch of the border between them (x in `borders_m`, metres)."""
    parent = np.arange(len(polygons))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    bounds = shapely.bounds(polygons)
    for b, x in enumerate(borders_m):
        left = np.flatnonzero((strip == b) & (bounds[:, 2] == x))
        right = np.flatnonzero((strip == b + 1) & (bounds[:, 0] == x))
        lefts, rights = _stretches(polygons, left, x), _stretches(polygons, right, x)
        if len(lefts) == 0 or len(rights) == 0:
            continue
        order = np.argsort(rights[:, 1])
        r_face, r_lo, r_hi = rights[order, 0], rights[order, 1], rights[order, 2]
        for face, y0, y1 in lefts.tolist():
            first = np.searchsorted(r_hi, y0, side="right")
            last = np.searchsorted(r_lo, y1, side="left")
            for other in r_face[first:last].tolist():
                f, o = int(face), int(other)
                if members[f] == members[o]:
                    parent[find(f)] = find(o)
    roots = parent.copy()
    for i in np.flatnonzero(parent != np.arange(len(polygons))).tolist():
        roots[i] = find(i)
    alone = np.bincount(roots, minlength=len(polygons))[roots] == 1
    keep = np.flatnonzero(alone)
    new_polygons: list[shapely.Polygon] = []
    new_sets: list[int] = []  # per new polygon, a face of its group
    grouped = np.flatnonzero(~alone)
    order = grouped[np.argsort(roots[grouped], kind="stable")]
    cut = np.flatnonzero(np.diff(roots[order])) + 1
    for group in np.split(order, cut) if len(order) else []:
        parts = polygon_parts(shapely.union_all(polygons[group]))
        new_polygons += parts
        new_sets += [int(group[0])] * len(parts)
    kept = members.where(alone)  # a mask, not an index: no array per pair but this one
    return (
        np.concatenate([polygons[keep], np.array(new_polygons, dtype=object)]),
        Members.concat([kept, members.take(np.array(new_sets, dtype=np.int64))]),
    )


def _stretches(polygons: np.ndarray, faces: np.ndarray, x: float) -> np.ndarray:
    """Return (face, y0, y1) rows: the stretches of the faces' boundaries along x."""
    if len(faces) == 0:
        return np.zeros((0, 3))
    rings = shapely.get_rings(polygons[faces])
    ring_face = np.repeat(faces, shapely.get_num_interior_rings(polygons[faces]) + 1)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    on = coords[:, 0] == x
    step = on[:-1] & on[1:] & (ring_of[:-1] == ring_of[1:])
    k = np.flatnonzero(step)
    y0 = np.minimum(coords[k, 1], coords[k + 1, 1])
    y1 = np.maximum(coords[k, 1], coords[k + 1, 1])
    return np.column_stack([ring_face[ring_of[k]], y0, y1])
