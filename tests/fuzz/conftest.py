"""The app for fuzzing: a database of its own (fuzzing writes for real, nothing is rolled
back), migrated and seeded with the voorbeeldgebieden, and a beheerder's API token."""

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gebiedsregie.app import create_app
from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.ogc import collections
from gebiedsregie.opgaven.models import Opgave, Thema
from gebiedsregie.settings import Settings
from tests.conftest import seeded_database
from tests.ogc.test_tiles import ede_tile


@pytest.fixture(scope="module")
def fuzz_database(fresh_database: tuple[str, str]) -> Iterator[str]:
    """A seeded database for this module only, dropped afterwards.

    Module-scoped, unlike `admin_engine_factory`: the seed is loaded once, and the beheerder's
    run finds what the anonymous run left.
    """
    with seeded_database(fresh_database, "fuzz") as url:
        yield url


@pytest.fixture(scope="module")
def beheerder_token(fuzz_database: str) -> str:
    """The text of an API token of a beheerder: every write endpoint is open to it."""
    engine = make_engine(fuzz_database)
    with make_sessionmaker(engine)() as session:
        gebruiker = auth_service.create_gebruiker(
            session, "fuzzer", Rol.BEHEERDER, secrets.token_urlsafe(24), Settings(database_url=None)
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    engine.dispose()
    return value


@pytest.fixture(scope="module")
def seeded_values(fuzz_database: str) -> dict[str, list[Any]]:
    """Values of the seeded objects, by the parameter that names them (and a tile of Ede,
    in Food Valley)."""
    engine = make_engine(fuzz_database)
    with make_sessionmaker(engine)() as session:
        # In a fixed order: the same case picks the same object on every run.
        gebieden = session.execute(select(Gebied.id, Gebied.slug).order_by(Gebied.slug)).all()
        opgaven = select(Opgave.id).order_by(Opgave.extern_id).limit(20)
        opgave_ids = [str(i) for i in session.scalars(opgaven)]
        themas = list(session.scalars(select(Thema.code).order_by(Thema.code)))
        collecties = [c.id for c in collections.collecties(session)]
    engine.dispose()
    slugs = [slug for _id, slug in gebieden]
    return {
        "gebied_id": [*slugs, *(str(i) for i, _slug in gebieden)],
        "opgave_id": opgave_ids,
        "collection_id": collecties,
        "feature_id": [*opgave_ids, *slugs],
        "gebied": slugs,
        "thema": themas,
        # The tile's path parameters as the OGC names them (row before column).
        **dict(zip(("tileMatrix", "tileCol", "tileRow"), ([v] for v in ede_tile(12)), strict=True)),
        "tileMatrixSetId": ["WebMercatorQuad", "NetherlandsRDNewQuad"],
    }


@pytest.fixture(scope="module")
def fuzz_app(fuzz_database: str) -> FastAPI:
    return create_app(Settings(database_url=None), fuzz_database)
