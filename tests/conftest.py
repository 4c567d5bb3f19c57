"""Fixtures: a fresh PostGIS database per test run, migrated once; a rolled-back session per test.

Without DATABASE_URL the project's own local cluster is started (as `make run` does); with it,
a fresh database is created on that server. Missing PostGIS fails the run: nothing is skipped.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gebiedsregie.app import create_app
from gebiedsregie.auth.models import Rol
from gebiedsregie.cli import migrate
from gebiedsregie.db import (
    get_session,
    get_session_factory,
    make_engine,
    make_sessionmaker,
    sqlalchemy_url,
)
from gebiedsregie.localdb import LocalCluster, create_database, drop_database
from gebiedsregie.settings import Settings
from tests.factories import token_headers

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"


def server_url() -> str:
    """Return a URL of the server the tests use (any database on it)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    cluster = LocalCluster(Settings(database_url=None))
    cluster.start()
    return cluster.url()


def url_for(url: str, database: str) -> str:
    return (
        make_url(sqlalchemy_url(url))
        .set(database=database)
        .render_as_string(hide_password=False)
        .replace("postgresql+psycopg://", "postgresql://")
    )


@contextmanager
def seeded_database(fresh_database: tuple[str, str], prefix: str) -> Iterator[str]:
    """Yield the URL of a database of its own, migrated and seeded, dropped afterwards."""
    from gebiedsregie.seed import seed

    admin = fresh_database[0]
    name = f"gebiedsregie_{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    create_database(admin, name)
    url = url_for(admin, name)
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed(session, GEODATA)
    engine.dispose()
    try:
        yield url
    finally:
        drop_database(admin, name)


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[tuple[str, str]]:
    """Yield (admin URL, URL) of a database created for this run, dropped afterwards."""
    base = server_url()
    admin = url_for(base, "postgres")
    name = f"gebiedsregie_test_{os.getpid()}_{secrets.token_hex(3)}"
    create_database(admin, name)
    yield admin, url_for(base, name)
    drop_database(admin, name)


@pytest.fixture(scope="session")
def database_url(fresh_database: tuple[str, str]) -> str:
    """The test database, migrated to head (the migrations are thereby tested too)."""
    url = fresh_database[1]
    migrate(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            yield session
        transaction.rollback()


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url=None, max_vertices=5_000)


def app_on(session: Session, settings: Settings, database_url: str, **changes: Any) -> FastAPI:
    """Return the app on the test's rolled-back session, with `changes` to its settings
    (without changes the app shares the fixture's settings, which a test may still set)."""
    app = create_app(settings.model_copy(update=changes) if changes else settings, database_url)
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)
    return app


@pytest.fixture
def client(session: Session, settings: Settings, database_url: str) -> Iterator[TestClient]:
    with TestClient(app_on(session, settings, database_url)) as client:
        # Most tests exercise the API itself: they act as a beheerder unless they say otherwise.
        client.headers.update(token_headers(session, Rol.BEHEERDER))
        yield client


@pytest.fixture
def anonymous_client(
    session: Session, settings: Settings, database_url: str
) -> Iterator[TestClient]:
    """A client without credentials, on the same rolled-back session as `client`."""
    with TestClient(app_on(session, settings, database_url)) as client:
        yield client


@pytest.fixture
def admin_engine_factory(fresh_database: tuple[str, str]) -> Iterator[object]:
    """Create extra empty databases on the test server (for migration tests)."""
    admin = fresh_database[0]
    created: list[str] = []

    def make() -> str:
        name = f"gebiedsregie_mig_{os.getpid()}_{secrets.token_hex(3)}"
        create_database(admin, name)
        created.append(name)
        return url_for(admin, name)

    yield make
    for name in created:
        drop_database(admin, name)


def raw_engine(url: str) -> Engine:
    return create_engine(sqlalchemy_url(url))


@pytest.fixture(autouse=True)
def stapeling_core_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every stapeling in the tests verifies its noding is planar, and a test fails if the
    core's point-test fallback fired during it (it means a defect in the C code)."""
    from gebiedsregie.stapeling import analysis

    monkeypatch.setattr(analysis, "CHECK_NODING", True)
    counter = analysis.FALLBACKS  # a test of the fallback itself puts another in its place
    before = counter.value
    yield
    assert counter.value == before, "the stapeling's point-test fallback fired"
