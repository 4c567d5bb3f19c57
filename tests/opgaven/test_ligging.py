"""Opgaven outside every gebied: meldingen on saving, a check without saving, a list."""

from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import Polygon, box
from shapely.geometry import mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.auth.models import Rol
from gebiedsregie.opgaven.ligging import DREMPEL_BUITEN
from gebiedsregie.opgaven.models import Opgave
from tests.factories import (
    EDE,
    RD_HEADERS,
    feature,
    make_gebied,
    make_opgave,
    opgave_properties,
    token_headers,
)

# Two gebieden side by side, 1 km x 1 km each (EDE is the western one).
OOST = box(175_000, 448_000, 176_000, 449_000)
FAR = box(180_000, 450_000, 181_000, 451_000)  # 5 km east, 1 km north of OOST


def gebieden(session: Session) -> None:
    make_gebied(session, EDE, slug="west", naam="Westgebied")
    make_gebied(session, OOST, slug="oost", naam="Oostgebied")


def save(client: TestClient, geom: Polygon) -> dict[str, Any]:
    body = feature(mapping(geom), **opgave_properties())
    response = client.post("/api/v1/opgaven", json=body, headers=RD_HEADERS)
    assert response.status_code == 201, response.text
    return response.json()


def check(client: TestClient, body: Any, **kwargs: Any) -> dict[str, Any]:
    response = client.post("/api/v1/opgaven/ligging", json=body, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict[str, Any]) -> list[str]:
    return [m["code"] for m in body.get("meldingen") or []]


def test_outside_every_gebied_is_said_and_saved(client: TestClient, session: Session) -> None:
    gebieden(session)
    saved = save(client, FAR)
    assert saved["properties"]["gebieden"] == []
    assert codes(saved) == ["buiten_gebieden"]
    reason = saved["meldingen"][0]["reason"]
    assert "buiten alle gebieden" in reason
    # The nearest is Oostgebied, from (176,000, 449,000) to (180,000, 450,000).
    assert "Oostgebied, op 4,1 km" in reason
    assert client.get(f"/api/v1/opgaven/{saved['id']}").status_code == 200


def test_without_any_gebied_nothing_is_named(client: TestClient) -> None:
    saved = save(client, FAR)
    assert codes(saved) == ["buiten_gebieden"]
    assert "dichtstbijzijnde" not in saved["meldingen"][0]["reason"]


def test_partly_outside_names_the_gebied_and_the_share(
    client: TestClient, session: Session
) -> None:
    make_gebied(session, EDE, slug="west", naam="Westgebied")
    saved = save(client, box(174_120, 448_000, 175_120, 449_000))  # 120 of 1,000 m outside
    assert saved["properties"]["gebieden"] == ["west"]
    assert saved["meldingen"] == [
        {
            "code": "deels_buiten_gebied",
            "reason": "12 % van deze opgave ligt buiten Westgebied; de stapeling van dat "
            "gebied telt alleen het deel erbinnen.",
        }
    ]


def test_across_two_gebieden(client: TestClient, session: Session) -> None:
    gebieden(session)
    inside = check(client, mapping(box(174_500, 448_000, 175_500, 449_000)), headers=RD_HEADERS)
    assert [(g["slug"], g["aandeel_binnen"]) for g in inside["gebieden"]] == [
        ("oost", 0.5),
        ("west", 0.5),
    ]
    assert inside["aandeel_buiten"] == 0 and inside["meldingen"] == []

    beyond = check(client, mapping(box(174_500, 448_500, 175_500, 449_125)), headers=RD_HEADERS)
    assert beyond["aandeel_buiten"] == pytest.approx(0.2)
    assert beyond["meldingen"][0]["reason"] == (
        "20 % van deze opgave ligt buiten Oostgebied en Westgebied; de stapeling van die "
        "gebieden telt alleen het deel erbinnen."
    )


@pytest.mark.parametrize(
    ("overshoot_m", "melding"),
    [(0.001, False), (0.004 * 1_000, False), (0.006 * 1_000, True), (0.7 * 1_000, True)],
)
def test_threshold(client: TestClient, session: Session, overshoot_m: float, melding: bool) -> None:
    # A millimetre over the border (what snapping leaves) is not worth a word; 0.6 % is.
    make_gebied(session, EDE, slug="west", naam="Westgebied")
    opgave = box(174_000, 448_000, 175_000 + overshoot_m, 449_000)
    body = check(client, mapping(opgave), headers=RD_HEADERS)
    share = overshoot_m / (1_000 + overshoot_m)
    assert body["aandeel_buiten"] == pytest.approx(share, abs=1e-4)
    assert (share > DREMPEL_BUITEN) == melding
    assert codes(body) == (["deels_buiten_gebied"] if melding else [])


