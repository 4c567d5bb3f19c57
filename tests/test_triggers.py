"""The database's triggers and trigger functions are those of the `triggers*.sql` files.

What Postgres makes of a file is compared with what the database has: the file is run again
inside a transaction that is rolled back, and the catalog's definitions (`pg_get_triggerdef`,
`pg_get_functiondef`, whitespace normalised) are read before and after.
"""

import glob
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from gebiedsregie import triggers
from gebiedsregie.cli import migrate
from tests.conftest import ROOT, raw_engine

TRIGGERS = """
SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = 'public'
"""
# Functions of our own (not of an extension such as PostGIS), with whether they are trigger
# functions.
FUNCTIONS = """
SELECT p.proname, pg_get_functiondef(p.oid), p.prorettype = 'trigger'::regtype
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prokind = 'f' AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
)
"""
DEFINES_FUNCTION = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:public\.)?(\w+)\s*\(", re.I
)
DEFINES_TRIGGER = re.compile(
    r"CREATE\s+TRIGGER\s+(\w+)\s.*?\sON\s+(?:public\.)?(\w+)\s", re.I | re.S
)


def _normal(definition: str) -> str:
    return " ".join(definition.split())


def _catalog(conn: Connection) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    """Return the triggers (table.name -> definition), the functions (name -> definitions:
    more than one if overloaded) and the names of the trigger functions."""
    found = {name: _normal(d) for name, d in conn.execute(text(TRIGGERS))}
    functions: dict[str, list[str]] = {}
    trigger_functions = set()
    for name, definition, is_trigger in conn.execute(text(FUNCTIONS)):
        functions.setdefault(name, []).append(_normal(definition))
        if is_trigger:
            trigger_functions.add(name)
    return found, functions, trigger_functions


def differences(engine: Engine, files: Mapping[str, str]) -> list[str]:
    """Return how the database differs from the trigger files (name -> text), each line
    naming the object and the file; empty when they agree. Nothing is changed."""
    problems = []
    defined: dict[str, str] = {}  # "function f" / "trigger table.name" -> file
    with engine.connect() as conn, conn.begin() as transaction:
        before = _catalog(conn)
        for name, sql in files.items():
            defined |= {f"function {f}": name for f in DEFINES_FUNCTION.findall(sql)}
            defined |= {f"trigger {t}.{n}": name for n, t in DEFINES_TRIGGER.findall(sql)}
            try:
                with conn.begin_nested():
                    conn.execute(text(sql))
            except DBAPIError as exc:
                problems.append(
                    f"{name} cannot be run again ({exc.orig}): write it so that it can "
                    "(CREATE OR REPLACE FUNCTION; DROP TRIGGER IF EXISTS before CREATE TRIGGER)"
                )
        after = _catalog(conn)
        transaction.rollback()
    fingerprints = {name: triggers.fingerprint(sql) for name, sql in files.items()}

    def compare(kind: str, name: str, old: list[str] | None, new: list[str] | None) -> None:
        source = defined.get(f"{kind} {name}")
        if source is None:
            problems.append(f"{kind} {name} is in no triggers*.sql: add it to its domain's file")
        elif old is None:
            problems.append(
                f"{kind} {name} of {source} is not in the database: no migration ran it"
            )
        elif old != new:
            problems.append(
                f"{kind} {name} differs from {source}: edited without a migration? One that "
                f"runs it pins fingerprint {fingerprints[source]}.\n  database: {old}\n"
                f"  file:     {new}"
            )
        elif len(old) > 1:
            problems.append(f"{kind} {name} is overloaded: drop the old one in a migration")

    old_triggers, old_functions, old_trigger_functions = before
    new_triggers, new_functions, new_trigger_functions = after
    for name in sorted(old_triggers.keys() | new_triggers.keys()):
        compare(
            "trigger",
            name,
            [old_triggers[name]] if name in old_triggers else None,
            [new_triggers[name]] if name in new_triggers else None,
        )
    named = {key.split(" ", 1)[1] for key in defined if key.startswith("function ")}
    for name in sorted(old_trigger_functions | new_trigger_functions | named):
        compare("function", name, old_functions.get(name), new_functions.get(name))
    return problems


