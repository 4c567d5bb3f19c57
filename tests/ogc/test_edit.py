"""OGC API - Features Part 4 (create, replace, update, delete): each requirement we claim,
against the app in process, following the examples of the draft (OGC 20-002).

Which test proves which conformance test of the draft's Annex A:
- create-replace-delete: options (test_options_say_which_methods_and_media_types,
  test_read_only_collections_are_405), create (test_create_as_in_the_example),
  create-content-type (test_create_needs_a_content_type_of_geojson), replace, replace-rid
  (test_replace_as_in_the_example), replace-exceptions
  (test_replace_or_update_what_does_not_exist_is_404), delete (test_delete_as_in_the_example).
- update: test_update_with_a_json_merge_patch, and Accept-Patch in the options test.
- optimistic-locking-etags: get-etag, replace, update, delete
  (test_if_match_against_lost_updates, test_if_match_can_be_required).
- features: endpoints (the tests above), crs (test_content_crs_gives_the_same_stored_geometry,
  test_an_unsupported_content_crs_is_400), geojson (replace-rid), json-merge-patch
  (test_a_merge_patch_cannot_change_the_id_nor_unset_what_is_required), schema
  (additionalProperties false: test_invalid_input_is_400_naming_the_property_and_stores_nothing).
"""

import json
from email.message import Message
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from httpx2 import Response
from shapely import box
from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from gebiedsregie.crs import CRS84, ETRS89, RD, from_rd
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.historie.models import Historie
from gebiedsregie.ogc import edit
from gebiedsregie.ogc.router import CONFORMANCE
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.settings import Settings
from tests.conftest import app_on
from tests.factories import (
    EDE,
    TEST_SETTINGS,
    WACHTWOORD,
    feature,
    make_gebied,
    make_opgave,
    multi,
    token_headers,
)
from tests.referentielagen.lagen import make_laag

GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"
PROBLEM = "application/problem+json"
ITEMS = "/ogc/collections/opgaven/items"
PART_4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf"
# A quadrilateral east of Ede, not along the axes: CRS conversions show in every corner.
SCHEEF = shapely.Polygon(
    [(174_100, 448_100), (174_900, 448_300), (174_800, 448_950), (174_150, 448_700)]
)


def opgave(**overrides: Any) -> dict[str, Any]:
    """The properties of a new opgave, as a GIS client sends them."""
    return {
        "titel": "Klimaatbuffer Binnenveld",
        "thema": "water-bodem",
        "trekker": "waterschap",
        "status": "verkenning",
        "horizon": 2035,
        **overrides,
    }


def send(
    client: TestClient,
    method: str,
    path: str,
    body: Any,
    media_type: str = GEOJSON,
    **headers: str,
) -> Response:
    """A request with a JSON body of `media_type` (as a GIS client sends it, not as httpx's
    json= does)."""
    return client.request(
        method, path, content=json.dumps(body), headers={"Content-Type": media_type, **headers}
    )


def create(client: TestClient, path: str = ITEMS, geom: Any = EDE, **properties: Any) -> Response:
    made = send(client, "POST", path, feature(geom, **(properties or opgave())))
    assert made.status_code == 201, made.text
    return made


def errors(response: Response) -> dict[str, str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    return {e["name"]: e["code"] for e in response.json().get("errors", [])}


def opgaven_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Opgave)) or 0


def test_conformance_declares_part_4(client: TestClient) -> None:
    declared = client.get("/ogc/conformance").json()["conformsTo"]
    for name in ("create-replace-delete", "update", "optimistic-locking-etags", "features"):
        assert f"{PART_4}/{name}" in declared
    assert set(edit.CONFORMANCE) <= set(CONFORMANCE)


