"""The differences of two samenvattingen (pure), and how they agree with the overlay."""

import pytest
from hypothesis import HealthCheck, given, settings
from shapely import MultiPolygon, box

from gebiedsregie.stapeling.compute import Invoer, analyse
from gebiedsregie.vergelijking.overlay import overlay
from gebiedsregie.vergelijking.verschillen import verschillen
from tests.vergelijking.test_overlay import GRID_AREA, KEYS, _invoer, boxes, situations

FILTERS = {"thema": [], "status": [], "trekker": [], "horizon": None}
AREA = MultiPolygon([box(0, 0, 100, 100)])


def test_per_depth_thema_and_pair() -> None:
    wonen, natuur, water = KEYS[:3]
    a = analyse(
        AREA,
        [_invoer(wonen, box(0, 0, 20, 10)), _invoer(natuur, box(10, 0, 30, 10), "natuur")],
        FILTERS,
        workers=1,
    )
    b = analyse(
        AREA,
        [
            _invoer(wonen, box(0, 0, 20, 10)),
            _invoer(natuur, box(0, 0, 30, 10), "natuur"),
            _invoer(water, box(0, 0, 10, 10), "water"),
        ],
        FILTERS,
        workers=1,
    )
    found = verschillen(a.samenvatting, b.samenvatting)
    # A: depth 1 on 200 m², depth 2 on 100 m²; B: depth 1 on 100, 2 on 100, 3 on 100.
    assert found["per_diepte"] == [
        {"aantal": 1, "a_ha": 0.02, "b_ha": 0.01, "verschil_ha": -0.01},
        {"aantal": 2, "a_ha": 0.01, "b_ha": 0.01, "verschil_ha": 0.0},
        {"aantal": 3, "a_ha": 0.0, "b_ha": 0.01, "verschil_ha": 0.01},
    ]
    assert found["max_diepte"] == {"a": 2, "b": 3, "verschil": 1}
    assert found["aantal_opgaven"] == {"a": 2, "b": 3, "verschil": 1}
    assert found["per_thema"] == [
        {"thema": "natuur", "a_ha": 0.02, "b_ha": 0.03, "verschil_ha": 0.01},
        {"thema": "water", "a_ha": 0.0, "b_ha": 0.01, "verschil_ha": 0.01},
        {"thema": "wonen", "a_ha": 0.02, "b_ha": 0.02, "verschil_ha": 0.0},
    ]
    # Pairs: natuur-wonen 100 -> 200 m², natuur-water and water-wonen new (100 m²).
    assert found["per_themapaar"] == [
        {"themas": ["natuur", "water"], "a_ha": 0.0, "b_ha": 0.01, "verschil_ha": 0.01},
        {"themas": ["natuur", "wonen"], "a_ha": 0.01, "b_ha": 0.02, "verschil_ha": 0.01},
        {"themas": ["water", "wonen"], "a_ha": 0.0, "b_ha": 0.01, "verschil_ha": 0.01},
    ]
    assert found["ruimtedruk"] == {"a": 0.04, "b": 0.06, "verschil": 0.02}
    assert found["bedekt_ha"] == {"a": 0.03, "b": 0.03, "verschil": 0.0}


def test_the_same_situation_differs_nowhere() -> None:
    a = analyse(AREA, [_invoer(KEYS[0], box(0, 0, 20, 10))], FILTERS, workers=1)
    found = verschillen(a.samenvatting, a.samenvatting)
    assert all(d["verschil_ha"] == 0 for d in found["per_diepte"])
    assert all(d["verschil_ha"] == 0 for d in found["per_thema"])
    assert found["ruimtedruk"]["verschil"] == 0


def test_an_empty_situation() -> None:
    a = analyse(AREA, [], FILTERS, workers=1)
    b = analyse(AREA, [_invoer(KEYS[0], box(0, 0, 20, 10))], FILTERS, workers=1)
    found = verschillen(a.samenvatting, b.samenvatting)
    assert found["per_diepte"] == [{"aantal": 1, "a_ha": 0.0, "b_ha": 0.02, "verschil_ha": 0.02}]
    assert found["max_diepte"] == {"a": 0, "b": 1, "verschil": 1}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations(boxes()))
def test_depths_agree_with_the_overlay(ab: tuple[list[Invoer], list[Invoer]]) -> None:
    """Sum over depths of depth x (b - a) is the overlay's sum of verschil x area."""
    a, b = ab
    sam_a = analyse(GRID_AREA, a, FILTERS, workers=1).samenvatting
    sam_b = analyse(GRID_AREA, b, FILTERS, workers=1).samenvatting
    found = verschillen(sam_a, sam_b)
    by_depth = sum(d["aantal"] * d["verschil_ha"] for d in found["per_diepte"])
    faces = overlay(GRID_AREA, a, b, workers=1)
    rounding = 1e-4 * (len(found["per_diepte"]) + 1) * max(len(a), len(b), 1)
    assert by_depth == pytest.approx(faces.overzicht["verschil_ha"], abs=rounding)
    # The thema x thema diagonal is per_thema; pairs are listed once, off the diagonal.
    assert {tuple(p["themas"]) for p in found["per_themapaar"]} <= {
        (x, y) for x in ("natuur", "wonen") for y in ("natuur", "wonen") if x < y
    }
