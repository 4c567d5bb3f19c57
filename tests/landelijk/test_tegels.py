"""The stapeling in tegels against the stapeling of the whole: statistics and faces.

Most inputs have their vertices on whole metres (tiny ones on a 2 mm lattice) and edges
level, upright or at 45°: every crossing (with another input, a tegel border, the extent)
then lies on the millimetre grid, none with a border comes within snapping reach of another
edge, and the tegels must give the whole exactly (1e-9 relative).
Off that grid, a crossing with a border is rounded to the grid, as any crossing is: against
the whole, the tolerance is then what snapping can move; against the whole with the tegel
borders drawn in (a vertex where the cut puts one), the tegels are exact again.
"""

import itertools
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely import Geometry, MultiPolygon, Polygon, box

from gebiedsregie.landelijk.samenvoegen import Vlakken, join_faces
from gebiedsregie.landelijk.statistiek import Statistiek, of_faces, total
from gebiedsregie.landelijk.tegels import (
    NOORD,
    OOST,
    WEST,
    ZUID,
    Raster,
    Tegel,
    TegelResultaat,
    compute_tegel,
    tegels_for,
    with_borders,
)
from gebiedsregie.stapeling.analysis import Faces, compute_faces
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.summary import summarize
from tests.stapeling.test_analysis import _irregular

RTOL = 1e-9
THEMAS = ("wonen", "natuur", "energie")


def _opgaven(geoms: Sequence[Geometry], themas: Sequence[str] | None = None) -> list[Invoer]:
    themas = themas or [THEMAS[k % len(THEMAS)] for k in range(len(geoms))]
    return [
        (uuid.UUID(int=k + 1), t, g.wkb) for k, (g, t) in enumerate(zip(geoms, themas, strict=True))
    ]


def _in_tegels(
    opgaven: list[Invoer], raster: Raster, extent: Geometry | None, sliver_width: float = 0.0
) -> list[TegelResultaat]:
    area = (
        extent
        if extent is not None
        else shapely.union_all(shapely.from_wkb([o[2] for o in opgaven]))
    )
    return [
        compute_tegel(t, opgaven, extent, sliver_width=sliver_width)
        for t in tegels_for(area, raster)
    ]


def _whole(opgaven: list[Invoer], extent: Geometry | None) -> Faces:
    return compute_faces(shapely.from_wkb([o[2] for o in opgaven]), extent, sliver_width=0.0)


def _face_list(ids: Sequence[tuple[uuid.UUID, ...]], areas: Sequence[float]) -> list[tuple]:
    return sorted((tuple(o.int for o in s), float(a)) for s, a in zip(ids, areas, strict=True))


def _whole_faces(faces: Faces, opgaven: list[Invoer]) -> list[tuple]:
    ids = [o[0] for o in opgaven]
    return _face_list([tuple(ids[m] for m in s) for s in faces.members], faces.area.tolist())


def _joined(results: list[TegelResultaat], raster: Raster) -> Vlakken:
    return join_faces([(r.key, r.vlakken) for r in results if r.vlakken is not None], raster)


def assert_equal_statistics(parts: Statistiek, whole: Statistiek, rtol: float = RTOL) -> None:
    assert parts.per_diepte_m2 == pytest.approx(whole.per_diepte_m2, rel=rtol, abs=1e-9)
    assert parts.per_themapaar_m2 == pytest.approx(whole.per_themapaar_m2, rel=rtol, abs=1e-9)
    assert parts.bedekt_m2 == pytest.approx(whole.bedekt_m2, rel=rtol, abs=1e-9)
    assert parts.invoer_m2 == pytest.approx(whole.invoer_m2, rel=rtol, abs=1e-9)


