"""`compute.samenvatting`, which the comparison uses for a situation without a stored
stapeling, gives exactly the samenvatting of `compute.analyse` (which the store keeps)."""

import uuid

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon, box

from gebiedsregie.stapeling import compute
from gebiedsregie.stapeling.compute import Invoer

FILTERS = {"thema": ["wonen"], "status": [], "trekker": [], "horizon": 2040}
THEMAS = ("wonen", "natuur", "energie")


@st.composite
def situaties(draw: st.DrawFn) -> tuple[MultiPolygon, list[Invoer]]:
    # Metres (faces under a hectare: hotspots from all faces) or hectometres (over it).
    scale = draw(st.sampled_from([1.0, 100.0, 37.0]))
    opgaven = []
    for k in range(draw(st.integers(0, 14))):
        x, y = draw(st.integers(0, 40)), draw(st.integers(0, 40))
        w, h = draw(st.integers(1, 20)), draw(st.integers(1, 20))
        geom = shapely.affinity.scale(box(x, y, x + w, y + h), scale, scale, origin=(0, 0))
        opgaven.append(
            (
                uuid.UUID(int=k + 1),
                draw(st.sampled_from(THEMAS)),
                shapely.to_wkb(MultiPolygon([geom])),
            )
        )
    area = shapely.affinity.scale(
        Polygon([(3, 2), (38, 4), (36, 37), (5, 35)]), scale, scale, origin=(0, 0)
    )
    return MultiPolygon([area]), opgaven


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situaties())
def test_the_samenvatting_is_analyses(situatie: tuple[MultiPolygon, list[Invoer]]) -> None:
    area, opgaven = situatie
    expected = compute.analyse(area, opgaven, FILTERS, workers=1).samenvatting
    assert compute.samenvatting(area, opgaven, FILTERS, workers=1) == expected


def test_more_than_ten_hotspots() -> None:
    grid = [box(x * 200, y * 200, x * 200 + 150, y * 200 + 150) for x in range(5) for y in range(4)]
    opgaven = [
        (uuid.UUID(int=i + 1), "wonen", shapely.to_wkb(MultiPolygon([g])))
        for i, g in enumerate(grid + [shapely.affinity.translate(g, 50, 50) for g in grid[:7]])
    ]
    area = MultiPolygon([box(-10, -10, 1_100, 900)])
    expected = compute.analyse(area, opgaven, FILTERS, workers=1).samenvatting
    assert len(expected["hotspots"]) == 10
    assert np.all(np.diff([h["aantal"] for h in expected["hotspots"]]) <= 0)
    assert compute.samenvatting(area, opgaven, FILTERS, workers=1) == expected
