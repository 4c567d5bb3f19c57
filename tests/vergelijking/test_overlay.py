"""The difference faces (pure): hand-drawn cases, and invariants against independent counts.

Random situations draw from a pool of opgaven, each with one or two versions (boxes and
triangles on a coarse grid, as digitised claims); A and B each take some of them, in one of
their versions. Checked against: each situation's own stapeling (areas per set, and the sum
of depth x area), GEOS' polygonize of all boundaries labelled by point-in-polygon counts,
and a point-in-polygon count at the deepest point of every face.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon, box

from gebiedsregie.stapeling.analysis import compute_faces
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.vergelijking.overlay import Overlay, combine, overlay

# An L on the grid (nothing moves: sums agree to rounding), and a quadrilateral off it.
GRID_AREA = MultiPolygon([Polygon([(2, 2), (38, 2), (38, 20), (20, 20), (20, 38), (2, 38)])])
AREA = MultiPolygon([Polygon([(3, 2), (38, 4), (36, 37), (5, 35)])])
KEYS = [uuid.UUID(int=i + 1) for i in range(12)]
NAMES = [str(k) for k in KEYS]  # faces name their opgaven as text


def _invoer(key: uuid.UUID, geom: Polygon, thema: str = "wonen") -> Invoer:
    return (key, thema, shapely.to_wkb(MultiPolygon([geom])))


Sets = dict[tuple[tuple[str, ...], tuple[str, ...]], float]


def _sets(result: Overlay) -> Sets:
    areas: Sets = defaultdict(float)
    for v in result.vlakken:
        areas[(tuple(v.opgaven_a), tuple(v.opgaven_b))] += shapely.area(v.geom)
    return dict(areas)


def test_an_opgave_left_out_moved_and_added() -> None:
    a_key, b_key, c_key = KEYS[:3]
    a_id, b_id, c_id = NAMES[:3]
    a = [_invoer(a_key, box(0, 0, 10, 10)), _invoer(b_key, box(5, 0, 15, 10))]
    # B: a_key moved 5 to the right (onto b_key), c_key new, b_key as it was.
    b = [
        _invoer(a_key, box(5, 0, 15, 10)),
        _invoer(b_key, box(5, 0, 15, 10)),
        _invoer(c_key, box(0, 0, 5, 5)),
    ]
    result = overlay(MultiPolygon([box(0, 0, 20, 20)]), a, b, workers=1)
    assert _sets(result) == {
        ((a_id,), (c_id,)): pytest.approx(25.0),
        ((a_id,), ()): pytest.approx(25.0),
        ((a_id, b_id), (a_id, b_id)): pytest.approx(50.0),
        ((b_id,), (a_id, b_id)): pytest.approx(50.0),
    }
    # Changed faces first, the largest difference in depth first; the unchanged face last.
    assert [(v.verschil, v.gewijzigd) for v in result.vlakken] == [
        (1, True),
        (-1, True),
        (0, True),
        (0, False),
    ]
    assert [v.nr for v in result.vlakken] == [0, 1, 2, 3]
    assert result.overzicht == {
        "aantal_vlakken": 4,
        "gewijzigde_vlakken": 3,
        "meer_ha": 0.005,
        "minder_ha": 0.0025,
        "gewijzigd_ha": 0.01,
        "verschil_ha": 0.0025,  # B covers 100 + 100 + 25 m², A 100 + 100: 25 m² more
        "sliver_ha": 0.0,
    }


def test_an_identical_version_is_one_input_of_both() -> None:
    key = KEYS[0]
    versions, in_a, in_b = combine([_invoer(key, box(0, 0, 1, 1))], [_invoer(key, box(0, 0, 1, 1))])
    assert len(versions) == 1 and in_a.tolist() == [True] and in_b.tolist() == [True]
    # Another thema is another version (the faces' themas differ), though the shape is the same.
    versions, in_a, in_b = combine(
        [_invoer(key, box(0, 0, 1, 1))], [_invoer(key, box(0, 0, 1, 1), "natuur")]
    )
    assert len(versions) == 2 and in_a.tolist() == [True, False] and in_b.tolist() == [False, True]
    result = overlay(MultiPolygon([box(0, 0, 1, 1)]), *[[_invoer(key, box(0, 0, 1, 1))]] * 2)
    assert [(v.opgaven_a, v.opgaven_b, v.gewijzigd) for v in result.vlakken] == [
        ([str(key)], [str(key)], False)
    ]


def test_nothing_to_compare() -> None:
    result = overlay(AREA, [], [])
    assert result.vlakken == []
    assert result.overzicht["aantal_vlakken"] == 0
    assert result.overzicht["verschil_ha"] == 0.0


# Random situations. Coordinates on a 1 m grid, boxes only: every face is then at least as
# wide as the grid (no slivers) and no boundary moves, so the sums agree to rounding.
coordinate = st.integers(0, 40)


@st.composite
def boxes(draw: st.DrawFn) -> Polygon:
    x0, y0 = draw(coordinate), draw(coordinate)
    return box(x0, y0, x0 + draw(st.integers(1, 20)), y0 + draw(st.integers(1, 20)))


@st.composite
def shapes(draw: st.DrawFn) -> Polygon:
    if draw(st.booleans()):
        return draw(boxes())
    points = [(draw(coordinate), draw(coordinate)) for _ in range(3)]
    triangle = Polygon(points)
    return triangle.normalize() if triangle.area >= 1 else draw(boxes())


@st.composite
def situations(
    draw: st.DrawFn, shape: st.SearchStrategy[Polygon]
) -> tuple[list[Invoer], list[Invoer]]:
    """A and B from a pool of opgaven of one or two versions each."""
    pool = draw(st.lists(st.lists(shape, min_size=1, max_size=2), min_size=1, max_size=8))
    themas = st.sampled_from(["wonen", "natuur"])
    a, b = [], []
    for key, versions in zip(KEYS, pool, strict=False):
        versions_of = [_invoer(key, g, draw(themas)) for g in versions]
        for side in (a, b):
            choice = draw(st.sampled_from([None, *range(len(versions_of))]))
            if choice is not None:
                side.append(versions_of[choice])
    return a, b


def _geoms(opgaven: Sequence[Invoer]) -> list[MultiPolygon]:
    return [shapely.from_wkb(o[2]) for o in opgaven]


def _contains(opgaven: Sequence[Invoer], point: shapely.Point) -> list[str]:
    inside = [o[0] for o, g in zip(opgaven, _geoms(opgaven), strict=True) if g.contains(point)]
    return [str(k) for k in sorted(inside)]


def _depth_area(opgaven: Sequence[Invoer], area: MultiPolygon) -> tuple[float, float]:
    """A situation's own stapeling: the sum of depth x area, and its sliver area."""
    faces = compute_faces(_geoms(opgaven), area)
    return float((faces.aantal * faces.area).sum()), faces.sliver_m2