def test_create_as_in_the_example(client: TestClient) -> None:
    """Create Example: a GeoJSON Feature in CRS84 POSTed to the items; 201 with a Location."""
    body = feature(multi(EDE), **opgave())
    assert body["geometry"]["type"] == "MultiPolygon"
    made = send(client, "POST", ITEMS, body)
    assert made.status_code == 201, made.text
    location = made.headers["location"]
    assert location.startswith("http://testserver/ogc/collections/opgaven/items/")
    assert made.headers["etag"] == '"1"'
    assert made.headers["content-type"] == GEOJSON
    assert made.headers["content-crs"] == CRS84.header
    created = made.json()
    assert location.endswith(f"/items/{created['id']}")  # a new id, assigned by the server
    read = client.get(location)
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'  # the one the REST API gives
    assert client.get(f"/api/v1/opgaven/{created['id']}").headers["etag"] == '"1"'
    properties = read.json()["properties"]
    assert {k: properties[k] for k in opgave()} == opgave()
    assert shape(read.json()["geometry"]).equals_exact(shape(body["geometry"]), 1e-7)
    # Another new one gets another id; an id in the body is not the server's to take.
    other = send(client, "POST", ITEMS, {**body, "id": created["id"]})
    assert other.status_code == 201
    assert other.json()["id"] != created["id"]


def test_create_needs_a_content_type_of_geojson(client: TestClient) -> None:
    body = json.dumps(feature(EDE, **opgave())).encode()
    missing = client.post(ITEMS, content=body)
    assert missing.status_code == 400
    assert errors(missing) == {"Content-Type": "verplicht"}
    assert client.post(ITEMS, content=body, headers={"Content-Type": "text/plain"}).status_code == (
        415
    )
    as_json = client.post(ITEMS, content=body, headers={"Content-Type": "application/json"})
    assert as_json.status_code == 201


def test_replace_as_in_the_example(client: TestClient) -> None:
    """Replace Example: PUT a whole new feature; the id in the body is ignored."""
    made = create(client).json()
    url = f"{ITEMS}/{made['id']}"
    smaller = box(174_000, 448_000, 174_500, 448_500)
    replacement = feature(smaller, **opgave(titel="Klimaatbuffer Veenkampen", horizon=None))
    replacement["id"] = "iets-anders"  # ignored (/req/create-replace-delete/put-rid)
    # What the server keeps is ignored too: a client may send back what it read.
    replacement["properties"] |= {"versie": 99, "oppervlakte_ha": 1, "gebieden": ["x"]}
    replaced = send(client, "PUT", url, replacement)
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"2"'
    read = client.get(url).json()
    assert read["id"] == made["id"]
    assert read["properties"]["titel"] == "Klimaatbuffer Veenkampen"
    assert read["properties"]["horizon"] is None and read["properties"]["versie"] == 2
    assert read["properties"]["oppervlakte_ha"] == pytest.approx(25.0)
    assert client.get(f"{ITEMS}/iets-anders").status_code == 404


def test_replace_or_update_what_does_not_exist_is_404(client: TestClient) -> None:
    unknown = f"{ITEMS}/00000000-0000-0000-0000-000000000000"
    body = feature(EDE, **opgave())
    assert send(client, "PUT", unknown, body).status_code == 404
    # Unsuccessful whatever the precondition (RFC 9110, 13.2.1): nothing is made.
    assert send(client, "PUT", unknown, body, **{"If-Match": '"xyz"'}).status_code == 404
    assert send(client, "PATCH", unknown, {"properties": {}}, MERGE_PATCH).status_code == 404
    assert client.delete(unknown).status_code == 404
    assert client.get(unknown).status_code == 404


def test_update_with_a_json_merge_patch(client: TestClient) -> None:
    """Update Example: a JSON Merge Patch of the GeoJSON feature changes one property, unsets
    another (null) and replaces the geometry; the rest stays."""
    made = create(client).json()
    url = f"{ITEMS}/{made['id']}"
    smaller = box(174_000, 448_000, 174_500, 448_500)
    patch = {
        "properties": {"status": "uitvoering", "horizon": None},
        "geometry": mapping(from_rd(smaller, CRS84)),
    }
    updated = send(client, "PATCH", url, patch, MERGE_PATCH)
    assert updated.status_code == 200, updated.text
    assert updated.headers["content-type"] == GEOJSON
    assert updated.headers["etag"] == '"2"'
    properties = updated.json()["properties"]
    assert properties["status"] == "uitvoering" and properties["horizon"] is None
    assert properties["titel"] == made["properties"]["titel"]  # not in the patch: kept
    assert properties["oppervlakte_ha"] == pytest.approx(25.0)
    assert client.get(url).json()["properties"] == properties
    # Properties only, without a geometry: the shape stays.
    titel = send(client, "PATCH", url, {"properties": {"titel": "Nieuw"}}, MERGE_PATCH)
    assert titel.status_code == 200
    assert titel.json()["properties"]["oppervlakte_ha"] == pytest.approx(25.0)


