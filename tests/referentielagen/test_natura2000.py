"""The seeded Natura 2000 laag: true to its source, inside each voorbeeldgebied to 0.1%.

The reference is computed here without the application's code: the shipped file read with
gzip and json, shapes built by shapely, projected by a pyproj transformer of its own, united
and cut by the gebied's outline. The laag's share is PostGIS's (`union_binnen`).
"""

import gzip
import hashlib
import json
from functools import cache
from typing import Any

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.historie.models import Historie
from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.models import Referentieobject
from gebiedsregie.seed import seed
from tests.conftest import GEODATA, ROOT

SHIPPED = GEODATA / "natura2000.geojson.gz"
SOURCE = ROOT.parent / "shared" / "geodata" / "natura2000.geojson"
SOURCE_DIGEST = "56c94f3594d6ef52094678bff76e0ae6cdb40725420c7e1490f75a9862f0ba9c"
VOORBEELDGEBIEDEN = ["food-valley", "zuidoost-drenthe", "chemelot"]
# In the EEZ, outside the Netherlands and RD New: not loaded (the laag's omschrijving says so).
BUITEN = {164: "Doggersbank", 165: "Klaverbank", 166: "Friese Front", 168: "Bruine Bank"}


@cache
def source() -> dict[str, Any]:
    with gzip.open(SHIPPED, "rb") as f:
        return json.loads(f.read())


@cache
def source_rd() -> dict[int, Any]:
    """The source's shapes by nr, in RD New (projected here, vertex by vertex)."""
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    return {
        f["properties"]["nr"]: shapely.transform(
            shape(f["geometry"]), to_rd.transform, interleaved=False
        )
        for f in source()["features"]
    }


def test_shipped_file_equals_the_source() -> None:
    with gzip.open(SHIPPED, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == SOURCE_DIGEST
    if SOURCE.exists():
        assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == SOURCE_DIGEST
    assert len(source()["features"]) == 160


@pytest.mark.parametrize("slug", VOORBEELDGEBIEDEN)
def test_n2000_inside_each_voorbeeldgebied_matches_the_source(session: Session, slug: str) -> None:
    seed(session, GEODATA)
    laag = service.get_laag(session, "natura-2000")
    gebied = gebieden_service.gebied_shape(gebieden_service.get_gebied(session, slug))

    stored_ha = service.union_binnen(session, [laag], gebied).area / 10_000
    shapes = list(source_rd().values())
    meeting = [s for s in shapes if s.intersects(gebied)]
    expected_ha = shapely.union_all(meeting).intersection(gebied).area / 10_000

    assert expected_ha > 100  # each voorbeeldgebied holds Natura 2000 (Food Valley: the Veluwe)
    # The issue asks 0.1%; on the millimetre grid the two agree to about 1e-7.
    assert stored_ha == pytest.approx(expected_ha, rel=1e-5)


def test_food_valley_holds_the_veluwe(session: Session) -> None:
    seed(session, GEODATA)
    gebied = gebieden_service.gebied_shape(gebieden_service.get_gebied(session, "food-valley"))
    found = select(Referentieobject).where(Referentieobject.naam == "Veluwe")
    veluwe = list(session.scalars(found))
    assert len(veluwe) == 1 and veluwe[0].eigenschappen["bescherming"] == "VR+HR"
    laag = service.get_laag(session, "natura-2000")
    assert service.union_binnen(session, [laag], gebied).area / 10_000 > 20_000


def test_each_object_is_its_source_unsimplified(session: Session) -> None:
    seed(session, GEODATA)
    laag = service.get_laag(session, "natura-2000")
    rows = session.execute(
        select(
            Referentieobject.extern_id,
            Referentieobject.naam,
            Referentieobject.eigenschappen,
            func.ST_Area(Referentieobject.geom),
            func.ST_NPoints(Referentieobject.geom),
        ).where(Referentieobject.laag_id == laag.id)
    ).all()
    expected = {nr: geom for nr, geom in source_rd().items() if nr not in BUITEN}
    assert sorted(int(r[0]) for r in rows) == sorted(expected)
    props = {f["properties"]["nr"]: f["properties"] for f in source()["features"]}
    for extern_id, naam, eigenschappen, area, npoints in rows:
        nr = int(extern_id)
        assert eigenschappen == props[nr] and naam == props[nr]["naam"]
        assert area == pytest.approx(expected[nr].area, rel=1e-6)
        # On the millimetre grid a vertex may merge with its neighbour, never more.
        assert npoints == pytest.approx(shapely.get_num_coordinates(expected[nr]), rel=1e-3)


def test_the_laag_and_its_attribution(session: Session) -> None:
    seed(session, GEODATA)
    laag = service.get_laag(session, "natura-2000")
    assert (laag.naam, laag.soort, laag.kleur) == ("Natura 2000", "sturend", "#2e7d32")
    assert laag.licentie == "Natura 2000: RVO / PDOK; attributen: RCE (CC BY 4.0)"
    assert "RVO" in laag.bron and "RCE" in laag.bron
    assert laag.peildatum is not None
    assert laag.aantal_objecten == 160 - len(BUITEN)
    assert all(naam in laag.omschrijving for naam in BUITEN.values())


def test_seeding_twice_changes_nothing(session: Session) -> None:
    first = seed(session, GEODATA)
    assert first.referentielagen == 1
    laag = service.get_laag(session, "natura-2000")
    versie, trail = laag.versie, session.scalar(select(func.count()).select_from(Historie))
    assert seed(session, GEODATA).referentielagen == 0
    session.expire_all()
    assert service.get_laag(session, "natura-2000").versie == versie
    assert session.scalar(select(func.count()).select_from(Historie)) == trail
    # A deleted laag stays deleted: a beheerder restores it, not the seed.
    service.delete_laag(session, laag)
    assert seed(session, GEODATA).referentielagen == 0