def _exact(opgaven: Sequence[Invoer], area: MultiPolygon) -> float:
    """The sum of depth x area as it is: the sum of the clipped opgaven's areas."""
    return float(sum(g.intersection(area).area for g in _geoms(opgaven)))


def _tolerance(opgaven: Sequence[Invoer], area: MultiPolygon, sliver_m2: float) -> float:
    """How far a stapeling's sum of depth x area may be off: a sliver's area moves to a
    neighbour at most len(opgaven) deeper or shallower, and snap rounding moves every
    boundary by at most 0.71 of the 1 mm grid (analysis.py, Tolerance)."""
    perimeter = sum(g.intersection(area).length for g in _geoms(opgaven))
    return sliver_m2 * max(len(opgaven), 1) + perimeter * 0.001 + 1e-6


def check_overlay(a: list[Invoer], b: list[Invoer], area: MultiPolygon, exact: bool) -> None:
    result = overlay(area, a, b, workers=1)
    vlakken = result.vlakken
    areas = np.array([shapely.area(v.geom) for v in vlakken])
    verschil = np.array([v.verschil for v in vlakken])
    total = float((verschil * areas).sum())
    sum_a, sliver_a = _depth_area(a, area)
    sum_b, sliver_b = _depth_area(b, area)
    sliver_c = result.overzicht["sliver_ha"] * 10_000 + 0.01  # rounded to 0.01 m²
    versions = combine(a, b)[0]
    if exact:  # on the grid nothing moves and nothing is a sliver
        assert sliver_a == sliver_b == result.overzicht["sliver_ha"] == 0
        tol_a = tol_b = tol_c = 1e-6
    else:
        tol_a, tol_b = _tolerance(a, area, sliver_a), _tolerance(b, area, sliver_b)
        tol_c = _tolerance(versions, area, sliver_c)
    # The invariant: sum of verschil x area = B's sum of aantal x area minus A's: against the
    # clipped opgaven themselves, and against A's and B's own stapelingen.
    assert total == pytest.approx(_exact(b, area) - _exact(a, area), abs=tol_c)
    assert total == pytest.approx(sum_b - sum_a, abs=tol_a + tol_b + tol_c)
    assert result.overzicht["verschil_ha"] * 10_000 == pytest.approx(total, abs=1.0)
    # Each face's counts are those of its sets, and its sets differ from every neighbour's.
    for v in vlakken:
        assert (v.aantal_a, v.aantal_b) == (len(v.opgaven_a), len(v.opgaven_b))
        assert v.opgaven_a == sorted(set(v.opgaven_a)) and v.opgaven_b == sorted(set(v.opgaven_b))
    geoms = np.array([v.geom for v in vlakken], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="touches")
    for i, j in zip(left, right, strict=True):
        same = (vlakken[i].opgaven_a, vlakken[i].opgaven_b) == (
            vlakken[j].opgaven_a,
            vlakken[j].opgaven_b,
        )
        if i < j and same:
            assert shapely.intersection(geoms[i].boundary, geoms[j].boundary).length == 0
    # Changed faces first, then by |verschil| and area.
    changed = [v.gewijzigd for v in vlakken]
    assert changed == sorted(changed, reverse=True)
    assert result.overzicht["gewijzigde_vlakken"] == sum(changed)
    # Point in polygon: at the deepest point of every face that reaches beyond the grid, the
    # opgaven of A and of B containing it are the face's (unless a sliver joined the face).
    if result.overzicht["sliver_ha"] == 0:
        circles = shapely.maximum_inscribed_circle(geoms, tolerance=1e-4) if vlakken else []
        for v, circle in zip(vlakken, circles, strict=True):
            if shapely.length(circle) <= 0.001:
                continue
            point = shapely.get_point(circle, 0)
            assert _contains(a, point) == v.opgaven_a, v.nr
            assert _contains(b, point) == v.opgaven_b, v.nr


