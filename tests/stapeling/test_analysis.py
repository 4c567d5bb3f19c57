"""The pure count-overlapping analysis: hand-drawn cases and invariants on random input."""

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon, box

from gebiedsregie.stapeling import analysis
from gebiedsregie.stapeling.analysis import Faces, compute_faces
from gebiedsregie.stapeling.noding import node_and_trace
from gebiedsregie.stapeling.summary import summarize


def _by_members(faces: Faces) -> dict[tuple[int, ...], float]:
    result: dict[tuple[int, ...], float] = Counter()
    for members, area in zip(faces.members, faces.area, strict=True):
        result[members] += float(area)
    return dict(result)


def check_invariants(
    geoms: Sequence[Polygon | MultiPolygon], faces: Faces, clip: Polygon | None = None
) -> None:
    """Assert every invariant of a stapeling, within the documented tolerance.

    Slivers may move their area to a neighbour; snap rounding moves boundaries by at most
    0.71 of the grid.
    """
    clipped = [g.intersection(clip) if clip is not None else g for g in geoms]
    union = shapely.union_all(clipped)
    snapping = float(shapely.length(faces.geoms).sum()) * faces.grid
    tolerance = faces.sliver_m2 * max(1, len(geoms)) + snapping + 1e-6 * max(union.area, 1.0)
    # Faces do not overlap, and together they are the union.
    assert float(faces.area.sum()) == pytest.approx(union.area, abs=tolerance)
    assert shapely.union_all(faces.geoms).area == pytest.approx(
        float(faces.area.sum()), abs=tolerance
    )
    # Area is conserved: depth times area adds up to the inputs' areas.
    total = sum(g.area for g in clipped)
    assert float((faces.aantal * faces.area).sum()) == pytest.approx(total, abs=tolerance)
    # A face's set is exactly the inputs that contain an interior point of it: measured by
    # area, so that an absorbed sliver (which belongs to another set) stays within tolerance.
    # The overlay is snap-rounded: floating overlay misjudges edges that run along each other.
    assert all(face.is_valid and face.area > 0 for face in faces.geoms)
    inputs = np.array(clipped, dtype=object)
    face_i, input_i = shapely.STRtree(inputs).query(faces.geoms, predicate="intersects")
    shared = shapely.area(
        shapely.intersection(faces.geoms[face_i], inputs[input_i], grid_size=1e-7)
    )
    covered = {(int(f), int(i)): float(a) for f, i, a in zip(face_i, input_i, shared, strict=True)}
    for f, members in enumerate(faces.members):
        for i in range(len(clipped)):
            inside = covered.get((f, i), 0.0)
            outside = faces.area[f] - inside if i in members else inside
            assert outside <= tolerance, (i, members, outside)
    # Exactly: at the deepest point of every face that reaches more than a millimetre from
    # its boundary (deeper than snapping moves anything), the inputs containing that point
    # are the face's set. A face shallower than that is held to the area check above.
    if faces.sliver_m2 == 0:
        circles = shapely.maximum_inscribed_circle(faces.geoms, tolerance=1e-4)
        deep = shapely.length(circles) > faces.grid  # the radius
        for k in np.flatnonzero(deep):
            point = shapely.get_point(circles[k], 0)
            inside = tuple(i for i, g in enumerate(clipped) if g.contains(point))
            assert inside == faces.members[k], (k, inside, faces.members[k])
    # Adjacent faces (sharing an edge) never carry the same set.
    tree = shapely.STRtree(faces.geoms)
    left, right = tree.query(faces.geoms, predicate="touches")
    for a, b in zip(left, right, strict=True):
        if a < b and faces.members[a] == faces.members[b]:
            shared = shapely.intersection(faces.geoms[a].boundary, faces.geoms[b].boundary)
            assert shared.length == 0, (faces.members[a], shared)


def test_two_overlapping_squares() -> None:
    faces = compute_faces([box(0, 0, 2, 2), box(1, 0, 3, 2)])
    assert _by_members(faces) == {(0,): 2.0, (0, 1): 2.0, (1,): 2.0}
    check_invariants([box(0, 0, 2, 2), box(1, 0, 3, 2)], faces)


def test_nested() -> None:
    geoms = [box(0, 0, 10, 10), box(2, 2, 8, 8), box(4, 4, 6, 6)]
    faces = compute_faces(geoms)
    assert _by_members(faces) == {(0,): 64.0, (0, 1): 32.0, (0, 1, 2): 4.0}
    check_invariants(geoms, faces)


def test_identical_inputs_make_one_face() -> None:
    geoms = [box(0, 0, 5, 5), box(0, 0, 5, 5), box(0, 0, 5, 5)]
    faces = compute_faces(geoms)
    assert len(faces) == 1 and faces.members == [(0, 1, 2)]
    assert faces.area[0] == pytest.approx(25.0)


def test_touching_inputs_do_not_overlap() -> None:
    geoms = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2)]
    faces = compute_faces(geoms)
    assert sorted(faces.members) == [(0,), (1,), (2,)]
    check_invariants(geoms, faces)


