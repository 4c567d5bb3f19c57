"""The pure ruimtebalans against an independent computation (tests/ruimtebalans/oracle.py)."""

from collections.abc import Sequence

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from gebiedsregie.ruimtebalans.compute import (
    Balans,
    Geschat,
    OpgaveVraag,
    SturendeLaag,
    compute_balans,
)
from tests.ruimtebalans import oracle
from tests.ruimtebalans.oracle import Laag, Opg, Rect

TOL = 1e-4  # ha: the rounding of the answer (1 m²)
GEBIED: Rect = (0, 0, 2000, 1000)  # 200 ha


def _shape(rects: Sequence[Rect]) -> shapely.Geometry:
    return shapely.union_all([box(*r) for r in rects])


def _compute(gebied: Sequence[Rect], opgaven: Sequence[Opg], lagen: Sequence[Laag]) -> Balans:
    return compute_balans(
        _shape(gebied),
        [OpgaveVraag(o.thema, o.ruimtevraag_ha, _shape(o.rects)) for o in opgaven],
        [SturendeLaag(lg.naam, lg.naam, "#2e7d32", _shape(lg.rects)) for lg in lagen],
    )


def assert_matches(gebied: Sequence[Rect], opgaven: Sequence[Opg], lagen: Sequence[Laag]) -> Balans:
    """Compute both ways and compare every figure."""
    found = _compute(gebied, opgaven, lagen)
    want = oracle.balans(gebied, opgaven, lagen)
    for key in (
        "gebied_ha",
        "sturend_ha",
        "beschikbaar_ha",
        "vraag_ha",
        "saldo_ha",
        "zoekgebied_ha_som",
        "zoekgebied_ha_unie",
        "zoekgebied_in_sturend_ha",
    ):
        assert getattr(found, key) == pytest.approx(want[key], abs=3 * TOL), key
    assert {lg.naam: lg.oppervlakte_ha for lg in found.sturende_lagen} == pytest.approx(
        want["lagen"], abs=TOL
    )
    assert {t.thema for t in found.themas} == set(want["themas"])
    for t in found.themas:
        w = want["themas"][t.thema]
        assert t.aantal_opgaven == w["aantal"]
        assert t.aantal_geschat == w["geschat"]
        assert t.vraag_ha == pytest.approx(w["vraag"], abs=TOL)
        assert t.zoekgebied_ha_som == pytest.approx(w["som"], abs=TOL)
        assert t.zoekgebied_ha_unie == pytest.approx(w["unie"], abs=TOL)
        assert t.zoekgebied_in_sturend_ha == pytest.approx(w["in_sturend"], abs=TOL)
    return found


def test_without_ruimtevraag_the_zoekgebied_is_the_estimated_vraag() -> None:
    opgaven = [
        Opg("wonen", None, ((0, 0, 500, 400),)),  # 20 ha
        Opg("wonen", None, ((300, 0, 800, 400),)),  # 20 ha, 8 ha of it overlapping
    ]
    found = assert_matches([GEBIED], opgaven, [])
    (wonen,) = found.themas
    assert (wonen.vraag_ha, wonen.zoekgebied_ha_som, wonen.zoekgebied_ha_unie) == (40, 40, 32)
    assert (wonen.geschat, wonen.aantal_geschat, wonen.geschat_ha) == (Geschat.GEHEEL, 2, 40)
    assert (found.gebied_ha, found.sturend_ha, found.beschikbaar_ha) == (200, 0, 200)
    assert (found.saldo_ha, found.ratio) == (160, 0.2)
    assert (found.ruimtedruk_zoekgebied, found.ruimtedruk_vraag) == (0.2, 0.2)


def test_with_ruimtevraag_the_vraag_is_its_sum() -> None:
    opgaven = [
        Opg("wonen", 12.5, ((0, 0, 500, 400),)),
        Opg("wonen", 0.0, ((300, 0, 800, 400),)),  # asks nothing: zero, not estimated
        Opg("natuur", None, ((1000, 0, 1200, 500),)),  # 10 ha estimated
        Opg("natuur", 30.0, ((1100, 0, 1500, 1000),)),  # 40 ha zoekgebied
    ]
    found = assert_matches([GEBIED], opgaven, [])
    by = {t.thema: t for t in found.themas}
    assert (by["wonen"].vraag_ha, by["wonen"].geschat) == (12.5, Geschat.NEE)
    assert (by["natuur"].vraag_ha, by["natuur"].geschat) == (40, Geschat.DEELS)
    assert (by["natuur"].aantal_geschat, by["natuur"].geschat_ha) == (1, 10)
    assert found.vraag_ha == 52.5 and found.aantal_geschat == 1
    assert found.ruimtedruk_vraag == pytest.approx(52.5 / 200)
    assert found.ruimtedruk_zoekgebied == pytest.approx((20 + 20 + 10 + 40) / 200)