def test_a_merge_patch_cannot_change_the_id_nor_unset_what_is_required(
    client: TestClient, session: Session
) -> None:
    made = create(client).json()
    url = f"{ITEMS}/{made['id']}"
    other = "11111111-1111-1111-1111-111111111111"
    assert errors(send(client, "PATCH", url, {"id": other}, MERGE_PATCH)) == {"id": "alleen_lezen"}
    assert errors(send(client, "PATCH", url, {"properties": {"id": other}}, MERGE_PATCH)) == {
        "properties.id": "alleen_lezen"
    }
    assert errors(send(client, "PATCH", url, {"geometry": None}, MERGE_PATCH)) == {
        "geometry": "verplicht"
    }
    assert errors(send(client, "PATCH", url, {"properties": None}, MERGE_PATCH)) == {
        "properties": "verplicht"
    }
    assert errors(send(client, "PATCH", url, {"properties": {"titel": None}}, MERGE_PATCH)) == {
        "properties.titel": "verplicht"
    }
    assert send(client, "PATCH", url, [], MERGE_PATCH).status_code == 400
    # A property beside `properties` would be stored nowhere: refused, not quietly ignored.
    assert errors(send(client, "PATCH", url, {"status": "uitvoering"}, MERGE_PATCH)) == {
        "status": "onbekend"
    }
    # The id it has, echoed back, is no change.
    same = send(client, "PATCH", url, {"id": made["id"], "properties": {}}, MERGE_PATCH)
    assert same.status_code == 200
    assert client.get(url).json()["properties"]["versie"] == 1  # nothing changed


def test_delete_as_in_the_example(client: TestClient) -> None:
    """Delete Example: 204, then the feature is 404 (the REST API says 410: deleted)."""
    made = create(client).json()
    url = f"{ITEMS}/{made['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/opgaven/{made['id']}").status_code == 410
    assert client.delete(url).status_code == 404
    ids = [f["id"] for f in client.get(ITEMS, params={"limit": 1000}).json()["features"]]
    assert made["id"] not in ids


@pytest.mark.parametrize(
    ("rol", "status"), [(None, 401), ("lezer", 403), ("planner", 201), ("beheerder", 201)]
)
def test_writing_needs_the_planner_role(
    anonymous_client: TestClient, session: Session, rol: str | None, status: int
) -> None:
    if rol is not None:
        anonymous_client.headers.update(token_headers(session, rol))
    made = send(anonymous_client, "POST", ITEMS, feature(EDE, **opgave()))
    assert made.status_code == status, made.text
    if status == 401:
        assert made.headers["www-authenticate"].startswith("Bearer")
    existing = f"{ITEMS}/{make_opgave(session).id}"
    expected = 403 if rol == "lezer" else 401
    if status != 201:
        for response in (
            send(anonymous_client, "PUT", existing, feature(EDE, **opgave())),
            send(anonymous_client, "PATCH", existing, {"properties": {}}, MERGE_PATCH),
            anonymous_client.delete(existing),
        ):
            assert response.status_code == expected
            assert response.headers["content-type"] == PROBLEM
        assert anonymous_client.get(existing).json()["properties"]["versie"] == 1


def test_if_match_against_lost_updates(client: TestClient) -> None:
    """Optimistic locking with ETags: a stale If-Match is 412 and changes nothing; the current
    one goes ahead with a new ETag; without it the change goes ahead as in the REST API."""
    made = create(client)
    url = made.headers["location"]
    etag = client.get(url).headers["etag"]
    body = feature(EDE, **opgave(titel="Vervangen"))
    patch = {"properties": {"status": "uitvoering"}}
    for stale in (
        send(client, "PUT", url, body, **{"If-Match": '"0"'}),
        send(client, "PATCH", url, patch, MERGE_PATCH, **{"If-Match": '"0"'}),
        client.delete(url, headers={"If-Match": '"0"'}),
    ):
        assert stale.status_code == 412
        assert errors(stale) == {"If-Match": "verouderd"}
        assert stale.headers["etag"] == etag
    assert client.get(url).json()["properties"]["versie"] == 1  # unchanged
    replaced = send(client, "PUT", url, body, **{"If-Match": etag})
    assert replaced.status_code == 200 and replaced.headers["etag"] == '"2"'
    patched = send(client, "PATCH", url, patch, MERGE_PATCH, **{"If-Match": '"2"'})
    assert patched.status_code == 200 and patched.headers["etag"] == '"3"'
    without = {"properties": {"status": "gerealiseerd"}}
    assert send(client, "PATCH", url, without, MERGE_PATCH).headers["etag"] == '"4"'
    assert send(client, "PUT", url, body, **{"If-Match": etag}).status_code == 412
    assert client.delete(url, headers={"If-Match": '"4"'}).status_code == 204


