"""Snap rounding at the millimetre scale: the stapeling core against a reference, and planarity.

`compute_faces` snap rounds on the millimetre grid, so this is the scale where it can go
wrong: segments whose Δx and Δy (in mm) are both odd cross exactly at pixel corners, half a
millimetre off the grid; boundaries a millimetre apart; holes, touching and identical
inputs; long edges at odd slopes through a few millimetres of detail. The inputs here are
drawn in integer millimetres in a window of 40 mm, placed at (155000, 463000) in RD New.

The sets of the faces, and each set's area, are compared with an independent reference
(`reference_faces`): the same snap rounding, done exactly in integers (GEOS' own is not
exact at pixel corners, see there). The two must agree to floating point: the tolerance is
far below a square millimetre, not the perimeter times the grid, which on a large input
hides whole wrong sets. The noded lines
are checked to be planar by the extension itself (`check=True`) and, independently, here.

GEBIEDSREGIE_HYPOTHESIS_EXAMPLES sets the examples per property test (CI: the default).
"""

from fractions import Fraction

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon, box

from tests.stapeling.snap_reference import (
    EXAMPLES,
    MM2,
    assert_agrees,
    assert_planar,
    geos_is_exact,
    geos_pieces,
    meets_pixel,
    note_inputs,
    planarity_violations,
    reference_faces,
    ring_pieces,
    snap_round,
)

# Hand-drawn cases.


