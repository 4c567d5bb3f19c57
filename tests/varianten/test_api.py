"""Variants through the API: the overlay on the register, what changed since, ETags, input."""

from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from tests.factories import RD_HEADERS, RD_URI, feature, make_opgave, opgave_properties
from tests.varianten.common import (
    BUITEN,
    gebied_met_opgaven,
    laat_weg,
    maak_variant,
    opgaven_van_variant,
    voeg_toe,
    wijzig,
)


def test_a_variant_is_the_register_with_its_changes_applied_now(
    client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    wonen, natuur, energie = opgaven["wonen"], opgaven["natuur"], opgaven["energie"]
    mine, other = maak_variant(client)["id"], maak_variant(client, naam="Niets")["id"]

    changed = wijzig(client, mine, wonen, status="uitvoering", horizon=2040)
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"1"'
    assert changed.json()["properties"]["variant_wijziging"] == "gewijzigd"
    assert laat_weg(client, mine, natuur).status_code == 200
    added = voeg_toe(client, mine)
    assert added.status_code == 201, added.text
    nieuw_id = added.json()["id"]
    assert added.headers["location"] == f"/api/v1/varianten/{mine}/opgaven/{nieuw_id}"

    # The register changes afterwards: wonen (changed in `mine`) and energie (not).
    url = f"/api/v1/opgaven/{wonen.id}"
    assert client.patch(
        url, json={"type": "Feature", "properties": {"titel": "Wonen 2"}}
    ).is_success
    url = f"/api/v1/opgaven/{energie.id}"
    assert client.patch(
        url, json={"type": "Feature", "properties": {"status": "uitvoering"}}
    ).is_success

    seen = opgaven_van_variant(client, mine)
    assert set(seen) == {str(wonen.id), str(energie.id), nieuw_id}
    assert seen[str(wonen.id)]["variant_wijziging"] == "gewijzigd"
    assert (seen[str(wonen.id)]["titel"], seen[str(wonen.id)]["horizon"]) == ("Wonen", 2040)
    assert seen[str(wonen.id)]["register_gewijzigd"] is True
    assert seen[str(energie.id)]["variant_wijziging"] is None
    assert seen[str(energie.id)]["status"] == "uitvoering"  # the register's edit, taken over
    assert seen[nieuw_id]["variant_wijziging"] == "nieuw" and seen[nieuw_id]["titel"] == "Nieuw bos"

    untouched = opgaven_van_variant(client, other)
    assert set(untouched) == {str(wonen.id), str(natuur.id), str(energie.id)}
    assert untouched[str(wonen.id)]["titel"] == "Wonen 2"
    assert all(p["variant_wijziging"] is None for p in untouched.values())

    with_left_out = opgaven_van_variant(client, mine, weggelaten="true")
    assert with_left_out[str(natuur.id)]["variant_wijziging"] == "weggelaten"

    # Undo: the register's version shows again.
    undone = client.delete(
        f"/api/v1/varianten/{mine}/opgaven/{wonen.id}", headers={"If-Match": '"1"'}
    )
    assert undone.status_code == 204
    assert opgaven_van_variant(client, mine)[str(wonen.id)]["titel"] == "Wonen 2"
    assert client.delete(f"/api/v1/varianten/{mine}/opgaven/{nieuw_id}").status_code == 204
    assert nieuw_id not in opgaven_van_variant(client, mine)
    # The register itself never saw the variant.
    assert client.get(f"/api/v1/opgaven/{natuur.id}").status_code == 200


def test_the_variant_says_what_the_register_changed_since(
    client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    wonen, natuur, energie = opgaven["wonen"], opgaven["natuur"], opgaven["energie"]
    weg = make_opgave(session, box(178_000, 446_000, 179_000, 447_000), titel="Weg")
    verhuist = make_opgave(session, box(174_000, 446_000, 175_000, 447_000), titel="Verhuist")
    session.commit()
    variant_id = maak_variant(client)["id"]
    assert wijzig(client, variant_id, wonen, status="uitvoering").is_success
    assert laat_weg(client, variant_id, natuur).is_success
    fresh = client.get(f"/api/v1/varianten/{variant_id}").json()
    assert fresh["register_gewijzigd"]["opgaven"] == []
    assert all(w["register_sindsdien"] is None for w in fresh["wijzigingen"])

    patch = {"type": "Feature", "properties": {"titel": "Wonen 2"}}
    assert client.patch(f"/api/v1/opgaven/{wonen.id}", json=patch).is_success
    assert client.patch(
        f"/api/v1/opgaven/{natuur.id}", json=feature(box(172_000, 447_000, 174_000, 450_000))
    ).is_success
    assert client.patch(
        f"/api/v1/opgaven/{energie.id}",
        json={"type": "Feature", "properties": {"horizon": 2050, "trekker": "rijk"}},
    ).is_success
    assert client.delete(f"/api/v1/opgaven/{weg.id}").status_code == 204
    assert client.put(
        f"/api/v1/opgaven/{verhuist.id}",
        json=feature(BUITEN, **opgave_properties(titel="Verhuist")),
    ).is_success
    made = client.post(
        "/api/v1/opgaven",
        json=feature(box(171_000, 451_000, 172_000, 452_000), **opgave_properties(titel="Erbij")),
    )
    assert made.status_code == 201
    # Changed and changed back: nothing to say.
    for titel in ("Tijdelijk", "Natuur"):
        patch = {"type": "Feature", "properties": {"titel": titel}}
        assert client.patch(f"/api/v1/opgaven/{natuur.id}", json=patch).is_success
    # Far away: not this gebied's business.
    far = make_opgave(session, BUITEN, titel="Elders")
    session.commit()
    assert client.patch(
        f"/api/v1/opgaven/{far.id}",
        json={"type": "Feature", "properties": {"status": "uitvoering"}},
    ).is_success

    body = client.get(f"/api/v1/varianten/{variant_id}").json()
    per_change = {w["opgave_id"]: w["register_sindsdien"] for w in body["wijzigingen"]}
    assert per_change[str(wonen.id)] == {
        "opgave_id": str(wonen.id),
        "titel": "Wonen 2",
        "wat": "gewijzigd",
        "velden": ["titel"],
        "versie": 2,
    }
    assert per_change[str(natuur.id)]["velden"] == ["geometrie"]  # titel changed back
    since = {o["titel"]: o for o in body["register_gewijzigd"]["opgaven"]}
    assert set(since) == {"Wonen 2", "Natuur", "Energie", "Weg", "Verhuist", "Erbij"}
    assert (since["Wonen 2"]["velden"], since["Wonen 2"]["in_variant"]) == (["titel"], "gewijzigd")
    assert since["Natuur"]["in_variant"] == "weggelaten"
    assert (since["Energie"]["velden"], since["Energie"]["in_variant"]) == (
        ["trekker", "horizon"],
        None,
    )
    assert since["Weg"]["wat"] == "verwijderd"
    assert since["Verhuist"]["velden"] == ["thema", "trekker", "status", "horizon", "geometrie"]
    assert since["Erbij"]["wat"] == "nieuw"
    # The register edits that the variant follows are in its opgaven; the moved one is gone.
    seen = opgaven_van_variant(client, variant_id)
    assert str(verhuist.id) not in seen and str(weg.id) not in seen
    assert seen[str(energie.id)]["horizon"] == 2050


def test_variants_per_gebied_and_one_variant(client: TestClient, session: Session) -> None:
    gebied_met_opgaven(session)
    b = maak_variant(client, naam="B")
    a = maak_variant(client, naam="A")
    listed = client.get("/api/v1/gebieden/ede/varianten", params={"limit": 1})
    assert listed.status_code == 200
    body = listed.json()
    assert (body["numberMatched"], body["numberReturned"]) == (2, 1)
    assert body["varianten"][0]["naam"] == "A"
    assert [link["rel"] for link in body["links"]] == ["self", "next"]
    one = client.get(f"/api/v1/varianten/{a['id']}")
    assert one.headers["etag"] == '"1"'
    assert one.json()["gebied"]["slug"] == "ede"
    assert one.json()["status"] == "concept" and one.json()["auteur"] == "test-beheerder"
    assert one.json()["aantallen"] == {"weggelaten": 0, "gewijzigd": 0, "nieuw": 0}
    assert client.delete(f"/api/v1/varianten/{b['id']}").status_code == 204
    assert client.get(f"/api/v1/varianten/{b['id']}").status_code == 410
    assert client.get("/api/v1/gebieden/ede/varianten").json()["numberMatched"] == 1


def test_rights_per_role_and_status(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    from tests.factories import token_headers

    _gebied, opgaven = gebied_met_opgaven(session)
    planner = anonymous_client
    planner.headers.update(token_headers(session, "planner", "piet"))
    variant_id = maak_variant(planner)["id"]
    url = f"/api/v1/varianten/{variant_id}"
    assert wijzig(planner, variant_id, opgaven["wonen"], status="uitvoering").is_success
    assert planner.patch(url, json={"status": "voorgelegd"}).status_code == 200
    assert laat_weg(planner, variant_id, opgaven["natuur"]).is_success  # still editable
    refused = planner.patch(url, json={"status": "vastgesteld"})
    assert refused.status_code == 403
    assert client.patch(url, json={"status": "vastgesteld"}).status_code == 200

    # Vastgesteld: read-only for everyone, but a beheerder may change the status.
    for response in (
        wijzig(planner, variant_id, opgaven["energie"], status="uitvoering"),
        laat_weg(client, variant_id, opgaven["energie"]),
        voeg_toe(client, variant_id),
        client.delete(f"{url}/opgaven/{opgaven['wonen'].id}"),
        client.patch(url, json={"naam": "Anders"}),
        client.delete(url),
    ):
        assert response.status_code == 409, response.text
    assert planner.patch(url, json={"status": "concept"}).status_code == 403
    assert planner.patch(url, json={"naam": "Meer natuur"}).status_code == 200  # no change
    assert client.patch(url, json={"status": "verworpen"}).status_code == 200
    assert planner.post(f"{url}/doorvoeren").status_code == 403
    reopened = client.patch(url, json={"status": "concept", "naam": "Heropend"})
    assert reopened.status_code == 200 and reopened.json()["naam"] == "Heropend"
    assert planner.patch(url, json={"status": "verworpen"}).status_code == 200

    # Readers read, with an account; they write nothing.
    lezer = {**token_headers(session, "lezer", "lena")}
    assert planner.get(url, headers=lezer).status_code == 200
    assert (
        planner.post(
            "/api/v1/gebieden/ede/varianten", json={"naam": "X"}, headers=lezer
        ).status_code
        == 403
    )
    planner.headers.pop("Authorization")
    assert planner.get(url).status_code == 401
    assert planner.get(f"{url}/opgaven").status_code == 401


def test_if_match(client: TestClient, session: Session, database_url: str) -> None:
    from gebiedsregie.settings import Settings
    from tests.auth.test_access import make_client
    from tests.factories import token_headers

    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    url = f"/api/v1/varianten/{variant_id}"
    stale = client.patch(url, json={"naam": "X"}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412 and stale.headers["etag"] == '"1"'
    assert stale.json()["errors"][0]["name"] == "If-Match"
    renamed = client.patch(url, json={"naam": "X"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.headers["etag"] == '"2"'
    assert client.patch(url, json={"naam": "Y"}, headers={"If-Match": "1"}).status_code == 400

    wonen = opgaven["wonen"]
    change = f"{url}/opgaven/{wonen.id}"
    # No change yet: only its absence matches.
    assert wijzig(client, variant_id, wonen).status_code == 200
    put = client.put(change, json={"weggelaten": True}, headers={"If-Match": '"7"'})
    assert put.status_code == 412
    put = client.put(change, json={"weggelaten": True}, headers={"If-Match": '"1"'})
    assert put.status_code == 200 and put.headers["etag"] == '"2"'
    assert client.delete(change, headers={"If-Match": '"1"'}).status_code == 412
    assert client.delete(change, headers={"If-Match": '"2"'}).status_code == 204
    fresh = client.put(change, json={"weggelaten": True}, headers={"If-Match": '"2"'})
    assert fresh.status_code == 412  # the change is gone: nothing to match

    settings = Settings(database_url=None, if_match_verplicht=True)
    with make_client(session, settings, database_url) as strict:
        strict.headers.update(token_headers(session, "planner", "strikt"))
        assert strict.put(change, json={"weggelaten": True}).status_code == 200  # a create
        assert strict.delete(change).status_code == 428
        assert strict.patch(url, json={"naam": "Z"}).status_code == 428
        assert strict.delete(url).status_code == 428


def test_if_none_match_refuses_a_second_first_change(client: TestClient, session: Session) -> None:
    """Two planners start from the register's version: the second first change gets 412."""
    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    change = f"/api/v1/varianten/{variant_id}/opgaven/{opgaven['wonen'].id}"
    first = client.put(change, json={"weggelaten": True}, headers={"If-None-Match": "*"})
    assert first.status_code == 200 and first.headers["etag"] == '"1"'
    second = client.put(change, json={"weggelaten": True}, headers={"If-None-Match": "*"})
    assert second.status_code == 412 and second.headers["etag"] == '"1"'
    assert second.json()["errors"][0]["name"] == "If-None-Match"
    bad = client.put(change, json={"weggelaten": True}, headers={"If-None-Match": '"1"'})
    assert bad.status_code == 400 and bad.json()["errors"][0]["name"] == "If-None-Match"
    # Undone, the precondition holds again.
    assert client.delete(change, headers={"If-Match": '"1"'}).status_code == 204
    again = client.put(change, json={"weggelaten": True}, headers={"If-None-Match": "*"})
    assert again.status_code == 200


def test_an_opgave_in_a_variant_has_the_checks_of_a_register_opgave(
    client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    bad = voeg_toe(client, variant_id, thema="onbekend", horizon=1900, trekker="iemand")
    assert bad.status_code == 400
    names = sorted(e["name"] for e in bad.json()["errors"])
    assert names == ["properties.horizon", "properties.thema", "properties.trekker"]
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[5.6, 52.0], [5.7, 52.1], [5.7, 52.0], [5.6, 52.1], [5.6, 52.0]]],
    }
    repaired = client.post(
        f"/api/v1/varianten/{variant_id}/opgaven", json=feature(bowtie, **opgave_properties())
    )
    assert repaired.status_code == 201
    assert "geometrie_hersteld" in [m["code"] for m in repaired.json()["meldingen"]]
    outside = voeg_toe(client, variant_id, geom=BUITEN)
    assert outside.status_code == 201
    assert [m["code"] for m in outside.json()["meldingen"]] == ["buiten_gebied"]

    # RD in and out.
    wonen = opgaven["wonen"]
    rd = client.put(
        f"/api/v1/varianten/{variant_id}/opgaven/{wonen.id}",
        json={
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[171_000, 446_000], [172_000, 446_000], [172_000, 447_000], [171_000, 446_000]]
                ],
            },
            "properties": {
                **opgave_properties(titel="Driehoek"),
                "extern_id": "genegeerd",
                "id": "x",
            },
        },
        headers=RD_HEADERS,
        params={"crs": RD_URI},
    )
    assert rd.status_code == 200, rd.text
    assert rd.headers["content-crs"] == f"<{RD_URI}>"
    assert shape(rd.json()["geometry"]).area == 500_000
    assert rd.json()["properties"]["extern_id"] is None  # the register's (none), not the body's


def test_hostile_input(client: TestClient, session: Session) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    url = f"/api/v1/varianten/{variant_id}"
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/api/v1/varianten/{unknown}").status_code == 404
    assert client.get("/api/v1/varianten/geen-uuid").status_code == 404
    assert client.get("/api/v1/varianten/nul%00").status_code == 404
    assert client.get("/api/v1/gebieden/nergens/varianten").status_code == 404
    assert client.post("/api/v1/gebieden/nergens/varianten", json={"naam": "X"}).status_code == 404
    assert client.put(f"{url}/opgaven/{unknown}", json={"weggelaten": True}).status_code == 404
    assert client.put(f"{url}/opgaven/geen-uuid", json={"weggelaten": True}).status_code == 404
    assert client.delete(f"{url}/opgaven/{opgaven['wonen'].id}").status_code == 404
    assert client.post(f"/api/v1/varianten/{unknown}/doorvoeren").status_code == 404

    def names(response: object) -> list[str]:
        assert response.status_code == 400, response.text  # type: ignore[attr-defined]
        return sorted(e["name"] for e in response.json()["errors"])  # type: ignore[attr-defined]

    create = "/api/v1/gebieden/ede/varianten"
    assert names(client.post(create, json={})) == ["naam"]
    assert names(client.post(create, json={"naam": "x", "status": "vastgesteld"})) == ["status"]
    assert names(client.post(create, json={"naam": "\u202ex"})) == ["naam"]
    assert names(client.post(create, json=[1])) == ["body"]
    assert names(
        client.post(
            create,
            content=b'{"naam": "a", "naam": "b"}',
            headers={"Content-Type": "application/json"},
        )
    ) == ["body"]
    assert names(client.patch(url, json={"status": "klaar"})) == ["status"]
    assert names(client.patch(url, json={"naam": None, "status": None})) == ["naam", "status"]
    change = f"{url}/opgaven/{opgaven['wonen'].id}"
    assert names(client.put(change, json={"weggelaten": False})) == ["weggelaten"]
    assert names(client.put(change, json={"weggelaten": True, "x": 1})) == ["x"]
    assert names(client.put(change, json={"type": "Feature", "properties": {}})) == [
        "geometry",
        "properties.status",
        "properties.thema",
        "properties.titel",
        "properties.trekker",
    ]
    assert names(client.get(f"{url}/opgaven", params={"thema": "onbekend"})) == ["thema"]
    assert names(client.get(f"{url}/opgaven", params={"crs": "EPSG:4326"})) == ["crs"]
    # A variant-only opgave cannot be "left out": it is deleted.
    nieuw = voeg_toe(client, variant_id).json()["id"]
    assert client.put(f"{url}/opgaven/{nieuw}", json={"weggelaten": True}).status_code == 409
    # A deleted register opgave cannot be changed in a variant.
    assert client.delete(f"/api/v1/opgaven/{opgaven['energie'].id}").status_code == 204
    assert (
        client.put(f"{url}/opgaven/{opgaven['energie'].id}", json={"weggelaten": True}).status_code
        == 410
    )