def test_if_match_can_be_required(session: Session, settings: Settings, database_url: str) -> None:
    with TestClient(app_on(session, settings, database_url, if_match_verplicht=True)) as client:
        client.headers.update(token_headers(session, "planner"))
        url = create(client).headers["location"]
        for missing in (
            send(client, "PUT", url, feature(EDE, **opgave())),
            send(client, "PATCH", url, {"properties": {}}, MERGE_PATCH),
            client.delete(url),
        ):
            assert missing.status_code == 428
            assert errors(missing) == {"If-Match": "missing"}
        assert client.delete(url, headers={"If-Match": '"1"'}).status_code == 204


def test_content_crs_gives_the_same_stored_geometry(client: TestClient) -> None:
    """The same shape sent in CRS84 (the default), RD and ETRS89 (latitude first) is stored
    the same, to the millimetre."""
    sent = {
        None: mapping(from_rd(SCHEEF, CRS84)),
        RD.header: mapping(SCHEEF),
        ETRS89.header: mapping(from_rd(SCHEEF, ETRS89)),
        "[EPSG:28992]": mapping(SCHEEF),
    }
    stored = []
    for header, geometry in sent.items():
        body = {"type": "Feature", "geometry": geometry, "properties": opgave()}
        made = send(client, "POST", ITEMS, body, **({"Content-Crs": header} if header else {}))
        assert made.status_code == 201, made.text
        read = client.get(made.headers["location"], params={"crs": "EPSG:28992"})
        assert read.headers["content-crs"] == RD.header
        stored.append(shape(read.json()["geometry"]))
    for geom in stored:
        assert geom.hausdorff_distance(SCHEEF) <= 0.001
        assert geom.equals_exact(stored[0], 0.001)


def test_an_unsupported_content_crs_is_400(client: TestClient, session: Session) -> None:
    before = opgaven_count(session)
    web_mercator = "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    refused = send(client, "POST", ITEMS, feature(EDE, **opgave()), **{"Content-Crs": web_mercator})
    assert refused.status_code == 400
    assert errors(refused) == {"Content-Crs": "crs_niet_ondersteund"}
    # EPSG:4258 puts latitude first: longitude first is said to be swapped.
    lon_lat = feature(EDE, **opgave())  # CRS84: longitude first
    swapped = send(client, "POST", ITEMS, lon_lat, **{"Content-Crs": ETRS89.header})
    assert errors(swapped) == {"geometry": "lat_lon_verwisseld"}
    assert "breedtegraad" in swapped.json()["errors"][0]["reason"]
    assert opgaven_count(session) == before


def test_invalid_input_is_400_naming_the_property_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    before = opgaven_count(session)
    entries = session.scalar(select(func.count()).select_from(Historie))
    parijs = {
        "type": "Polygon",
        "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]],
    }
    outside = send(client, "POST", ITEMS, feature(parijs, **opgave()))
    assert outside.status_code == 400
    assert errors(outside) == {"geometry": "buiten_nederland"}
    open_ring = {"type": "Polygon", "coordinates": [[[5.7, 52.0], [5.8, 52.0], [5.8, 52.1]]]}
    assert send(client, "POST", ITEMS, feature(open_ring, **opgave())).status_code == 400
    wrong = send(client, "POST", ITEMS, feature(EDE, **opgave(trekker="ik", horizon=1800)))
    assert set(errors(wrong)) == {"properties.trekker", "properties.horizon"}
    unknown = send(client, "POST", ITEMS, feature(EDE, **opgave(kleur="rood", thema="ruimte")))
    assert set(errors(unknown)) == {"properties.kleur", "properties.thema"}
    assert opgaven_count(session) == before
    assert session.scalar(select(func.count()).select_from(Historie)) == entries

    # A replacement that fails leaves the feature as it was: nothing half.
    url = create(client).headers["location"]
    half = send(client, "PUT", url, feature(parijs, **opgave(titel="Half")))
    assert half.status_code == 400
    read = client.get(url).json()
    assert read["properties"]["titel"] == opgave()["titel"] and read["properties"]["versie"] == 1
    extern = create(client, extern_id="W-1", **opgave()).headers["location"]
    twice = send(client, "POST", ITEMS, feature(EDE, **opgave(extern_id="W-1")))
    assert twice.status_code == 409
    assert errors(twice) == {"properties.extern_id": "bestaat_al"}
    assert client.get(extern).status_code == 200
    assert opgaven_count(session) == before + 2


