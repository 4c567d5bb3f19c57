"""Trigger SQL in readable files beside their domain, run from there.

The trigger functions and triggers of migrations 0002 to 0005 now live, as they stand, in
`stapeling/triggers.sql` (stored stapelingen dropped by the writes that touch them),
`historie/triggers.sql` (the audit trail) and `ogc/triggers.sql` (laag versie, for the tiles'
ETags), under `backend/gebiedsregie/`. This migration runs them; it changes no definition:
the function bodies are those of 0002 to 0004 word for word, the triggers those 0004 and 0005
left. A later change to a file is a migration of its own (see `gebiedsregie/triggers.py`):
this one then skips that file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

from gebiedsregie import triggers

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each file with the fingerprint of the text this migration was written for.
FILES = {
    "stapeling/triggers.sql": "8fa1a9ec7eb22764",
    "historie/triggers.sql": "b7d907266ddb27d7",
    "ogc/triggers.sql": "0d1f7c89eb4248fb",
}


def upgrade() -> None:
    for name, pinned in FILES.items():
        triggers.execute(op, name, pinned)


def downgrade() -> None:
    # Nothing to undo: what upgrade ran defines exactly what 0008 had (tests/test_triggers.py
    # compares the definitions at 0008, after this upgrade and after this downgrade).
    pass