def _geos_sets(a: list[Invoer], b: list[Invoer], area: MultiPolygon) -> Sets:
    """The overlay by GEOS: polygonize every boundary and the area's, label by a point."""
    lines = shapely.boundary(np.array([*_geoms(a), *_geoms(b), area], dtype=object))
    faces = shapely.get_parts(
        shapely.polygonize(shapely.get_parts(shapely.union_all(lines, grid_size=0.001)))
    )
    areas: Sets = defaultdict(float)
    for face in faces:
        point = face.point_on_surface()
        if not area.contains(point):
            continue
        sets = (tuple(_contains(a, point)), tuple(_contains(b, point)))
        if sets != ((), ()):
            areas[sets] += face.area
    return dict(areas)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations(boxes()))
def test_invariants_on_grid_boxes(ab: tuple[list[Invoer], list[Invoer]]) -> None:
    check_overlay(*ab, GRID_AREA, exact=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations(shapes()))
def test_invariants_with_triangles_off_the_grid(ab: tuple[list[Invoer], list[Invoer]]) -> None:
    check_overlay(*ab, AREA, exact=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations(boxes()))
def test_agrees_with_geos(ab: tuple[list[Invoer], list[Invoer]]) -> None:
    a, b = ab
    ours = _sets(overlay(GRID_AREA, a, b, workers=1))
    theirs = _geos_sets(a, b, GRID_AREA)
    assert ours == {k: pytest.approx(v, abs=1e-6) for k, v in theirs.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations(boxes()))
def test_refines_each_situations_own_partition(ab: tuple[list[Invoer], list[Invoer]]) -> None:
    """Per set of A (and of B), the overlay's faces cover what A's own stapeling gives it."""
    a, b = ab
    result = overlay(GRID_AREA, a, b, workers=1)
    for side, opgaven in ((0, a), (1, b)):
        keys = [o[0] for o in opgaven]
        faces = compute_faces(_geoms(opgaven), GRID_AREA)
        own: dict[tuple[str, ...], float] = defaultdict(float)
        for members, area in zip(faces.members, faces.area, strict=True):
            own[tuple(str(k) for k in sorted(keys[m] for m in members))] += float(area)
        merged: dict[tuple[str, ...], float] = defaultdict(float)
        for v in result.vlakken:
            found = tuple(v.opgaven_a if side == 0 else v.opgaven_b)
            if found:
                merged[found] += shapely.area(v.geom)
        assert dict(merged) == {k: pytest.approx(x, abs=1e-6) for k, x in own.items()}
