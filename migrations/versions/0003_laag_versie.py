"""Laag versie: a counter per table that every write to it bumps, for the tiles' ETags.

A statement-level trigger on `gebied` and on `opgave` adds one to that table's row in
`laag_versie`, in the same transaction as the write. A tile's ETag is built from these
counters, so it changes whenever anything in its collection may have changed.

The bump locks that row until the writing transaction ends: writes to the same table take
turns, and a long one (an import) makes the others wait for its commit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAGEN = ("gebied", "opgave")

FUNCTIONS = """
CREATE FUNCTION laag_versie_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE laag_versie SET versie = versie + 1 WHERE laag = TG_TABLE_NAME;
    RETURN NULL;
END $$;

CREATE TRIGGER laag_versie_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gebied
    FOR EACH STATEMENT EXECUTE FUNCTION laag_versie_bump();
CREATE TRIGGER laag_versie_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON opgave
    FOR EACH STATEMENT EXECUTE FUNCTION laag_versie_bump();
"""


def upgrade() -> None:
    table = op.create_table(
        "laag_versie",
        sa.Column("laag", sa.Text, primary_key=True),
        sa.Column("versie", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(table, [{"laag": laag, "versie": 1} for laag in LAGEN])
    op.execute(FUNCTIONS)


def downgrade() -> None:
    op.execute("DROP TRIGGER laag_versie_bump ON opgave")
    op.execute("DROP TRIGGER laag_versie_bump ON gebied")
    op.execute("DROP FUNCTION laag_versie_bump()")
    op.drop_table("laag_versie")