def check_partition(
    geoms: Sequence[Geometry], raster: Raster, extent: Geometry | None = None
) -> list[TegelResultaat]:
    """Assert the tegels give the whole's statistics and, joined, its faces, exactly."""
    opgaven = _opgaven(geoms)
    results = _in_tegels(opgaven, raster, extent)
    whole = _whole(opgaven, extent)
    gebied_m2 = extent.area if extent is not None else 0.0
    parts = total(r.statistiek for r in results)
    assert_equal_statistics(parts, of_faces(whole, [o[1] for o in opgaven], gebied_m2))
    if extent is not None:
        assert parts.gebied_m2 == pytest.approx(extent.area, rel=RTOL)
    joined = _joined(results, raster)
    mine, theirs = (
        _face_list(joined.opgaven, shapely.area(joined.geoms)),
        _whole_faces(whole, opgaven),
    )
    assert [m[0] for m in mine] == [t[0] for t in theirs]  # the same faces, face by face
    assert [m[1] for m in mine] == pytest.approx([t[1] for t in theirs], rel=RTOL, abs=1e-9)
    assert all(g.is_valid for g in joined.geoms)
    return results


# --- hand-drawn ------------------------------------------------------------------------------


def test_two_boxes_over_four_tegels() -> None:
    results = check_partition([box(2, 2, 16, 16), box(8, 8, 20, 12)], Raster(10.0))
    assert sorted(r.key for r in results) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    corner = next(r for r in results if r.key == (0, 0))
    assert corner.statistiek.per_diepte_m2 == pytest.approx({1: 8 * 8 - 2 * 2, 2: 2 * 2})


def test_the_border_marker_names_the_borders_a_face_runs_along() -> None:
    tegel = Tegel((0, 0), Raster(10.0))
    faces = compute_tegel(tegel, _opgaven([box(-5, 2, 4, 15), box(3, 3, 5, 5)]), sliver_width=0)
    assert faces.vlakken is not None
    marks = dict(zip(faces.vlakken.opgaven, faces.vlakken.rand.tolist(), strict=True))
    one, two = uuid.UUID(int=1), uuid.UUID(int=2)
    assert marks[(one,)] == WEST | NOORD
    assert marks[(one, two)] == 0  # inside the tegel
    assert marks[(two,)] == 0
    assert OOST not in marks.values() and ZUID not in marks.values()


def test_a_box_touching_a_tegel_only_at_its_corner_adds_nothing_there() -> None:
    results = check_partition([box(0, 0, 10, 10), box(10, 10, 20, 20)], Raster(10.0))
    assert {r.key: r.statistiek.bedekt_m2 for r in results} == {(0, 0): 100.0, (1, 1): 100.0}


def test_a_hole_and_a_u_cut_by_borders_in_both_directions() -> None:
    u = Polygon([(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)])
    donut = Polygon(box(-5, -5, 35, 35).exterior.coords, [box(2, 2, 28, 28).exterior.coords])
    check_partition([u, donut, box(12, 12, 18, 40)], Raster(7.0))


def test_a_multipolygon_and_an_extent() -> None:
    parts = MultiPolygon([box(0, 0, 6, 6), box(9, 9, 14, 20)])
    extent = Polygon([(5, -3), (20, 12), (5, 27), (-10, 12)])
    check_partition([parts, box(3, 3, 12, 12)], Raster(5.0), extent)


def test_a_face_joined_across_a_tegel_corner() -> None:
    # One face over the corner of four tegels, and a ring around it through all four.
    ring = Polygon(box(-8, -8, 8, 8).exterior.coords, [box(-4, -4, 4, 4).exterior.coords])
    results = check_partition([box(-3, -3, 3, 3), ring], Raster(5.0))
    joined = _joined(results, Raster(5.0))
    assert sorted(len(s) for s in joined.opgaven) == [1, 1]


def test_the_statistics_are_the_samenvatting_of_the_whole() -> None:
    geoms = [box(0, 0, 20, 20), box(5, 5, 30, 12), Polygon([(8, 0), (16, 8), (8, 16), (0, 8)])]
    opgaven, extent = _opgaven(geoms), box(-2, -2, 25, 25)
    parts = total(r.statistiek for r in _in_tegels(opgaven, Raster(6.0), extent))
    whole = _whole(opgaven, extent)
    expected = summarize(
        whole, [o[1] for o in opgaven], extent.area, float((whole.aantal * whole.area).sum())
    )
    assert {**parts.kerncijfers(), "aantal_vlakken": 0} == {**expected, "aantal_vlakken": 0}


