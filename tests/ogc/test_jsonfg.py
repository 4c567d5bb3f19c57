"""JSON-FG output (draft 0.3) of the OGC API Features items."""

from pathlib import Path
from typing import Any

import pyogrio
import pytest
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, ETRS89, RD, from_rd, to_rd
from gebiedsregie.ogc import jsonfg
from gebiedsregie.ogc.router import CONFORMANCE
from tests.factories import make_gebied, make_opgave
from tests.ogc.test_features import fixture_data, rels

ITEMS = "/ogc/collections/opgaven/items"
CORE = "http://www.opengis.net/spec/json-fg-1/0.3/conf/core"
TYPES_SCHEMAS = "http://www.opengis.net/spec/json-fg-1/0.3/conf/types-schemas"


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in body["features"]}


def test_conformance_and_links_advertise_jsonfg(client: TestClient, session: Session) -> None:
    fixture_data(session)
    assert {CORE, TYPES_SCHEMAS} <= set(get(client, "/ogc/conformance").json()["conformsTo"])
    assert {CORE, TYPES_SCHEMAS} <= set(CONFORMANCE)
    collection = get(client, "/ogc/collections/opgaven").json()
    items = [link for link in collection["links"] if link["rel"] == "items"]
    assert any(
        link["type"] == jsonfg.MEDIA_TYPE and link["href"].endswith("/items?f=jsonfg")
        for link in items
    )
    geojson = get(client, ITEMS).json()
    alternates = {link["type"]: link["href"] for link in rels(geojson)["alternate"]}
    assert "f=jsonfg" in alternates[jsonfg.MEDIA_TYPE]


def test_rd_place_is_the_stored_geometry(client: TestClient, session: Session) -> None:
    fixture_data(session)
    response = get(client, ITEMS, f="jsonfg", crs=RD.uri)
    assert response.headers["content-type"] == jsonfg.MEDIA_TYPE_COMPATIBLE
    assert response.headers["content-crs"] == f"<{RD.uri}>"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["conformsTo"] == [CORE, TYPES_SCHEMAS]
    assert (body["featureType"], body["coordRefSys"]) == ("opgaven", RD.uri)
    assert (body["numberMatched"], body["numberReturned"]) == (3, 3)
    geojson_rd = by_id(get(client, ITEMS, crs=RD.uri).json())
    geojson_crs84 = by_id(get(client, ITEMS).json())
    for fid, feature in by_id(body).items():
        assert "conformsTo" not in feature  # only in the root object
        # place: exactly the RD coordinates the GeoJSON output in RD gives (easting, northing)
        assert feature["place"] == geojson_rd[fid]["geometry"]
        x, y = feature["place"]["coordinates"][0][0][0]
        assert 170_000 < x < 190_000 and 440_000 < y < 460_000
        # geometry: the CRS84 fallback, within 1 mm of the GeoJSON output in CRS84
        fallback = to_rd(shape(feature["geometry"]), CRS84)
        direct = to_rd(shape(geojson_crs84[fid]["geometry"]), CRS84)
        assert fallback.hausdorff_distance(direct) < 0.001
        assert feature["properties"] == geojson_rd[fid]["properties"]
    # the horizon as the feature's time, a year of dates; none without a horizon
    times = {f["properties"]["titel"]: f["time"] for f in body["features"]}
    assert times["Wonen 2030"] == {"interval": ["2030-01-01", "2030-12-31"]}
    assert times["Energie ver weg"] is None


def test_crs84_has_geometry_and_no_place(client: TestClient, session: Session) -> None:
    fixture_data(session)
    response = get(client, ITEMS, f="jsonfg")
    assert response.headers["content-type"] == jsonfg.MEDIA_TYPE
    body = response.json()
    assert body["coordRefSys"] == CRS84.uri
    geojson = by_id(get(client, ITEMS).json())
    for fid, feature in by_id(body).items():
        assert feature["place"] is None  # /req/core/place: no CRS84 in place
        assert feature["geometry"] == geojson[fid]["geometry"]


def test_etrs89_place_is_latitude_first(client: TestClient, session: Session) -> None:
    make_opgave(session, box(174_500, 448_500, 175_500, 449_500), titel="Natuur")
    body = get(client, ITEMS, f="jsonfg", crs=ETRS89.uri).json()
    assert body["coordRefSys"] == ETRS89.uri
    feature = body["features"][0]
    lat, lon = feature["place"]["coordinates"][0][0][0]
    assert 51 < lat < 53 and 5 < lon < 6  # EPSG:4258 axis order: latitude, longitude
    lon84, lat84 = feature["geometry"]["coordinates"][0][0][0]
    assert (lon84, lat84) == pytest.approx((lon, lat), abs=1e-5)  # same place, axes swapped
    corner = from_rd(box(174_500, 448_500, 175_500, 449_500), ETRS89)
    assert shape(feature["place"]).hausdorff_distance(corner) < 1e-7