def test_holes_are_not_covered() -> None:
    donut = Polygon(box(0, 0, 10, 10).exterior.coords, [box(3, 3, 7, 7).exterior.coords])
    inside_hole = box(4, 4, 6, 6)
    across = box(5, 0, 15, 10)
    geoms = [donut, inside_hole, across]
    faces = compute_faces(geoms)
    areas = _by_members(faces)
    assert areas[(1,)] == pytest.approx(2.0)  # in the hole, left of x = 5
    assert areas[(1, 2)] == pytest.approx(2.0)
    assert areas[(0, 2)] == pytest.approx(50.0 - 8.0)
    check_invariants(geoms, faces)


def test_multipolygon_parts_keep_their_identity() -> None:
    two_parts = MultiPolygon([box(0, 0, 1, 1), box(5, 0, 6, 1)])
    faces = compute_faces([two_parts, box(0, 0, 6, 1)])
    assert _by_members(faces) == {(0, 1): 2.0, (1,): 4.0}
    # The two parts of the opgave are separate faces with the same set: they do not touch.
    assert sorted(faces.members).count((0, 1)) == 2
    check_invariants([two_parts, box(0, 0, 6, 1)], faces)


def test_clip_to_the_gebied() -> None:
    geoms = [box(-5, 0, 5, 10), box(0, 0, 20, 10)]
    gebied = box(0, 0, 10, 10)
    faces = compute_faces(geoms, gebied)
    assert _by_members(faces) == {(0, 1): 50.0, (1,): 50.0}
    faces = compute_faces([box(20, 20, 30, 30)], gebied)
    assert len(faces) == 0


def test_near_coincident_edges_leave_no_slivers() -> None:
    # The same field border digitised twice, 5 cm apart: a 1 km sliver of 50 m2.
    a = box(0, 0, 1000, 500)
    b = box(0, 499.95, 1000, 1000)
    faces = compute_faces([a, b])
    assert sorted(faces.members) == [(0,), (1,)]
    assert faces.sliver_m2 == pytest.approx(50.0)
    assert float(faces.area.sum()) == pytest.approx(1_000_000.0)
    # Wider than the tolerance, the overlap is real and kept.
    c = box(0, 499.0, 1000, 1000)
    kept = compute_faces([a, c])
    assert _by_members(kept)[(0, 1)] == pytest.approx(1000.0)


def test_adjacent_after_sliver_absorption_are_dissolved() -> None:
    # A thin strip of a third opgave along the border of two pieces of the same opgave.
    big = box(0, 0, 100, 100)
    strip = box(50, 0, 50.2, 100)
    faces = compute_faces([big, strip])
    assert faces.members == [(0,)]
    assert faces.area[0] == pytest.approx(10_000.0)


def test_summary() -> None:
    geoms = [box(0, 0, 200, 100), box(100, 0, 300, 100), box(150, 0, 250, 100)]
    themas = ["wonen", "natuur", "wonen"]
    faces = compute_faces(geoms)
    gebied_m2 = 400 * 100
    summary = summarize(faces, themas, gebied_m2, float((faces.aantal * faces.area).sum()))
    assert summary["gebied_ha"] == pytest.approx(4.0)
    assert summary["bedekt_ha"] == pytest.approx(3.0)
    assert summary["max_diepte"] == 3
    assert summary["per_diepte"] == [
        {"aantal": 1, "oppervlakte_ha": 1.5},
        {"aantal": 2, "oppervlakte_ha": 1.0},
        {"aantal": 3, "oppervlakte_ha": 0.5},
    ]
    assert summary["per_thema"] == {"natuur": 2.0, "wonen": 2.5}
    assert summary["themas"] == ["natuur", "wonen"]
    assert summary["overlap_ha"] == [[2.0, 1.5], [1.5, 2.5]]
    assert summary["ruimtedruk"] == pytest.approx(5.0 / 4.0)


def test_empty_input() -> None:
    faces = compute_faces([], box(0, 0, 1, 1))
    assert len(faces) == 0
    assert summarize(faces, [], 1.0, 0.0)["max_diepte"] == 0


# Random input: boxes and triangles on a coarse grid, so that edges coincide, cross at
# vertices and touch, as digitised claims do.
coordinate = st.integers(0, 40)


@st.composite
def polygons(draw: st.DrawFn) -> Polygon:
    x0, y0 = draw(coordinate), draw(coordinate)
    if draw(st.booleans()):
        return box(x0, y0, x0 + draw(st.integers(1, 20)), y0 + draw(st.integers(1, 20)))
    points = [(x0, y0), (draw(coordinate), draw(coordinate)), (draw(coordinate), draw(coordinate))]
    triangle = Polygon(points)
    if triangle.area < 1:
        return box(x0, y0, x0 + 1, y0 + 1)
    return triangle.normalize()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(polygons(), min_size=1, max_size=12))
def test_invariants_on_random_input(geoms: list[Polygon]) -> None:
    faces = compute_faces(geoms, sliver_width=0.01)
    check_invariants(geoms, faces)


