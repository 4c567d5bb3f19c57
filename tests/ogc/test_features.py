"""OGC API - Features: each requirement we claim, against the app in process."""

import re
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, ETRS89, RD, from_rd, to_rd
from gebiedsregie.ogc.router import CONFORMANCE
from tests.factories import make_gebied, make_opgave

GEOJSON = "application/geo+json"


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


def rels(body: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for link in body["links"]:
        found.setdefault(link["rel"], []).append(link)
    return found


def fixture_data(session: Session) -> None:
    make_gebied(session)
    make_opgave(session, titel="Wonen 2030", thema="wonen", horizon=2030)
    make_opgave(
        session,
        box(174_500, 448_500, 175_500, 449_500),
        titel="Natuur 2040",
        thema="natuur",
        status="uitvoering",
        horizon=2040,
    )
    make_opgave(
        session,
        box(180_000, 455_000, 181_000, 456_000),
        titel="Energie ver weg",
        thema="energie",
        trekker="rijk",
        horizon=None,
    )


def test_landing_page(client: TestClient) -> None:
    body = get(client, "/ogc").json()
    links = rels(body)
    for rel in ("self", "alternate", "service-desc", "conformance", "data"):
        assert rel in links, rel
    assert links["service-desc"][0]["type"].startswith("application/vnd.oai.openapi+json")
    assert all(link["href"].startswith("http") for link in body["links"])
    api = get(client, "/ogc/api")
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    paths = api.json()["paths"]
    assert "/ogc/collections/{collection_id}/items" in paths
    # And the items once more where GDAL looks for them, relative to the landing page.
    gdal = {"/collections/{collectionId}/items"}
    assert all(path.startswith("/ogc") for path in set(paths) - gdal)
    assert paths["/collections/{collectionId}/items"]["servers"][0]["url"].endswith("/ogc")


def test_conformance(client: TestClient) -> None:
    body = get(client, "/ogc/conformance").json()
    assert body["conformsTo"] == CONFORMANCE
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in body["conformsTo"]


def test_collections(client: TestClient, session: Session) -> None:
    fixture_data(session)
    body = get(client, "/ogc/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids[:2] == ["gebieden", "opgaven"] and ids[-1] == "stapeling"
    assert "opgaven-wonen" in ids and "opgaven-water-bodem" in ids
    for collection in body["collections"]:
        assert collection["itemType"] == "feature"
        assert collection["storageCrs"] == RD.uri
        assert set(collection["crs"]) == {CRS84.uri, RD.uri, ETRS89.uri}
        links = rels(collection)
        assert {link["type"] for link in links["items"]} == {
            GEOJSON,
            "text/html",
            "application/vnd.ogc.fg+json",
        }
    wonen = get(client, "/ogc/collections/opgaven-wonen").json()
    assert wonen["extent"]["temporal"]["interval"] == [
        ["2030-01-01T00:00:00Z", "2030-12-31T23:59:59Z"]
    ]
    minx, miny, maxx, maxy = wonen["extent"]["spatial"]["bbox"][0]
    ede = from_rd(box(174_000, 448_000, 175_000, 449_000), CRS84)
    assert shapely.box(minx, miny, maxx, maxy).contains(ede.buffer(-1e-6))
    assert client.get("/ogc/collections/bestaat-niet").status_code == 404


def test_items_paging_and_links(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture_data(session)
    first = get(client, "/ogc/collections/opgaven/items", limit=2)
    assert first.headers["content-type"].startswith(GEOJSON)
    assert first.headers["content-crs"] == f"<{CRS84.uri}>"
    body = first.json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (3, 2)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["timeStamp"])
    links = rels(body)
    assert {"self", "alternate", "next", "collection"} <= set(links)
    assert "prev" not in links
    second = client.get(links["next"][0]["href"]).json()
    assert second["numberReturned"] == 1 and "next" not in rels(second)
    assert "prev" in rels(second)
    seen = [f["id"] for f in body["features"] + second["features"]]
    assert len(set(seen)) == 3
    # The default limit is 10; a larger limit than the maximum is brought back to it.
    assert get(client, "/ogc/collections/opgaven/items").json()["numberReturned"] == 3
    monkeypatch.setattr("gebiedsregie.ogc.router.LIMIT_MAX", 2)
    clamped = get(client, "/ogc/collections/opgaven/items", limit=50_000).json()
    assert clamped["numberReturned"] == 2
    assert "limit=2" in rels(clamped)["next"][0]["href"]
    assert client.get("/ogc/collections/opgaven/items", params={"limit": 0}).status_code == 400


def test_bbox_in_each_crs(client: TestClient, session: Session) -> None:
    fixture_data(session)
    far = box(179_900, 454_900, 181_100, 456_100)

    def titles(**params: Any) -> set[str]:
        body = get(client, "/ogc/collections/opgaven/items", **params).json()
        return {f["properties"]["titel"] for f in body["features"]}

    lon_lat = from_rd(far, CRS84).bounds
    assert titles(bbox=",".join(map(str, lon_lat))) == {"Energie ver weg"}
    assert titles(bbox=",".join(map(str, far.bounds)), **{"bbox-crs": RD.uri}) == {
        "Energie ver weg"
    }
    lat_lon = from_rd(far, ETRS89).bounds  # EPSG:4258 is latitude first
    assert lat_lon[0] > 50  # a latitude
    assert titles(bbox=",".join(map(str, lat_lon)), **{"bbox-crs": ETRS89.uri}) == {
        "Energie ver weg"
    }
    with_heights = f"{lon_lat[0]},{lon_lat[1]},0,{lon_lat[2]},{lon_lat[3]},100"
    assert titles(bbox=with_heights) == {"Energie ver weg"}
    bad = client.get("/ogc/collections/opgaven/items", params={"bbox": "1,2,3"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["name"] == "bbox"
    # Beyond the Netherlands: cut to it before going to RD (it was garbled, or a 500).
    everything = {"Wonen 2030", "Natuur 2040", "Energie ver weg"}
    assert titles(bbox="-180,-90,180,90") == everything
    assert titles(bbox="-90,-180,90,180", **{"bbox-crs": ETRS89.uri}) == everything
    assert titles(bbox="-1e308,-1e308,1e308,1e308") == everything
    assert titles(bbox="100,10,101,11") == set()


def test_crs_of_the_response(client: TestClient, session: Session) -> None:
    fixture_data(session)
    for crs, x_range in ((RD, (170_000, 190_000)), (ETRS89, (51, 53)), (CRS84, (5, 6))):
        response = get(client, "/ogc/collections/opgaven/items", crs=crs.uri)
        assert response.headers["content-crs"] == f"<{crs.uri}>"
        feature = response.json()["features"][0]
        x, _ = feature["geometry"]["coordinates"][0][0][0]
        assert x_range[0] < x < x_range[1], crs.uri  # EPSG:4258: latitude first
        area = to_rd(shape(feature["geometry"]), crs).area / 10_000
        assert area == pytest.approx(feature["properties"]["oppervlakte_ha"], rel=1e-4)
    curie = get(client, "/ogc/collections/opgaven/items", crs="[EPSG:28992]")
    assert curie.headers["content-crs"] == f"<{RD.uri}>"
    refused = client.get("/ogc/collections/opgaven/items", params={"crs": "EPSG:3857"})
    assert refused.status_code == 400


def test_datetime_filters_on_horizon(client: TestClient, session: Session) -> None:
    fixture_data(session)

    def titles(value: str) -> set[str]:
        body = get(client, "/ogc/collections/opgaven/items", datetime=value).json()
        return {f["properties"]["titel"] for f in body["features"]}

    assert titles("2030-06-01") == {"Wonen 2030"}
    assert titles("2029-01-01/2035-12-31") == {"Wonen 2030"}
    assert titles("../2045-01-01") == {"Wonen 2030", "Natuur 2040"}
    assert titles("2035-01-01T00:00:00Z/..") == {"Natuur 2040"}
    # QGIS writes an open start as year 0000.
    assert titles("0000-01-01T00:00:00Z/2035-12-31T00:00:00Z") == {"Wonen 2030"}
    for bad in ("gisteren", "2040-01-01/2030-01-01", "a/b/c"):
        response = client.get("/ogc/collections/opgaven/items", params={"datetime": bad})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["name"] == "datetime"


def test_property_filters_and_unknown_parameters(client: TestClient, session: Session) -> None:
    fixture_data(session)

    def titles(collection: str = "opgaven", **params: Any) -> set[str]:
        body = get(client, f"/ogc/collections/{collection}/items", **params).json()
        return {f["properties"]["titel"] for f in body["features"]}

    assert titles(thema="natuur") == {"Natuur 2040"}
    assert titles(status="uitvoering") == {"Natuur 2040"}
    assert titles(trekker="rijk") == {"Energie ver weg"}
    assert titles(gebied="proefgebied") == {"Wonen 2030", "Natuur 2040"}
    assert titles("opgaven-energie") == {"Energie ver weg"}
    for params in ({"onzin": "1"}, {"thema": "ruimtevaart"}, {"status": "klaar"}):
        response = client.get("/ogc/collections/opgaven/items", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/problem+json"
    # A thema collection takes no thema filter; gebieden take soort.
    assert client.get("/ogc/collections/opgaven-wonen/items?thema=wonen").status_code == 400
    gebieden = get(client, "/ogc/collections/gebieden/items", soort="eigen").json()
    assert gebieden["numberMatched"] == 1


def test_stapeling_collection(client: TestClient, session: Session) -> None:
    fixture_data(session)
    body = get(client, "/ogc/collections/stapeling/items", gebied="proefgebied", limit=100).json()
    assert body["numberMatched"] == len(body["features"]) > 0
    deepest = max(body["features"], key=lambda f: f["properties"]["aantal"])
    assert deepest["properties"]["aantal"] == 2
    assert deepest["properties"]["gebied"] == "proefgebied"
    deep_only = get(client, "/ogc/collections/stapeling/items", min_aantal=2).json()
    assert {f["properties"]["aantal"] for f in deep_only["features"]} == {2}
    one = get(client, f"/ogc/collections/stapeling/items/{deepest['id']}").json()
    assert one["properties"] == deepest["properties"]
    assert client.get("/ogc/collections/stapeling/items/proefgebied.9999").status_code == 404
    # Digits of other scripts, superscripts and numbers past 64 bits are no face numbers.
    for nr in ("²", "٣", "99999999999999999999999", "-1", ""):
        assert client.get(f"/ogc/collections/stapeling/items/proefgebied.{nr}").status_code == 404
    assert client.get("/ogc/collections/stapeling/items?min_aantal=0").status_code == 400


def test_single_items(client: TestClient, session: Session) -> None:
    fixture_data(session)
    listed = get(client, "/ogc/collections/opgaven-natuur/items").json()["features"][0]
    one = get(client, f"/ogc/collections/opgaven-natuur/items/{listed['id']}")
    assert one.headers["content-type"].startswith(GEOJSON)
    body = one.json()
    assert body["id"] == listed["id"]
    assert {"self", "alternate", "collection"} <= set(rels(body))
    # The same opgave is not in another thema's collection.
    assert client.get(f"/ogc/collections/opgaven-wonen/items/{listed['id']}").status_code == 404
    assert client.get("/ogc/collections/opgaven/items/bestaat-niet").status_code == 404
    rd = get(client, f"/ogc/collections/opgaven/items/{listed['id']}", crs=RD.uri)
    assert rd.headers["content-crs"] == f"<{RD.uri}>"
    gebied = get(client, "/ogc/collections/gebieden/items/proefgebied").json()
    assert gebied["properties"]["slug"] == "proefgebied"


def test_html_views(client: TestClient, session: Session) -> None:
    fixture_data(session)
    make_opgave(session, titel="<script>alert(1)</script>", thema="wonen", extern_id="xss")
    for path in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/opgaven",
        "/ogc/collections/opgaven/items",
    ):
        page = client.get(path, params={"f": "html"})
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert "<script>alert(1)" not in page.text
    items = client.get("/ogc/collections/opgaven/items", params={"f": "html"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in items
    assert "leaflet.js" in items  # the map of the page's features
    browser = client.get("/ogc/collections", headers={"Accept": "text/html,*/*"})
    assert browser.headers["content-type"].startswith("text/html")
    machine = client.get("/ogc/collections", headers={"Accept": "application/json"})
    assert machine.headers["content-type"].startswith("application/json")


def test_an_offset_past_bigint_is_400(client: TestClient, session: Session) -> None:
    # PostgreSQL's OFFSET is a bigint: a larger offset was a 500.
    fixture_data(session)
    last = get(client, "/ogc/collections/opgaven/items", offset=2**63 - 1).json()
    assert last["numberReturned"] == 0
    past = client.get("/ogc/collections/opgaven/items", params={"offset": 2**63})
    assert past.status_code == 400
    assert [e["name"] for e in past.json()["errors"]] == ["offset"]


def test_min_aantal_must_be_an_integer_the_database_holds(
    client: TestClient, session: Session
) -> None:
    # Each was a 500: `aantal` is an integer column, and int("²") fails where isdigit() did not.
    fixture_data(session)
    for value in (str(2**31), "²"):
        response = client.get("/ogc/collections/stapeling/items", params={"min_aantal": value})
        assert response.status_code == 400, (value, response.text)
        assert [e["name"] for e in response.json()["errors"]] == ["min_aantal"]