def test_a_repaired_geometry_says_so(client: TestClient) -> None:
    vlinder = {
        "type": "Polygon",
        "coordinates": [
            [[5.70, 52.03], [5.72, 52.05], [5.72, 52.03], [5.70, 52.05], [5.70, 52.03]]
        ],
    }
    made = send(client, "POST", ITEMS, feature(vlinder, **opgave()))
    assert made.status_code == 201, made.text
    codes = [m["code"] for m in made.json()["meldingen"]]
    assert "geometrie_hersteld" in codes and "buiten_gebieden" in codes


def test_every_write_is_in_the_audit_trail(anonymous_client: TestClient, session: Session) -> None:
    anonymous_client.headers.update(token_headers(session, "planner", "gis-collega"))
    made = create(anonymous_client).json()
    url = f"{ITEMS}/{made['id']}"
    patch = {"properties": {"status": "uitvoering"}}
    assert send(anonymous_client, "PATCH", url, patch, MERGE_PATCH).status_code == 200
    assert anonymous_client.delete(url).status_code == 204
    history = anonymous_client.get(f"/api/v1/opgaven/{made['id']}/historie").json()
    changes = history["wijzigingen"][::-1]
    assert [c["actie"] for c in changes] == ["aangemaakt", "gewijzigd", "verwijderd"]
    assert {c["door"] for c in changes} == {"gis-collega"}
    assert changes[1]["gewijzigde_velden"] == ["status"]
    assert changes[1]["na"]["properties"]["status"] == "uitvoering"


def test_a_thema_collection_takes_its_own_thema_only(client: TestClient, session: Session) -> None:
    natuur = "/ogc/collections/opgaven-natuur/items"
    properties = opgave()
    del properties["thema"]
    made = send(client, "POST", natuur, feature(EDE, **properties))
    assert made.status_code == 201, made.text
    assert made.json()["properties"]["thema"] == "natuur"  # the collection's
    assert "/opgaven-natuur/items/" in made.headers["location"]
    other = send(client, "POST", natuur, feature(EDE, **opgave(thema="wonen")))
    assert other.status_code == 400
    assert errors(other) == {"properties.thema": "ander_thema"}
    url = made.headers["location"]
    moved = send(client, "PATCH", url, {"properties": {"thema": "wonen"}}, MERGE_PATCH)
    assert errors(moved) == {"properties.thema": "ander_thema"}
    assert send(client, "PUT", url, feature(EDE, **properties)).status_code == 200
    assert client.get(url).json()["properties"]["thema"] == "natuur"
    # An opgave of another thema is not in this collection: not to be changed through it.
    wonen = make_opgave(session, thema="wonen")
    elsewhere = f"{natuur}/{wonen.id}"
    assert send(client, "PUT", elsewhere, feature(EDE, **properties)).status_code == 404
    assert send(client, "PATCH", elsewhere, {"properties": {}}, MERGE_PATCH).status_code == 404
    assert client.delete(elsewhere).status_code == 404
    # Through the whole collection an opgave may change thema.
    whole = f"{ITEMS}/{made.json()['id']}"
    assert (
        send(client, "PATCH", whole, {"properties": {"thema": "wonen"}}, MERGE_PATCH).json()[
            "properties"
        ]["thema"]
        == "wonen"
    )
    assert client.get(url).status_code == 404


