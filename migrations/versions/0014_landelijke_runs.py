"""Landelijke stapeling (#19): runs over an extent and their tegels' statistics.

- `landelijke_run`: one run (its extent in RD, what it covers, the tegel size, status bezig,
  klaar or mislukt, how many tegels, when and by whom started, the error of a failed run).
- `landelijke_tegel`: the statistics of one tegel of a run (JSONB, m², unrounded), keyed by
  (run, i, j); a tegel computed again replaces its row. A run's result is their sum.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "landelijke_run",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("omvang", sa.String(100), nullable=False),
        sa.Column("provincie", sa.String(4), nullable=True),
        sa.Column(
            "extent",
            Geometry("MULTIPOLYGON", srid=28992, spatial_index=False),
            nullable=False,
        ),
        sa.Column("tegel_m", sa.Float, nullable=False),
        sa.Column("status", sa.String(10), server_default="bezig", nullable=False),
        sa.Column("aantal_tegels", sa.Integer, nullable=False),
        sa.Column(
            "gestart_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("klaar_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gestart_door", sa.String(200), server_default="", nullable=False),
        sa.Column("fout", sa.Text, nullable=True),
        sa.CheckConstraint(
            "status IN ('bezig', 'klaar', 'mislukt')", name=op.f("ck_landelijke_run_status")
        ),
        sa.CheckConstraint("tegel_m > 0", name=op.f("ck_landelijke_run_tegel_m")),
    )
    op.create_table(
        "landelijke_tegel",
        sa.Column(
            "run_id",
            sa.Uuid,
            sa.ForeignKey(
                "landelijke_run.id",
                ondelete="CASCADE",
                name=op.f("fk_landelijke_tegel_run_id_landelijke_run"),
            ),
            primary_key=True,
        ),
        sa.Column("i", sa.Integer, primary_key=True),
        sa.Column("j", sa.Integer, primary_key=True),
        sa.Column("statistiek", JSONB, nullable=False),
        sa.Column("rekentijd_s", sa.Float, nullable=False),
        sa.Column("fallback", sa.Boolean, server_default="false", nullable=False),
        sa.Column(
            "computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("landelijke_tegel")
    op.drop_table("landelijke_run")
