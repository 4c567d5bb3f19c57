"""The stapeling's limits: connections given back while computing, ad-hoc slots, caps on
drawn points and answered faces, and the bounded store of filtered results."""

from typing import Any

import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gebiedsregie import bounded
from gebiedsregie.auth.models import Rol
from gebiedsregie.errors import ServiceUnavailable
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import compute
from gebiedsregie.stapeling.filters import UNFILTERED
from gebiedsregie.stapeling.models import Stapeling
from gebiedsregie.stapeling.router import AdhocSlots
from tests.conftest import app_on
from tests.factories import RD_HEADERS, feature, token_headers
from tests.stapeling.test_api import gebied

__all__ = ["gebied"]  # the fixture, shared with test_api


def test_adhoc_gives_its_connection_back_while_it_computes(
    client: TestClient, session: Session, gebied: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[bool] = []
    analyse, run = compute.analyse, bounded.run

    def watched(*args: Any, **kwargs: Any) -> compute.Result:
        held.append(session.in_transaction())
        return analyse(*args, **kwargs)

    def watched_run(*args: Any, **kwargs: Any) -> Any:  # ad hoc: computed in a child
        held.append(session.in_transaction())
        return run(*args, **kwargs)

    monkeypatch.setattr(compute, "analyse", watched)
    monkeypatch.setattr(bounded, "run", watched_run)
    drawn = box(172_500, 440_000, 174_500, 442_000)
    assert client.post("/api/v1/stapeling", json=feature(drawn)["geometry"]).status_code == 200
    assert client.get(f"/api/v1/gebieden/{gebied}/stapeling").status_code == 200
    assert held == [False, False]  # ad hoc, then stored: no transaction while computing


def test_adhoc_slots_answer_busy_rather_than_queue() -> None:
    slots = AdhocSlots(total=2, anoniem=1)
    with slots.take(anoniem=True):
        with pytest.raises(ServiceUnavailable) as busy:
            slots.take(anoniem=True).__enter__()
        assert busy.value.headers["Retry-After"] == "5" and "Log in" in busy.value.detail
        with slots.take(anoniem=False), pytest.raises(ServiceUnavailable):
            slots.take(anoniem=False).__enter__()
    with slots.take(anoniem=True), slots.take(anoniem=False):
        pass  # all given back


def test_anonymous_adhoc_can_be_closed(
    settings: Settings, session: Session, database_url: str, gebied: str
) -> None:
    app = app_on(session, settings, database_url, adhoc_parallel_anoniem=0)
    drawn = feature(box(172_500, 440_000, 174_500, 442_000))["geometry"]
    with TestClient(app) as anonymous:
        refused = anonymous.post("/api/v1/stapeling", json=drawn)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.headers["content-type"] == "application/problem+json"
        assert "Log in" in refused.json()["detail"]
        logged_in = anonymous.post(
            "/api/v1/stapeling", json=drawn, headers=token_headers(session, Rol.PLANNER)
        )
        assert logged_in.status_code == 200, logged_in.text


def test_adhoc_past_its_budget_is_stopped_and_refused(
    settings: Settings, session: Session, database_url: str, gebied: str
) -> None:
    app = app_on(session, settings, database_url, adhoc_seconds=0.001)
    drawn = feature(box(172_500, 440_000, 174_500, 442_000))["geometry"]
    with TestClient(app) as client:
        refused = client.post("/api/v1/stapeling", json=drawn)
    assert refused.status_code == 413 and "0.001 s" in refused.json()["detail"]
    assert refused.json()["errors"] == [
        {
            "name": "geometry",
            "reason": "Te zware analyse voor dit vlak.",
            "code": "analyse_te_zwaar",
        }
    ]


def test_stored_filtered_results_are_bounded_least_recently_used_first(
    settings: Settings, session: Session, database_url: str, gebied: str
) -> None:
    app = app_on(session, settings, database_url, stapeling_bewaard_max=2)
    with TestClient(app) as client:
        url = f"/api/v1/gebieden/{gebied}/stapeling/samenvatting"
        assert client.get(url).status_code == 200  # the unfiltered result
        for thema in ("wonen", "natuur", "energie"):
            assert client.get(url, params={"thema": thema}).status_code == 200
            # Each new one is the most recently used: make the older ones plainly older.
            session.execute(
                text("UPDATE stapeling SET gebruikt_op = gebruikt_op - interval '1 hour'")
            )
        kept = session.scalars(select(Stapeling.filter_key)).all()
    assert UNFILTERED in kept  # always kept
    filtered = sorted(k for k in kept if k != UNFILTERED)
    assert len(filtered) == 2 and all("wonen" not in k for k in filtered)  # the oldest went


def test_adhoc_refuses_more_faces_than_its_cap(
    settings: Settings, session: Session, database_url: str, gebied: str
) -> None:
    app = app_on(session, settings, database_url, adhoc_max_vlakken=2)
    drawn = feature(box(172_500, 440_000, 174_500, 442_000))["geometry"]
    with TestClient(app) as client:
        refused = client.post("/api/v1/stapeling", json=drawn)
        assert refused.status_code == 413, refused.text
        assert refused.json()["errors"][0]["code"] == "te_veel_vlakken"
        deep = client.post("/api/v1/stapeling", json=drawn, params={"min_aantal": 3})
        assert deep.status_code == 200, deep.text


def test_a_drawn_area_has_fewer_points_than_an_opgave_may(
    settings: Settings, session: Session, database_url: str, gebied: str
) -> None:
    app = app_on(session, settings, database_url, adhoc_max_vertices=100)
    comb = shapely.Point(173_500, 441_000).buffer(500, quad_segs=64)  # 257 points
    with TestClient(app) as client:
        refused = client.post(
            "/api/v1/stapeling", json=shapely.geometry.mapping(comb), headers=RD_HEADERS
        )
    assert refused.status_code == 400, refused.text
    error = refused.json()["errors"][0]
    assert error["code"] == "te_veel_hoekpunten" and "100" in error["reason"]
