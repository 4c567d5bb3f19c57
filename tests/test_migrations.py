"""Migrations go from an empty database to head and back down, and match the models."""

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from gebiedsregie.cli import migrate
from gebiedsregie.db import Base
from tests.conftest import raw_engine

TABLES = {"thema", "gemeente", "gebied", "opgave"}


def test_up_down_up(admin_engine_factory: Callable[[], str]) -> None:
    url = admin_engine_factory()
    engine = raw_engine(url)
    try:
        migrate(url)
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM thema")).scalar_one() >= 8
            checks = {c["name"] for c in inspect(conn).get_check_constraints("opgave")}
            assert "ck_opgave_geom_valid" in checks
            indexes = {i["name"] for i in inspect(conn).get_indexes("opgave")}
            assert "ix_opgave_geom" in indexes

        migrate(url, "base", down=True)
        engine.dispose()
        assert not TABLES & set(inspect(engine).get_table_names())

        migrate(url)
        engine.dispose()
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    engine = raw_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    relevant = [
        d
        for d in diff
        if not (
            isinstance(d, tuple) and d[0] == "remove_table" and d[1].name in ("spatial_ref_sys",)
        )
    ]
    assert relevant == []


def test_database_refuses_invalid_geometry(database_url: str) -> None:
    engine = raw_engine(database_url)
    bowtie = "MULTIPOLYGON(((0 0, 10 10, 10 0, 0 10, 0 0)))"
    with engine.connect() as conn, pytest.raises(IntegrityError, match="ck_gemeente_geom_valid"):
        conn.execute(
            text(
                "INSERT INTO gemeente (statcode, naam, provincie, geom) "
                "VALUES ('GM9999', 'Vlinderdas', 'Nergens', ST_GeomFromText(:wkt, 28992))"
            ),
            {"wkt": bowtie},
        )
    engine.dispose()
