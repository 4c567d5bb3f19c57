"""The audit trail, soft deletes and their undoing, and If-Match against lost updates."""

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.cli import migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.errors import PreconditionFailed
from gebiedsregie.historie.models import Historie
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.settings import Settings
from tests.factories import (
    EDE,
    RD_URI,
    feature,
    make_gebied,
    make_opgave,
    opgave_properties,
    token_headers,
)

RD = {"crs": RD_URI}


def create(client: TestClient, **properties: object) -> tuple[str, str]:
    made = client.post("/api/v1/opgaven", json=feature(EDE, **opgave_properties(**properties)))
    assert made.status_code == 201, made.text
    return made.headers["location"], made.headers["etag"]


def test_every_change_is_recorded_with_who_and_the_full_before_and_after(
    anonymous_client: TestClient, session: Session
) -> None:
    planner = token_headers(session, "planner", "piet")
    anonymous_client.headers.update(planner)
    url, etag = create(anonymous_client, titel="Eerste")
    smaller = box(174_000, 448_000, 174_500, 448_500)
    patched = anonymous_client.patch(
        url,
        json=feature(smaller, titel="Tweede"),
        headers={"If-Match": etag, "X-Request-ID": "verzoek-42"},
    )
    assert patched.status_code == 200, patched.text
    assert anonymous_client.delete(url, headers={"If-Match": '"2"'}).status_code == 204

    history = anonymous_client.get(f"{url}/historie", params=RD)
    assert history.status_code == 200
    assert history.headers["content-crs"] == f"<{RD_URI}>"
    body = history.json()
    assert body["numberMatched"] == 3
    deleted, changed, made = body["wijzigingen"]
    assert [w["actie"] for w in (made, changed, deleted)] == [
        "aangemaakt",
        "gewijzigd",
        "verwijderd",
    ]
    assert [w["versie"] for w in (made, changed, deleted)] == [1, 2, 3]
    assert {w["door"] for w in body["wijzigingen"]} == {"piet"}
    assert made["voor"] is None and made["na"]["properties"]["titel"] == "Eerste"
    assert changed["voor"]["properties"]["titel"] == "Eerste"
    assert changed["na"]["properties"]["titel"] == "Tweede"
    assert changed["gewijzigde_velden"] == ["titel", "geometrie"]
    # The full geometry, before and after, exactly as stored (RD, metres).
    assert shape(changed["voor"]["geometry"]).equals(EDE)
    assert shape(changed["na"]["geometry"]).area == pytest.approx(smaller.area)
    assert deleted["gewijzigde_velden"] == ["verwijderd_op"]
    assert deleted["na"]["properties"]["verwijderd_op"] is not None
    if changed["verzoek_id"] is not None:  # when the request-id middleware is installed
        assert changed["verzoek_id"] == "verzoek-42"


def test_a_rolled_back_change_leaves_no_trace(session: Session) -> None:
    opgave = make_opgave(session)
    before = session.scalar(select(func.count()).select_from(Historie))
    nested = session.begin_nested()
    opgave.titel = "Nooit gebeurd"
    session.flush()
    assert session.scalar(select(func.count()).select_from(Historie)) == before + 1
    nested.rollback()
    assert session.scalar(select(func.count()).select_from(Historie)) == before


def test_changes_outside_the_application_are_recorded_too(session: Session) -> None:
    opgave = make_opgave(session)
    session.execute(text("SELECT set_config('gebiedsregie.door', '', true)"))
    session.execute(
        text("UPDATE opgave SET titel = 'Met de hand' WHERE id = :id"), {"id": opgave.id}
    )
    session.execute(text("DELETE FROM opgave WHERE id = :id"), {"id": opgave.id})
    rows = session.scalars(
        select(Historie).where(Historie.object_id == opgave.id).order_by(Historie.id)
    ).all()
    assert [r.actie for r in rows] == ["aangemaakt", "gewijzigd", "gewist"]
    assert rows[-1].door.startswith("database:")
    assert rows[-1].geom_voor is not None and rows[-1].na is None


