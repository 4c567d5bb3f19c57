"""Referentielagen: what is already there (Natura 2000, water, soil), with their objecten.

- `referentielaag`: naam, slug, omschrijving, bron, licentie, peildatum, soort (`sturend` or
  `informatief`), kleur, the number of its objecten and a versie; deletes are soft, so the slug
  is unique among the lagen not deleted.
- `referentieobject`: a laag's features, each a MultiPolygon in RD with its source attributes
  (`eigenschappen`); an import replaces them all. Their shapes are stored uncompressed.
- `historie` may now hold referentielagen. The audit trigger (`referentielaag_historie`) is in
  `gebiedsregie/referentielagen/triggers.sql`, run here (see `gebiedsregie/triggers.py`); a
  later change to it is a migration of its own. Objecten are not audited one by one: an import
  changes the laag's row (aantal_objecten, versie), which records it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

from gebiedsregie import triggers

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = "referentielagen/triggers.sql"
TRIGGERS_PINNED = "58bd91bb26a0c152"  # the fingerprint of the text written for this migration

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SOORTEN_OUD = "soort IN ('gebied', 'opgave', 'variant', 'variant_opgave')"
SOORTEN = "soort IN ('gebied', 'opgave', 'variant', 'variant_opgave', 'referentielaag')"


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def upgrade() -> None:
    op.create_table(
        "referentielaag",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("naam", sa.String(200), nullable=False),
        sa.Column("omschrijving", sa.Text, server_default="", nullable=False),
        sa.Column("bron", sa.Text, server_default="", nullable=False),
        sa.Column("licentie", sa.Text, server_default="", nullable=False),
        sa.Column("peildatum", sa.Date, nullable=True),
        sa.Column("soort", sa.String(20), nullable=False),
        sa.Column("kleur", sa.String(7), nullable=False),
        sa.Column("aantal_objecten", sa.Integer, server_default="0", nullable=False),
        sa.Column("versie", sa.Integer, server_default="1", nullable=False),
        sa.Column("verwijderd_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "aangemaakt_op",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "gewijzigd_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(f"slug ~ '{SLUG_PATTERN}'", name=op.f("ck_referentielaag_slug")),
        sa.CheckConstraint(
            "soort IN ('sturend', 'informatief')", name=op.f("ck_referentielaag_soort")
        ),
        sa.CheckConstraint("kleur ~ '^#[0-9a-f]{6}$'", name=op.f("ck_referentielaag_kleur")),
    )
    op.create_index(
        "uq_referentielaag_slug",
        "referentielaag",
        ["slug"],
        unique=True,
        postgresql_where=sa.text("verwijderd_op IS NULL"),
    )

    op.create_table(
        "referentieobject",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "laag_id",
            sa.Uuid,
            sa.ForeignKey(
                "referentielaag.id",
                ondelete="CASCADE",
                name=op.f("fk_referentieobject_laag_id_referentielaag"),
            ),
            nullable=False,
        ),
        sa.Column("extern_id", sa.String(200), nullable=True),
        sa.Column("naam", sa.Text, server_default="", nullable=False),
        sa.Column("eigenschappen", JSONB, server_default="{}", nullable=False),
        sa.Column(
            "geom", Geometry("MULTIPOLYGON", srid=28992, spatial_index=False), nullable=False
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)",
            name=op.f("ck_referentieobject_geom_valid"),
        ),
    )
    # Large shapes (a Natura 2000 area: up to 85,000 vertices) out of line and uncompressed:
    # writing them costs a third less, and reading them back half (pglz gains little on
    # coordinates); see benchmarks/seed.py.
    op.execute("ALTER TABLE referentieobject ALTER COLUMN geom SET STORAGE EXTERNAL")
    op.create_index("ix_referentieobject_laag_id", "referentieobject", ["laag_id"])
    op.create_index(
        "ix_referentieobject_geom", "referentieobject", ["geom"], postgresql_using="gist"
    )

    _replace_check("historie", "soort", SOORTEN)
    triggers.execute(op, TRIGGERS, TRIGGERS_PINNED)


def downgrade() -> None:
    op.drop_table("referentieobject")
    op.drop_table("referentielaag")  # drops its trigger too
    op.execute("DROP FUNCTION referentielaag_historie()")
    op.execute("DELETE FROM historie WHERE soort = 'referentielaag'")
    _replace_check("historie", "soort", SOORTEN_OUD)
