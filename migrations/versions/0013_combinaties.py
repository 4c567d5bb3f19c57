"""Combinaties: koppelkansen and conflicten between themas, and between themas and
referentielagen; stored with every stapeling.

- `combinatieset` (one row: the versie, the ETag of both matrices; whether the set is still
  the voorbeeld; a toelichting), `thema_combinatie` (each unordered pair of themas once, with
  thema_a <= thema_b, the diagonal included) and `laag_combinatie` (thema x laag slug), each
  cell `koppelkans`, `neutraal` or `conflict` with a one-line reden.
- The voorbeeld of `gebiedsregie/combinaties/voorbeeld.json` is loaded, pinned by its
  fingerprint (as the trigger files are).
- `historie` may now hold soort 'combinatie'. The triggers (audit trail; every change to the
  matrices or to the referentielagen drops every stored stapeling) are in
  `gebiedsregie/combinaties/triggers.sql`, run here.
- `stapeling_vlak.combinaties`: per face its conflicten, koppelkansen and lagen. The stored
  samenvatting gains a `combinaties` part, so the stored stapelingen are dropped (and every
  epoch moved: stored comparisons go stale with them); they are computed again when asked.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from gebiedsregie import triggers
from gebiedsregie.combinaties import voorbeeld

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = "combinaties/triggers.sql"
TRIGGERS_PINNED = "54a533a782dfa3b1"  # the fingerprint of the text written for this migration
VOORBEELD_PINNED = "8665a6976f527cc1"  # likewise, of voorbeeld.json
TRIGGER_TABLES = (
    "combinatieset",
    "thema_combinatie",
    "laag_combinatie",
    "referentieobject",
    "referentielaag",
)

SET_ID = "5e7c0b1a-2c0d-4b5e-9a6f-c0b1a7e5e700"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
WAARDEN = "waarde IN ('koppelkans', 'neutraal', 'conflict')"
ONE_LINE = "reden !~ '[\\r\\n]' AND char_length(reden) BETWEEN 1 AND 300"
SOORTEN_OUD = "soort IN ('gebied', 'opgave', 'variant', 'variant_opgave', 'referentielaag')"
SOORTEN = (
    "soort IN ('gebied', 'opgave', 'variant', 'variant_opgave', 'referentielaag', 'combinatie')"
)


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def _thema(column: str, table: str) -> sa.Column[str]:
    return sa.Column(
        column,
        sa.String(40),
        sa.ForeignKey(
            "thema.code",
            onupdate="CASCADE",
            ondelete="CASCADE",
            name=op.f(f"fk_{table}_{column}_thema"),
        ),
        primary_key=True,
    )


def _drop_stored_stapelingen() -> None:
    # As stapeling_invalidate does for every gebied: the epoch first, so nothing computed
    # before this migration is kept after it.
    op.execute("UPDATE stapeling_epoch SET epoch = epoch + 1")
    op.execute("DELETE FROM stapeling")


def upgrade() -> None:
    op.create_table(
        "combinatieset",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("versie", sa.Integer, server_default="1", nullable=False),
        sa.Column("voorbeeld", sa.Boolean, server_default="true", nullable=False),
        sa.Column("toelichting", sa.Text, server_default="", nullable=False),
        sa.Column(
            "gewijzigd_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(f"id = '{SET_ID}'", name=op.f("ck_combinatieset_enig")),
    )
    op.create_table(
        "thema_combinatie",
        _thema("thema_a", "thema_combinatie"),
        _thema("thema_b", "thema_combinatie"),
        sa.Column("waarde", sa.String(20), nullable=False),
        sa.Column("reden", sa.Text, nullable=False),
        sa.CheckConstraint("thema_a <= thema_b", name=op.f("ck_thema_combinatie_volgorde")),
        sa.CheckConstraint(WAARDEN, name=op.f("ck_thema_combinatie_waarde")),
        sa.CheckConstraint(ONE_LINE, name=op.f("ck_thema_combinatie_reden")),
    )
    op.create_table(
        "laag_combinatie",
        _thema("thema", "laag_combinatie"),
        sa.Column("laag", sa.String(100), primary_key=True),
        sa.Column("waarde", sa.String(20), nullable=False),
        sa.Column("reden", sa.Text, nullable=False),
        sa.CheckConstraint(f"laag ~ '{SLUG_PATTERN}'", name=op.f("ck_laag_combinatie_laag")),
        sa.CheckConstraint(WAARDEN, name=op.f("ck_laag_combinatie_waarde")),
        sa.CheckConstraint(ONE_LINE, name=op.f("ck_laag_combinatie_reden")),
    )
    # Before the triggers: the voorbeeld is where the trail starts, not an edit in it.
    voorbeeld.load(op, VOORBEELD_PINNED)

    op.add_column("stapeling_vlak", sa.Column("combinaties", JSONB, nullable=True))
    _drop_stored_stapelingen()

    _replace_check("historie", "soort", SOORTEN)
    triggers.execute(op, TRIGGERS, TRIGGERS_PINNED)


def downgrade() -> None:
    for table in TRIGGER_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS combinatie_stapeling_invalidate ON {table}")
    op.drop_table("laag_combinatie")
    op.drop_table("thema_combinatie")
    op.drop_table("combinatieset")
    op.execute("DROP FUNCTION combinatie_historie()")
    op.execute("DROP FUNCTION combinatie_stapeling_invalidate()")
    op.execute("DELETE FROM historie WHERE soort = 'combinatie'")
    _replace_check("historie", "soort", SOORTEN_OUD)
    _drop_stored_stapelingen()
    op.drop_column("stapeling_vlak", "combinaties")
