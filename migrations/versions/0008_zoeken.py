"""Search: the Kadaster provinces, and names searchable without regard to case, accents or typos.

- `pg_trgm` and `unaccent`: contrib extensions, trusted since PostgreSQL 13, so the owner of
  the database may create them without being a superuser.
- `zoekvorm(text)`: a name as search compares it: lower case, accents removed, every run of
  characters other than letters and digits one space ('Súdwest-Fryslân' -> 'sudwest
  fryslan'). unaccent() is only STABLE (its dictionary could change); this wrapper names the
  dictionary and its schema and is declared IMMUTABLE so that it can be indexed, the usual
  way. Were the unaccent rules ever edited, rebuild the indexes (REINDEX).
- The indexes are on `zoekvorm(naam COLLATE "C")`: a function's result takes the collation
  of its argument, so the form is then in byte order and a B-tree on it serves
  `LIKE 'prefix%'` and reads prefix matches in order. The function itself works in the
  database's own collation whatever its argument's (lower() and [:alnum:] know more than
  ASCII there), so the form of a query and of a name are made alike.
- `provincie`: the 12 provinces of the Kadaster (with their waters), loaded by the seed.
- Per searchable kind two indexes on the search form: trigrams (GiST) for similar names, and
  a B-tree in byte order for exact and prefix matches read in order. GiST, not GIN: it gives
  the most similar names first (`<<->`, nearest neighbours), so a query like thousands of
  titles ('woningbouww') reads ten of them, not all (at 100,000 opgaven 45 ms against 415 ms).
  A signature of 64 bytes suits names of up to some 60 characters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VALID_AREA = "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)"
ZOEKVORM = r"""
CREATE FUNCTION zoekvorm(naam text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.btrim(pg_catalog.regexp_replace(
    pg_catalog.lower(public.unaccent('public.unaccent'::regdictionary, naam)
      COLLATE pg_catalog."default"),
    '[^[:alnum:]]+', ' ', 'g'))
$$
"""
# (table, column, only live rows)
KINDS = (
    ("gemeente", "naam", False),
    ("provincie", "naam", False),
    ("gebied", "naam", True),
    ("opgave", "titel", True),
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    op.execute(ZOEKVORM)

    op.create_table(
        "provincie",
        sa.Column("statcode", sa.String(4), primary_key=True),
        sa.Column("naam", sa.String(100), nullable=False),
        sa.UniqueConstraint("naam", name=op.f("uq_provincie_naam")),
        sa.Column("bron", sa.Text, server_default="", nullable=False),
        sa.Column(
            "geom", Geometry("MULTIPOLYGON", srid=28992, spatial_index=False), nullable=False
        ),
        sa.CheckConstraint(VALID_AREA, name=op.f("ck_provincie_geom_valid")),
    )
    op.create_index("ix_provincie_geom", "provincie", ["geom"], postgresql_using="gist")

    for table, column, live_only in KINDS:
        where = sa.text("verwijderd_op IS NULL") if live_only else None
        op.create_index(
            f"ix_{table}_zoekvorm_trgm",
            table,
            [sa.text(f'zoekvorm({column} COLLATE "C") gist_trgm_ops(siglen=64)')],
            postgresql_using="gist",
            postgresql_where=where,
        )
        op.create_index(
            f"ix_{table}_zoekvorm",
            table,
            [sa.text(f'zoekvorm({column} COLLATE "C")')],
            postgresql_where=where,
        )


def downgrade() -> None:
    for table, _column, _live_only in KINDS:
        op.drop_index(f"ix_{table}_zoekvorm", table)
        op.drop_index(f"ix_{table}_zoekvorm_trgm", table)
    op.drop_table("provincie")
    op.execute("DROP FUNCTION zoekvorm(text)")
    # The extensions stay, like postgis (0001): other schemas in the database may use them.
