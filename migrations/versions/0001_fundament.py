"""Fundament: thema, gemeente, gebied, opgave.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VALID_AREA = "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# The themas of the IPO Bestuursprogramma 2023-2027 and the NOVEX opgaven. Colours: a
# qualitative palette that stays apart on the grey BRT background map.
THEMAS = [
    (
        "wonen",
        "Wonen",
        "#e4572e",
        "Woningbouw en woonmilieus, inclusief de verstedelijkingsstrategie.",
    ),
    (
        "energie",
        "Energie en netcongestie",
        "#f3a712",
        "Opwek van duurzame energie, energie-infrastructuur en netcongestie.",
    ),
    (
        "landbouw",
        "Stikstof en landbouwtransitie",
        "#8c6d31",
        "Transitie van de landbouw, stikstofreductie en luchtkwaliteit in veedichte gebieden.",
    ),
    ("natuur", "Natuur", "#2e8b57", "Natuurnetwerk, biodiversiteit en Natura 2000."),
    (
        "water-bodem",
        "Water en bodem",
        "#1f77b4",
        "Water en bodem sturend: waterveiligheid, klimaatadaptatie, bodem en grondwater.",
    ),
    ("bereikbaarheid", "Bereikbaarheid", "#6a3d9a", "Wegen, spoor, openbaar vervoer en fiets."),
    (
        "economie",
        "Regionale economie",
        "#d81b60",
        "Werklocaties, innovatie-ecosystemen, arbeidsmarkt en circulaire economie.",
    ),
    (
        "leefbaarheid",
        "Leefbaarheid en voorzieningen",
        "#00897b",
        "Voorzieningen, gezondheid, energiearmoede en de kwaliteit van de leefomgeving.",
    ),
    ("defensie", "Defensie", "#546e7a", "Ruimtebehoefte van Defensie."),
    ("erfgoed", "Cultuur en erfgoed", "#a0522d", "Cultureel erfgoed, landschap en identiteit."),
]


def _status_check(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _timestamps() -> list[sa.Column]:
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


def _geom() -> sa.Column:
    return sa.Column(
        "geom", Geometry("MULTIPOLYGON", srid=28992, spatial_index=False), nullable=False
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    thema = op.create_table(
        "thema",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("naam", sa.String(100), nullable=False),
        sa.Column("kleur", sa.String(7), nullable=False),
        sa.Column("beschrijving", sa.Text, server_default="", nullable=False),
        sa.Column("volgorde", sa.Integer, server_default="0", nullable=False),
        sa.CheckConstraint("kleur ~ '^#[0-9a-f]{6}$'", name=op.f("ck_thema_kleur")),
    )
    op.bulk_insert(
        thema,
        [
            {"code": c, "naam": n, "kleur": k, "beschrijving": b, "volgorde": i}
            for i, (c, n, k, b) in enumerate(THEMAS, start=1)
        ],
    )

    op.create_table(
        "gemeente",
        sa.Column("statcode", sa.String(6), primary_key=True),
        sa.Column("naam", sa.String(100), nullable=False),
        sa.UniqueConstraint("naam", name=op.f("uq_gemeente_naam")),
        sa.Column("provincie", sa.String(100), nullable=False),
        _geom(),
        sa.CheckConstraint(VALID_AREA, name=op.f("ck_gemeente_geom_valid")),
    )
    op.create_index("ix_gemeente_geom", "gemeente", ["geom"], postgresql_using="gist")

    op.create_table(
        "gebied",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.UniqueConstraint("slug", name=op.f("uq_gebied_slug")),
        sa.Column("naam", sa.String(200), nullable=False),
        sa.Column("soort", sa.String(30), nullable=False),
        sa.Column("provincies", ARRAY(sa.String(100)), server_default="{}", nullable=False),
        sa.Column("gemeenten", ARRAY(sa.String(100)), server_default="{}", nullable=False),
        sa.Column("beschrijving", sa.Text, server_default="", nullable=False),
        sa.Column("bron", sa.Text, server_default="", nullable=False),
        _geom(),
        *_timestamps(),
        sa.Column("versie", sa.Integer, server_default="1", nullable=False),
        sa.CheckConstraint(f"slug ~ '{SLUG_PATTERN}'", name=op.f("ck_gebied_slug")),
        sa.CheckConstraint(
            _status_check("soort", ["voorbeeldgebied", "novex-gebied", "deelgebied", "eigen"]),
            name=op.f("ck_gebied_soort"),
        ),
        sa.CheckConstraint(VALID_AREA, name=op.f("ck_gebied_geom_valid")),
    )
    op.create_index("ix_gebied_geom", "gebied", ["geom"], postgresql_using="gist")

    op.create_table(
        "opgave",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("extern_id", sa.String(200)),
        sa.UniqueConstraint("extern_id", name=op.f("uq_opgave_extern_id")),
        sa.Column("titel", sa.String(200), nullable=False),
        sa.Column(
            "thema",
            sa.String(40),
            sa.ForeignKey("thema.code", onupdate="CASCADE", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("beschrijving", sa.Text, server_default="", nullable=False),
        sa.Column("trekker", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("horizon", sa.Integer),
        sa.Column("ruimtevraag_ha", sa.Double),
        sa.Column("bron", sa.Text, server_default="", nullable=False),
        _geom(),
        *_timestamps(),
        sa.Column("versie", sa.Integer, server_default="1", nullable=False),
        sa.CheckConstraint(
            _status_check(
                "trekker",
                ["rijk", "provincie", "gemeente", "waterschap", "samenwerkingsverband", "overig"],
            ),
            name=op.f("ck_opgave_trekker"),
        ),
        sa.CheckConstraint(
            _status_check(
                "status",
                ["verkenning", "planvorming", "besluitvorming", "uitvoering", "gerealiseerd"],
            ),
            name=op.f("ck_opgave_status"),
        ),
        sa.CheckConstraint("horizon BETWEEN 2000 AND 2100", name=op.f("ck_opgave_horizon")),
        sa.CheckConstraint(
            "ruimtevraag_ha >= 0 AND ruimtevraag_ha < 'Infinity'",
            name=op.f("ck_opgave_ruimtevraag"),
        ),
        sa.CheckConstraint(VALID_AREA, name=op.f("ck_opgave_geom_valid")),
    )
    op.create_index("ix_opgave_geom", "opgave", ["geom"], postgresql_using="gist")
    op.create_index("ix_opgave_thema", "opgave", ["thema"])
    op.create_index("ix_opgave_trekker", "opgave", ["trekker"])
    op.create_index("ix_opgave_status", "opgave", ["status"])


def downgrade() -> None:
    # The postgis extension stays: other schemas in the same database may use it.
    op.drop_table("opgave")
    op.drop_table("gebied")
    op.drop_table("gemeente")
    op.drop_table("thema")
