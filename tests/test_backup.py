"""Backup and restore as docs/beheer.md prescribes: pg_dump, then pg_restore, same content.

The content is compared generically, table by table (every row, in primary-key order, through
the catalog), so the test stays true as tables are added.
"""

import re
import secrets
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from gebiedsregie.cli import migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.localdb import find_client
from gebiedsregie.seed import seed
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from tests.conftest import GEODATA

# The commands of docs/beheer.md, without the connection and the file.
DUMP = ["--format=custom"]
RESTORE = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
# For a role that may not touch the postgis extension (a DBA created it): the entries left out
# of the restore list, as `grep -v -E` in docs/beheer.md.
NOT_OURS = re.compile(r" EXTENSION |spatial_ref_sys")

# Every table with the columns of its primary key. From pg_catalog, not information_schema:
# that one hides the keys of tables the user does not own (spatial_ref_sys, for a non-owner).
TABLES = """
SELECT n.nspname, c.relname,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM pg_index i
                 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 WHERE i.indrelid = c.oid AND i.indisprimary), '{}')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
ORDER BY 1, 2
"""

# What the rows do not show: columns, constraints, indexes, triggers, functions, extensions
# and sequences. A restore that lost a trigger would leave stale stapelingen behind.
SCHEMA = """
SELECT 'kolom ' || table_schema || '.' || table_name || '.' || column_name || ' '
       || udt_name || ' ' || is_nullable || ' ' || coalesce(column_default, '')
FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || contype::text || ' '
       -- A CHECK's text comes back from a restore in another, equivalent form.
       || CASE contype WHEN 'c' THEN '' ELSE pg_get_constraintdef(c.oid) END
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes
WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema'
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'functie ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'extensie ' || extname || ' ' || extversion FROM pg_extension
UNION ALL
SELECT 'sequence ' || schemaname || '.' || sequencename || ' ' || coalesce(last_value, 0)
FROM pg_sequences
ORDER BY 1
"""

AREAS = """
SELECT (SELECT sum(ST_Area(geom)) FROM gebied), (SELECT sum(ST_Area(geom)) FROM opgave),
       (SELECT count(*) FROM opgave o JOIN gebied g ON ST_Intersects(o.geom, g.geom))
"""


def fingerprint(url: str) -> dict[str, Any]:
    """Return every table's row count and md5 of its rows, and the schema, of database `url`."""
    tables = {}
    with psycopg.connect(url) as conn:
        for schema, table, key in conn.execute(TABLES).fetchall():
            order = (
                sql.SQL(", ").join(sql.Identifier("t", column) for column in key)
                if key
                else sql.SQL("t::text")
            )
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
                "FROM {}.{} AS t"
            ).format(order, sql.Identifier(schema), sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            tables[f"{schema}.{table}"] = tuple(row)
        ddl = [line for (line,) in conn.execute(SCHEMA).fetchall()]
    return {"tables": tables, "schema": ddl}


def assert_same(url: str, before: dict[str, Any]) -> None:
    """Assert that database `url` has the fingerprint `before`, naming what differs."""
    after = fingerprint(url)
    assert after["tables"] == before["tables"]
    assert set(after["schema"]) ^ set(before["schema"]) == set()
    assert after["schema"] == before["schema"]


def run(program: str, *args: str) -> str:
    """Run a PostgreSQL client program and return its output; an error or warning fails."""
    result = subprocess.run(
        [str(find_client(program)), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr == "", (program, result.stderr)
    return result.stdout


def seeded(url: str) -> None:
    """Migrate and seed database `url` as `gebiedsregie seed` does, and store a stapeling."""
    migrate(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            seed(session, GEODATA)
            gebied = gebieden_service.get_gebied(session, "chemelot")
            stapeling_service.stored(session, HuidigeSituatie(gebied), StapelingFilter())
    finally:
        engine.dispose()


def test_dump_and_restore_keep_everything(
    admin_engine_factory: Callable[[], str], tmp_path: Path
) -> None:
    source, target = admin_engine_factory(), admin_engine_factory()
    seeded(source)
    before = fingerprint(source)
    tables = before["tables"]
    assert tables["public.gemeente"][0] == 342
    assert tables["public.gebied"][0] == 3 and tables["public.opgave"][0] >= 36
    assert tables["public.stapeling"][0] == 1 and tables["public.stapeling_vlak"][0] > 0
    assert tables["public.alembic_version"][0] == 1

    # The client must be at least as new as the server (pg_dump refuses otherwise).
    with psycopg.connect(source) as conn:
        server = conn.info.server_version // 10_000
        areas = conn.execute(AREAS).fetchone()
    client = re.search(r"\(PostgreSQL\) (\d+)", run("pg_dump", "--version"))
    assert client is not None and int(client.group(1)) >= server, client

    dump = tmp_path / "gebiedsregie.dump"
    run("pg_dump", *DUMP, f"--file={dump}", f"--dbname={source}")
    run("pg_restore", *RESTORE, f"--dbname={target}", str(dump))
    assert_same(target, before)

    # PostGIS works on the restored data, and the app takes it as it is: no migration to do.
    with psycopg.connect(target) as conn:
        assert conn.execute(AREAS).fetchone() == areas
        assert areas is not None and areas[0] > 0 and areas[1] > 0 and areas[2] > 0
    migrate(target)
    assert_same(target, before)

    # Restoring over a database that changed since (the usual case: back to last night's
    # state) brings it back exactly, triggers included.
    with psycopg.connect(target) as conn:
        conn.execute("UPDATE opgave SET geom = geom")  # the triggers drop stored stapelingen
        assert conn.execute("SELECT count(*) FROM stapeling").fetchone() == (0,)
        conn.execute("DELETE FROM opgave WHERE thema = 'wonen'")
        conn.execute("UPDATE gebied SET naam = 'Gewijzigd'")
    assert fingerprint(target)["tables"] != before["tables"]  # the comparison sees it
    run("pg_restore", *RESTORE, f"--dbname={target}", str(dump))
    assert_same(target, before)


@contextmanager
def restricted_role(url: str) -> Iterator[str]:
    """Yield the URL of database `url` for a role that owns it but not its extensions.

    That is an external server as a DBA sets it up (docs/beheer.md): the extensions created
    for the app's role, which is no superuser. If the tests themselves run as such a role, it
    is that one.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        for extension in ("postgis", "pg_trgm", "unaccent"):
            conn.execute(
                sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension))
            )
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if superuser.fetchone() != (True,):
            yield url
            return
        role = f"gebiedsregie_herstel_{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(16)
        database = sql.Identifier(make_url(url).database or "")
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        try:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, sql.Identifier(role))
            )
            yield (
                make_url(url)
                .set(username=role, password=password)
                .render_as_string(hide_password=False)
            )
        finally:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(database))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_restore_without_rights_on_postgis(
    admin_engine_factory: Callable[[], str], tmp_path: Path
) -> None:
    source, target = admin_engine_factory(), admin_engine_factory()
    seeded(source)
    before = fingerprint(source)
    dump = tmp_path / "gebiedsregie.dump"
    run("pg_dump", *DUMP, f"--file={dump}", f"--dbname={source}")
    listing = tmp_path / "inhoud.lst"
    lines = run("pg_restore", "--list", str(dump)).splitlines(keepends=True)
    listing.write_text("".join(line for line in lines if not NOT_OURS.search(line)))

    with restricted_role(target) as url:
        for _ in range(2):  # into the empty database, then over its own content
            run("pg_restore", *RESTORE, f"--use-list={listing}", f"--dbname={url}", str(dump))
            assert_same(target, before)