def test_deleted_is_gone_everywhere_until_a_beheerder_restores_it(
    client: TestClient, session: Session
) -> None:
    gebied = make_gebied(session, slug="vallei", naam="Vallei")
    url, etag = create(client, titel="Weg en terug", extern_id="ext-1")
    opgave_id = url.rsplit("/", 1)[1]
    assert client.delete(url, headers={"If-Match": etag}).status_code == 204

    gone = client.get(url)
    assert gone.status_code == 410
    assert "historie" in gone.json()["detail"]
    assert client.patch(url, json={"type": "Feature", "properties": {}}).status_code == 410
    listed = client.get("/api/v1/opgaven", params={"gebied": "vallei"}).json()
    assert listed["numberMatched"] == 0
    assert client.get(f"/ogc/collections/opgaven/items/{opgave_id}").status_code in (404, 410)
    ogc = client.get("/ogc/collections/opgaven/items").json()
    assert opgave_id not in {f["id"] for f in ogc["features"]}
    samenvatting = client.get(f"/api/v1/gebieden/{gebied.id}/stapeling/samenvatting").json()
    assert samenvatting["aantal_opgaven"] == 0
    # Its extern_id is free again: a re-import makes a new opgave.
    again, _ = create(client, titel="Opnieuw", extern_id="ext-1")
    log = client.get("/api/v1/historie", params={"actie": "verwijderd", "soort": "opgave"})
    assert opgave_id in {w["object_id"] for w in log.json()["wijzigingen"]}

    # Restoring now would make two live opgaven with one extern_id.
    conflict = client.post(f"{url}/herstel")
    assert conflict.status_code == 409
    assert client.delete(again).status_code == 204
    restored = client.post(f"{url}/herstel")
    assert restored.status_code == 200, restored.text
    assert restored.headers["etag"] == '"3"'
    assert client.get(url).json()["properties"]["titel"] == "Weg en terug"
    assert client.post(f"{url}/herstel").status_code == 409  # not deleted (any more)
    samenvatting = client.get(f"/api/v1/gebieden/{gebied.id}/stapeling/samenvatting").json()
    assert samenvatting["aantal_opgaven"] == 1
    actions = [w["actie"] for w in client.get(f"{url}/historie").json()["wijzigingen"]]
    assert actions == ["hersteld", "verwijderd", "aangemaakt"]


def test_a_deleted_gebied_frees_its_slug_and_comes_back(
    client: TestClient, session: Session
) -> None:
    gebied = make_gebied(session, slug="vallei", naam="Vallei")
    assert client.delete(f"/api/v1/gebieden/{gebied.id}").status_code == 204
    assert client.get("/api/v1/gebieden/vallei").status_code == 410
    assert client.get("/gebieden/vallei").status_code == 404
    assert client.get("/api/v1/gebieden").json()["numberMatched"] == 0
    history = client.get("/api/v1/gebieden/vallei/historie").json()
    assert [w["actie"] for w in history["wijzigingen"]] == ["verwijderd", "aangemaakt"]
    restored = client.post("/api/v1/gebieden/vallei/herstel")
    assert restored.status_code == 200, restored.text
    assert client.get("/api/v1/gebieden/vallei").status_code == 200


def test_a_new_gebied_is_one_write(client: TestClient) -> None:
    made = client.post("/api/v1/gebieden", json=feature(EDE, naam="Nieuw", soort="eigen"))
    assert made.status_code == 201, made.text
    assert made.headers["etag"] == '"1"'
    history = client.get(made.headers["location"] + "/historie").json()
    assert [w["actie"] for w in history["wijzigingen"]] == ["aangemaakt"]


