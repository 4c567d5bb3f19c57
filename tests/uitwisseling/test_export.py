"""The NOVEX export: valid against its schema, strict RFC 7946, and read back by GDAL."""

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, to_rd
from gebiedsregie.seed import seed
from gebiedsregie.uitwisseling.router import SCHEMA
from tests.conftest import GEODATA
from tests.factories import make_gebied, make_opgave

VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(SCHEMA.read_text()), format_checker=jsonschema.FormatChecker()
)
NUMBER = re.compile(r"-?\d+\.(\d+)")


def proefgebied(session: Session) -> None:
    make_gebied(session)
    make_opgave(session, box(173_000, 447_000, 175_000, 449_000), titel="Wonen Oost", horizon=None)
    make_opgave(
        session,
        box(174_000, 448_000, 176_000, 450_000),
        titel="Natuur & water <'\"",
        thema="natuur",
        trekker="waterschap",
        status="uitvoering",
        ruimtevraag_ha=12.5,
        extern_id="natuur-1",
    )
    make_opgave(
        session,
        box(174_500, 448_500, 175_500, 449_500).difference(box(174_900, 448_900, 175_100, 449_100)),
        titel="Energie met gat",
        thema="energie",
        trekker="provincie",
        status="verkenning",
    )


def export(client: TestClient, **params: Any) -> Any:
    response = client.get("/api/v1/gebieden/proefgebied/export", params=params)
    assert response.status_code == 200, response.text
    return response


def features_of(collection: dict[str, Any], laag: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["properties"]["laag"] == laag]


def rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [ring for polygon in polygons for ring in polygon]


def check_rfc7946(text: str, collection: dict[str, Any], max_decimals: int) -> None:
    assert "crs" not in collection
    check_strict(text, collection, max_decimals)


def check_strict(text: str, collection: dict[str, Any], max_decimals: int) -> None:
    """Rings valid, closed once, anticlockwise outside, on the grid of `max_decimals`."""
    coordinates = "".join(re.findall(r'"coordinates":\s*(\[[^}]*\])', text))
    decimals = max((len(m) for m in NUMBER.findall(coordinates)), default=0)
    assert decimals <= max_decimals
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
        polygons = getattr(geometry, "geoms", [geometry])
        for polygon in polygons:
            assert polygon.exterior.is_ccw, feature["id"]
            assert all(not interior.is_ccw for interior in polygon.interiors)
        for ring in rings(feature["geometry"]):
            assert ring[0] == ring[-1] and len(ring) >= 4
            assert all(a != b for a, b in pairwise(ring)), "repeated vertex"


def test_geojson_export_is_valid_strict_and_complete(client: TestClient, session: Session) -> None:
    proefgebied(session)
    response = export(client)
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["content-crs"] == f"<{CRS84.uri}>"
    assert 'filename="proefgebied-novex-crs84-' in response.headers["content-disposition"]
    collection = response.json()
    VALIDATOR.validate(collection)
    check_rfc7946(response.text, collection, 7)

    meta = collection["novex"]
    assert meta["gebied"]["slug"] == "proefgebied"
    assert meta["crs"] == CRS84.uri
    assert meta["aantallen"] == {
        "gebied": 1,
        "opgave": 3,
        "stapeling": len(features_of(collection, "stapeling")),
    }
    assert any("CBS" in b for b in meta["bronnen"])
    stapeling = client.get("/api/v1/gebieden/proefgebied/stapeling").json()
    assert meta["aantallen"]["stapeling"] == stapeling["numberMatched"]
    titels = {f["properties"]["titel"] for f in features_of(collection, "opgave")}
    assert titels == {"Wonen Oost", "Natuur & water <'\"", "Energie met gat"}
    deepest = max(f["properties"]["aantal"] for f in features_of(collection, "stapeling"))
    assert deepest == 3
    # Areas: the geometry (back in RD) matches the stated hectares within 0.01%.
    for feature in collection["features"]:
        stated = feature["properties"]["oppervlakte_ha"]
        measured = to_rd(shape(feature["geometry"]), CRS84).area / 10_000
        assert measured == pytest.approx(stated, rel=1e-4, abs=1e-4), feature["id"]


def test_geojson_export_in_rd(client: TestClient, session: Session) -> None:
    proefgebied(session)
    response = export(client, crs=RD.uri)
    assert response.headers["content-crs"] == f"<{RD.uri}>"
    assert 'filename="proefgebied-novex-rd-' in response.headers["content-disposition"]
    collection = response.json()
    VALIDATOR.validate(collection)
    # Not RFC 7946 (which knows only CRS84): the legacy member says where the metres belong.
    assert collection["crs"] == {
        "type": "name",
        "properties": {"name": "urn:ogc:def:crs:EPSG::28992"},
    }
    check_strict(response.text, collection, 3)
    assert collection["novex"]["crs"] == RD.uri
    for feature in collection["features"]:
        measured = shape(feature["geometry"]).area / 10_000
        assert measured == pytest.approx(feature["properties"]["oppervlakte_ha"], rel=1e-4)