def test_sturende_lagen_overlapping_each_other_and_the_opgaven() -> None:
    lagen = [
        Laag("Natura 2000", ((1000, 0, 1600, 1000),)),  # 60 ha
        Laag("Water", ((1400, 500, 2500, 1000),)),  # 30 ha in the gebied, 10 ha shared
    ]
    opgaven = [
        Opg("wonen", 5.0, ((900, 200, 1100, 400),)),  # 2 of its 4 ha in Natura 2000
        Opg("natuur", None, ((1300, 0, 1800, 1000),)),  # 50 ha, 40 ha of it sturend
    ]
    found = assert_matches([GEBIED], opgaven, lagen)
    assert found.sturend_ha == 80 and found.beschikbaar_ha == 120
    assert [(lg.naam, lg.oppervlakte_ha) for lg in found.sturende_lagen] == [
        ("Natura 2000", 60),
        ("Water", 30),
    ]
    by = {t.thema: t for t in found.themas}
    assert by["wonen"].zoekgebied_in_sturend_ha == 2
    assert by["natuur"].zoekgebied_in_sturend_ha == 40
    assert found.vraag_ha == 55 and found.saldo_ha == 65
    assert found.ratio == pytest.approx(55 / 120, abs=TOL)


def test_an_opgave_partly_outside_counts_its_zoekgebied_inside_and_its_vraag_in_full() -> None:
    opgaven = [
        Opg("energie", 25.0, ((1800, 0, 2400, 500),)),  # 10 of its 30 ha inside
        Opg("energie", None, ((1900, 600, 2300, 1000),)),  # 4 of its 16 ha inside: estimate 4
    ]
    found = assert_matches([GEBIED], opgaven, [])
    (energie,) = found.themas
    assert energie.zoekgebied_ha_som == 14 and energie.vraag_ha == 29
    assert found.aantal_deels_buiten == 2


def test_a_shortage_is_a_negative_saldo() -> None:
    lagen = [Laag("Natura 2000", ((0, 0, 1800, 1000),))]  # 180 ha: 20 ha left
    opgaven = [Opg("wonen", 35.0, ((1800, 0, 2000, 1000),))]
    found = assert_matches([GEBIED], opgaven, lagen)
    assert (found.beschikbaar_ha, found.vraag_ha, found.saldo_ha) == (20, 35, -15)
    assert found.ratio == 1.75


def test_nothing_available_has_no_ratio() -> None:
    found = assert_matches(
        [GEBIED], [Opg("wonen", 1.0, ((0, 0, 100, 100),))], [Laag("Alles", (GEBIED,))]
    )
    assert found.beschikbaar_ha == 0 and found.ratio is None and found.saldo_ha == -1


def test_no_opgaven() -> None:
    found = assert_matches([GEBIED], [], [Laag("Natura 2000", ((0, 0, 100, 100),))])
    assert found.themas == [] and found.vraag_ha == 0 and found.saldo_ha == 199


def test_themas_follow_the_given_order() -> None:
    opgaven = [Opg(t, 1.0, ((0, 0, 100, 100),)) for t in ("wonen", "natuur", "energie", "zz")]
    found = compute_balans(
        box(*GEBIED),
        [OpgaveVraag(o.thema, o.ruimtevraag_ha, _shape(o.rects)) for o in opgaven],
        [],
        ["natuur", "wonen", "energie"],
    )
    assert [t.thema for t in found.themas] == ["natuur", "wonen", "energie", "zz"]


coordinate = st.integers(0, 40).map(lambda v: v * 50.0)


@st.composite
def rects(draw: st.DrawFn) -> Rect:
    x0, x1 = sorted(draw(st.lists(coordinate, min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(coordinate, min_size=2, max_size=2, unique=True)))
    return (x0, y0, x1, y1)


opgave = st.builds(
    Opg,
    st.sampled_from(["wonen", "natuur", "energie"]),
    st.one_of(st.none(), st.floats(0, 500).map(lambda v: round(v, 2))),
    st.lists(rects(), min_size=1, max_size=3).map(tuple),
)
laag = st.builds(
    Laag, st.sampled_from(["A", "B", "C"]), st.lists(rects(), min_size=1, max_size=3).map(tuple)
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(rects(), min_size=1, max_size=2),
    st.lists(opgave, max_size=6),
    st.lists(laag, max_size=3, unique_by=lambda lg: lg.naam),
)
def test_random_rectangles_match_the_independent_computation(
    gebied: list[Rect], opgaven: list[Opg], lagen: list[Laag]
) -> None:
    found = assert_matches(gebied, opgaven, lagen)
    # The table adds up exactly, on the rounded figures.
    assert found.beschikbaar_ha == round(found.gebied_ha - found.sturend_ha, 4)
    assert found.saldo_ha == round(found.beschikbaar_ha - found.vraag_ha, 4)
    assert found.zoekgebied_in_sturend_ha <= found.zoekgebied_ha_unie + TOL
    assert found.zoekgebied_ha_unie <= found.zoekgebied_ha_som + TOL