def test_an_empty_tegel_and_an_empty_run() -> None:
    result = compute_tegel(Tegel((5, 5), Raster(10.0)), _opgaven([box(0, 0, 1, 1)]))
    assert result.statistiek == Statistiek(gebied_m2=100.0, aantal_tegels=1)
    assert result.vlakken is not None and len(result.vlakken.geoms) == 0
    assert total([]).kerncijfers()["max_diepte"] == 0
    assert len(join_faces([], Raster(10.0))) == 0


def test_the_tegel_size_is_a_whole_number_of_grid_cells() -> None:
    assert Raster(12.5).units == 12_500
    with pytest.raises(ValueError, match="grid cells"):
        Raster(10.0004)


def test_a_sliver_on_a_border_is_kept_in_its_tegels() -> None:
    # 0.2 m wide where two inputs nearly meet, across a border: absorbed in the whole, kept
    # (its other part lies in the next tegel) in the tegels. Run with sliver_width=0 the
    # stapeling in tegels is exact; joining such slivers afterwards is left to the join.
    geoms = [box(0, 0, 20, 10), box(0, 10.2, 20, 20), box(0, 0, 20, 10.2)]
    results = _in_tegels(_opgaven(geoms), Raster(10.0), None, sliver_width=0.5)
    assert total(r.statistiek for r in results).sliver_m2 == 0.0
    assert compute_faces(geoms).sliver_m2 == pytest.approx(4.0)


def test_a_crossing_with_a_border_is_a_vertex_that_snaps() -> None:
    # The tiny box crosses x = 10 at (10, 5.001): a vertex of the cut, whose hot pixel the
    # triangle's long edge (x + y = 15) runs through at its corner, and so is snapped to,
    # 0.7 mm off: 0.005 m² against the whole, where no vertex is there. On a 2 mm lattice
    # that cannot happen (x + y of a crossing is even), hence the random tiny boxes on it.
    geoms = [Polygon([(0, 0), (15, 0), (0, 15)]), box(9.999, 5.002, 10.002, 5.004)]
    opgaven, raster = _opgaven(geoms), Raster(10.0)
    parts = total(r.statistiek for r in _in_tegels(opgaven, raster, None))
    whole = of_faces(_whole(opgaven, None), [o[1] for o in opgaven], 0.0)
    drawn = compute_faces([with_borders(g, raster) for g in geoms], sliver_width=0.0)
    assert parts.per_diepte_m2[1] == pytest.approx(whole.per_diepte_m2[1] - 0.005, abs=1e-9)
    assert_equal_statistics(parts, of_faces(drawn, [o[1] for o in opgaven], 0.0))


# --- random input ----------------------------------------------------------------------------

metres = st.integers(-12, 36)


