"""Landelijke runs in PostGIS: stored per tegel, summed, resumed, through the API and the CLI.

The workers read and write the database on their own connections, so these tests use a
database of their own with committed rows (not the rolled-back session of the others), and a
small in-process LocalCluster.
"""

import os
import pickle
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import shapely
from distributed import Client, LocalCluster
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely import Geometry, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.app import create_app
from gebiedsregie.auth.models import Rol
from gebiedsregie.cli import main, migrate
from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.gebieden.models import Provincie
from gebiedsregie.landelijk import opslag, runs, verdeeld
from gebiedsregie.landelijk.models import LandelijkeTegel
from gebiedsregie.landelijk.statistiek import Statistiek, of_faces
from gebiedsregie.landelijk.tegels import Raster, Tegel, TegelResultaat
from gebiedsregie.localdb import create_database, drop_database
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.compute import Invoer
from tests.conftest import url_for
from tests.factories import make_opgave, token_headers
from tests.landelijk.test_tegels import _whole, assert_equal_statistics

TESTLAND = box(150_000, 440_000, 175_000, 460_000)  # 3 x 2 tegels of 10 km
KLEIN = box(200_000, 440_000, 205_000, 445_000)  # 1 tegel
OPGAVEN = [
    (box(155_000, 445_000, 165_000, 452_000), "wonen"),  # across x = 160 km and y = 450 km
    (box(158_000, 448_000, 172_000, 458_000), "natuur"),
    (box(149_000, 441_000, 152_000, 443_000), "energie"),  # partly outside Testland
    (box(162_000, 449_000, 163_000, 451_000), "wonen"),
    (box(160_000, 440_000, 170_000, 450_000), "energie"),  # exactly one tegel
    (box(201_000, 441_000, 203_000, 444_000), "natuur"),  # in Klein
]
VERWIJDERD = box(151_000, 451_000, 159_000, 459_000)
POLL_S = 60.0