def test_shares_agree_with_shapely(client: TestClient, session: Session) -> None:
    # An independent computation: shapely's overlay of the same shapes, to a square metre.
    west = Polygon([(173_000, 447_000), (175_200, 447_400), (174_800, 449_600), (173_300, 449_100)])
    oost = Polygon([(175_200, 447_400), (177_000, 447_000), (176_500, 449_900), (174_800, 449_600)])
    make_gebied(session, west, slug="west", naam="Westgebied")
    make_gebied(session, oost, slug="oost", naam="Oostgebied")
    for i in range(6):
        centre = shapely.Point(174_000 + 600 * i, 448_000 + 250 * i)
        opgave = shapely.set_precision(centre.buffer(700, quad_segs=32), 0.001)
        body = check(client, mapping(opgave), headers=RD_HEADERS)
        shares = {g["slug"]: g["aandeel_binnen"] for g in body["gebieden"]}
        for slug, gebied in (("west", west), ("oost", oost)):
            expected = opgave.intersection(gebied).area / opgave.area
            assert shares.get(slug, 0.0) == pytest.approx(expected, abs=1e-4), (i, slug)
        outside = opgave.difference(west.union(oost)).area / opgave.area
        assert body["aandeel_buiten"] == pytest.approx(outside, abs=1e-4), i


def test_every_write_says_where_the_opgave_lies(client: TestClient, session: Session) -> None:
    make_gebied(session, EDE, slug="west", naam="Westgebied")
    saved = save(client, EDE)
    assert "meldingen" not in saved
    url = f"/api/v1/opgaven/{saved['id']}"
    moved = client.put(url, json=feature(FAR, **opgave_properties()))
    assert codes(moved.json()) == ["buiten_gebieden"]
    renamed = client.patch(url, json={"type": "Feature", "properties": {"titel": "Elders"}})
    assert codes(renamed.json()) == ["buiten_gebieden"]
    back = client.patch(url, json={"type": "Feature", "geometry": mapping(EDE)}, headers=RD_HEADERS)
    assert back.status_code == 200 and codes(back.json()) == []


def test_a_repair_comes_first(client: TestClient, session: Session) -> None:
    make_gebied(session, EDE, slug="west", naam="Westgebied")
    bowtie = Polygon(
        [(174_000, 448_000), (175_000, 449_000), (175_000, 448_000), (174_000, 449_000)]
    )
    saved = save(client, bowtie)
    assert codes(saved) == ["geometrie_hersteld"]
    far_bowtie = shapely.affinity.translate(bowtie, 10_000, 0)
    assert codes(save(client, far_bowtie)) == ["geometrie_hersteld", "buiten_gebieden"]
    body = check(client, feature(mapping(far_bowtie)), headers=RD_HEADERS)
    assert codes(body) == ["geometrie_hersteld", "buiten_gebieden"]


def test_check_stores_nothing_and_takes_a_feature_or_geometry(
    client: TestClient, session: Session
) -> None:
    gebieden(session)
    before = session.scalar(select(func.count()).select_from(Opgave))
    from_feature = check(client, feature(box(174_120, 448_000, 175_000, 449_000)))  # CRS84
    from_geometry = check(
        client, mapping(box(174_120, 448_000, 175_000, 449_000)), headers=RD_HEADERS
    )
    assert session.scalar(select(func.count()).select_from(Opgave)) == before
    for body in (from_feature, from_geometry):
        assert set(body) == {"gebieden", "aandeel_buiten", "meldingen"}
        [west] = body["gebieden"]
        assert set(west) == {"id", "slug", "naam", "aandeel_binnen"}
        assert (west["slug"], west["naam"]) == ("west", "Westgebied")
        assert west["aandeel_binnen"] == pytest.approx(1.0, abs=1e-4)
        assert body["meldingen"] == []