def test_pixel_corners_belong_to_one_pixel() -> None:
    # The pixel of (0, 0) is [-½, ½) x [-½, ½): of its corners only the lower left is in it.
    # A segment through a corner meets the pixel if it enters it, not if it only touches it.
    centre = np.array([0, 0])

    def meets(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return bool(meets_pixel(np.array(a), np.array(b), centre))

    assert meets((-1, -2), (1, 2)) and meets((1, 2), (-1, -2))  # through (0, 0)
    assert not meets((0, 1), (1, 0)) and not meets((1, 0), (0, 1))  # touches (½, ½)
    assert meets((-1, 0), (0, -1))  # through (-½, -½), the corner in the pixel
    assert meets((-2, 1), (1, -2)) and meets((1, -2), (-2, 1))
    assert not meets((-1, 0), (0, 1))  # touches (-½, ½)
    assert meets((-1, 1), (1, 0))  # enters through the top at (0, ½), leaves on the right
    assert not meets((-3, -3), (-1, -1))  # ends before it
    assert meets((0, -3), (0, 3))
    assert not meets((0, -1), (1, 0))  # touches (½, -½)
    assert meets((1, 1), (-1, 0)) and meets((-1, -1), (2, 1))
    assert not meets((1, -3), (1, 3))  # on x = 1, not x = ½
    assert not meets((-3, 1), (3, 1))


def _meets_pixel_by_clipping(
    a: tuple[int, int], b: tuple[int, int], centre: tuple[int, int]
) -> bool:
    """Whether a + t (b - a), 0 <= t <= 1, has a point in the pixel: Liang-Barsky clipping
    with fractions, each bound closed or open."""
    lo, lo_open, hi, hi_open = Fraction(0), False, Fraction(1), False
    for k in (0, 1):
        d = b[k] - a[k]
        low, high = Fraction(2 * centre[k] - 1, 2) - a[k], Fraction(2 * centre[k] + 1, 2) - a[k]
        if d == 0:
            if not low <= 0 < high:
                return False
            continue
        # low <= t d < high: a closed and an open bound on t, in either order by the sign of d
        (start, start_open), (end, end_open) = sorted([(low / d, False), (high / d, True)])
        if start > lo or (start == lo and start_open):
            lo, lo_open = start, start_open
        if end < hi or (end == hi and end_open):
            hi, hi_open = end, end_open
    return lo < hi or (lo == hi and not lo_open and not hi_open)


def test_pixel_test_is_clipping() -> None:
    # Every segment between grid points within 5 of the pixel's centre (so through every
    # corner of it at every slope up to 10), against the pixel of (0, 0).
    grid = [(x, y) for x in range(-5, 6) for y in range(-5, 6)]
    segments = np.array([(a, b) for a in grid for b in grid if a != b])
    meets = meets_pixel(segments[:, 0], segments[:, 1], np.array([0, 0]))
    clipped = [_meets_pixel_by_clipping(tuple(a), tuple(b), (0, 0)) for a, b in segments.tolist()]
    assert meets.tolist() == clipped


def test_planarity_check_finds_crossings_touches_and_overlaps() -> None:
    def problems(*paths: list[tuple[int, int]]) -> int:
        xy = np.concatenate([np.array(p, dtype=np.int64) for p in paths])
        sizes = np.array([len(p) for p in paths])
        starts = np.cumsum(sizes) - sizes
        return len(planarity_violations(xy, starts, starts + sizes - 1))

    assert problems([(0, 0), (2, 2), (4, 0)], [(0, 0), (4, 0)]) == 0
    assert problems([(0, 0), (2, 0)], [(2, 0), (3, 0)]) == 0
    assert problems([(0, 0), (2, 2)], [(0, 2), (2, 0)]) == 1  # a crossing
    assert problems([(0, 0), (2, 2)], [(1, 1), (3, 0)]) == 1  # an end on a piece
    assert problems([(0, 0), (2, 0)], [(1, 0), (3, 0)]) == 1  # an overlap
    assert problems([(0, 0), (2, 0), (1, 0)]) == 1  # folding back
    assert problems([(0, 0), (2, 0)], [(2, 0), (0, 0)]) == 1  # the same piece twice
    assert problems([(0, 0), (0, 0), (1, 0)]) == 1  # length zero


def test_reference_is_the_overlay_when_nothing_snaps() -> None:
    # A diamond at 45° over two boxes: every crossing is a grid point, so snap rounding
    # moves nothing and the reference is the exact overlay.
    geoms = [box(0, 0, 4, 4), box(2, 0, 6, 4), Polygon([(3, -1), (6, 2), (3, 5), (0, 2)])]
    theirs = reference_faces(geoms)
    assert sorted(theirs) == [(0,), (0, 1, 2), (0, 2), (1,), (1, 2), (2,)]
    for members, area in theirs.items():
        inside = shapely.intersection_all([geoms[i] for i in members])
        outside = shapely.union_all([g for i, g in enumerate(geoms) if i not in members])
        assert area == pytest.approx(inside.difference(outside).area * MM2, abs=1e-15)
    assert_agrees(geoms)


def test_where_geos_snaps_through_the_wrong_pixel() -> None:
    # A's hypotenuse touches the pixel of (0, 0) at its corner (½, ½): it is not snapped
    # through it, B's hypotenuse is snapped through (1, 0), where the two cross. A lies in
    # B. (GEOS loses A's hypotenuse: see the reference's comment.)
    a = Polygon([(0, 0), (0, 1), (1, 0)])
    b = Polygon([(0, 0), (0, 1), (2, 1)])
    assert reference_faces([a, b]) == {(0, 1): 0.5 * MM2, (1,): 1.0 * MM2}
    assert_agrees([a, b])


def test_where_geos_labels_a_face_wrongly() -> None:
    # The hypotenuses cross at (0.8, 0.6), the hot pixel (1, 1); A's is also snapped through
    # B's vertex (1, 0), so A becomes the unit square with a spike (1 0, 2 0) along its
    # bottom, and B the quadrilateral (0 0, 0 3, 1 1, 1 0). (GEOS' overlay puts B's part
    # above the square outside B: see the reference's comment.)
    a = Polygon([(0, 0), (0, 1), (2, 0)])
    b = Polygon([(0, 0), (0, 3), (1, 0)])
    assert reference_faces([a, b]) == {(0, 1): 1.0 * MM2, (1,): 1.0 * MM2}
    assert_agrees([a, b])


def test_reference_finds_a_point_off_a_dangle() -> None:
    # Snapped, the arrangement has a face (25 8, 27 9, 35 7) with a dangle (29 8, 35 7), from
    # the collapsed triangle 3, ending in the face's centroid.
    geoms = [
        Polygon([(20, 8), (46, 6), (0, 0)]),
        Polygon([(16, 11), (17, 12), (0, 0)]),
        Polygon([(10, 13), (36, 7), (0, 0)]),
        Polygon([(43, 6), (29, 8), (39, 6)]),
        Polygon([(0, 0), (11, 0), (33, 12)]),
    ]
    assert_agrees(geoms)


# The reproducer of the review: odd slopes through a few millimetres cross at pixel corners.


def reproducer(length: int) -> list[Polygon]:
    return [
        Polygon([(6, 0), (8, 4), (8 + 2 * length, 4 + 4 * length), (6, 2 * length)]),
        Polygon([(5, 1), (5 + length, 1 - length), (5, 1 - length)]),
        Polygon([(7, 2), (8, 4), (8 + length, 4 + 2 * length), (7 - length, 2 - length)]),
    ]


def far_part(i: int) -> Polygon:
    """Return a square of 2.5 km, far from the window and from the far parts of others."""
    return box(2_000_000 + 3_000_000 * i, 2_000_000, 4_500_000 + 3_000_000 * i, 4_500_000)


def test_reproducer_long_edges() -> None:
    # Before the fix: ArithmeticError (input 1 lost area).
    assert_agrees(reproducer(10_000))


def test_reproducer_with_far_parts() -> None:
    # 10 km of perimeter let the old guard pass 10 m2 per input: before the fix, a phantom
    # overlap (1, 2) of 6.75 m2, where the snapped inputs share 0.5 mm2.
    geoms = [MultiPolygon([p, far_part(i)]) for i, p in enumerate(reproducer(3_000))]
    assert reference_faces(geoms)[(1, 2)] == pytest.approx(0.5 * MM2, abs=1e-15)
    assert_agrees(geoms)


def test_reproducer_is_planar() -> None:
    assert_planar(reproducer(10_000))
    assert_planar([MultiPolygon([p, far_part(i)]) for i, p in enumerate(reproducer(3_000))])


# Strategies, in integer millimetres of the window (0 .. 40).

WINDOW = 40
coordinate = st.integers(0, WINDOW)
point = st.tuples(coordinate, coordinate)
odd = st.integers(-8, 7).map(lambda k: 2 * k + 1)  # -15 .. 15
odd_step = st.tuples(odd, odd)


def _valid(polygon: Polygon) -> bool:
    return bool(polygon.is_valid and polygon.area > 0)


def _around(points: list[tuple[int, int]]) -> Polygon:
    """Return the polygon through `points` in the order of their angle around their mean."""
    xy = np.array(points, dtype=float)
    centred = xy - xy.mean(axis=0)
    return Polygon(xy[np.argsort(np.arctan2(centred[:, 1], centred[:, 0]), kind="stable")])


def _walk(start: tuple[int, int], steps: list[tuple[int, int]]) -> Polygon:
    return Polygon(np.cumsum(np.array([start, *steps]), axis=0))


triangles = st.lists(point, min_size=3, max_size=3).map(Polygon).filter(_valid)
stars = st.lists(point, min_size=4, max_size=8, unique=True).map(_around).filter(_valid)
boxes = st.builds(
    lambda x, y, w, h: box(x, y, x + w, y + h),
    coordinate,
    coordinate,
    st.integers(1, 20),
    st.integers(1, 20),
)
# Every edge with odd Δx and Δy, so through pixel corners: 3 or 5 steps, and the closing
# edge is odd too. And triangles with two such edges.
odd_polygons = st.builds(
    _walk, point, st.one_of(*(st.lists(odd_step, min_size=n, max_size=n) for n in (3, 5)))
).filter(_valid)
odd_triangles = st.builds(_walk, point, st.lists(odd_step, min_size=2, max_size=2)).filter(_valid)
# 45°: diamonds, and boxes with their corners cut off.
diamonds = st.builds(
    lambda x, y, r: Polygon([(x - r, y), (x, y - r), (x + r, y), (x, y + r)]),
    coordinate,
    coordinate,
    st.integers(1, 15),
)


@st.composite
def octagons(draw: st.DrawFn) -> Polygon:
    x, y = draw(point)
    w, h = draw(st.integers(3, 25)), draw(st.integers(3, 25))
    k = draw(st.integers(1, (min(w, h) - 1) // 2))
    corners = [(k, 0), (w - k, 0), (w, k), (w, h - k), (w - k, h), (k, h), (0, h - k), (0, k)]
    return Polygon([(x + dx, y + dy) for dx, dy in corners])


@st.composite
def holed(draw: st.DrawFn) -> Polygon:
    """A box, octagon or diamond with a hole inside, which may touch it in a point."""
    shell = draw(st.one_of(boxes, octagons(), diamonds))
    x0, y0, x1, y1 = (int(v) for v in shell.bounds)
    inner = st.tuples(st.integers(x0, x1), st.integers(y0, y1))
    hole = draw(st.lists(inner, min_size=3, max_size=5, unique=True).map(_around))
    polygon = Polygon(shell.exterior.coords, [hole.exterior.coords])
    assume(_valid(hole) and _valid(polygon))
    return polygon


window_shapes = st.one_of(
    triangles, odd_triangles, odd_polygons, stars, boxes, diamonds, octagons(), holed()
)


def _through_corner(draw: st.DrawFn, corner: tuple[int, int], ahead: int) -> Polygon:
    """Return a triangle with an edge at an odd slope through the pixel corner `corner` + ½,
    reaching up to `ahead` odd steps beyond it, and a vertex in the window."""
    cx, cy = corner
    a, b = draw(odd_step)
    back, beyond = 2 * draw(st.integers(0, 3)) + 1, 2 * draw(st.integers(0, ahead)) + 1
    start = ((2 * cx + 1 - back * a) // 2, (2 * cy + 1 - back * b) // 2)
    end = ((2 * cx + 1 + beyond * a) // 2, (2 * cy + 1 + beyond * b) // 2)
    return Polygon([start, end, draw(point)])


@st.composite
def corner_fans(draw: st.DrawFn) -> list[Polygon]:
    """Triangles with an edge through one of a few pixel corners at odd slopes, so that 2 to
    5 edges cross exactly there; and perhaps a few shapes of the window."""
    corners = draw(st.lists(point, min_size=1, max_size=2))
    geoms = []
    for _ in range(draw(st.integers(2, 5))):
        triangle = _through_corner(draw, draw(st.sampled_from(corners)), 3)
        if _valid(triangle):
            geoms.append(triangle)
    assume(len(geoms) >= 2)
    return geoms + draw(st.lists(window_shapes, max_size=2))


def _move_vertex(polygon: Polygon, i: int, step: tuple[int, int]) -> Polygon:
    shell = np.array(polygon.exterior.coords)[:-1]
    shell[i % len(shell)] += step
    return Polygon(shell, [ring.coords for ring in polygon.interiors])


def _neighbour(polygon: Polygon, i: int, apex: tuple[int, int]) -> Polygon:
    """Return the triangle on edge i of `polygon`'s shell and `apex`."""
    shell = shapely.orient_polygons(polygon).exterior.coords  # counter-clockwise
    i %= len(shell) - 1
    return Polygon([shell[i + 1], shell[i], apex])


steps = st.sampled_from([(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)])


@st.composite
def near_identical(draw: st.DrawFn) -> list[Polygon]:
    """Shapes of the window and copies: identical, shifted by a millimetre, with a vertex
    moved by a millimetre, or a triangle on one of its edges, outside it: touching."""
    geoms = draw(st.lists(window_shapes, min_size=1, max_size=3))
    for _ in range(draw(st.integers(1, 4))):
        source = draw(st.sampled_from(geoms))
        kind = draw(st.sampled_from(["identical", "shifted", "vertex", "touching"]))
        if kind == "identical":
            copy = source
        elif kind == "shifted":
            step = np.array(draw(steps))
            copy = shapely.transform(source, lambda xy, step=step: xy + step)
        elif kind == "vertex":
            copy = _move_vertex(source, draw(st.integers(0, 10)), draw(steps))
        else:
            copy = _neighbour(source, draw(st.integers(0, 10)), draw(point))
            if copy.intersection(source).area > 0:
                continue
        if _valid(copy):
            geoms.append(copy)
    return geoms


direction = st.tuples(st.integers(-4, 4), st.integers(-4, 4)).filter(lambda d: d != (0, 0))


@st.composite
def long_shapes(draw: st.DrawFn) -> list[Polygon | MultiPolygon]:
    """Millimetres of detail with long edges at odd slopes through them, as in the
    reproducer: triangles u, u + L d1, u + L d2 and quadrilaterals u, v, v + L d1, u + L d2
    (u, v in the window, L from 10 cm to 10 m, |d| up to 4), and triangles with a long edge
    through a pixel corner that others' pass too; perhaps with far parts, kilometres away."""
    length = draw(st.integers(100, 10_000))
    corner = draw(point)
    geoms: list[Polygon | MultiPolygon] = []
    for _ in range(draw(st.integers(1, 4))):
        u, d1, d2 = np.array(draw(point)), np.array(draw(direction)), np.array(draw(direction))
        reach = length * draw(st.integers(1, 2))
        kind = draw(st.sampled_from(["triangle", "quadrilateral", "corner"]))
        if kind == "triangle":
            polygon = Polygon([u, u + reach * d1, u + reach * d2])
        elif kind == "quadrilateral":
            v = np.array(draw(point))
            polygon = Polygon([u, v, v + reach * d1, u + reach * d2])
        else:
            polygon = _through_corner(draw, corner, reach // 8)
        if _valid(polygon):
            geoms.append(polygon)
    assume(geoms)
    geoms += draw(st.lists(window_shapes, max_size=2))
    if draw(st.booleans()):
        geoms = [MultiPolygon([g, far_part(i)]) for i, g in enumerate(geoms)]
    return geoms


any_scene = st.one_of(
    st.lists(window_shapes, min_size=1, max_size=6), corner_fans(), near_identical(), long_shapes()
)
examples = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@examples
@given(st.lists(window_shapes, min_size=1, max_size=6))
def test_window_shapes_agree(geoms: list[Polygon]) -> None:
    assert_agrees(geoms)


@examples
@given(corner_fans())
def test_crossings_at_pixel_corners_agree(geoms: list[Polygon]) -> None:
    assert_agrees(geoms)


@examples
@given(near_identical())
def test_near_identical_boundaries_agree(geoms: list[Polygon]) -> None:
    assert_agrees(geoms)


@examples
@given(long_shapes())
def test_long_edges_through_the_window_agree(geoms: list[Polygon | MultiPolygon]) -> None:
    assert_agrees(geoms)


@examples
@given(any_scene)
def test_noded_lines_are_planar(geoms: list[Polygon | MultiPolygon]) -> None:
    assert_planar(geoms)


@examples
@given(st.lists(st.one_of(triangles, stars, boxes, holed()), min_size=1, max_size=4))
def test_reference_arrangement_is_geos_away_from_pixel_corners(geoms: list[Polygon]) -> None:
    # Away from pixel corners GEOS' snap rounding is exact (and the window's segments are
    # too short for its heuristic that nodes vertices within 1/100 of a pixel of a segment):
    # there the reference must make the very same lines.
    assume(geos_is_exact(geoms))
    note_inputs(geoms)
    ours = ring_pieces([xy for _, _, xy in snap_round(geoms)])
    assert ours.tolist() == geos_pieces(geoms).tolist()
