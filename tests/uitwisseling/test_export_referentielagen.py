"""The referentielagen in the NOVEX export: named with bron and licentie in every export (and
linked), their objecten cut to the gebied in the GeoPackage, read back with GDAL."""

import json
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.service import NieuwObject
from gebiedsregie.seed import seed
from tests.conftest import GEODATA
from tests.factories import EDE, multi
from tests.referentielagen.lagen import VAKKEN, make_laag
from tests.uitwisseling.test_export import VALIDATOR, export, proefgebied

LAAG = "referentielaag_beschermd_gebied"


def lagen(session: Session) -> None:
    """The proefgebied (EDE), a sturende laag meeting it (two of its three vakken) and an
    informatieve one beside it."""
    proefgebied(session)
    make_laag(session, bron="Provincie Gelderland", licentie="CC BY 4.0")
    make_laag(
        session,
        [box(180_000, 450_000, 181_000, 451_000)],
        naam="Ver weg",
        soort="informatief",
        kleur="#1565c0",
    )


def test_geojson_names_the_lagen_and_links_to_their_objecten(
    client: TestClient, session: Session
) -> None:
    lagen(session)
    collection = export(client).json()
    VALIDATOR.validate(collection)
    meta = collection["novex"]
    beschermd, ver = meta["referentielagen"]  # sturende first
    assert (beschermd["slug"], beschermd["soort"], ver["slug"]) == (
        "beschermd-gebied",
        "sturend",
        "ver-weg",
    )
    assert (beschermd["bron"], beschermd["licentie"]) == ("Provincie Gelderland", "CC BY 4.0")
    assert (beschermd["objecten_in_gebied"], ver["objecten_in_gebied"]) == (2, 0)
    # A laag in the gebied is a source of the file; one beside it is not.
    assert "Beschermd gebied: CC BY 4.0" in meta["bronnen"]
    assert not any("Ver weg" in b for b in meta["bronnen"])
    # No objecten in the GeoJSON (the file stays what is submitted) ...
    assert {f["properties"]["laag"] for f in collection["features"]} == {
        "gebied",
        "opgave",
        "stapeling",
    }
    assert "referentielaag_beschermd_gebied" not in meta["aantallen"]
    # ... but its links fetch them: the API's and the OGC API's, for the gebied's bbox in RD.
    api, ogc = beschermd["links"]
    assert api["href"].startswith("http://testserver/api/v1/referentielagen/beschermd-gebied/")
    assert "bbox=174000,448000,175000,449000" in api["href"] and RD.uri in api["href"]
    assert "/ogc/collections/referentielaag-beschermd-gebied/items?" in ogc["href"]
    for link in (api, ogc):
        found = client.get(link["href"]).json()
        assert {f["properties"]["naam"] for f in found["features"]} == {"Object 1", "Object 2"}


def test_geopackage_holds_each_laag_cut_to_the_gebied(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    lagen(session)
    path = tmp_path / "export.gpkg"
    path.write_bytes(export(client, formaat="gpkg").content)
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "gebied": "MultiPolygon",
        "opgave": "MultiPolygon",
        "stapeling": "MultiPolygon",
        LAAG: "MultiPolygon",
        "referentielaag_ver_weg": "MultiPolygon",
    }
    frame = pyogrio.read_dataframe(path, layer=LAAG).set_index("naam")
    assert frame.crs.to_epsg() == 28992
    assert sorted(frame.index) == ["Object 1", "Object 2"]
    # Cut to the gebied: each part is the object's intersection with EDE, computed here.
    for naam, vak in (("Object 1", VAKKEN[0]), ("Object 2", VAKKEN[1])):
        expected = vak.intersection(EDE)
        assert frame.loc[naam, "geometry"].symmetric_difference(expected).area < 1.0
        assert frame.loc[naam, "oppervlakte_in_gebied_ha"] == pytest.approx(expected.area / 1e4)
    assert frame.loc["Object 2", "extern_id"] == "2"
    assert frame.loc["Object 2", "nr"] == 2 and frame.loc["Object 2", "klasse"] == "A"
    assert frame["nr"].dtype.kind == "i"
    assert len(pyogrio.read_dataframe(path, layer="referentielaag_ver_weg")) == 0

    info = pyogrio.read_info(path, layer=LAAG)
    assert info["layer_metadata"]["soort"] == "sturend"
    assert info["layer_metadata"]["licentie"] == "CC BY 4.0"
    assert info["layer_metadata"]["bron"] == "Provincie Gelderland"
    metadata = {k: json.loads(v) for k, v in info["dataset_metadata"].items()}
    assert metadata["aantallen"][LAAG] == 2
    assert metadata["aantallen"]["referentielaag_ver_weg"] == 0
    assert [r["slug"] for r in metadata["referentielagen"]] == ["beschermd-gebied", "ver-weg"]


def test_source_attributes_never_clash_with_the_columns(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    proefgebied(session)
    laag = service.create_laag(
        session, {"naam": "Lastig", "soort": "informatief", "kleur": "#607d8b"}
    )
    eigenschappen: dict[str, Any] = {
        "naam": "Anders",
        "id": 7,
        "FID": 3,
        "lijst": [1, "twee"],
        "ja": True,
        "getal": 1.5,
    }
    service.replace_objecten(
        session, laag, [[NieuwObject(multi(EDE), "Lastig vlak", "x-1", eigenschappen)]]
    )
    path = tmp_path / "export.gpkg"
    path.write_bytes(export(client, formaat="gpkg").content)
    [row] = pyogrio.read_dataframe(path, layer="referentielaag_lastig").to_dict("records")
    assert (row["naam"], row["extern_id"], row["bron_naam"]) == ("Lastig vlak", "x-1", "Anders")
    assert (row["bron_id"], row["bron_FID"], row["getal"]) == (7, 3, 1.5)
    assert json.loads(row["lijst"]) == [1, "twee"] and bool(row["ja"]) is True
    assert row["oppervlakte_in_gebied_ha"] == pytest.approx(100.0)


def test_food_valley_holds_natura_2000_as_the_seed_has_it(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    seed(session, GEODATA)
    path = tmp_path / "fv.gpkg"
    path.write_bytes(client.get("/api/v1/gebieden/food-valley/export?formaat=gpkg").content)
    natura = pyogrio.read_dataframe(path, layer="referentielaag_natura_2000")
    assert "Veluwe" in set(natura["naam"])
    gebied = gebieden_service.gebied_shape(gebieden_service.get_gebied(session, "food-valley"))
    # Inside the gebied, to the export's mm grid (along the whole boundary) ...
    assert natura.union_all().difference(gebied).area < gebied.length * 0.001
    # ... and all of the laag that is there: the union of the whole objecten, cut here.
    laag = service.get_laag(session, "natura-2000")
    rows, _ = service.list_objecten(session, laag, 1_000, 0, shapely.box(*gebied.bounds))
    expected = shapely.union_all([shape for _, shape in rows]).intersection(gebied)
    assert natura.union_all().area == pytest.approx(expected.area, rel=1e-4)
    assert natura["oppervlakte_in_gebied_ha"].sum() == pytest.approx(natura.area.sum() / 1e4)
