"""Varianten: changes against the register per gebied, their audit trail, and doorvoeren.

- `variant`: one per alternative for a gebied, with its status and who made it, and when and
  by whom it was doorgevoerd (applied to the register).
- `variant_opgave`: the variant's changes: register opgaven left out or changed (with the
  register opgave's versie at the time), and opgaven that exist only in the variant. A
  register edit shows in every variant that did not change that opgave.
- `historie` may now hold variants and their changes, and the actie `doorgevoerd`. A variant
  notes the audit trail's last entry when it was made (`historie_stand`): the register's
  edits after it are what changed since.
- The triggers (audit trail, `variant.inhoud_versie`) are in
  `gebiedsregie/varianten/triggers.sql`, run here (see `gebiedsregie/triggers.py`); a later
  change to them is a migration of its own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from gebiedsregie import triggers

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = "varianten/triggers.sql"
TRIGGERS_PINNED = "3ca95a0d3aa8f34e"  # the fingerprint of the text written for this migration
TRIGGER_FUNCTIONS = (
    "variant_historie",
    "variant_opgave_historie",
    "variant_inhoud_bump",
    "variant_register_bump",
)

SOORTEN_OUD = "soort IN ('gebied', 'opgave')"
SOORTEN = "soort IN ('gebied', 'opgave', 'variant', 'variant_opgave')"
ACTIES_OUD = "actie IN ('aangemaakt', 'gewijzigd', 'verwijderd', 'hersteld', 'gewist')"
ACTIES = "actie IN ('aangemaakt', 'gewijzigd', 'verwijderd', 'hersteld', 'gewist', 'doorgevoerd')"

VOLLEDIG = (
    "titel IS NOT NULL AND thema IS NOT NULL AND beschrijving IS NOT NULL AND trekker IS NOT "
    "NULL AND status IS NOT NULL AND bron IS NOT NULL AND geom IS NOT NULL"
)
LEEG = (
    "titel IS NULL AND thema IS NULL AND beschrijving IS NULL AND trekker IS NULL AND status "
    "IS NULL AND horizon IS NULL AND ruimtevraag_ha IS NULL AND bron IS NULL AND geom IS NULL"
)
TREKKERS = "'rijk', 'provincie', 'gemeente', 'waterschap', 'samenwerkingsverband', 'overig'"
STATUSSEN = "'verkenning', 'planvorming', 'besluitvorming', 'uitvoering', 'gerealiseerd'"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "aangemaakt_op",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "gewijzigd_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def upgrade() -> None:
    op.create_table(
        "variant",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "gebied_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebied.id", ondelete="CASCADE", name=op.f("fk_variant_gebied_id_gebied")
            ),
            nullable=False,
        ),
        sa.Column("naam", sa.String(200), nullable=False),
        sa.Column("beschrijving", sa.Text, server_default="", nullable=False),
        sa.Column("status", sa.String(20), server_default="concept", nullable=False),
        sa.Column("auteur", sa.String(200), nullable=False),
        sa.Column(
            "auteur_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebruiker.id", ondelete="SET NULL", name=op.f("fk_variant_auteur_id_gebruiker")
            ),
            nullable=True,
        ),
        *_timestamps(),
        sa.Column("versie", sa.Integer, server_default="1", nullable=False),
        sa.Column("inhoud_versie", sa.BigInteger, server_default="0", nullable=False),
        sa.Column("inhoud_gewijzigd_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("historie_stand", sa.BigInteger, nullable=False),
        sa.Column("doorgevoerd_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("doorgevoerd_door", sa.String(200), nullable=True),
        sa.Column("doorgevoerd_door_id", sa.Uuid, nullable=True),
        sa.Column("verwijderd_op", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('concept', 'voorgelegd', 'vastgesteld', 'verworpen')",
            name=op.f("ck_variant_status"),
        ),
        sa.CheckConstraint(
            "doorgevoerd_op IS NULL OR status = 'vastgesteld'",
            name=op.f("ck_variant_doorgevoerd_vastgesteld"),
        ),
        sa.CheckConstraint(
            "(doorgevoerd_op IS NULL) = (doorgevoerd_door IS NULL)",
            name=op.f("ck_variant_doorgevoerd_door"),
        ),
    )
    op.create_index("ix_variant_gebied_id", "variant", ["gebied_id"])

    op.create_table(
        "variant_opgave",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "variant_id",
            sa.Uuid,
            sa.ForeignKey(
                "variant.id", ondelete="CASCADE", name=op.f("fk_variant_opgave_variant_id_variant")
            ),
            nullable=False,
        ),
        sa.Column("soort", sa.String(20), nullable=False),
        sa.Column(
            "opgave_id",
            sa.Uuid,
            sa.ForeignKey(
                "opgave.id", ondelete="CASCADE", name=op.f("fk_variant_opgave_opgave_id_opgave")
            ),
            nullable=True,
        ),
        sa.Column("sleutel", sa.Uuid, nullable=False),
        sa.Column("register_versie", sa.Integer, nullable=True),
        sa.Column("titel", sa.String(200), nullable=True),
        sa.Column(
            "thema",
            sa.String(40),
            sa.ForeignKey(
                "thema.code",
                onupdate="CASCADE",
                ondelete="RESTRICT",
                name=op.f("fk_variant_opgave_thema_thema"),
            ),
            nullable=True,
        ),
        sa.Column("beschrijving", sa.Text, nullable=True),
        sa.Column("trekker", sa.String(30), nullable=True),
        sa.Column("status", sa.String(30), nullable=True),
        sa.Column("horizon", sa.Integer, nullable=True),
        sa.Column("ruimtevraag_ha", sa.Double, nullable=True),
        sa.Column("bron", sa.Text, nullable=True),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=28992, spatial_index=False), nullable=True),
        *_timestamps(),
        sa.Column("versie", sa.Integer, server_default="1", nullable=False),
        sa.UniqueConstraint("variant_id", "sleutel", name=op.f("uq_variant_opgave_variant_id")),
        sa.CheckConstraint(
            "soort IN ('weggelaten', 'gewijzigd', 'nieuw')", name=op.f("ck_variant_opgave_soort")
        ),
        sa.CheckConstraint(
            "sleutel = coalesce(opgave_id, id)", name=op.f("ck_variant_opgave_sleutel")
        ),
        sa.CheckConstraint(
            "(soort = 'nieuw') = (opgave_id IS NULL) "
            "AND (soort = 'nieuw') = (register_versie IS NULL)",
            name=op.f("ck_variant_opgave_register"),
        ),
        sa.CheckConstraint(
            f"CASE WHEN soort = 'weggelaten' THEN {LEEG} ELSE {VOLLEDIG} END",
            name=op.f("ck_variant_opgave_velden"),
        ),
        sa.CheckConstraint(f"trekker IN ({TREKKERS})", name=op.f("ck_variant_opgave_trekker")),
        sa.CheckConstraint(f"status IN ({STATUSSEN})", name=op.f("ck_variant_opgave_status")),
        sa.CheckConstraint("horizon BETWEEN 2000 AND 2100", name=op.f("ck_variant_opgave_horizon")),
        sa.CheckConstraint(
            "ruimtevraag_ha >= 0 AND ruimtevraag_ha < 'Infinity'",
            name=op.f("ck_variant_opgave_ruimtevraag"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_variant_opgave_geom_valid")
        ),
    )
    op.create_index("ix_variant_opgave_opgave_id", "variant_opgave", ["opgave_id"])

    _replace_check("historie", "soort", SOORTEN)
    _replace_check("historie", "actie", ACTIES)
    triggers.execute(op, TRIGGERS, TRIGGERS_PINNED)


def downgrade() -> None:
    op.execute("DROP TRIGGER variant_register_bump ON opgave")
    op.drop_table("variant_opgave")
    op.drop_table("variant")
    for function in TRIGGER_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}()")
    op.execute(
        "DELETE FROM historie WHERE soort NOT IN ('gebied', 'opgave') OR actie = 'doorgevoerd'"
    )
    _replace_check("historie", "actie", ACTIES_OUD)
    _replace_check("historie", "soort", SOORTEN_OUD)