def test_filters_shape_the_export(client: TestClient, session: Session) -> None:
    proefgebied(session)
    collection = export(client, thema=["natuur", "energie"]).json()
    VALIDATOR.validate(collection)
    assert collection["novex"]["filters"]["thema"] == ["energie", "natuur"]
    assert {f["properties"]["thema"] for f in features_of(collection, "opgave")} == {
        "natuur",
        "energie",
    }
    assert max(f["properties"]["aantal"] for f in features_of(collection, "stapeling")) == 2


def read_back(path: Path, layer: str | None = None) -> Any:
    return pyogrio.read_dataframe(path, layer=layer)


def test_geojson_export_reads_back_with_gdal(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    proefgebied(session)
    collection = export(client).json()
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps(collection))
    frame = read_back(path)
    assert len(frame) == len(collection["features"])
    assert frame.crs.to_epsg() == 4326
    assert list(frame["laag"]).count("opgave") == 3
    opgaven = frame[frame["laag"] == "opgave"].set_index("titel")
    assert opgaven.loc["Natuur & water <'\"", "ruimtevraag_ha"] == 12.5
    assert opgaven.loc["Natuur & water <'\"", "extern_id"] == "natuur-1"
    areas = frame.to_crs(28992).area / 10_000
    assert np.allclose(areas, frame["oppervlakte_ha"], rtol=1e-4, atol=1e-4)


def test_geopackage_export_reads_back_with_gdal(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    proefgebied(session)
    geojson = export(client).json()
    response = export(client, formaat="gpkg")
    assert response.headers["content-type"] == "application/geopackage+sqlite3"
    assert response.headers["content-crs"] == f"<{RD.uri}>"
    path = tmp_path / "export.gpkg"
    path.write_bytes(response.content)
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "gebied": "MultiPolygon",
        "opgave": "MultiPolygon",
        "stapeling": "MultiPolygon",
    }
    metadata = pyogrio.read_info(path, layer="gebied")["dataset_metadata"]
    assert json.loads(metadata["profiel"]) == "gebiedsregie-novex"
    for laag in ("gebied", "opgave", "stapeling"):
        frame = read_back(path, laag)
        expected = features_of(geojson, laag)
        assert frame.crs.to_epsg() == 28992
        assert len(frame) == len(expected)
        assert np.allclose(frame.area / 10_000, frame["oppervlakte_ha"], rtol=1e-4)
    opgaven = read_back(path, "opgave").set_index("titel")
    assert opgaven.loc["Natuur & water <'\"", "trekker"] == "waterschap"
    assert opgaven.loc["Natuur & water <'\"", "ruimtevraag_ha"] == 12.5
    stapeling = read_back(path, "stapeling")
    deepest = stapeling.loc[stapeling["aantal"].idxmax()]
    assert sorted(deepest["themas"].split(";")) == ["energie", "natuur", "wonen"]
    assert len(deepest["opgaven"].split(";")) == 3


@pytest.mark.parametrize("slug", ["food-valley", "zuidoost-drenthe", "chemelot"])
def test_export_of_the_voorbeeldgebieden(client: TestClient, session: Session, slug: str) -> None:
    # Chemelot's boundary once made GEOS's snap rounding fail: the export must not.
    seed(session, GEODATA)
    response = client.get(f"/api/v1/gebieden/{slug}/export")
    collection = response.json()
    VALIDATOR.validate(collection)
    check_rfc7946(response.text, collection, 7)
    assert collection["novex"]["weggelaten"] == 0
    gebied = features_of(collection, "gebied")[0]
    measured = to_rd(shape(gebied["geometry"]), CRS84).area / 10_000
    assert measured == pytest.approx(gebied["properties"]["oppervlakte_ha"], rel=1e-4)
    stapeling = features_of(collection, "stapeling")
    total = sum(f["properties"]["oppervlakte_ha"] for f in stapeling)
    union = shapely.union_all([to_rd(shape(f["geometry"]), CRS84) for f in stapeling]).area
    assert union / 10_000 == pytest.approx(total, rel=1e-4)


def test_export_errors(client: TestClient, session: Session) -> None:
    proefgebied(session)
    missing = client.get("/api/v1/gebieden/bestaat-niet/export")
    assert missing.status_code == 404
    bad = client.get("/api/v1/gebieden/proefgebied/export", params={"formaat": "shp"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["name"] == "formaat"
    schema = client.get("/api/v1/schemas/novex-export.json")
    assert schema.status_code == 200 and schema.json()["$id"].endswith("export.json")
