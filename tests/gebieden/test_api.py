"""CRUD of /api/v1/gebieden against real PostGIS, with derived gemeenten."""

import pytest
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.seed import seed_gemeenten
from tests.factories import EDE, RD_HEADERS, RD_URI, feature, make_gebied
from tests.test_seed import gemeente_shapes

# Straddles the border of Ede and Wageningen.
EDE_WAGENINGEN = box(172_000, 443_000, 177_000, 448_000)


def test_create_derives_slug_and_gemeenten(client: TestClient, session: Session) -> None:
    seed_gemeenten(session, gemeente_shapes())
    response = client.post(
        "/api/v1/gebieden",
        json=feature(EDE_WAGENINGEN, naam="Binnenveld Zuid", beschrijving="Een deelgebied."),
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(response.json()["id"])
    props = response.json()["properties"]
    assert props["slug"] == "binnenveld-zuid"
    assert props["soort"] == "eigen"
    assert props["gemeenten"] == ["Ede", "Wageningen"]
    assert props["provincies"] == ["Gelderland"]
    assert props["oppervlakte_ha"] == pytest.approx(2500.0, abs=0.01)

    by_slug = client.get("/api/v1/gebieden/binnenveld-zuid")
    by_id = client.get(f"/api/v1/gebieden/{props['id']}")
    assert by_slug.json() == by_id.json()


def test_given_gemeenten_are_kept(client: TestClient, session: Session) -> None:
    seed_gemeenten(session, gemeente_shapes())
    response = client.post(
        "/api/v1/gebieden",
        json=feature(
            EDE_WAGENINGEN, naam="Eigen indeling", gemeenten=["Ede"], provincies=["Gelderland"]
        ),
    )
    assert response.json()["properties"]["gemeenten"] == ["Ede"]


def test_slug_conflicts(client: TestClient, session: Session) -> None:
    make_gebied(session, slug="vallei")
    taken = client.post("/api/v1/gebieden", json=feature(EDE, naam="Vallei", slug="vallei"))
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["name"] == "properties.slug"
    # Without a slug the name's slug gets a suffix instead.
    free = client.post("/api/v1/gebieden", json=feature(EDE, naam="Vallei"))
    assert free.json()["properties"]["slug"] == "vallei-2"
    bad = client.post("/api/v1/gebieden", json=feature(EDE, naam="X", slug="Niet Goed"))
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["name"] == "properties.slug"


def test_update_and_delete(client: TestClient, session: Session) -> None:
    gebied = make_gebied(session, slug="vallei", naam="Vallei")
    url = "/api/v1/gebieden/vallei"
    patched = client.patch(
        url,
        json={
            "type": "Feature",
            "properties": {"naam": "Gelderse Vallei", "soort": "novex-gebied"},
        },
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["naam"] == "Gelderse Vallei"
    assert patched.json()["properties"]["versie"] == 2

    replaced = client.put(
        url,
        headers=RD_HEADERS,
        params={"crs": RD_URI},
        json=feature(
            {
                "type": "Polygon",
                "coordinates": [
                    [[174000, 448000], [176000, 448000], [176000, 449000], [174000, 448000]]
                ],
            },
            naam="Driehoek",
            slug="vallei",
        ),
    )
    assert replaced.status_code == 200, replaced.text
    props = replaced.json()["properties"]
    assert props["naam"] == "Driehoek" and props["soort"] == "eigen"
    assert props["oppervlakte_ha"] == pytest.approx(100.0, abs=0.01)
    assert replaced.json()["geometry"]["coordinates"][0][0][0] == [174000.0, 448000.0]

    assert client.delete(f"/api/v1/gebieden/{gebied.id}").status_code == 204
    assert client.get(url).status_code == 410  # deleted softly: a beheerder can restore it


def test_list_and_filter_by_soort(client: TestClient, session: Session) -> None:
    make_gebied(session, slug="a", naam="A", soort="voorbeeldgebied")
    make_gebied(session, slug="b", naam="B", soort="eigen")
    everything = client.get("/api/v1/gebieden").json()
    assert [f["properties"]["slug"] for f in everything["features"]] == ["a", "b"]
    only = client.get("/api/v1/gebieden", params={"soort": "voorbeeldgebied"}).json()
    assert [f["properties"]["slug"] for f in only["features"]] == ["a"]
    bad = client.get("/api/v1/gebieden", params={"soort": "onzin"})
    assert bad.status_code == 400
    assert "voorbeeldgebied" in bad.json()["errors"][0]["reason"]


def test_unknown_gebied_is_404(client: TestClient) -> None:
    for method in ("get", "delete"):
        response = getattr(client, method)("/api/v1/gebieden/nergens")
        assert response.status_code == 404
        assert response.json()["title"] == "Niet gevonden"


def test_nul_is_refused_not_a_server_error(client: TestClient, session: Session) -> None:
    # Found by fuzzing: PostgreSQL text cannot hold NUL (U+0000), and each of these was a 500.
    make_gebied(session)
    for url in ("/api/v1/gebieden/proef%00gebied", "/api/v1/gebieden/%00/historie"):
        assert client.get(url).status_code == 404, url
    unknown = client.get("/api/v1/opgaven", params={"gebied": "proefgebied\x00"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["name"] == "gebied"
    made = client.post("/api/v1/gebieden", json=feature(EDE, naam="Nieuw\x00", bron="a\x00"))
    assert made.status_code == 400
    errors = {e["name"]: e["code"] for e in made.json()["errors"]}
    assert errors == {"properties.naam": "nul_teken", "properties.bron": "nul_teken"}
