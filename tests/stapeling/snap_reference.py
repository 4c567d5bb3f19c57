"""An exact reference for snap rounding at the millimetre scale, for `test_snapping`.

The same snap rounding as the noder (Hobby's, half-open pixels, crossings rounded half up),
done exactly in integers and fractions, with GEOS only polygonizing, triangulating and
measuring the noded integer lines; and an independent planarity check. GEOS' own snap
rounding (`grid_size`) is not the reference: it is not exact at pixel corners (see
`test_snapping`'s cases where GEOS snaps through the wrong pixel and labels a face wrongly).
"""

import math
import os
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import shapely
from hypothesis import currently_in_test_context, note
from shapely import Geometry, Polygon

from gebiedsregie.stapeling.analysis import compute_faces
from gebiedsregie.stapeling.noding import node_and_trace

ORIGIN = np.array([155_000.0, 463_000.0])  # the window's corner in RD New, metres
MM = 0.001  # the grid compute_faces snaps to, metres
MM2 = 1e-6  # a square millimetre, in square metres
# An RD coordinate in metres is a double within 1.5e-11 m of its millimetre: our areas may be
# off by that times their perimeter (the reference's are exact). Nothing else may differ.
RD_ROUNDING_M = 1e-10
EXAMPLES = int(os.environ.get("GEBIEDSREGIE_HYPOTHESIS_EXAMPLES", "200"))

Sets = dict[tuple[int, ...], float]  # per set of inputs, the area of its faces (m2)


def to_rd(geom: Geometry) -> Geometry:
    """Return `geom`, drawn in integer millimetres from the window's corner, in RD metres."""
    return shapely.transform(geom, lambda xy: ORIGIN + xy * MM)


def our_faces(geoms_mm: Sequence[Geometry]) -> tuple[Sets, Sets]:
    """Return compute_faces' area per set, with nothing absorbed, and the perimeter per set;
    the extension checks that no two noded pieces cross or overlap."""
    faces = compute_faces([to_rd(g) for g in geoms_mm], sliver_width=0.0, check=True)
    area: Sets = {}
    perimeter: Sets = {}
    for members, face in zip(faces.members, faces.geoms, strict=True):
        area[members] = area.get(members, 0.0) + face.area
        perimeter[members] = perimeter.get(members, 0.0) + face.length
    return area, perimeter


# The reference: Hobby's snap rounding as GEOS defines it, done exactly, in integers.
#
# Why not GEOS itself (`polygonize(union_all(boundaries, grid_size=0.001))`, each face's set
# from `intersection(face, input, grid_size=0.001)`)? At pixel corners, where it matters,
# GEOS is not exact, and found two kinds of wrong answer here:
# - Its SnapRoundingNoder splits each segment at the floating-point crossings before it
#   tests the pieces against the hot pixels, so a segment through a pixel corner meets that
#   pixel or not by a rounding error of the crossing. Lines (0 1, 1 0) and (0 0, 2 1) cross
#   at (2/3, 1/3), computed as (0.6666666666666666, 0.3333333333333333), just below the
#   line x + y = 1: the piece from (0, 1) then meets the pixel of (0, 0) and is snapped
#   through it, so union_all(..., grid_size=1) loses the segment (0 1, 1 0). Moved by
#   (10, 10) it is kept: which case is hit depends on the coordinates.
# - An overlay on the grid locates an edge of one operand against the other operand as it
#   was before snapping: intersection(POLYGON ((1 1, 0 1, 0 3, 1 1)), POLYGON ((0 0, 0 3,
#   1 0, 0 0)), grid_size=1) is empty, though the second, snapped, contains the first (their
#   union on the same grid is the second), so a face's set would lose that input.
# (Without a grid GEOS loses whole faces in near-degenerate cases.) So GEOS does here only
# what it does exactly on noded integer lines: polygonize, triangulate and measure; and the
# arrangement below is checked against GEOS' where GEOS is exact (no segment through a pixel
# corner), in test_reference_arrangement_is_geos_away_from_pixel_corners.
#
# Hot pixels are the grid points at the vertices and at the proper crossings, rounded half
# up; a pixel is the half-open square [x - ½, x + ½) x [y - ½, y + ½); every segment is cut at
# the centre of each hot pixel it meets, in order along it. A face's set is the inputs whose
# snapped rings have an odd number of crossings to one side of a point inside it.


