"""/api/v1/referentielagen: metadata (read by anyone, written by a beheerder, If-Match),
objecten as paged GeoJSON in either CRS with a bbox, and the audit trail."""

from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, to_rd
from gebiedsregie.historie.models import Historie
from gebiedsregie.referentielagen import service
from tests.factories import RD_URI, token_headers
from tests.referentielagen.lagen import VAKKEN, make_laag

URL = "/api/v1/referentielagen"
NIEUW = {"naam": "Grondwaterbescherming", "soort": "informatief", "kleur": "#1565C0"}


def error_names(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["name"] for e in response.json()["errors"]]


def test_create_read_and_list(client: TestClient, anonymous_client: TestClient) -> None:
    made = client.post(
        URL, json={**NIEUW, "bron": "Provincie", "licentie": "CC0", "peildatum": "2025-01-01"}
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == f"{URL}/grondwaterbescherming"
    assert made.headers["etag"] == '"1"'
    laag = made.json()
    assert laag["slug"] == "grondwaterbescherming"
    assert laag["kleur"] == "#1565c0"  # stored in lower case
    assert (laag["peildatum"], laag["aantal_objecten"], laag["versie"]) == ("2025-01-01", 0, 1)
    assert laag["links"][1]["href"] == f"{URL}/grondwaterbescherming/objecten"

    # Anyone reads, as the gebieden.
    listed = anonymous_client.get(URL)
    assert listed.status_code == 200
    assert [lg["slug"] for lg in listed.json()["referentielagen"]] == ["grondwaterbescherming"]
    one = anonymous_client.get(f"{URL}/grondwaterbescherming")
    assert one.json() == laag and one.headers["etag"] == '"1"'
    assert anonymous_client.get(f"{URL}/{laag['id']}").json()["slug"] == laag["slug"]
    assert anonymous_client.get(URL, params={"soort": "sturend"}).json()["referentielagen"] == []


def test_sturende_lagen_come_first(client: TestClient, session: Session) -> None:
    make_laag(session, naam="Zzz sturend", soort="sturend")
    make_laag(session, naam="Aaa informatief", soort="informatief")
    names = [lg["naam"] for lg in client.get(URL).json()["referentielagen"]]
    assert names == ["Zzz sturend", "Aaa informatief"]


def test_writing_needs_a_beheerder(
    anonymous_client: TestClient, session: Session, client: TestClient
) -> None:
    assert anonymous_client.post(URL, json=NIEUW).status_code == 401
    planner = token_headers(session, "planner", "piet")
    assert anonymous_client.post(URL, json=NIEUW, headers=planner).status_code == 403
    make_laag(session)
    slug = f"{URL}/beschermd-gebied"
    assert anonymous_client.patch(slug, json={"naam": "X"}, headers=planner).status_code == 403
    assert anonymous_client.delete(slug, headers=planner).status_code == 403
    assert client.get(slug).json()["naam"] == "Beschermd gebied"


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({**NIEUW, "kleur": "groen"}, ["kleur"]),
        ({**NIEUW, "kleur": "#12345"}, ["kleur"]),
        ({**NIEUW, "soort": "verplicht"}, ["soort"]),
        ({"soort": "sturend", "kleur": "#000000"}, ["naam"]),
        ({**NIEUW, "slug": "Met Spaties"}, ["slug"]),
        ({**NIEUW, "peildatum": "gisteren"}, ["peildatum"]),
        ({**NIEUW, "geometrie": None}, ["geometrie"]),
        ({**NIEUW, "naam": "A\u202eB"}, ["naam"]),
        ([NIEUW], ["body"]),
    ],
)
def test_invalid_input_names_the_field(client: TestClient, body: Any, names: list[str]) -> None:
    assert error_names(client.post(URL, json=body)) == names


def test_slug_taken(client: TestClient, session: Session) -> None:
    make_laag(session)
    taken = client.post(URL, json={**NIEUW, "slug": "beschermd-gebied"})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["name"] == "slug"
    # Without a slug one is derived that is free.
    made = client.post(URL, json={**NIEUW, "naam": "Beschermd gebied"})
    assert made.json()["slug"] == "beschermd-gebied-2"