def test_if_match(client: TestClient, session: Session) -> None:
    url, etag = create(client)
    patch = {"type": "Feature", "properties": {"status": "uitvoering"}}
    stale = client.patch(url, json=patch, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["etag"] == etag
    assert stale.json()["errors"][0]["name"] == "If-Match"
    weak = client.patch(url, json=patch, headers={"If-Match": f"W/{etag}"})
    assert weak.status_code == 412  # If-Match compares strongly
    malformed = client.patch(url, json=patch, headers={"If-Match": "1"})
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["name"] == "If-Match"
    listed = client.patch(url, json=patch, headers={"If-Match": f'"7", {etag}'})
    assert listed.status_code == 200
    assert listed.headers["etag"] == '"2"'
    assert (
        client.put(
            url, json=feature(EDE, **opgave_properties()), headers={"If-Match": etag}
        ).status_code
        == 412
    )
    assert client.delete(url, headers={"If-Match": etag}).status_code == 412
    assert client.get(url).json()["properties"]["status"] == "uitvoering"  # nothing lost
    assert client.delete(url, headers={"If-Match": "*"}).status_code == 204


def test_if_match_can_be_required(session: Session, database_url: str) -> None:
    from tests.auth.test_access import make_client

    settings = Settings(database_url=None, if_match_verplicht=True)
    with make_client(session, settings, database_url) as client:
        client.headers.update(token_headers(session, "planner"))
        url, etag = create(client)
        missing = client.delete(url)
        assert missing.status_code == 428
        assert missing.json()["errors"][0]["name"] == "If-Match"
        assert client.delete(url, headers={"If-Match": etag}).status_code == 204


@pytest.fixture
def factory(admin_engine_factory: Callable[[], str]) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh, migrated database of their own, for tests of two transactions."""
    url = admin_engine_factory()
    migrate(url)
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def test_without_if_match_a_concurrent_change_is_not_a_412(
    factory: sessionmaker[Session],
) -> None:
    """No precondition asked: the change is made on top of the other one, both recorded."""
    from gebiedsregie.api import write_versioned

    settings = Settings(database_url=None)
    with factory() as setup:
        opgave_id = str(make_opgave(setup).id)
        setup.commit()
    with factory() as planner_a, factory() as planner_b:
        loads = []

        def load() -> Opgave:
            current = opgaven_service.get_opgave(planner_a, opgave_id)
            if not loads:  # someone else commits between A's first read and A's write
                theirs = opgaven_service.get_opgave(planner_b, opgave_id)
                opgaven_service.update_opgave(planner_b, theirs, {"titel": "Van B"}, None)
            loads.append(current.versie)
            return current

        done = write_versioned(
            load,
            None,
            settings,
            lambda current: opgaven_service.update_opgave(
                planner_a, current, {"status": "uitvoering"}, None
            ),
        )
        assert loads == [1, 2] and done.versie == 3
        assert (done.titel, done.status) == ("Van B", "uitvoering")
        with pytest.raises(PreconditionFailed):
            write_versioned(load, '"2"', settings, lambda current: current)


def test_a_change_between_reading_and_writing_is_refused(
    factory: sessionmaker[Session],
) -> None:
    """Two transactions: the one that loaded versie 1 cannot overwrite the other's versie 2."""
    with factory() as setup:
        opgave = make_opgave(setup)
        setup.commit()
        opgave_id = str(opgave.id)
    with factory() as planner_a, factory() as planner_b:
        auth_service.set_door(planner_a, "a", None)
        auth_service.set_door(planner_b, "b", None)
        mine = opgaven_service.get_opgave(planner_a, opgave_id)
        theirs = opgaven_service.get_opgave(planner_b, opgave_id)
        opgaven_service.update_opgave(planner_b, theirs, {"titel": "Van B"}, None)
        with pytest.raises(PreconditionFailed):
            opgaven_service.update_opgave(planner_a, mine, {"titel": "Van A"}, None)
    with factory() as check:
        stored = check.get(Opgave, uuid.UUID(opgave_id))
        assert stored is not None and stored.titel == "Van B" and stored.versie == 2
        doors = check.scalars(
            select(Historie.door).where(Historie.object_id == stored.id).order_by(Historie.id)
        ).all()
        assert doors[-1] == "b" and len(doors) == 2


def test_a_nul_in_the_door_filter_is_400(client: TestClient) -> None:
    # Found by fuzzing: PostgreSQL text cannot hold NUL (U+0000), and it was a 500.
    response = client.get("/api/v1/historie", params={"door": "anna\x00"})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["door"]