@st.composite
def shapes(draw: st.DrawFn, size: float) -> Geometry:
    """A polygon whose every crossing lies on the millimetre grid: level, upright and 45°
    edges on whole metres; some on tegel borders or corners, some tiny, some huge."""
    border = st.sampled_from([k * size for k in range(-1, 5)])
    x, y = draw(st.one_of(metres, border)), draw(st.one_of(metres, border))
    kind = draw(st.sampled_from(["box", "box", "diamond", "triangle", "donut", "tiny", "huge"]))
    if kind == "box":
        right = draw(
            st.one_of(st.integers(1, 25).map(lambda w: x + w), border.filter(lambda b: b > x))
        )
        return box(x, y, right, y + draw(st.integers(1, 25)))
    if kind == "diamond":
        r = draw(st.integers(1, 15))
        return Polygon([(x - r, y), (x, y - r), (x + r, y), (x, y + r)])
    if kind == "triangle":
        a, sx, sy = (
            draw(st.integers(1, 20)),
            draw(st.sampled_from([-1, 1])),
            draw(st.sampled_from([-1, 1])),
        )
        return Polygon([(x, y), (x + sx * a, y), (x, y + sy * a)])
    if kind == "donut":
        w, t = draw(st.integers(4, 30)), draw(st.integers(1, 3))
        hole = box(x + t, y + t, x + w - t, y + w - t) if w > 2 * t else None
        return (
            box(x, y, x + w, y + w)
            if hole is None
            else Polygon(box(x, y, x + w, y + w).exterior.coords, [hole.exterior.coords])
        )
    if kind == "tiny":  # millimetres, near a border: on a 2 mm lattice (see the test below)
        mm = 2 * draw(st.integers(-2, 2)) / 1000
        side = 2 * draw(st.integers(1, 2)) / 1000
        return box(x + mm, y + mm, x + mm + side, y + mm + side)
    return box(-20, -20, 50, 50)  # huge: over every tegel


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Geometry], Raster, Geometry | None]:
    size = draw(st.sampled_from([7.0, 10.0, 12.5, 25.0]))
    geoms = draw(st.lists(shapes(size), min_size=1, max_size=8))
    extent = draw(
        st.one_of(
            st.none(),
            st.builds(lambda x, y, w: box(x, y, x + w, y + w), metres, metres, st.integers(3, 40)),
        )
    )
    return geoms, Raster(size), extent


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_tegels_give_the_whole_exactly(
    scenario: tuple[list[Geometry], Raster, Geometry | None],
) -> None:
    geoms, raster, extent = scenario
    check_partition(geoms, raster, extent)


def _per_depth_by_overlay(geoms: Sequence[Geometry]) -> dict[int, float]:
    """Area per depth by brute force: covered k times or more is the union of the
    intersections of every k inputs (GEOS, no noding of ours)."""
    at_least = [0.0]
    for k in range(1, len(geoms) + 1):
        meets = [shapely.intersection_all(c) for c in itertools.combinations(geoms, k)]
        at_least.append(shapely.union_all(meets).area)
    at_least.append(0.0)
    exactly = {k: at_least[k] - at_least[k + 1] for k in range(1, len(geoms) + 1)}
    return {k: a for k, a in exactly.items() if a > 1e-9}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([7.0, 10.0]).flatmap(
        lambda s: st.lists(shapes(s), min_size=1, max_size=6).map(lambda g: (g, s))
    )
)
def test_area_per_depth_against_an_overlay(case: tuple[list[Geometry], float]) -> None:
    geoms, size = case
    parts = total(r.statistiek for r in _in_tegels(_opgaven(geoms), Raster(size), None))
    mine = {k: v for k, v in parts.per_diepte_m2.items() if v > 1e-9}
    assert mine == pytest.approx(_per_depth_by_overlay(geoms), rel=RTOL, abs=1e-9)


@st.composite
def off_grid(draw: st.DrawFn) -> Polygon:
    # Micrometres, from a point off every border (Hypothesis likes 0, a tegel corner).
    coordinate = st.integers(-10_000_000, 40_000_000).map(lambda um: um / 1e6 + 0.1234567)
    points = [(draw(coordinate), draw(coordinate)) for _ in range(3)]
    triangle = Polygon(points)
    if triangle.area < 1:
        return box(points[0][0], points[0][1], points[0][0] + 3.3, points[0][1] + 2.7)
    return triangle.normalize()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(off_grid(), min_size=1, max_size=8))