def test_patch_with_if_match(client: TestClient, session: Session) -> None:
    make_laag(session)  # made (versie 1) and filled (versie 2)
    url = f"{URL}/beschermd-gebied"
    kleur = {"bron": "RVO", "kleur": "#FF0000"}
    changed = client.patch(url, json=kleur, headers={"If-Match": '"2"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"3"'
    assert (changed.json()["bron"], changed.json()["kleur"]) == ("RVO", "#ff0000")

    stale = client.patch(url, json={"bron": "Anders"}, headers={"If-Match": '"2"'})
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"3"'
    assert client.get(url).json()["bron"] == "RVO"
    assert error_names(client.patch(url, json={"bron": "X"}, headers={"If-Match": "3"})) == [
        "If-Match"
    ]
    # A merge patch: null empties an optional field, and is refused for a required one.
    assert client.patch(url, json={"bron": None}).json()["bron"] == ""
    assert error_names(client.patch(url, json={"naam": None, "kleur": None})) == ["naam", "kleur"]
    assert error_names(client.patch(url, json={"aantal_objecten": 9})) == ["aantal_objecten"]


def test_patch_requires_if_match_when_configured(client: TestClient, session: Session) -> None:
    make_laag(session)
    client.app.state.settings.if_match_verplicht = True  # type: ignore[attr-defined]
    try:
        refused = client.patch(f"{URL}/beschermd-gebied", json={"bron": "X"})
        assert refused.status_code == 428
    finally:
        client.app.state.settings.if_match_verplicht = False  # type: ignore[attr-defined]


def test_delete_is_soft(client: TestClient, session: Session) -> None:
    make_laag(session)
    url = f"{URL}/beschermd-gebied"
    assert client.delete(url, headers={"If-Match": '"7"'}).status_code == 412
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert client.get(url).status_code == 410
    assert client.get(f"{url}/objecten").status_code == 410
    assert client.get(URL).json()["referentielagen"] == []
    assert client.delete(url).status_code == 410
    assert client.get(f"{URL}/bestaat-niet").status_code == 404
    # The slug is free again.
    assert client.post(URL, json={**NIEUW, "slug": "beschermd-gebied"}).status_code == 201


def test_objecten_as_geojson(client: TestClient, session: Session) -> None:
    make_laag(session)
    response = client.get(f"{URL}/beschermd-gebied/objecten")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["content-crs"] == f"<{CRS84.uri}>"
    body = response.json()
    assert (body["type"], body["numberMatched"], body["numberReturned"]) == (
        "FeatureCollection",
        3,
        3,
    )
    first = body["features"][0]
    assert first["properties"] == {
        "laag": "beschermd-gebied",
        "naam": "Object 1",
        "extern_id": "1",
        "eigenschappen": {"nr": 1, "klasse": "A"},
    }
    geom_rd = to_rd(shape(first["geometry"]), CRS84)
    assert shapely.hausdorff_distance(geom_rd, VAKKEN[0]) < 0.01

    in_rd = client.get(f"{URL}/beschermd-gebied/objecten", params={"crs": RD_URI})
    assert in_rd.headers["content-crs"] == f"<{RD.uri}>"
    assert shape(in_rd.json()["features"][0]["geometry"]).equals(VAKKEN[0])


def test_objecten_paged_with_links(client: TestClient, session: Session) -> None:
    make_laag(session)
    url = f"{URL}/beschermd-gebied/objecten"
    page = client.get(url, params={"limit": 2}).json()
    assert [f["properties"]["naam"] for f in page["features"]] == ["Object 1", "Object 2"]
    assert page["numberMatched"] == 3
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert set(rels) == {"self", "next"}
    rest = client.get(rels["next"]).json()
    assert [f["properties"]["naam"] for f in rest["features"]] == ["Object 3"]
    assert {link["rel"] for link in rest["links"]} == {"self", "prev"}
    assert error_names(client.get(url, params={"limit": 0})) == ["limit"]
    assert error_names(client.get(url, params={"offset": -1})) == ["offset"]


def test_objecten_bbox(client: TestClient, session: Session) -> None:
    make_laag(session)
    url = f"{URL}/beschermd-gebied/objecten"
    near_third = "176900,447900,177100,448100"
    found = client.get(url, params={"bbox": near_third, "bbox-crs": RD_URI}).json()
    assert [f["properties"]["naam"] for f in found["features"]] == ["Object 3"]
    assert found["numberMatched"] == 1
    # The same box in CRS84 (the default bbox-crs).
    corners = shapely.box(176_900, 447_900, 177_100, 448_100)
    from gebiedsregie.crs import from_rd

    lon_lat = from_rd(corners, CRS84).bounds
    in_crs84 = client.get(url, params={"bbox": ",".join(map(str, lon_lat))}).json()
    assert [f["properties"]["naam"] for f in in_crs84["features"]] == ["Object 3"]
    assert error_names(client.get(url, params={"bbox": "1,2,3"})) == ["bbox"]
    assert error_names(client.get(url, params={"bbox": "3,3,1,1"})) == ["bbox"]
    assert error_names(client.get(url, params={"crs": "EPSG:4326"})) == ["crs"]


def test_audit_trail(client: TestClient, session: Session) -> None:
    beheerder = token_headers(session, "beheerder", "bea")
    made = client.post(URL, json=NIEUW, headers=beheerder).json()
    client.patch(f"{URL}/{made['slug']}", json={"bron": "RVO"}, headers=beheerder)
    laag = service.get_laag(session, made["slug"])
    square = shapely.MultiPolygon([VAKKEN[0]])
    service.replace_objecten(session, laag, [[service.NieuwObject(square, "Vak")]])
    client.delete(f"{URL}/{made['slug']}", headers=beheerder)

    rows = session.scalars(
        select(Historie).where(Historie.object_id == laag.id).order_by(Historie.id)
    ).all()
    assert [(r.soort, r.actie, r.versie) for r in rows] == [
        ("referentielaag", "aangemaakt", 1),
        ("referentielaag", "gewijzigd", 2),
        ("referentielaag", "gewijzigd", 3),  # the import: aantal_objecten and a new versie
        ("referentielaag", "verwijderd", 4),
    ]
    assert [r.door for r in rows[:2]] == ["bea", "bea"]
    assert rows[2].voor["aantal_objecten"] == 0 and rows[2].na["aantal_objecten"] == 1
    assert rows[0].geom_na is None

    trail = client.get(f"{URL}/{made['slug']}/historie").json()
    assert [w["actie"] for w in trail["wijzigingen"]] == [
        "verwijderd",
        "gewijzigd",
        "gewijzigd",
        "aangemaakt",
    ]
    assert trail["wijzigingen"][2]["gewijzigde_velden"] == ["bron"]
    assert trail["wijzigingen"][1]["gewijzigde_velden"] == ["aantal_objecten"]
    everything = client.get("/api/v1/historie", params={"soort": "referentielaag"}).json()
    assert everything["numberMatched"] == 4
    assert client.get(f"{URL}/bestaat-niet/historie").status_code == 404
