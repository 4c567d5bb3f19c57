"""The trigger SQL kept beside each domain (`<domain>/triggers*.sql`), for the migrations.

Each file holds the current definitions of its domain's trigger functions and triggers, written
so that running it again is harmless: CREATE OR REPLACE FUNCTION, and DROP TRIGGER IF EXISTS
before each CREATE TRIGGER.

A migration runs a file through `execute`, naming the fingerprint of the text it was written
for. Once the file has changed, that migration skips it, and the later migration that pins the
new fingerprint runs it. So a migration always does what it did when it was written, and a
database built from scratch ends up like one upgraded step by step. A migration that changes
a file restores, in its downgrade, the definitions it replaced (copied into the migration).
`tests/test_triggers.py` compares the database with the files: it fails when a file was
edited without a migration, and its message gives the new fingerprint.

`python -m gebiedsregie.triggers` prints every file's fingerprint.
"""

import hashlib
import logging
import re
from pathlib import Path
from typing import Protocol

PACKAGE = Path(__file__).resolve().parent
PATTERN = "triggers*.sql"
_COMMENT = re.compile(r"--[^\n]*")

log = logging.getLogger(__name__)


class Executes(Protocol):
    """What runs the SQL: alembic's `op`, or a connection."""

    def execute(self, sql: str, /) -> object: ...


def names() -> list[str]:
    """Return the trigger files as paths inside the package ("stapeling/triggers.sql")."""
    return sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob(PATTERN))


def read(name: str) -> str:
    """Return the text of the trigger file `name` ("stapeling/triggers.sql")."""
    return (PACKAGE / name).read_text(encoding="utf-8")


def fingerprint(sql: str) -> str:
    """Return a short hash of `sql` without its comments and layout: an edited comment or
    indent needs no migration. (A `--` inside a string literal counts as a comment here.)"""
    tokens = " ".join(_COMMENT.sub(" ", sql).split())
    return hashlib.sha256(tokens.encode()).hexdigest()[:16]


def execute(op: Executes, name: str, pinned: str) -> bool:
    """Run the trigger file `name` if its fingerprint is still `pinned`; return whether it ran."""
    sql = read(name)
    current = fingerprint(sql)
    if current != pinned:
        log.info("%s changed since (%s, now %s): a later migration runs it", name, pinned, current)
        return False
    op.execute(sql)
    return True


if __name__ == "__main__":
    for found in names():
        print(f"{found}: {fingerprint(read(found))}")
