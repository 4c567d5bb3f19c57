"""The stapeling core's parts: strips, the columnar sets, the planarity check, the fallback."""

import logging

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

from gebiedsregie.stapeling import _noder, analysis, tiling
from gebiedsregie.stapeling.analysis import compute_faces
from gebiedsregie.stapeling.merging import Labels, Members
from gebiedsregie.stapeling.noding import Noded, boundaries
from tests.stapeling.test_analysis import _by_members, _irregular, check_invariants

# --- the planarity check -------------------------------------------------------------------

POINTS = np.array([[0, 0], [1, 1], [0, 1], [1, 0], [2, 2], [0.5, 0.5]], dtype=np.float64)


@pytest.mark.parametrize(
    "pieces",
    [
        [[0, 1], [2, 3]],  # a proper crossing
        [[0, 4], [0, 1]],  # overlapping from a shared end
        [[0, 1], [5, 2]],  # one ends inside the other
        [[0, 1], [1, 0]],  # the same piece twice
        [[0, 4], [5, 1]],  # collinear, one inside the other
    ],
)
def test_the_planarity_check_finds_pieces_that_meet(pieces: list[list[int]]) -> None:
    with pytest.raises(ArithmeticError, match="not planar: 1 pairs"):
        _noder.check_pieces(POINTS, np.array(pieces, dtype=np.int64), 1000.0)


def test_the_planarity_check_passes_a_planar_graph() -> None:
    square = np.array([[0, 2], [2, 1], [1, 3], [3, 0], [1, 4]], dtype=np.int64)
    assert _noder.check_pieces(POINTS, square, 1000.0) is None


