"""Stapeling: when a stored result was last used, so that the least used filtered ones go.

Every filter combination a visitor asks for was stored, without bound (at 100,000 opgaven
about 25 MB each). Now at most `stapeling_bewaard_max` filtered results are kept, the least
recently used going first; the unfiltered result of every gebied always stays.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "stapeling",
        sa.Column(
            "gebruikt_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_stapeling_gebruikt_op", "stapeling", ["gebruikt_op"])


def downgrade() -> None:
    op.drop_index("ix_stapeling_gebruikt_op", "stapeling")
    op.drop_column("stapeling", "gebruikt_op")