def test_off_the_grid_within_what_snapping_moves(geoms: list[Polygon]) -> None:
    raster = Raster(7.0)
    opgaven = _opgaven(geoms)
    results = _in_tegels(opgaven, raster, None)
    parts = total(r.statistiek for r in results)
    whole = of_faces(_whole(opgaven, None), [o[1] for o in opgaven], 0.0)
    moved = sum(g.length for g in geoms) * raster.grid
    # A depth, or a set, may be there on one side only where it is narrower than snapping
    # moves (two edges less than a millimetre apart, snapped together in one, not the other).
    assert_within(parts.per_diepte_m2, whole.per_diepte_m2, moved)
    assert parts.invoer_m2 == pytest.approx(sum(g.area for g in geoms), abs=moved)
    joined = _joined(results, raster)
    mine: Counter[tuple[int, ...]] = Counter()
    for s, a in _face_list(joined.opgaven, shapely.area(joined.geoms)):
        mine[s] += a
    theirs: Counter[tuple[int, ...]] = Counter()
    for s, a in _whole_faces(_whole(opgaven, None), opgaven):
        theirs[s] += a
    assert_within(mine, theirs, moved)


def assert_within(mine: Mapping[Any, float], theirs: Mapping[Any, float], moved: float) -> None:
    """Assert that two mappings to areas agree within `moved`, a key missing counting 0."""
    for key in set(mine) | set(theirs):
        assert mine.get(key, 0.0) == pytest.approx(theirs.get(key, 0.0), abs=moved), key


def test_irregular_opgaven_over_many_tegels() -> None:
    geoms = _irregular(np.random.default_rng(19), 30)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    raster = Raster(round(max(x1 - x0, y1 - y0) / 5, 3))
    opgaven = _opgaven(geoms)
    results = _in_tegels(opgaven, raster, None)
    assert len(results) >= 20
    parts = total(r.statistiek for r in results)
    whole = of_faces(_whole(opgaven, None), [o[1] for o in opgaven], 0.0)
    moved = sum(g.length for g in geoms) * raster.grid
    assert_within(parts.per_diepte_m2, whole.per_diepte_m2, moved)


# --- off the grid, against the whole with the tegel borders as vertices ------------------------


def _snapped_near_a_border(geoms: Sequence[Polygon], raster: Raster) -> bool:
    """Return whether two inputs' boundaries cross within 2 mm of a tegel border, or one
    passes within 2 mm of a tegel corner. A hot pixel may then lie on the border, or be the
    corner a tegel's cut adds: it snaps edges in the whole and in the tegels differently (a
    sub-millimetre difference, which the test within what snapping moves allows for)."""
    rings = shapely.boundary(np.array(geoms, dtype=object))
    meets = [shapely.intersection(a, b) for a, b in itertools.combinations(rings, 2)]
    points = shapely.get_coordinates(np.array(meets, dtype=object)) if meets else np.zeros((0, 2))
    offset = np.abs(points / raster.size_m - np.round(points / raster.size_m)) * raster.size_m
    x0, y0, x1, y1 = shapely.total_bounds(rings)
    ks = [
        np.arange(np.floor(lo / raster.size_m), np.ceil(hi / raster.size_m) + 1)
        for lo, hi in ((x0, x1), (y0, y1))
    ]
    corners = shapely.points(np.array(np.meshgrid(*ks)).reshape(2, -1).T * raster.size_m)
    distance = shapely.distance(corners[:, None], rings[None, :])
    # Exactly on a border or through a corner is no matter: the cut and the whole agree.
    return bool(
        ((offset > 0) & (offset < 0.002)).any() or ((distance > 0) & (distance < 0.002)).any()
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(off_grid(), min_size=1, max_size=8), st.sampled_from([3.0, 5.0, 7.0, 12.5]))
def test_off_the_grid_the_whole_with_the_borders_drawn(geoms: list[Polygon], size: float) -> None:
    raster = Raster(size)
    assume(not _snapped_near_a_border(geoms, raster))
    opgaven = _opgaven(geoms)
    parts = total(r.statistiek for r in _in_tegels(opgaven, raster, None))
    drawn = compute_faces([with_borders(g, raster) for g in geoms], sliver_width=0.0)
    assert_equal_statistics(parts, of_faces(drawn, [o[1] for o in opgaven], 0.0))