def test_gebieden_are_written_the_same_way(client: TestClient) -> None:
    gebieden = "/ogc/collections/gebieden/items"
    made = send(client, "POST", gebieden, feature(EDE, naam="Binnenveld", soort="eigen"))
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["properties"]["slug"] == "binnenveld"
    url = made.headers["location"]
    assert client.get(url).headers["etag"] == '"1"'
    renamed = send(client, "PATCH", url, {"properties": {"naam": "Het Binnenveld"}}, MERGE_PATCH)
    assert renamed.status_code == 200
    assert renamed.json()["properties"]["slug"] == "binnenveld"
    by_slug = f"{gebieden}/binnenveld"  # the collection serves a gebied by its slug too
    smaller = feature(box(174_000, 448_000, 174_500, 448_500), naam="Binnenveld", soort="eigen")
    replaced = send(client, "PUT", by_slug, smaller, **{"If-Match": '"2"'})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["properties"]["oppervlakte_ha"] == pytest.approx(25.0)
    assert errors(send(client, "POST", gebieden, feature(EDE, naam="", soort="kabouter"))) == {
        "properties.naam": "string_too_short",
        "properties.soort": "enum",
    }
    assert client.delete(url, headers={"If-Match": '"3"'}).status_code == 204
    assert client.get(url).status_code == 404


def test_read_only_collections_are_405(client: TestClient, session: Session) -> None:
    make_gebied(session)
    laag = make_laag(session)
    body = feature(EDE, **opgave())
    for collection in ("stapeling", f"referentielaag-{laag.slug}"):
        items = f"/ogc/collections/{collection}/items"
        for response in (
            send(client, "POST", items, body),
            send(client, "PUT", f"{items}/x", body),
            send(client, "PATCH", f"{items}/x", {"properties": {}}, MERGE_PATCH),
            client.delete(f"{items}/x"),
        ):
            assert response.status_code == 405
            assert response.headers["allow"] == "GET, OPTIONS"
            assert response.headers["content-type"] == PROBLEM
        options = client.options(items)
        assert options.status_code == 200 and options.headers["allow"] == "GET, OPTIONS"
    assert send(client, "POST", "/ogc/collections/bestaat-niet/items", body).status_code == 404