def test_the_noder_refuses_buffers_of_another_type() -> None:
    xy = np.array([[0, 0], [1, 0], [1, 1], [0, 0]], dtype=np.float32)
    with pytest.raises(TypeError, match="xy must be a C-contiguous buffer of float64"):
        _noder.node(xy, np.array([0, 4]), np.array([0]), 1000.0, 1, False)
    with pytest.raises(TypeError, match="ring must be"):
        _noder.node(xy.astype(np.float64), np.array([0, 4], np.int32), np.array([0]), 1000.0, 1, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        _noder.trace_lines(np.zeros((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64), 1e3)


# --- strips ----------------------------------------------------------------------------------


@pytest.fixture
def strips(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even small inputs into strips of a few dozen vertices."""
    monkeypatch.setattr(tiling, "STRIP_VERTICES", 40)


metres = st.integers(0, 60)


@st.composite
def boxes(draw: st.DrawFn) -> Polygon:
    x, y = draw(metres), draw(metres)
    return box(x, y, x + draw(st.integers(1, 30)), y + draw(st.integers(1, 30)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(boxes(), min_size=2, max_size=14))
def test_strips_give_the_same_faces_as_one_computation(geoms: list[Polygon]) -> None:
    # Boxes on whole metres: every border crossing lies on the grid, so nothing moves and
    # the strips must give exactly the faces of the whole.
    whole = compute_faces(geoms, sliver_width=0.0)
    default = tiling.STRIP_VERTICES
    try:
        tiling.STRIP_VERTICES = 6
        parts = compute_faces(geoms, sliver_width=0.0)
    finally:
        tiling.STRIP_VERTICES = default
    assert _by_members(parts) == pytest.approx(_by_members(whole), abs=1e-6)
    assert sorted(parts.members) == sorted(whole.members)  # joined across every border
    check_invariants(geoms, parts)


@pytest.mark.usefixtures("strips")
def test_strips_on_irregular_input() -> None:
    geoms = _irregular(np.random.default_rng(3), 40)
    assert len(tiling.borders(boundaries(np.array(geoms)), 1000.0)) > 10
    parts = compute_faces(geoms)
    check_invariants(geoms, parts)
    tiling.STRIP_VERTICES = 10**9
    whole = compute_faces(geoms)
    # Off the grid, a crossing with a border is rounded to the grid: a boundary bends by
    # at most half a millimetre there, as it does at any crossing.
    moved = sum(g.length for g in geoms) * whole.grid
    assert set(_by_members(parts)) == set(_by_members(whole))
    assert _by_members(parts) == pytest.approx(_by_members(whole), abs=moved)


@pytest.mark.usefixtures("strips")
def test_a_hole_and_a_concave_input_cut_by_borders() -> None:
    # The U's two arms leave the strip and come back: its clipped ring runs along the
    # border and back, which must cover nothing.
    u = Polygon([(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)])
    donut = Polygon(box(-5, -5, 35, 35).exterior.coords, [box(2, 2, 28, 28).exterior.coords])
    geoms = [u, donut, box(12, 12, 18, 40)]
    parts = compute_faces(geoms, sliver_width=0.0)
    areas = _by_members(parts)
    assert areas[(0,)] == pytest.approx(u.area - u.intersection(donut).area)
    assert areas[(0, 1)] == pytest.approx(u.intersection(donut).area)
    assert areas[(2,)] == pytest.approx(6 * 16 + 6 * 5)  # in the U's gap and the hole
    assert areas[(1, 2)] == pytest.approx(6 * 7)
    check_invariants(geoms, parts)


def test_clipping_to_a_strip_is_exact_on_the_grid() -> None:
    ring = boundaries(np.array([Polygon([(0, 0), (0.003, 0.001), (0, 0.002)])]))
    [left, right] = tiling.strips(ring, np.array([1]), 1000.0)
    # The edges (0, 0)-(3, 1) and (3, 1)-(0, 2) mm cross x = 1 mm at y = 1/3 and 5/3 mm:
    # rounded to 0 and 2, the same points on both sides of the border.
    on_border = [
        sorted({(x, y) for x, y in s.rings.coords.tolist() if x == 0.001}) for s in (left, right)
    ]
    assert on_border[0] == on_border[1] == [(0.001, 0.0), (0.001, 0.002)]
    assert [s.rings.per_input(1)[0][0] for s in (left, right)] == pytest.approx([2e-6, 2e-6])


# --- the columnar sets -----------------------------------------------------------------------


def test_members_behave_as_a_sequence_of_tuples() -> None:
    members = Members.of([(0, 2), (), (1,)])
    assert members == [(0, 2), (), (1,)]
    assert members[0] == (0, 2) and members[-1] == (1,) and members[1:] == [(), (1,)]
    assert sorted(members) == [(), (0, 2), (1,)]
    assert members.counts().tolist() == [2, 0, 1]
    assert members.take(np.array([2, 0])) == [(1,), (0, 2)]
    assert members.where(np.array([True, False, True])) == [(0, 2), (1,)]
    assert Members.concat([members, Members.of([(5,)])]) == [(0, 2), (), (1,), (5,)]
    with pytest.raises(IndexError):
        members[3]


def test_equal_digests_are_checked_against_the_sets() -> None:
    # Faces 0 and 1 cover different inputs; a forged digest makes them look alike.
    face_i, geom_i = np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 0, 2, 0, 1])
    start = np.array([0, 2, 4, 6])
    labels = Labels(
        face_i, geom_i, start, np.arange(3), np.arange(3), np.diff(start), np.zeros(3, np.uint64)
    )
    assert labels.same_sets(np.array([0, 0]), np.array([1, 2])).tolist() == [False, True]


# --- the fallback ----------------------------------------------------------------------------


def test_the_fallback_is_counted_and_logged_with_its_context(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    geoms = [box(0, 0, 2, 2), box(1, 0, 3, 2)]
    real = analysis.node_and_trace

    def broken(*args: object, **kwargs: bool) -> Noded:
        noded = real(*args, **kwargs)  # type: ignore[arg-type]
        keep = noded.geom_i != 1  # as if the C code lost input 1 from every face
        return Noded(noded.arr, noded.traced, noded.face_i[keep], noded.geom_i[keep])

    monkeypatch.setattr(analysis, "node_and_trace", broken)
    monkeypatch.setattr(analysis, "FALLBACKS", analysis._Counter())
    with caplog.at_level(logging.ERROR, logger=analysis.__name__):
        faces = compute_faces(geoms, context={"gebied": "food-valley", "filters": {"thema": []}})
    assert faces.fallback and analysis.FALLBACKS.value == 1
    assert _by_members(faces) == {(0,): 2.0, (0, 1): 2.0, (1,): 2.0}  # right, by points
    [record] = caplog.records
    assert "gebied=food-valley" in record.getMessage() and "filters=" in record.getMessage()


def test_strips_measure_what_their_clipped_rings_hold() -> None:
    geoms = np.array(
        [Polygon(box(0, 0, 10, 10).exterior.coords[::-1], [box(2, 2, 4, 4).exterior.coords])]
    )
    rings = boundaries(geoms)
    area, length = rings.per_input(1)
    assert area[0] == pytest.approx(96.0) and length[0] == pytest.approx(48.0)
    assert shapely.area(geoms[0]) == pytest.approx(96.0)