def _turn(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Return the sign of the turn a -> b -> c, per row (exact for int64 below 2**29)."""
    ab, ac = b - a, c - a
    sign: np.ndarray = np.sign(ab[..., 0] * ac[..., 1] - ab[..., 1] * ac[..., 0])
    return sign


def meets_pixel(a: np.ndarray, b: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Return whether segments a-b meet the half-open pixels around `centre` (integer
    arrays that broadcast): JTS' HotPixel.intersectsScaled, in doubled integer coordinates."""
    p, q, h = 2 * a, 2 * b, 2 * centre
    flip = (p[..., 0] > q[..., 0])[..., None]
    p, q = np.where(flip, q, p), np.where(flip, p, q)  # now heading right (or vertical)
    px, py, qx, qy = p[..., 0], p[..., 1], q[..., 0], q[..., 1]
    x0, x1, y0, y1 = h[..., 0] - 1, h[..., 0] + 1, h[..., 1] - 1, h[..., 1] + 1
    apart = (px >= x1) | (qx < x0) | (np.minimum(py, qy) >= y1) | (np.maximum(py, qy) < y0)

    def corner(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _turn(p, q, np.stack(np.broadcast_arrays(x, y), axis=-1))

    ul, ur, ll, lr = corner(x0, y1), corner(x1, y1), corner(x0, y0), corner(x1, y0)
    down = py > qy
    # Through a corner, the segment enters the pixel or only touches it, by its direction;
    # otherwise it crosses a side where the side's two corners are on either side of it.
    cases = [apart, (px == qx) | (py == qy), ul == 0, ur == 0, ul != ur, ll == 0, ll != ul]
    cases += [lr == 0, ll != lr, lr != ur]
    meets = (False, True, down, ~down, True, True, True, down, True, True)
    return np.select(cases, [np.asarray(m) for m in meets], default=False)


def _crossings(a: np.ndarray, b: np.ndarray) -> list[tuple[Fraction, Fraction]]:
    """Return the proper crossings of all pairs of segments a-b, exactly."""
    i, j = np.triu_indices(len(a), 1)
    proper = (_turn(a[i], b[i], a[j]) * _turn(a[i], b[i], b[j]) < 0) & (
        _turn(a[j], b[j], a[i]) * _turn(a[j], b[j], b[i]) < 0
    )
    points = []
    for s, t in zip(i[proper].tolist(), j[proper].tolist(), strict=True):
        (ax, ay), (bx, by) = a[s].tolist(), b[s].tolist()
        (cx, cy), (dx, dy) = a[t].tolist(), b[t].tolist()
        along = Fraction(
            (cx - ax) * (dy - cy) - (cy - ay) * (dx - cx),
            (bx - ax) * (dy - cy) - (by - ay) * (dx - cx),
        )
        points.append((ax + (bx - ax) * along, ay + (by - ay) * along))
    return points


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _integer_rings(geoms_mm: Sequence[Geometry]) -> list[tuple[int, int, np.ndarray]]:
    """Return (input, weight, vertices) of every ring, vertices without the closing one; the
    weight times the ring's signed area adds its area for a shell, subtracts it for a hole."""
    rings = []
    for index, geom in enumerate(geoms_mm):
        for part in shapely.get_parts(geom):
            for hole, ring in enumerate([part.exterior, *part.interiors]):
                xy = np.asarray(ring.coords)[:-1]
                assert (xy == np.rint(xy)).all() and np.abs(xy).max() < 2**26, "off the grid"
                xy = xy[np.any(xy != np.roll(xy, 1, axis=0), axis=1)].astype(np.int64)
                rings.append((index, (1 if ring.is_ccw else -1) * (-1 if hole else 1), xy))
    return rings


def snap_round(geoms_mm: Sequence[Geometry]) -> list[tuple[int, int, np.ndarray]]:
    """Return (input, weight, vertices) of every ring (as `_integer_rings`), snap rounded."""
    rings = _integer_rings(geoms_mm)
    a = np.concatenate([xy for _, _, xy in rings])
    b = np.concatenate([np.roll(xy, -1, axis=0) for _, _, xy in rings])
    crossings = np.array(
        [[_round_half_up(x), _round_half_up(y)] for x, y in _crossings(a, b)], dtype=np.int64
    ).reshape(-1, 2)
    hot = np.unique(np.concatenate([a, crossings]), axis=0)
    meets = meets_pixel(a[:, None], b[:, None], hot[None, :])
    meets &= ~(hot[None] == a[:, None]).all(axis=2) & ~(hot[None] == b[:, None]).all(axis=2)
    snapped, start = [], 0
    for index, weight, xy in rings:
        points = []
        for s in range(start, start + len(xy)):
            hits = hot[meets[s]]
            along = (hits - a[s]) @ (b[s] - a[s])
            points += [a[s], *hits[np.argsort(along)]]
        start += len(xy)
        snapped.append((index, weight, np.array(points)))
    return snapped


def _pieces(pairs: np.ndarray, distinct: bool = True) -> np.ndarray:
    """Return the 2-point pieces among `pairs` (k, 2, 2), each with its ends sorted, without
    those of length zero; `distinct`: each once."""
    pairs = pairs[(pairs[:, 0] != pairs[:, 1]).any(axis=1)]
    flip = (pairs[:, 0, 0] > pairs[:, 1, 0]) | (
        (pairs[:, 0, 0] == pairs[:, 1, 0]) & (pairs[:, 0, 1] > pairs[:, 1, 1])
    )
    pairs[flip] = pairs[flip][:, ::-1]
    return np.unique(pairs, axis=0).reshape(-1, 2, 2) if distinct else pairs


def ring_pieces(rings: Sequence[np.ndarray]) -> np.ndarray:
    """Return the distinct 2-point pieces of closed rings (vertices without the closing one)."""
    return _pieces(_ring_pairs(rings))


def _ring_pairs(rings: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.stack([xy, np.roll(xy, -1, axis=0)], axis=1) for xy in rings])


def _odd_pieces(rings: Sequence[np.ndarray]) -> np.ndarray:
    """Return the 2-point pieces that closed rings run along an odd number of times: where
    crossing them changes whether a point is inside (a ring that collapsed onto itself runs
    along its pieces there and back)."""
    pieces, count = np.unique(_pieces(_ring_pairs(rings), False), axis=0, return_counts=True)
    odd: np.ndarray = pieces[count % 2 == 1]
    return odd


def _odd_crossings(points: np.ndarray, pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, per point, whether a ray to its left crosses `pieces` an odd number of times,
    and whether it lies on one of them (all integers: exact)."""
    p, u, v = points[:, None], pieces[None, :, 0], pieces[None, :, 1]
    side = _turn(u, v, p)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    on = (side == 0) & (lo <= p).all(axis=2) & (p <= hi).all(axis=2)
    straddles = (u[..., 1] > p[..., 1]) != (v[..., 1] > p[..., 1])
    left = straddles & ((side > 0) == (v[..., 1] > u[..., 1]))
    return left.sum(axis=1) % 2 == 1, on.any(axis=1)


# Points inside a triangle, as weights on its corners (the centroid first), adding up to 12.
WEIGHTS = np.array([(4, 4, 4), (6, 3, 3), (3, 6, 3), (3, 3, 6), (2, 3, 7), (7, 2, 3), (3, 7, 2)])
WEIGHT = 12


def reference_faces(geoms_mm: Sequence[Geometry]) -> Sets:
    """Return the area per set of the exact snap rounding of `geoms_mm` (integer mm)."""
    snapped = snap_round(geoms_mm)
    pieces = ring_pieces([xy for _, _, xy in snapped])
    # Snap rounding is planar by construction (Hobby); its faces are then GEOS' polygonize.
    problems = planarity_violations(pieces.reshape(-1, 2), np.arange(0, 2 * len(pieces), 2))
    assert not problems, ("the reference is not planar", problems[:5])
    faces = shapely.get_parts(shapely.polygonize(shapely.linestrings(pieces.astype(float))))
    if len(faces) == 0:
        return {}
    # A point inside each face, not on a line (a dangle inside it): a point of one of its
    # triangles, preferably the largest, with weights on the corners (times 12: integers).
    triangles, face_of = shapely.get_parts(
        shapely.constrained_delaunay_triangles(faces), return_index=True
    )
    corners = np.rint(shapely.get_coordinates(triangles).reshape(-1, 4, 2)[:, :3])
    candidates = np.einsum("wk,tkd->twd", WEIGHTS, corners.astype(np.int64)).reshape(-1, 2)
    on = _odd_crossings(candidates, WEIGHT * pieces)[1]
    size = np.repeat(shapely.area(triangles), len(WEIGHTS))
    candidate_face = np.repeat(face_of, len(WEIGHTS))
    order = np.lexsort((-size, on, candidate_face))
    chosen = order[np.searchsorted(candidate_face[order], np.arange(len(faces)))]
    points = candidates[chosen]
    assert not on[chosen].any() and all(
        _odd_crossings(points[f : f + 1], WEIGHT * _odd_pieces(_face_rings(face)))[0][0]
        for f, face in enumerate(faces)
    ), "a point is not inside its face"
    members = np.zeros((len(faces), len(geoms_mm)), dtype=bool)
    expected = np.zeros(len(geoms_mm))  # twice the area of each snapped input
    for index, weight, xy in snapped:
        members[:, index] ^= _odd_crossings(points, WEIGHT * _odd_pieces([xy]))[0]
        twice = np.sum(xy[:, 0] * np.roll(xy[:, 1], -1) - np.roll(xy[:, 0], -1) * xy[:, 1])
        expected[index] += weight * twice
    area = shapely.area(faces)
    # Each snapped input is the faces in its set: the labels and faces are consistent.
    assert np.allclose(members.T @ area, expected / 2, rtol=0, atol=1e-6), "area not conserved"
    sets: Sets = {}
    for row, face_area in zip(members, area.tolist(), strict=True):
        if row.any():
            key = tuple(np.flatnonzero(row).tolist())
            sets[key] = sets.get(key, 0.0) + face_area * MM2
    return sets


def _face_rings(face: Polygon) -> list[np.ndarray]:
    return [np.asarray(r.coords, dtype=np.int64)[:-1] for r in shapely.get_rings(face)]


def assert_same_sets(ours: Sets, perimeter: Sets, theirs: Sets) -> None:
    """Assert both have exactly the same sets, each with the same area but for rounding."""
    differ = [
        f"{members}: ours {ours.get(members, 0.0):.9g} m2, reference {theirs.get(members, 0.0):.9g}"
        for members in sorted(ours.keys() | theirs.keys())
        if members not in ours
        or members not in theirs
        or abs(ours[members] - theirs[members]) > RD_ROUNDING_M * perimeter[members] + 1e-12
    ]
    assert not differ, "sets differ from the reference:\n" + "\n".join(differ)


def note_inputs(geoms_mm: Sequence[Geometry]) -> None:
    """Show the inputs, as WKT, with a failing example."""
    if currently_in_test_context():
        note(f"inputs (mm): {[g.wkt for g in geoms_mm]}")


def assert_agrees(geoms_mm: Sequence[Geometry]) -> None:
    note_inputs(geoms_mm)
    assert all(g.is_valid for g in geoms_mm)
    assert_same_sets(*our_faces(geoms_mm), reference_faces(geoms_mm))


# Planarity, independently of the extension: any two 2-point pieces meet in an end of both,
# or not at all. The pieces are on the grid, so that is decided exactly, in integers; the
# STRtree only finds the candidates, by envelope.


def planarity_violations(
    xy: np.ndarray, starts: np.ndarray, ends: np.ndarray | None = None
) -> list[str]:
    """Return, described, every two pieces of the lines (line e: xy[starts[e] : ends[e] + 1],
    integer coordinates) that cross, overlap, or meet where one of them has no end; and every
    piece of length zero. Without `ends`, every line has two points."""
    ends = starts + 1 if ends is None else ends
    first = np.concatenate(
        [
            np.arange(s, e, dtype=np.int64)
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
        ]
        + [np.array([], dtype=np.int64)]
    )
    a, b = xy[first], xy[first + 1]
    problems = [f"zero length at {xy[i]}" for i in first[(a == b).all(axis=1)]]
    pieces = shapely.linestrings(np.stack([a, b], axis=1).astype(float))
    left, right = shapely.STRtree(pieces).query(pieces)
    left, right = left[left < right], right[left < right]
    p, q, r, s = a[left], b[left], a[right], b[right]
    t1, t2, t3, t4 = _turn(p, q, r), _turn(p, q, s), _turn(r, s, p), _turn(r, s, q)
    apart = (t1 * t2 > 0) | (t3 * t4 > 0)
    collinear = (t1 == 0) & (t2 == 0)
    # On one line: along it, the two intervals may share an end, no more.
    axis = (np.abs(q - p)[:, 0] < np.abs(q - p)[:, 1]).astype(np.int64)[:, None]
    lo1, hi1, lo2, hi2 = (
        np.take_along_axis(v, axis, 1)[:, 0]
        for v in (np.minimum(p, q), np.maximum(p, q), np.minimum(r, s), np.maximum(r, s))
    )
    overlap = collinear & (np.minimum(hi1, hi2) > np.maximum(lo1, lo2))
    # Otherwise, if they meet, it is in one point, which must be an end of both.
    shared_end = np.zeros(len(p), dtype=bool)
    for u in (p, q):
        for v in (r, s):
            shared_end |= (u == v).all(axis=1)
    bad = overlap | (~apart & ~collinear & ~shared_end)
    for i, j in zip(left[bad].tolist(), right[bad].tolist(), strict=True):
        problems.append(f"{pieces[i].wkt} meets {pieces[j].wkt} not in a shared end")
    return problems


def noded_violations(geoms_mm: Sequence[Geometry]) -> list[str]:
    """Return the planarity violations of node_and_trace's lines (RD metres, on the mm grid)."""
    arr = node_and_trace(np.array([to_rd(g) for g in geoms_mm], dtype=object), MM).arr
    scaled = (arr.coords - ORIGIN) / MM
    xy = np.rint(scaled).astype(np.int64)
    off = np.abs(scaled - xy).max(axis=1, initial=0.0) > 1e-3
    assert np.abs(xy).max(initial=0) < 2**29  # the products in _turn stay exact
    return [f"off the grid: {c}" for c in arr.coords[off].tolist()] + planarity_violations(
        xy, arr.starts, arr.ends
    )


def assert_planar(geoms_mm: Sequence[Geometry]) -> None:
    note_inputs(geoms_mm)
    problems = noded_violations(geoms_mm)
    assert not problems, f"{len(problems)} planarity violations:\n" + "\n".join(problems[:10])


def geos_pieces(geoms_mm: Sequence[Geometry]) -> np.ndarray:
    """Return the 2-point pieces of GEOS' snap rounding of the boundaries (grid_size=1)."""
    lines = shapely.union_all(shapely.boundary(np.asarray(geoms_mm, dtype=object)), grid_size=1)
    pairs = [
        np.stack([xy[:-1], xy[1:]], axis=1)
        for xy in (shapely.get_coordinates(line) for line in shapely.get_parts(lines))
    ]
    return _pieces(np.rint(np.concatenate(pairs)).astype(np.int64))


def geos_is_exact(geoms_mm: Sequence[Geometry]) -> bool:
    """Return whether GEOS' snap rounding is exact on `geoms_mm`: no segment passes through
    a pixel corner (x + ½, y + ½), which happens when its Δx and Δy are non-zero and
    divisible by the same power of two; and no crossing is on a pixel's edge, where its
    rounding is a tie (GEOS computes the crossing in floating point, a hair to one side)."""
    rings = _integer_rings(geoms_mm)
    for _, _, xy in rings:
        for dx, dy in (np.roll(xy, -1, axis=0) - xy).tolist():
            if dx and dy and dx & -dx == dy & -dy:  # the lowest set bits
                return False
    a = np.concatenate([xy for _, _, xy in rings])
    b = np.concatenate([np.roll(xy, -1, axis=0) for _, _, xy in rings])
    return all((2 * v).denominator != 1 for xy in _crossings(a, b) for v in xy)
