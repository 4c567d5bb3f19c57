"""GeoJSON texts of (multi)polygons (`geometry.polygon_texts`), against a writer of our own."""

import numpy as np
import pytest
import shapely
from shapely import MultiPolygon, Polygon, box

from gebiedsregie.geometry import polygon_texts


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _rings(polygon: Polygon, decimals: int) -> str:
    rings = [polygon.exterior, *polygon.interiors]
    return (
        "["
        + ",".join(
            "["
            + ",".join(f"[{_number(x, decimals)},{_number(y, decimals)}]" for x, y in r.coords)
            + "]"
            for r in rings
        )
        + "]"
    )


def _reference(geom: Polygon | MultiPolygon, decimals: int) -> str:
    if geom.is_empty:
        coordinates = "[]"
    elif isinstance(geom, Polygon):
        coordinates = _rings(geom, decimals)
    else:
        coordinates = "[" + ",".join(_rings(p, decimals) for p in geom.geoms) + "]"
    return f'{{"type":"{geom.geom_type}","coordinates":{coordinates}}}'


def test_texts_of_polygons_with_holes_parts_and_nothing() -> None:
    holed = box(0, 0, 10, 10).difference(box(2, 2, 3, 3)).difference(box(5, 5, 6, 6))
    geoms = [
        holed,
        MultiPolygon([holed, box(-5.5, -5, -4.25, -4)]),
        MultiPolygon([box(150_000.0004, 450_000.1, 150_001.123, 450_001)]),
        box(5.12345678, 52.1, 5.2, 52.2),
        Polygon(),
        MultiPolygon(),
    ]
    for decimals in (3, 8):
        texts = polygon_texts(np.array(geoms, dtype=object), decimals)
        assert texts == [_reference(g, decimals) for g in geoms]
    assert polygon_texts(np.array([], dtype=object), 3) == []
    with pytest.raises(ValueError, match="Polygons"):
        polygon_texts(np.array([shapely.Point(1, 2)], dtype=object), 3)