@pytest.fixture(scope="module")
def url(fresh_database: tuple[str, str]) -> Iterator[str]:
    """A database of its own: two provincies, opgaven (one deleted), committed."""
    admin = fresh_database[0]
    name = f"gebiedsregie_landelijk_{os.getpid()}_{secrets.token_hex(3)}"
    create_database(admin, name)
    url = url_for(admin, name)
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        for statcode, naam, geom in [("PV99", "Testland", TESTLAND), ("PV98", "Klein", KLEIN)]:
            session.add(
                Provincie(
                    statcode=statcode,
                    naam=naam,
                    geom=from_shape(shapely.MultiPolygon([geom]), srid=RD_NEW),
                )
            )
        for geom, thema in OPGAVEN:
            make_opgave(session, geom, thema=thema)
        make_opgave(session, VERWIJDERD, thema="wonen").verwijderd_op = datetime.now(UTC)
        session.commit()
    engine.dispose()
    try:
        yield url
    finally:
        opslag.dispose_engines()
        drop_database(admin, name)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def db(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


@contextmanager
def _small_cluster(_settings: Settings) -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _live(db: Session) -> list[Invoer]:
    rows = db.execute(
        select(Opgave.id, Opgave.thema, func.ST_AsBinary(Opgave.geom))
        .where(Opgave.verwijderd_op.is_(None))
        .order_by(Opgave.id)
    ).all()
    return [(r[0], r[1], bytes(r[2])) for r in rows]


def _expected(db: Session, extent: Geometry) -> Statistiek:
    """The statistics of the whole extent, computed at once."""
    opgaven = _live(db)
    return of_faces(_whole(opgaven, extent), [o[1] for o in opgaven], extent.area)


def _rows(db: Session, run_id: uuid.UUID) -> dict[tuple[int, int], datetime]:
    db.expire_all()
    rows = db.execute(
        select(LandelijkeTegel.i, LandelijkeTegel.j, LandelijkeTegel.computed_at).where(
            LandelijkeTegel.run_id == run_id
        )
    ).all()
    return {(i, j): t for i, j, t in rows}


def test_a_run_stores_its_tegels_and_their_sum_is_the_whole(
    url: str, client: Client, db: Session
) -> None:
    run = runs.start(db, "Testland", door="test")
    assert (run.omvang, run.provincie, run.aantal_tegels, run.status) == (
        "Testland",
        "PV99",
        6,
        "bezig",
    )
    progress: list[tuple[int, int]] = []
    statistiek = runs.execute(url, run.id, client, lambda n, total: progress.append((n, total)))
    assert progress[0] == (0, 6) and progress[-1] == (6, 6) and len(progress) == 7
    assert len(_rows(db, run.id)) == 6
    db.expire_all()
    voortgang = runs.voortgang(db, run.id)
    assert voortgang.run.status == "klaar" and voortgang.run.klaar_op is not None
    assert voortgang.tegels_klaar == 6 and voortgang.statistiek == statistiek  # stored exactly
    expected = _expected(db, TESTLAND)
    assert_equal_statistics(statistiek, expected)
    assert statistiek.gebied_m2 == pytest.approx(TESTLAND.area, rel=1e-9)
    assert statistiek.kerncijfers()["per_diepte"] == expected.kerncijfers()["per_diepte"]


def test_a_resumed_run_computes_only_the_tegels_missing(
    url: str, client: Client, db: Session
) -> None:
    run = runs.start(db, "PV99")  # by statcode
    first = runs.execute(url, run.id, client)
    before = _rows(db, run.id)
    forgotten = sorted(before)[::2]
    opslag.forget(db, run.id, forgotten)
    db.commit()
    progress: list[tuple[int, int]] = []
    again = runs.execute(url, run.id, client, lambda n, total: progress.append((n, total)))
    assert progress[0] == (3, 6) and progress[-1] == (6, 6)
    after = _rows(db, run.id)
    assert sorted(after) == sorted(before)
    for key, computed_at in after.items():
        if key in forgotten:
            assert computed_at > before[key]
        else:
            assert computed_at == before[key]  # skipped, not computed again
    assert again == first  # the same sum, to the bit


def test_a_tegel_written_again_replaces_its_row(url: str, db: Session) -> None:
    run = runs.start(db, "Klein")
    writer = pickle.loads(pickle.dumps(opslag.TegelWriter(url, run.id)))  # as a worker gets it
    one = TegelResultaat((20, 44), Statistiek(bedekt_m2=1.0, aantal_tegels=1), None)
    two = TegelResultaat(
        (20, 44),
        Statistiek(per_diepte_m2={1: 2.5}, per_themapaar_m2={("a", "b"): 0.1}, aantal_tegels=1),
        None,
        rekentijd_s=3.0,
    )
    writer(one)
    writer(two)
    stored = opslag.stored(db, run.id)
    assert stored == {(20, 44): two.statistiek}
    rekentijd = db.scalars(
        select(LandelijkeTegel.rekentijd_s).where(LandelijkeTegel.run_id == run.id)
    ).all()
    assert rekentijd == [3.0]


def test_the_loader_reads_the_live_opgaven_meeting_the_tegel(url: str) -> None:
    loader = pickle.loads(pickle.dumps(opslag.PostgisLoader(url)))
    tegel = Tegel((15, 45), Raster(10_000))  # [150, 160] x [450, 460] km
    found = loader(tegel)
    geoms = sorted(shapely.from_wkb(wkb).bounds for _, _, wkb in found)
    # Not the deleted one, nor those elsewhere; the one touching the corner is read too.
    assert geoms == sorted(OPGAVEN[k][0].bounds for k in (0, 1, 4))
    assert loader(Tegel((0, 0), Raster(10_000))) == []


def test_on_an_existing_cluster_workers_use_their_own_database_url(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's URL (with its password) is not sent to the workers of a cluster of IT's:
    they read DATABASE_URL from their own environment."""
    tegel = Tegel((15, 45), Raster(10_000))
    loader = pickle.loads(pickle.dumps(opslag.PostgisLoader(None)))
    assert loader.url is None
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GEBIEDSREGIE_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        loader(tegel)
    monkeypatch.setenv("DATABASE_URL", url)
    assert loader(tegel) == opslag.PostgisLoader(url)(tegel)


def test_a_provincie_must_exist(db: Session) -> None:
    with pytest.raises(runs.ProvincieNotFound):
        runs.start(db, "Atlantis")
    with pytest.raises(runs.RunNotFound):
        runs.get_run(db, "geen-uuid")
    with pytest.raises(runs.RunNotFound):
        runs.get_run(db, uuid.uuid4())


def test_nederland_is_every_provincie(db: Session) -> None:
    omvang, statcode, extent = runs.extent_for(db, None)
    assert (omvang, statcode) == ("nederland", None)
    assert extent.area == pytest.approx(TESTLAND.area + KLEIN.area)


def _join_run_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("landelijke-run-"):
            thread.join(POLL_S)


def test_the_api_starts_a_run_and_reports_it(
    url: str, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()

    @contextmanager
    def gated(settings: Settings) -> Iterator[Client]:
        assert gate.wait(POLL_S)
        with _small_cluster(settings) as client:
            yield client

    monkeypatch.setattr(verdeeld, "connect", gated)
    beheerder = token_headers(db, Rol.BEHEERDER, naam=f"beheer-{secrets.token_hex(3)}")
    planner = token_headers(db, Rol.PLANNER, naam=f"plan-{secrets.token_hex(3)}")
    db.commit()
    with TestClient(create_app(settings, url)) as api:
        assert api.post("/api/v1/stapeling/runs", json={}).status_code == 401
        response = api.post("/api/v1/stapeling/runs", json={}, headers=planner)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        unknown = api.post(
            "/api/v1/stapeling/runs", json={"provincie": "Atlantis"}, headers=beheerder
        )
        assert unknown.status_code == 404
        wrong = api.post("/api/v1/stapeling/runs", json={"gebied": "x"}, headers=beheerder)
        assert wrong.status_code == 400

        started = api.post(
            "/api/v1/stapeling/runs", json={"provincie": "Testland"}, headers=beheerder
        )
        assert started.status_code == 202
        body = started.json()
        assert body["status"] == "bezig" and body["aantal_tegels"] == 6
        assert body["samenvatting"] is None and body["gestart_door"].startswith("beheer-")
        location = started.headers["Location"]
        assert location == f"/api/v1/stapeling/runs/{body['id']}"

        again = api.post("/api/v1/stapeling/runs", json={}, headers=beheerder)
        assert again.status_code == 409  # one run at a time
        assert api.get(location, headers=beheerder).json()["tegels_klaar"] == 0
        gate.set()

        assert api.get(location).status_code == 401
        assert api.get(location, headers=planner).status_code == 403
        deadline = time.monotonic() + POLL_S
        while (report := api.get(location, headers=beheerder).json())["status"] == "bezig":
            assert 0 <= report["tegels_klaar"] <= 6
            assert time.monotonic() < deadline, "the run did not finish in time"
            time.sleep(0.2)
        _join_run_threads()
        assert report["status"] == "klaar", report["fout"]
        assert report["tegels_klaar"] == 6 and report["voortgang"] == 1.0
        expected = dict(_expected(db, TESTLAND).kerncijfers())
        assert report["samenvatting"].pop("aantal_vlakken") > expected.pop("aantal_vlakken")
        assert report["samenvatting"] == expected  # faces cut by borders count per tegel

        assert (
            api.get(f"/api/v1/stapeling/runs/{uuid.uuid4()}", headers=beheerder).status_code == 404
        )
        assert api.get("/api/v1/stapeling/runs/geen-uuid", headers=beheerder).status_code == 404


def test_a_run_that_fails_is_marked_mislukt(
    url: str, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextmanager
    def unreachable(_settings: Settings) -> Iterator[Client]:
        raise OSError("scheduler onbereikbaar")
        yield  # pragma: no cover

    monkeypatch.setattr(verdeeld, "connect", unreachable)
    run = runs.start(db, "Klein")
    runs.execute_quietly(settings, url, run.id)
    db.expire_all()
    voortgang = runs.voortgang(db, run.id)
    assert voortgang.run.status == "mislukt" and "onbereikbaar" in (voortgang.run.fout or "")
    assert voortgang.statistiek is None


def test_the_cli_runs_a_provincie_and_resumes(
    url: str,
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(verdeeld, "connect", _small_cluster)
    assert main(["stapeling", "--landelijk", "--provincie", "Klein"]) == 0
    out, err = capsys.readouterr()
    assert "Landelijke stapeling: Klein" in out and "1/1" in err
    assert "600,0" in out  # the opgave in Klein: 2 x 3 km
    run_id = err.split("run ", 1)[1].split(" ", 1)[0]
    assert runs.get_run(db, run_id).status == "klaar"

    assert main(["stapeling", "--hervat", run_id]) == 0  # nothing left: only the sum
    out, err = capsys.readouterr()
    assert "hervat run" in err and "Landelijke stapeling: Klein" in out

    assert main(["stapeling", "--landelijk", "--provincie", "Atlantis"]) == 2
    assert "bestaat niet" in capsys.readouterr().err
    assert main(["stapeling"]) == 2
    assert "--landelijk" in capsys.readouterr().err
