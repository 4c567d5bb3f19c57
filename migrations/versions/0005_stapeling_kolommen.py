"""Stapeling: only changes that can change a stored result drop it.

A stored stapeling holds the opgaven's ids, themas and geometry, filtered on thema, status,
trekker and horizon. Until now every UPDATE of an opgave (a typo in its beschrijving too)
dropped the stored results of its gebieden and locked their epoch rows; now only an update
of one of those columns, or of `verwijderd_op`, does. Inserts and deletes still do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "geom, thema, status, trekker, horizon, verwijderd_op"


def upgrade() -> None:
    op.execute("DROP TRIGGER stapeling_opgave_changed ON opgave")
    op.execute(
        f"CREATE TRIGGER stapeling_opgave_changed AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} "
        "ON opgave FOR EACH ROW EXECUTE FUNCTION stapeling_opgave_changed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER stapeling_opgave_changed ON opgave")
    op.execute(
        "CREATE TRIGGER stapeling_opgave_changed AFTER INSERT OR UPDATE OR DELETE ON opgave "
        "FOR EACH ROW EXECUTE FUNCTION stapeling_opgave_changed()"
    )