def test_paging_links_stay_jsonfg(client: TestClient, session: Session) -> None:
    fixture_data(session)
    first = get(client, ITEMS, f="jsonfg", crs=RD.uri, limit=2).json()
    links = rels(first)
    assert links["self"][0]["type"] == jsonfg.MEDIA_TYPE
    assert {link["type"] for link in links["alternate"]} == {"application/geo+json", "text/html"}
    assert links["next"][0]["type"] == jsonfg.MEDIA_TYPE
    assert "f=jsonfg" in links["next"][0]["href"] and "prev" not in links
    second = client.get(links["next"][0]["href"])
    assert second.headers["content-type"] == jsonfg.MEDIA_TYPE_COMPATIBLE
    second_body = second.json()
    assert second_body["numberReturned"] == 1 and "prev" in rels(second_body)
    assert second_body["coordRefSys"] == RD.uri  # crs travels with the paging links
    seen = {f["id"] for f in first["features"] + second_body["features"]}
    assert len(seen) == 3


def test_single_item_and_accept_header(client: TestClient, session: Session) -> None:
    fixture_data(session)
    listed = get(client, ITEMS).json()["features"][0]
    path = f"{ITEMS}/{listed['id']}"
    response = client.get(path, params={"crs": RD.uri}, headers={"Accept": jsonfg.MEDIA_TYPE})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == jsonfg.MEDIA_TYPE_COMPATIBLE
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == listed["id"]
    assert feature["conformsTo"] == [CORE, TYPES_SCHEMAS]
    assert (feature["featureType"], feature["coordRefSys"]) == ("opgaven", RD.uri)
    assert feature["place"] == get(client, path, crs=RD.uri).json()["geometry"]
    assert rels(feature)["self"][0]["type"] == jsonfg.MEDIA_TYPE
    assert {"alternate", "collection"} <= set(rels(feature))
    # GeoJSON stays the default, and is what an Accept preferring it gets
    assert get(client, path).headers["content-type"].startswith("application/geo+json")
    geo_first = client.get(path, headers={"Accept": f"application/geo+json, {jsonfg.MEDIA_TYPE}"})
    assert geo_first.headers["content-type"].startswith("application/geo+json")
    # gebieden and the stapeling: featureType is the collection id, no time
    make_gebied(session, slug="tweede")
    gebied = get(client, "/ogc/collections/gebieden/items/proefgebied", f="jsonfg").json()
    assert (gebied["featureType"], gebied["time"]) == ("gebieden", None)


def test_every_collection_speaks_jsonfg(client: TestClient, session: Session) -> None:
    fixture_data(session)
    collections = get(client, "/ogc/collections").json()["collections"]
    for collection in collections:
        body = get(client, f"/ogc/collections/{collection['id']}/items", f="jsonfg").json()
        assert body["featureType"] == collection["id"], collection["id"]
        assert all("place" in f and "time" in f for f in body["features"])


def test_unknown_format_is_400(client: TestClient, session: Session) -> None:
    fixture_data(session)
    for path in (ITEMS, f"{ITEMS}/x", "/ogc/collections"):
        response = client.get(path, params={"f": "xml"})
        assert response.status_code == 400, path
        assert response.headers["content-type"].startswith("application/problem+json")
    # JSON-FG is a format of features only
    assert client.get("/ogc/collections", params={"f": "jsonfg"}).status_code == 400


def test_gdal_reads_rd_back(client: TestClient, session: Session, tmp_path: Path) -> None:
    assert "JSONFG" in pyogrio.list_drivers()  # fail, not skip, when the driver goes missing
    fixture_data(session)
    document = tmp_path / "opgaven.json"
    document.write_bytes(get(client, ITEMS, f="jsonfg", crs=RD.uri).content)
    info = pyogrio.read_info(document)
    assert info["driver"] == "JSONFG"
    assert info["crs"] == "EPSG:28992"
    assert info["features"] == 3
    frame = pyogrio.read_dataframe(document)
    minx, miny, maxx, maxy = frame.total_bounds  # place (RD) read, not the CRS84 fallback
    assert 170_000 < minx < maxx < 190_000 and 440_000 < miny < maxy < 460_000
