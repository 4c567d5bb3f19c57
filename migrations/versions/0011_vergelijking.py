"""Vergelijking: stored comparisons of two situations of a gebied, with their difference faces.

- `vergelijking`: one per gebied and pair of situation keys (A's and B's stapeling key), with
  the gebied's stapeling epoch it was computed at: it counts only while that epoch is
  current (every write that drops the gebied's stored stapelingen moves it), so no trigger is
  needed. It holds both samenvattingen and the overlay's figures (`overzicht`).
- `vergelijking_vlak`: the faces of the overlay of A's and B's partitions, each with the
  opgaven of A and of B covering it, and its RD geometry (written as GeoJSON when read).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vergelijking",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "gebied_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebied.id", ondelete="CASCADE", name=op.f("fk_vergelijking_gebied_id_gebied")
            ),
            nullable=False,
        ),
        sa.Column("sleutel", sa.Text, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("samenvatting_a", JSONB, nullable=False),
        sa.Column("samenvatting_b", JSONB, nullable=False),
        sa.Column("overzicht", JSONB, nullable=False),
        sa.Column("rekentijd_ms", sa.Integer, nullable=False),
        sa.Column(
            "berekend_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "gebruikt_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint("gebied_id", "sleutel", name=op.f("uq_vergelijking_gebied_id")),
    )
    op.create_index("ix_vergelijking_gebruikt_op", "vergelijking", ["gebruikt_op"])
    op.create_table(
        "vergelijking_vlak",
        sa.Column(
            "vergelijking_id",
            sa.Uuid,
            sa.ForeignKey(
                "vergelijking.id",
                ondelete="CASCADE",
                name=op.f("fk_vergelijking_vlak_vergelijking_id_vergelijking"),
            ),
            primary_key=True,
        ),
        sa.Column("nr", sa.Integer, primary_key=True),
        sa.Column("aantal_a", sa.Integer, nullable=False),
        sa.Column("aantal_b", sa.Integer, nullable=False),
        sa.Column("opgaven_a", ARRAY(sa.Uuid), nullable=False),
        sa.Column("opgaven_b", ARRAY(sa.Uuid), nullable=False),
        sa.Column("oppervlakte_ha", sa.Double, nullable=False),
        sa.Column("geom", Geometry("POLYGON", srid=28992, spatial_index=False), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vergelijking_vlak")
    op.drop_table("vergelijking")