def test_options_say_which_methods_and_media_types(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    """OPTIONS, as /req/core/methods asks: what each endpoint allows whoever asks."""
    url = f"{ITEMS}/{make_opgave(session).id}"
    items = client.options(ITEMS)
    assert items.status_code == 200
    assert set(items.headers["allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert GEOJSON in items.headers["accept-post"]
    one = client.options(url)
    assert set(one.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE", "OPTIONS"}
    assert one.headers["accept-patch"].startswith(MERGE_PATCH)
    # Within the context of the request: who may not write is not offered it.
    assert anonymous_client.options(ITEMS).headers["allow"] == "GET, OPTIONS"
    assert anonymous_client.options(url).headers["allow"] == "GET, OPTIONS"
    assert client.options(f"{ITEMS}/00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_openapi_document_shows_the_writes(client: TestClient) -> None:
    spec = client.get("/ogc/api").json()
    items = spec["paths"]["/ogc/collections/{collection_id}/items"]
    one = spec["paths"]["/ogc/collections/{collection_id}/items/{feature_id}"]
    assert {"get", "post", "options"} <= set(items)
    assert {"get", "put", "patch", "delete", "options"} <= set(one)
    assert set(items["post"]["requestBody"]["content"]) == {GEOJSON, "application/json"}
    assert MERGE_PATCH in one["patch"]["requestBody"]["content"]
    assert "Location" in items["post"]["responses"]["201"]["headers"]
    for operation in (items["post"], one["put"], one["patch"], one["delete"]):
        assert {"400", "401", "403", "404", "405", "409"} <= set(operation["responses"])
    for operation in (one["put"], one["patch"], one["delete"]):
        assert {"412", "428"} <= set(operation["responses"])
    parameters = {p["name"] for p in items["post"]["parameters"]}
    assert "Content-Crs" in parameters
    for ref in ("OpgaveFeatureIn", "GebiedFeatureIn", "OpgavePatch", "GebiedPatch"):
        assert ref in spec["components"]["schemas"]


@pytest.fixture(scope="module")
def live_planner(live_database: str) -> str:
    """An API token of a planner of the live app (its database commits)."""
    engine = make_engine(live_database)
    try:
        with make_sessionmaker(engine)() as session:
            gebruiker = auth_service.create_gebruiker(
                session, "ogc-gis-collega", Rol.PLANNER, WACHTWOORD, TEST_SETTINGS
            )
            _token, value = auth_service.create_token(session, gebruiker, 1)
    finally:
        engine.dispose()
    return value


def http(method: str, url: str, body: Any = None, **headers: str) -> tuple[int, Message, Any]:
    """One request over HTTP, as any client makes it: status, headers and JSON body."""
    data = json.dumps(body).encode() if body is not None else None
    request = Request(url, data=data, method=method, headers=headers)
    try:
        with urlopen(request) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except HTTPError as exc:
        raw = exc.read()
        return exc.code, exc.headers, json.loads(raw) if raw else None


def gdal_opgaven(base: str) -> Any:
    """The opgaven as GDAL's OAPIF driver reads them (in the storage CRS, RD)."""
    return pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer="opgaven")


def test_a_gis_client_sees_the_edits_over_http(live_process_url: str, live_planner: str) -> None:
    """The examples of the draft, over HTTP against the running app; after each write GDAL's
    OAPIF driver reads the collection anew and sees the edit."""
    items = f"{live_process_url}{ITEMS}"
    auth = {"Authorization": f"Bearer {live_planner}"}
    status, headers, _ = http("OPTIONS", items, **auth)
    assert status == 200 and "POST" in headers["Allow"]
    assert "POST" not in http("OPTIONS", items)[1]["Allow"]  # anonymous

    before = gdal_opgaven(live_process_url)
    created = {
        "type": "Feature",
        "geometry": mapping(from_rd(multi(SCHEEF), CRS84)),
        "properties": opgave(titel="Waterberging Binnenveld (OGC)"),
    }
    status, headers, body = http("POST", items, created, **{"Content-Type": GEOJSON}, **auth)
    assert status == 201, body
    location, fid = headers["Location"], body["id"]
    try:
        assert location == f"{items}/{fid}" and headers["ETag"] == '"1"'
        status, headers, _ = http("GET", location)
        assert status == 200 and headers["ETag"] == '"1"'
        seen = gdal_opgaven(live_process_url)
        assert len(seen) == len(before) + 1
        row = seen[seen["titel"] == "Waterberging Binnenveld (OGC)"].iloc[0]
        assert row["thema"] == "water-bodem"
        assert row.geometry.area == pytest.approx(SCHEEF.area, abs=1)

        # Replace, in RD, on the versie read.
        square = box(174_000, 448_000, 174_500, 448_500)
        replaced = {
            "type": "Feature",
            "geometry": mapping(square),
            "properties": opgave(titel="Waterberging Veenkampen (OGC)", trekker="provincie"),
        }
        put = {"Content-Type": GEOJSON, "Content-Crs": RD.header, "If-Match": '"1"'}
        status, headers, body = http("PUT", location, replaced, **put, **auth)
        assert status == 200, body
        assert headers["ETag"] == '"2"'
        stale = http("PUT", location, replaced, **put, **auth)
        assert stale[0] == 412 and stale[1]["Content-Type"] == PROBLEM

        # Update: a merge patch of one property and the geometry.
        smaller = box(174_000, 448_000, 174_250, 448_500)
        patch = {"properties": {"status": "uitvoering"}, "geometry": mapping(smaller)}
        update = {"Content-Type": MERGE_PATCH, "Content-Crs": RD.header, "If-Match": '"2"'}
        status, headers, body = http("PATCH", location, patch, **update, **auth)
        assert status == 200, body
        assert body["properties"]["titel"] == "Waterberging Veenkampen (OGC)"
        seen = gdal_opgaven(live_process_url)
        row = seen[seen["id"] == fid].iloc[0]
        assert (row["titel"], row["status"], row["trekker"]) == (
            "Waterberging Veenkampen (OGC)",
            "uitvoering",
            "provincie",
        )
        assert row.geometry.hausdorff_distance(smaller) <= 0.001
        assert row.geometry.area == pytest.approx(smaller.area)
        assert row["versie"] == 3
    finally:
        status, _, _ = http("DELETE", location, **auth)
    assert status == 204
    assert http("GET", location)[0] == 404
    after = gdal_opgaven(live_process_url)
    assert len(after) == len(before) and fid not in set(after["id"])