def _files() -> dict[str, str]:
    return {name: triggers.read(name) for name in triggers.names()}


def test_the_files_are_found() -> None:
    assert {
        "stapeling/triggers.sql",
        "historie/triggers.sql",
        "ogc/triggers.sql",
        "varianten/triggers.sql",
        "referentielagen/triggers.sql",
        "combinaties/triggers.sql",
    } <= set(triggers.names())


def test_database_matches_trigger_files(engine: Engine) -> None:
    assert differences(engine, _files()) == []


def test_an_edit_without_a_migration_is_found(engine: Engine) -> None:
    unedited = set(differences(engine, _files()))  # empty, unless the test above fails
    files = _files()
    stapeling = files["stapeling/triggers.sql"]
    files["stapeling/triggers.sql"] = stapeling.replace("horizon, verwijderd_op", "verwijderd_op")
    assert files["stapeling/triggers.sql"] != stapeling
    problems = [p for p in differences(engine, files) if p not in unedited]
    assert len(problems) == 1
    assert problems[0].startswith("trigger opgave.stapeling_opgave_changed differs from")
    assert triggers.fingerprint(files["stapeling/triggers.sql"]) in problems[0]

    files = _files()
    ogc = files.pop("ogc/triggers.sql")
    files["ogc/triggers.sql"] = ogc.replace("laag_versie_bump() RETURNS", "laag_versie() RETURNS")
    problems = [p for p in differences(engine, files) if p not in unedited]
    assert [p.split(":")[0] for p in problems] == [
        "function laag_versie of ogc/triggers.sql is not in the database",
        "function laag_versie_bump is in no triggers*.sql",
    ]


def test_a_migration_skips_a_file_changed_since() -> None:
    ran: list[str] = []

    class Op:
        def execute(self, sql: str, /) -> None:
            ran.append(sql)

    name = "ogc/triggers.sql"
    sql = triggers.read(name)
    assert not triggers.execute(Op(), name, "0" * 16)
    assert triggers.execute(Op(), name, triggers.fingerprint(sql))
    assert ran == [sql]


def test_fingerprints_ignore_comments_and_layout() -> None:
    sql = "CREATE TRIGGER t AFTER INSERT ON gebied\n    FOR EACH ROW EXECUTE FUNCTION f();"
    same = (
        "-- a comment\n"
        "CREATE TRIGGER t AFTER INSERT ON gebied FOR EACH ROW  -- why\n"
        "EXECUTE FUNCTION f();\n"
    )
    assert triggers.fingerprint(sql) == triggers.fingerprint(same)
    assert triggers.fingerprint(sql) != triggers.fingerprint(sql.replace("INSERT", "UPDATE"))


def _definitions(url: str) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    engine = raw_engine(url)
    try:
        with engine.connect() as conn:
            return _catalog(conn)
    finally:
        engine.dispose()


def test_0009_changes_no_definition_and_goes_back(admin_engine_factory: Callable[[], str]) -> None:
    url = admin_engine_factory()
    migrate(url, "0008")
    at_0008 = _definitions(url)
    assert "opgave.stapeling_opgave_changed" in at_0008[0]
    migrate(url, "0009")
    assert _definitions(url) == at_0008
    migrate(url, "0008", down=True)
    assert _definitions(url) == at_0008


def test_trigger_files_are_package_data() -> None:
    """A non-editable install (the Docker image) has them: the migrations read them."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["gebiedsregie"]
    packaged = {
        Path(found).as_posix()
        for pattern in patterns
        for found in glob.glob(pattern, root_dir=triggers.PACKAGE, recursive=True)
    }
    assert set(triggers.names()) <= packaged