@settings(max_examples=60, deadline=None)
@given(st.lists(polygons(), min_size=1, max_size=10))
def test_invariants_with_clip(geoms: list[Polygon]) -> None:
    clip = Polygon([(5, 5), (35, 8), (30, 35), (8, 30)])
    faces = compute_faces(geoms, clip, sliver_width=0.01)
    check_invariants(geoms, faces, clip)


def _irregular(rng: np.random.Generator, n: int) -> list[Polygon]:
    geoms = []
    for _ in range(n):
        cx, cy = rng.uniform(0, 5000, 2)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 60))
        radius = rng.uniform(300, 900) * (1 + 0.3 * np.cos(3 * angles + rng.uniform(0, 6)))
        geoms.append(
            Polygon(np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)]))
        )
    return geoms


def test_parallel_equals_the_plain_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    geoms = _irregular(np.random.default_rng(7), 60)
    plain = compute_faces(geoms)
    monkeypatch.setattr(analysis, "PARALLEL_MIN_VERTICES", 0)
    parallel = compute_faces(geoms, workers=2)
    expected = {k: round(v, 3) for k, v in _by_members(plain).items()}
    assert {k: round(v, 3) for k, v in _by_members(parallel).items()} == expected
    assert sorted(parallel.members) == sorted(plain.members)
    check_invariants(geoms, parallel)


def _geos_faces(geoms: list[Polygon]) -> dict[tuple[int, ...], float]:
    """The same partition by GEOS: union of the boundaries, polygonize, label by a point."""
    # Snap rounded at the millimetre grid too: without a grid, GEOS' floating noding loses
    # whole faces in near-degenerate cases.
    boundaries = shapely.boundary(np.array(geoms, dtype=object))
    faces = shapely.get_parts(
        shapely.polygonize(shapely.get_parts(shapely.union_all(boundaries, grid_size=0.001)))
    )
    result: dict[tuple[int, ...], float] = defaultdict(float)
    for face in faces:
        point = face.point_on_surface()
        members = tuple(i for i, g in enumerate(geoms) if g.contains(point))
        if members:
            result[members] += face.area
    return dict(result)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(polygons(), min_size=1, max_size=12))
def test_agrees_with_geos_on_grid_input(geoms: list[Polygon]) -> None:
    # Vertices on the grid stay put; crossings move by at most 0.71 mm. The sets must be
    # GEOS' exactly, and each set's area within what that moves.
    faces = compute_faces(geoms, sliver_width=0.0)
    moved = sum(g.length for g in geoms) * faces.grid
    theirs = _geos_faces(geoms)
    assert _by_members(faces) == {k: pytest.approx(v, abs=moved) for k, v in theirs.items()}


# Off the grid: floating-point vertices, near-parallel crossings, edges a hair apart.
wobble = st.floats(-0.002, 0.002, allow_nan=False)


@st.composite
def off_grid_polygons(draw: st.DrawFn) -> Polygon:
    x0, y0 = draw(st.floats(0, 30)), draw(st.floats(0, 30))
    w, h = draw(st.floats(0.5, 15)), draw(st.floats(0.5, 15))
    corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
    return Polygon([(x + draw(wobble), y + draw(wobble)) for x, y in corners]).normalize()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(off_grid_polygons(), min_size=1, max_size=12))
def test_invariants_off_the_grid(geoms: list[Polygon]) -> None:
    geoms = [g for g in geoms if g.is_valid]
    faces = compute_faces(geoms, sliver_width=0.01)
    check_invariants(geoms, faces)


def test_a_boundary_is_snapped_through_a_vertex_near_it() -> None:
    # B's corner (5, 5.002) lies 0.5 mm above A's slanted edge, inside A, and B's edges cross
    # A's edge a fraction of a millimetre below it. Snapped, A's edge bends through the
    # corner and the crossing pixel (5, 5.001); B's tip collapses onto that pixel, so the
    # two touch there instead of overlapping in a sliver.
    a = Polygon([(0, 0), (10, 10.003), (0, 10)])
    b = Polygon([(5, 5.002), (9, 0), (9, -1), (4, -1)])
    noded = node_and_trace(np.array([a, b], dtype=object), 0.001)
    assert [5.0, 5.002] in noded.arr.coords.tolist()
    assert len(noded.traced.polygons) == 2
    faces = compute_faces([a, b], sliver_width=0.0)
    check_invariants([a, b], faces)
    assert set(_by_members(faces)) == {(0,), (1,)}


def test_vertices_are_rounded_to_the_grid() -> None:
    # Below the documented tolerance: a square of 0.4 mm collapses into a point; one from
    # 0.2 to 0.6 mm becomes the millimetre square around its rounded corners.
    geoms = [box(0, 0, 0.0004, 0.0004), box(0.0002, 0.0002, 0.0006, 0.0006)]
    faces = compute_faces(geoms, sliver_width=0.0)
    assert faces.members == [(1,)]
    assert faces.geoms[0].equals(box(0, 0, 0.001, 0.001))
