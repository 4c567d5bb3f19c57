"""Doorvoeren: a vastgesteld variant into the register, all or nothing, in the audit trail."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from gebiedsregie.cli import migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.errors import PreconditionFailed
from gebiedsregie.historie.models import Historie
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.opgaven.service import opgave_shape
from gebiedsregie.varianten import service
from gebiedsregie.varianten.doorvoeren import doorvoeren
from gebiedsregie.varianten.models import Variant
from tests.factories import TEST_SETTINGS, feature, multi, token_headers
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant, voeg_toe, wijzig

KLEINER = box(171_000, 446_000, 172_000, 447_000)


def _vastgesteld(client: TestClient, session: Session) -> tuple[str, dict[str, Opgave], str]:
    """A vastgesteld variant that changes wonen, leaves out natuur and adds one."""
    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    assert wijzig(client, variant_id, opgaven["wonen"], KLEINER, status="uitvoering").is_success
    assert laat_weg(client, variant_id, opgaven["natuur"]).is_success
    nieuw = voeg_toe(client, variant_id).json()["id"]
    fixed = client.patch(f"/api/v1/varianten/{variant_id}", json={"status": "vastgesteld"})
    assert fixed.status_code == 200
    return variant_id, opgaven, nieuw


def _door(session: Session, object_id: object) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Historie.actie, Historie.door)
        .where(Historie.object_id == object_id)
        .order_by(Historie.id)
    ).all()
    return [(a, d) for a, d in rows]


def test_doorvoeren_applies_everything_and_the_trail_names_the_beheerder(
    client: TestClient, session: Session
) -> None:
    variant_id, opgaven, nieuw = _vastgesteld(client, session)
    wonen, natuur = opgaven["wonen"], opgaven["natuur"]
    url = f"/api/v1/varianten/{variant_id}"
    done = client.post(f"{url}/doorvoeren", headers={"If-Match": '"2"'})
    assert done.status_code == 200, done.text
    assert done.json()["doorgevoerd"] == {
        "aangemaakt": [nieuw],
        "gewijzigd": [str(wonen.id)],
        "verwijderd": [str(natuur.id)],
    }
    variant = done.json()["variant"]
    assert variant["doorgevoerd"]["door"] == "test-beheerder"

    changed = client.get(f"/api/v1/opgaven/{wonen.id}").json()["properties"]
    assert (changed["status"], changed["versie"], changed["oppervlakte_ha"]) == (
        "uitvoering",
        2,
        100.0,
    )
    assert client.get(f"/api/v1/opgaven/{natuur.id}").status_code == 410
    added = client.get(f"/api/v1/opgaven/{nieuw}")
    assert added.status_code == 200 and added.json()["properties"]["titel"] == "Nieuw bos"
    assert _door(session, wonen.id)[-1] == ("gewijzigd", "test-beheerder")
    assert _door(session, natuur.id)[-1] == ("verwijderd", "test-beheerder")
    assert _door(session, uuid.UUID(nieuw)) == [("aangemaakt", "test-beheerder")]
    trail = client.get(f"{url}/historie").json()["wijzigingen"]
    assert trail[0]["actie"] == "doorgevoerd" and trail[0]["soort"] == "variant"

    # Afterwards the variant shows what the register now is, and stays as it is; the
    # register's state that doorvoeren wrote is no change "since".
    assert all(w["register_sindsdien"] is None for w in variant["wijzigingen"])
    seen = client.get(f"{url}/opgaven").json()["features"]
    assert not any(f["properties"]["register_gewijzigd"] for f in seen)
    assert sorted(f["id"] for f in seen) == sorted(
        [str(wonen.id), str(opgaven["energie"].id), nieuw]
    )
    assert client.post(f"{url}/doorvoeren").status_code == 409
    assert client.patch(url, json={"status": "concept"}).status_code == 409
    patch = {"type": "Feature", "properties": {"titel": "Later"}}
    assert client.patch(f"/api/v1/opgaven/{wonen.id}", json=patch).is_success
    assert client.post(f"/api/v1/opgaven/{natuur.id}/herstel").status_code == 200
    later = {w["opgave_id"]: w["register_sindsdien"] for w in client.get(url).json()["wijzigingen"]}
    assert later[str(wonen.id)]["velden"] == ["titel"]
    assert later[str(natuur.id)]["wat"] == "hersteld"


def test_only_a_beheerder_applies_only_a_vastgesteld_variant(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    assert laat_weg(client, variant_id, opgaven["natuur"]).is_success
    url = f"/api/v1/varianten/{variant_id}/doorvoeren"
    concept = client.post(url)
    assert concept.status_code == 409 and concept.json()["errors"][0]["name"] == "status"
    assert client.patch(
        f"/api/v1/varianten/{variant_id}", json={"status": "vastgesteld"}
    ).is_success
    anonymous_client.headers.update(token_headers(session, "planner"))
    assert anonymous_client.post(url).status_code == 403
    assert client.post(url, headers={"If-Match": '"1"'}).status_code == 412
    assert client.get(f"/api/v1/opgaven/{opgaven['natuur'].id}").status_code == 200


def test_a_register_edit_meanwhile_stops_all_of_it(client: TestClient, session: Session) -> None:
    variant_id, opgaven, nieuw = _vastgesteld(client, session)
    wonen, natuur = opgaven["wonen"], opgaven["natuur"]
    patch = {"type": "Feature", "properties": {"beschrijving": "Intussen"}}
    assert client.patch(f"/api/v1/opgaven/{natuur.id}", json=patch).is_success

    refused = client.post(f"/api/v1/varianten/{variant_id}/doorvoeren")
    assert refused.status_code == 412
    assert refused.headers["content-type"] == "application/problem+json"
    errors = refused.json()["errors"]
    assert [e["name"] for e in errors] == [f"opgaven.{natuur.id}"]
    assert "versie 2" in errors[0]["reason"] and "'Natuur'" in errors[0]["reason"]
    # Nothing half-applied.
    assert client.get(f"/api/v1/opgaven/{wonen.id}").json()["properties"]["versie"] == 1
    assert client.get(f"/api/v1/opgaven/{natuur.id}").status_code == 200
    assert client.get(f"/api/v1/opgaven/{nieuw}").status_code == 404
    body = client.get(f"/api/v1/varianten/{variant_id}").json()
    assert body["doorgevoerd"] is None
    wijziging = next(w for w in body["wijzigingen"] if w["opgave_id"] == str(natuur.id))
    assert wijziging["register_sindsdien"]["velden"] == ["beschrijving"]
    assert [a for a, _ in _door(session, wonen.id)] == ["aangemaakt"]

    # Deleted from the register meanwhile: refused too, naming it.
    assert client.delete(f"/api/v1/opgaven/{wonen.id}").status_code == 204
    refused = client.post(f"/api/v1/varianten/{variant_id}/doorvoeren")
    reasons = {e["name"]: e["reason"] for e in refused.json()["errors"]}
    assert "verwijderd" in reasons[f"opgaven.{wonen.id}"]


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


def test_an_edit_in_another_transaction_waits_and_then_stops_doorvoeren(
    factory: sessionmaker[Session],
) -> None:
    """A planner's edit holds its opgave while doorvoeren starts: doorvoeren waits for it,
    then sees the new versie and applies nothing."""
    with factory() as setup:
        _gebied, opgaven = gebied_met_opgaven(setup)
        ids = {name: o.id for name, o in opgaven.items()}
        beheerder = auth_service.create_gebruiker(
            setup, "bea", Rol.BEHEERDER, "x" * 16, TEST_SETTINGS
        )
        variant = service.create_variant(setup, _gebied, {"naam": "V"}, "bea", beheerder.id)
        values = {
            **dict.fromkeys(("horizon", "ruimtevraag_ha")),
            **{"titel": "W", "thema": "wonen", "beschrijving": "", "bron": ""},
            **{"trekker": "rijk", "status": "uitvoering"},
        }
        service.put_wijziging(setup, variant, opgaven["wonen"], None, values, multi(KLEINER))
        service.put_wijziging(setup, variant, opgaven["natuur"], None, None, None)
        service.update_variant(setup, variant, {"status": "vastgesteld"}, Rol.BEHEERDER)
        variant_id = variant.id

    outcome: list[object] = []
    with factory() as planner, factory() as applier:
        auth_service.set_door(planner, "piet", None)
        mine = planner.get(Opgave, ids["wonen"])
        assert mine is not None
        mine.status = "gerealiseerd"
        planner.flush()  # holds the row until commit

        def apply() -> None:
            auth_service.set_door(applier, "bea", None)
            target = applier.get(Variant, variant_id)
            assert target is not None
            try:
                outcome.append(doorvoeren(applier, target, "bea", None))
            except PreconditionFailed as exc:
                outcome.append(exc)

        worker = threading.Thread(target=apply)
        worker.start()
        _wait_until_blocked(planner)
        planner.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()

    assert len(outcome) == 1 and isinstance(outcome[0], PreconditionFailed)
    assert [e.name for e in outcome[0].errors] == [f"opgaven.{ids['wonen']}"]
    with factory() as check:
        natuur = check.get(Opgave, ids["natuur"])
        wonen = check.get(Opgave, ids["wonen"])
        assert natuur is not None and natuur.verwijderd_op is None and natuur.versie == 1
        assert wonen is not None and wonen.status == "gerealiseerd" and wonen.versie == 2
        assert opgave_shape(wonen).area == pytest.approx(4_000_000)
        fresh = check.get(Variant, variant_id)
        assert fresh is not None and fresh.doorgevoerd_op is None


def _wait_until_blocked(session: Session) -> None:
    """Wait until another backend waits for a lock (doorvoeren, on the planner's row)."""
    for _ in range(200):
        session.execute(text("SELECT pg_stat_clear_snapshot()"))  # else read once a transaction
        waiting = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
        )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("doorvoeren never waited for the planner's lock")


def test_a_feature_body_is_not_enough_to_apply(client: TestClient, session: Session) -> None:
    """Doorvoeren takes no body: what is applied is what was vastgesteld."""
    variant_id, opgaven, _nieuw = _vastgesteld(client, session)
    body = feature(KLEINER, titel="Anders")
    done = client.post(f"/api/v1/varianten/{variant_id}/doorvoeren", json=body)
    assert done.status_code == 200
    assert (
        client.get(f"/api/v1/opgaven/{opgaven['wonen'].id}").json()["properties"]["titel"]
        == "Wonen"
    )
