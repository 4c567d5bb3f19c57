"""The Kadaster provinces in the database: loaded by the seed, true to their source."""

import json

import pytest
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, to_rd
from gebiedsregie.gebieden.models import Gemeente, Provincie
from gebiedsregie.seed import seed
from tests.conftest import GEODATA, ROOT

SOURCE = ROOT.parent / "shared" / "geodata" / "provincies.geojson"


def test_seed_loads_the_twelve_provinces_once(session: Session) -> None:
    first = seed(session, GEODATA)
    assert first.provincies == 12
    assert "12 provincies" in str(first)
    assert seed(session, GEODATA).provincies == 0
    provincies = session.scalars(select(Provincie).order_by(Provincie.statcode)).all()
    assert [p.statcode for p in provincies] == [f"PV{n}" for n in range(20, 32)]
    assert {p.naam for p in provincies} >= {"Fryslân", "Gelderland", "Limburg", "Utrecht"}
    for provincie in provincies:
        assert "Kadaster" in provincie.bron and "PDOK" in provincie.bron
    # Kadaster provinces hold their waters: about 41,540 km² together (SOURCES.md).
    total = session.scalar(select(func.sum(func.ST_Area(Provincie.geom)))) or 0
    assert total / 1e6 == pytest.approx(41_540, rel=0.005)


def test_every_gemeente_lies_in_its_province(session: Session) -> None:
    # An independent check of names and shapes: the province of each CBS gemeente (from its
    # file) contains the gemeente's representative point.
    seed(session, GEODATA)
    provincies = {
        p.naam: shapely.prepared.prep(to_shape(p.geom)) for p in session.scalars(select(Provincie))
    }
    for gemeente in session.scalars(select(Gemeente)):
        point = to_shape(gemeente.geom).representative_point()
        assert provincies[gemeente.provincie].contains(point), gemeente.naam


def test_simplified_provinces_stay_close_to_the_source(session: Session) -> None:
    shipped = json.loads((GEODATA / "provincies.geojson").read_text(encoding="utf-8"))
    assert len(shipped["features"]) == 12
    assert "Kadaster" in shipped["attribution"] and "10 m" in shipped["attribution"]
    if not SOURCE.exists():
        return  # the shared folder beside the checkout holds the full-resolution source
    seed(session, GEODATA)
    source = json.loads(SOURCE.read_text(encoding="utf-8"))["features"]
    stored = {p.statcode: to_shape(p.geom) for p in session.scalars(select(Provincie))}
    for feature in source:
        original = to_rd(shape(feature["geometry"]), CRS84)
        simplified = stored[feature["properties"]["statcode"]]
        # Simplified with a tolerance of 10 m (Visvalingam-Whyatt: a triangle of 10 m x 10 m
        # goes), so nowhere further off than twice that; the same area to 0.001 %.
        assert max(_farthest(original, simplified), _farthest(simplified, original)) < 20
        assert simplified.area == pytest.approx(original.area, rel=1e-5)


def _farthest(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """The largest distance of a vertex of `a` from the boundary of `b` (indexed)."""
    boundary = b.boundary
    shapely.prepare(boundary)
    return float(shapely.distance(boundary, shapely.points(shapely.get_coordinates(a))).max())
