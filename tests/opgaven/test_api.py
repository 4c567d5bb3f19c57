"""CRUD, CRS round trips, filters and paging of /api/v1/opgaven against real PostGIS."""

import uuid

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import Polygon, box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, from_rd
from tests.factories import (
    EDE,
    RD_HEADERS,
    RD_URI,
    feature,
    make_gebied,
    make_opgave,
    opgave_properties,
)

# An irregular polygon (counter-clockwise, with a hole) given to sub-millimetre precision.
SHELL_RD = [
    (174_100.1234, 448_100.5678),
    (174_900.4321, 448_150.8765),
    (174_950.0001, 448_800.9999),
    (174_500.5555, 448_950.4444),
    (174_050.7777, 448_700.3333),
    (174_100.1234, 448_100.5678),
]
HOLE_RD = [
    (174_400.0, 448_400.0),
    (174_400.0, 448_500.0),
    (174_500.0, 448_500.0),
    (174_500.0, 448_400.0),
    (174_400.0, 448_400.0),
]


def _post(client: TestClient, body: dict, **kwargs) -> dict:
    response = client.post("/api/v1/opgaven", json=body, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def _vertices(geojson: dict) -> list[tuple[float, float]]:
    return [tuple(c) for c in shapely.get_coordinates(shape(geojson)).tolist()]


def test_create_read_update_delete(client: TestClient) -> None:
    created = _post(client, feature(EDE, **opgave_properties(ruimtevraag_ha=12.5)))
    props = created["properties"]
    assert created["id"] == props["id"]
    assert props["titel"] == "Natuurverbinding Grift"
    assert props["versie"] == 1
    assert props["oppervlakte_ha"] == pytest.approx(100.0, abs=0.01)
    assert props["ruimtevraag_ha"] == 12.5
    url = f"/api/v1/opgaven/{created['id']}"

    got = client.get(url)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/geo+json"
    assert got.headers["etag"] == '"1"'
    assert got.json()["properties"] == props

    patched = client.patch(url, json={"type": "Feature", "properties": {"status": "uitvoering"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["status"] == "uitvoering"
    assert patched.json()["properties"]["titel"] == "Natuurverbinding Grift"
    assert patched.json()["properties"]["versie"] == 2

    replaced = client.put(
        url,
        json=feature(box(174_000, 448_000, 174_500, 448_500), **opgave_properties(titel="Kleiner")),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["properties"]["titel"] == "Kleiner"
    assert replaced.json()["properties"]["status"] == "verkenning"  # PUT replaces all
    assert replaced.json()["properties"]["ruimtevraag_ha"] is None
    assert replaced.json()["properties"]["oppervlakte_ha"] == pytest.approx(25.0, abs=0.01)
    assert replaced.json()["properties"]["versie"] == 3

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 410  # deleted softly: a beheerder can restore it
    assert client.delete(url).status_code == 410


def test_patch_geometry_only_keeps_properties(client: TestClient) -> None:
    created = _post(client, feature(EDE, **opgave_properties()))
    url = f"/api/v1/opgaven/{created['id']}"
    smaller = box(174_000, 448_000, 174_200, 448_200)
    patched = client.patch(
        url,
        json={"type": "Feature", "geometry": feature(smaller)["geometry"]},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["oppervlakte_ha"] == pytest.approx(4.0, abs=0.01)
    assert patched.json()["properties"]["titel"] == "Natuurverbinding Grift"


def test_patch_null_clears_optional_and_refuses_required(client: TestClient) -> None:
    created = _post(client, feature(EDE, **opgave_properties(beschrijving="x")))
    url = f"/api/v1/opgaven/{created['id']}"
    cleared = client.patch(
        url, json={"type": "Feature", "properties": {"horizon": None, "beschrijving": None}}
    )
    assert cleared.status_code == 200
    assert cleared.json()["properties"]["horizon"] is None
    assert cleared.json()["properties"]["beschrijving"] == ""
    refused = client.patch(url, json={"type": "Feature", "properties": {"titel": None}})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["name"] == "properties.titel"


def test_round_trip_in_rd_within_a_millimetre(client: TestClient) -> None:
    geom = Polygon(SHELL_RD, [HOLE_RD])
    body = feature({"type": "Polygon", "coordinates": [SHELL_RD, HOLE_RD]}, **opgave_properties())
    created = _post(client, body, headers=RD_HEADERS, params={"crs": RD_URI})
    assert created["geometry"]["type"] == "MultiPolygon"
    got = client.get(f"/api/v1/opgaven/{created['id']}", params={"crs": RD_URI})
    assert got.headers["content-crs"] == f"<{RD_URI}>"
    sent, back = _vertices(body["geometry"]), _vertices(got.json()["geometry"])
    assert len(sent) == len(back)
    for (x0, y0), (x1, y1) in zip(sent, back, strict=True):
        assert abs(x0 - x1) <= 0.001 and abs(y0 - y1) <= 0.001
    assert got.json()["properties"]["oppervlakte_ha"] == pytest.approx(geom.area / 10_000, abs=1e-4)


def test_round_trip_in_crs84_within_1e7_degrees(client: TestClient) -> None:
    geom84 = from_rd(Polygon(SHELL_RD, [HOLE_RD]), CRS84)
    body = feature(dict(shapely.geometry.mapping(geom84)), **opgave_properties())
    created = _post(client, body)
    got = client.get(f"/api/v1/opgaven/{created['id']}")
    assert got.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    sent, back = _vertices(body["geometry"]), _vertices(got.json()["geometry"])
    assert len(sent) == len(back)
    for (x0, y0), (x1, y1) in zip(sent, back, strict=True):
        assert abs(x0 - x1) <= 1e-7 and abs(y0 - y1) <= 1e-7


def test_rfc7946_orientation_in_output(client: TestClient) -> None:
    clockwise = Polygon(list(reversed(SHELL_RD)))
    created = _post(client, feature(clockwise, **opgave_properties()))
    polygon = shape(created["geometry"]).geoms[0]
    assert polygon.exterior.is_ccw


def test_list_filters(client: TestClient, session: Session) -> None:
    make_opgave(
        session,
        titel="A wonen",
        thema="wonen",
        status="planvorming",
        trekker="gemeente",
        horizon=2030,
    )
    make_opgave(
        session,
        titel="B natuur",
        thema="natuur",
        status="verkenning",
        trekker="provincie",
        horizon=2040,
    )
    make_opgave(
        session,
        box(180_000, 450_000, 181_000, 451_000),
        titel="C energie",
        thema="energie",
        status="uitvoering",
        trekker="rijk",
        horizon=None,
    )

    def titels(**params) -> list[str]:
        response = client.get("/api/v1/opgaven", params=params)
        assert response.status_code == 200, response.text
        return [f["properties"]["titel"] for f in response.json()["features"]]

    assert titels() == ["A wonen", "B natuur", "C energie"]
    assert titels(thema=["wonen", "energie"]) == ["A wonen", "C energie"]
    assert titels(status="verkenning") == ["B natuur"]
    assert titels(trekker="rijk") == ["C energie"]
    assert titels(horizon=2035) == ["A wonen"]  # without a horizon, C does not qualify
    refused = client.get("/api/v1/opgaven", params={"horizon": 1800})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["name"] == "horizon"
    assert titels(bbox="179999,449999,182000,452000", **{"bbox-crs": RD_URI}) == ["C energie"]
    ede84 = from_rd(box(173_900, 447_900, 175_100, 449_100), CRS84).bounds
    assert titels(bbox=",".join(map(str, ede84))) == ["A wonen", "B natuur"]


def test_a_bbox_beyond_the_netherlands(client: TestClient, session: Session) -> None:
    # A world-wide bbox came out of RD garbled and matched nothing; a 1e308-wide one became
    # infinities and a 500 (found by fuzzing). Only far outside the Netherlands is nothing.
    make_opgave(session)
    for bbox, matched in (
        ("-180,-90,180,90", 1),
        ("-1e308,-1e308,1e308,1e308", 1),
        ("100,10,101,11", 0),
    ):
        response = client.get("/api/v1/opgaven", params={"bbox": bbox})
        assert response.status_code == 200, (bbox, response.text)
        assert response.json()["numberMatched"] == matched, bbox


def test_filter_by_gebied_uses_interiors(client: TestClient, session: Session) -> None:
    gebied = make_gebied(session, box(170_000, 440_000, 175_000, 449_000), slug="vallei")
    make_opgave(session, box(174_000, 448_000, 176_000, 450_000), titel="overlapt")
    make_opgave(session, box(175_000, 445_000, 176_000, 446_000), titel="raakt alleen de rand")
    make_opgave(session, box(190_000, 445_000, 191_000, 446_000), titel="ver weg")
    for key in ("vallei", str(gebied.id)):
        response = client.get("/api/v1/opgaven", params={"gebied": key})
        assert [f["properties"]["titel"] for f in response.json()["features"]] == ["overlapt"]
        assert response.json()["features"][0]["properties"]["gebieden"] == ["vallei"]
    unknown = client.get("/api/v1/opgaven", params={"gebied": "bestaat-niet"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["name"] == "gebied"


def test_paging(client: TestClient, session: Session) -> None:
    for i in range(7):
        make_opgave(session, titel=f"Opgave {i}")
    first = client.get("/api/v1/opgaven", params={"limit": 3}).json()
    assert first["numberMatched"] == 7 and first["numberReturned"] == 3
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert set(rels) == {"self", "next"}
    seen = [f["properties"]["titel"] for f in first["features"]]
    url = rels["next"]
    while url:
        page = client.get(url).json()
        seen += [f["properties"]["titel"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert seen == [f"Opgave {i}" for i in range(7)]
    last = client.get("/api/v1/opgaven", params={"limit": 3, "offset": 6}).json()
    assert {link["rel"] for link in last["links"]} == {"self", "prev"}


def test_paging_limits(client: TestClient) -> None:
    too_many = client.get("/api/v1/opgaven", params={"limit": 100_000})
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["name"] == "limit"
    bad = client.get("/api/v1/opgaven", params={"limit": 0, "offset": -1})
    assert bad.status_code == 400
    assert {e["name"] for e in bad.json()["errors"]} == {"limit", "offset"}


@pytest.mark.parametrize("path", ["/api/v1/opgaven", "/api/v1/gebieden", "/api/v1/historie"])
def test_an_offset_past_bigint_is_400(client: TestClient, path: str) -> None:
    # Found by fuzzing: PostgreSQL's OFFSET is a bigint, and a larger offset was a 500.
    last = client.get(path, params={"offset": 2**63 - 1})
    assert last.status_code == 200, last.text
    assert last.json()["numberReturned"] == 0
    past = client.get(path, params={"offset": 2**63})
    assert past.status_code == 400
    assert past.headers["content-type"] == "application/problem+json"
    assert [e["name"] for e in past.json()["errors"]] == ["offset"]


def test_nul_in_text_is_400(client: TestClient) -> None:
    # Found by fuzzing: PostgreSQL text cannot hold NUL (U+0000), and it was a 500.
    body = feature(EDE, **opgave_properties(titel="Ede\x00Oost", extern_id="a\x00"))
    response = client.post("/api/v1/opgaven", json=body)
    assert response.status_code == 400
    assert {e["name"] for e in response.json()["errors"]} == {
        "properties.titel",
        "properties.extern_id",
    }
    assert "NUL" in response.json()["errors"][0]["reason"]


def test_unknown_ids_are_404(client: TestClient) -> None:
    for key in (str(uuid.uuid4()), "geen-uuid"):
        response = client.get(f"/api/v1/opgaven/{key}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "bestaat niet" in response.json()["detail"]


def test_extern_id_is_unique(client: TestClient) -> None:
    _post(client, feature(EDE, **opgave_properties(extern_id="novex:1")))
    again = client.post(
        "/api/v1/opgaven", json=feature(EDE, **opgave_properties(extern_id="novex:1"))
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["name"] == "properties.extern_id"


def test_read_only_fields_may_be_echoed(client: TestClient) -> None:
    created = _post(client, feature(EDE, **opgave_properties()))
    echoed = dict(created)
    echoed["properties"] = {**created["properties"], "titel": "Nieuw"}
    response = client.put(f"/api/v1/opgaven/{created['id']}", json=echoed)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["titel"] == "Nieuw"


def test_themas(client: TestClient) -> None:
    themas = client.get("/api/v1/themas").json()
    codes = [t["code"] for t in themas]
    for code in (
        "wonen",
        "energie",
        "landbouw",
        "natuur",
        "water-bodem",
        "bereikbaarheid",
        "economie",
        "leefbaarheid",
    ):
        assert code in codes
    assert all(t["kleur"].startswith("#") and len(t["kleur"]) == 7 for t in themas)