def test_check_refuses_what_saving_refuses(client: TestClient, settings: Any) -> None:
    cases = [
        ({"type": "Point", "coordinates": [5.7, 52.0]}, "geometry.type", "geen_vlak"),
        ({"type": "Feature", "properties": {}}, "geometry", "verplicht"),
        ([1, 2, 3], "geometry", "verplicht"),
        (mapping(box(0, 0, 1, 1)), "geometry", "buiten_nederland"),
    ]
    for body, name, code in cases:
        response = client.post("/api/v1/opgaven/ligging", json=body)
        assert response.status_code == 400, body
        error = response.json()["errors"][0]
        assert (error["name"], error["code"]) == (name, code), error
    many = shapely.Point(174_500, 448_500).buffer(400, quad_segs=settings.max_vertices // 4 + 1)
    too_many = client.post("/api/v1/opgaven/ligging", json=mapping(many), headers=RD_HEADERS)
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["code"] == "te_veel_hoekpunten"
    wrong_crs = client.post(
        "/api/v1/opgaven/ligging", json=mapping(EDE), headers={"Content-Crs": "EPSG:4326"}
    )
    assert wrong_crs.status_code == 400
    assert wrong_crs.json()["errors"][0]["name"] == "Content-Crs"


def test_check_needs_a_planner(
    anonymous_client: TestClient, session: Session, client: TestClient
) -> None:
    body = mapping(EDE)
    anonymous = anonymous_client.post("/api/v1/opgaven/ligging", json=body, headers=RD_HEADERS)
    assert anonymous.status_code == 401
    lezer = {**RD_HEADERS, **token_headers(session, Rol.LEZER, "lezer-ligging")}
    assert (
        anonymous_client.post("/api/v1/opgaven/ligging", json=body, headers=lezer).status_code
        == 403
    )
    planner = {**RD_HEADERS, **token_headers(session, Rol.PLANNER, "planner-ligging")}
    assert (
        anonymous_client.post("/api/v1/opgaven/ligging", json=body, headers=planner).status_code
        == 200
    )


def titels(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/api/v1/opgaven", params=params)
    assert response.status_code == 200, response.text
    return [f["properties"]["titel"] for f in response.json()["features"]]


def test_list_of_opgaven_outside_every_gebied(client: TestClient, session: Session) -> None:
    gebieden(session)
    deleted = make_gebied(session, FAR, slug="weg", naam="Verwijderd gebied")
    client.delete(f"/api/v1/gebieden/{deleted.id}")
    make_opgave(session, EDE, titel="A binnen", thema="wonen")
    make_opgave(session, box(174_900, 448_000, 175_100, 449_000), titel="B over de grens")
    make_opgave(
        session, box(176_000, 448_000, 177_000, 449_000), titel="C raakt de rand", thema="energie"
    )
    make_opgave(session, FAR, titel="D in een verwijderd gebied", thema="natuur")
    for i in range(5):
        make_opgave(session, box(190_000 + i, 450_000, 191_000, 451_000), titel=f"E ver {i}")
    make_opgave(session, box(174_000, 450_000, 175_000, 451_000), titel="F buiten, wonen")

    outside = [
        "C raakt de rand",
        "D in een verwijderd gebied",
        *[f"E ver {i}" for i in range(5)],
        "F buiten, wonen",
    ]
    assert titels(client, buiten_gebieden="true") == outside
    assert titels(client, buiten_gebieden="false") == ["A binnen", "B over de grens"]
    assert titels(client) == sorted(["A binnen", "B over de grens", *outside])
    # It composes with the other filters and with paging.
    assert titels(client, buiten_gebieden="true", thema="wonen") == [
        *[f"E ver {i}" for i in range(5)],
        "F buiten, wonen",
    ]
    assert titels(client, buiten_gebieden="true", gebied="west") == []
    page = client.get("/api/v1/opgaven", params={"buiten_gebieden": "true", "limit": 3}).json()
    assert page["numberMatched"] == len(outside)
    seen = [f["properties"]["titel"] for f in page["features"]]
    url = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert "buiten_gebieden=true" in url
    while url:
        page = client.get(url).json()
        seen += [f["properties"]["titel"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert seen == outside
    for f in client.get("/api/v1/opgaven", params={"buiten_gebieden": "true"}).json()["features"]:
        assert f["properties"]["gebieden"] == []


def test_list_filter_is_validated_and_documented(client: TestClient) -> None:
    refused = client.get("/api/v1/opgaven", params={"buiten_gebieden": "misschien"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["name"] == "buiten_gebieden"
    openapi = client.get("/api/v1/openapi.json").json()
    parameters = openapi["paths"]["/api/v1/opgaven"]["get"]["parameters"]
    [parameter] = [p for p in parameters if p["name"] == "buiten_gebieden"]
    assert "geen enkel gebied" in parameter["description"]
    ligging = openapi["paths"]["/api/v1/opgaven/ligging"]["post"]
    schema = ligging["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/LiggingRead")
