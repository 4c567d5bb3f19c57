"""Vertrouwen: accounts, API tokens, sessions, the audit trail and soft deletes.

- `gebruiker`, `api_token`, `sessie` and `oidc_poging` hold who may do what. Passwords are
  argon2id hashes; tokens and session ids are stored as SHA-256 hashes only.
- `historie` gets one row per create, update and delete of a gebied or opgave, written by a
  row trigger in the same transaction as the change: no write path can skip it. Who did it
  comes from the transaction-local settings `gebiedsregie.door`, `gebiedsregie.door_id` and
  `gebiedsregie.verzoek_id`, set by the application; a change made outside it is recorded
  as `database:<role>`.
- Deletes through the API are soft: `verwijderd_op` is set. Slugs and extern_ids are unique
  among the rows that are not deleted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLEN = "rol IN ('lezer', 'planner', 'beheerder')"
NAAM_PATTERN = r"^[a-z0-9][a-z0-9._@-]{0,99}$"

HISTORIE = """
CREATE FUNCTION historie_vastleggen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actie text;
    voor jsonb;
    na jsonb;
    rij record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        actie := 'aangemaakt';
    ELSIF TG_OP = 'DELETE' THEN
        actie := 'gewist';
    ELSIF OLD.verwijderd_op IS NULL AND NEW.verwijderd_op IS NOT NULL THEN
        actie := 'verwijderd';
    ELSIF OLD.verwijderd_op IS NOT NULL AND NEW.verwijderd_op IS NULL THEN
        actie := 'hersteld';
    ELSE
        actie := 'gewijzigd';
    END IF;
    -- The geometry goes in its own column: blank it before the row becomes JSON.
    IF TG_OP <> 'INSERT' THEN
        rij := OLD;
        rij.geom := NULL;
        voor := to_jsonb(rij) - 'geom';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        rij := NEW;
        rij.geom := NULL;
        na := to_jsonb(rij) - 'geom';
    END IF;
    INSERT INTO historie (
        soort, object_id, versie, actie, door, door_id, verzoek_id, voor, na, geom_voor, geom_na
    ) VALUES (
        TG_ARGV[0],
        (coalesce(na, voor)->>'id')::uuid,
        (coalesce(na, voor)->>'versie')::integer,
        actie,
        coalesce(
            nullif(current_setting('gebiedsregie.door', true), ''),
            'database:' || session_user
        ),
        nullif(current_setting('gebiedsregie.door_id', true), '')::uuid,
        nullif(current_setting('gebiedsregie.verzoek_id', true), ''),
        voor,
        na,
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.geom END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.geom END
    );
    RETURN NULL;
END $$;

CREATE TRIGGER historie_vastleggen AFTER INSERT OR UPDATE OR DELETE ON gebied
    FOR EACH ROW EXECUTE FUNCTION historie_vastleggen('gebied');
CREATE TRIGGER historie_vastleggen AFTER INSERT OR UPDATE OR DELETE ON opgave
    FOR EACH ROW EXECUTE FUNCTION historie_vastleggen('opgave');

-- A deleted or restored gebied drops its stored stapelingen too.
DROP TRIGGER stapeling_gebied_changed ON gebied;
CREATE TRIGGER stapeling_gebied_changed AFTER UPDATE OF geom, verwijderd_op ON gebied
    FOR EACH ROW EXECUTE FUNCTION stapeling_gebied_changed();
"""


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


def upgrade() -> None:
    op.create_table(
        "gebruiker",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("naam", sa.String(100), nullable=False),
        sa.Column("weergavenaam", sa.String(200), server_default="", nullable=False),
        sa.Column("rol", sa.String(20), nullable=False),
        sa.Column("wachtwoord_hash", sa.Text, nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True),
        sa.Column("actief", sa.Boolean, server_default=sa.true(), nullable=False),
        sa.Column("mislukte_pogingen", sa.Integer, server_default="0", nullable=False),
        sa.Column("geblokkeerd_tot", sa.DateTime(timezone=True), nullable=True),
        sa.Column("laatst_ingelogd_op", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint("naam", name=op.f("uq_gebruiker_naam")),
        sa.UniqueConstraint("oidc_subject", name=op.f("uq_gebruiker_oidc_subject")),
        sa.CheckConstraint(ROLLEN, name=op.f("ck_gebruiker_rol")),
        sa.CheckConstraint(f"naam ~ '{NAAM_PATTERN}'", name=op.f("ck_gebruiker_naam")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "gebruiker_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebruiker.id", ondelete="CASCADE", name=op.f("fk_api_token_gebruiker_id_gebruiker")
            ),
            nullable=False,
        ),
        sa.Column("omschrijving", sa.String(200), server_default="", nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("verloopt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingetrokken_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("laatst_gebruikt_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "aangemaakt_op",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.UniqueConstraint("hash", name=op.f("uq_api_token_hash")),
    )
    op.create_index("ix_api_token_gebruiker_id", "api_token", ["gebruiker_id"])
    op.create_table(
        "sessie",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column(
            "gebruiker_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebruiker.id", ondelete="CASCADE", name=op.f("fk_sessie_gebruiker_id_gebruiker")
            ),
            nullable=False,
        ),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("verloopt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "aangemaakt_op",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
    )
    op.create_index("ix_sessie_gebruiker_id", "sessie", ["gebruiker_id"])
    op.create_table(
        "oidc_poging",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("volgende", sa.Text, server_default="/", nullable=False),
        sa.Column("verloopt_op", sa.DateTime(timezone=True), nullable=False),
    )

    op.create_table(
        "historie",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("soort", sa.String(20), nullable=False),
        sa.Column("object_id", sa.Uuid, nullable=False),
        sa.Column("versie", sa.Integer, nullable=False),
        sa.Column("actie", sa.String(20), nullable=False),
        sa.Column("door", sa.String(200), nullable=False),
        sa.Column("door_id", sa.Uuid, nullable=True),
        sa.Column("verzoek_id", sa.String(64), nullable=True),
        sa.Column("op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("voor", JSONB, nullable=True),
        sa.Column("na", JSONB, nullable=True),
        sa.Column(
            "geom_voor", Geometry("MULTIPOLYGON", srid=28992, spatial_index=False), nullable=True
        ),
        sa.Column(
            "geom_na", Geometry("MULTIPOLYGON", srid=28992, spatial_index=False), nullable=True
        ),
        sa.CheckConstraint("soort IN ('gebied', 'opgave')", name=op.f("ck_historie_soort")),
        sa.CheckConstraint(
            "actie IN ('aangemaakt', 'gewijzigd', 'verwijderd', 'hersteld', 'gewist')",
            name=op.f("ck_historie_actie"),
        ),
    )
    op.create_index("ix_historie_object", "historie", ["soort", "object_id", "id"])

    for table, column in (("gebied", "slug"), ("opgave", "extern_id")):
        op.add_column(table, sa.Column("verwijderd_op", sa.DateTime(timezone=True)))
        op.drop_constraint(f"uq_{table}_{column}", table, type_="unique")
        op.create_index(
            f"uq_{table}_{column}",
            table,
            [column],
            unique=True,
            postgresql_where=sa.text("verwijderd_op IS NULL"),
        )
    op.execute(HISTORIE)
    # What exists before the audit trail starts is its first entry.
    for table in ("gebied", "opgave"):
        op.execute(
            f"""INSERT INTO historie (soort, object_id, versie, actie, door, na, geom_na)
            SELECT '{table}', id, versie, 'aangemaakt', 'migratie 0004',
                   to_jsonb({table}.*) - 'geom', geom
            FROM {table} ORDER BY aangemaakt_op, id"""
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER stapeling_gebied_changed ON gebied")
    op.execute(
        "CREATE TRIGGER stapeling_gebied_changed AFTER UPDATE OF geom ON gebied "
        "FOR EACH ROW EXECUTE FUNCTION stapeling_gebied_changed()"
    )
    op.execute("DROP TRIGGER historie_vastleggen ON opgave")
    op.execute("DROP TRIGGER historie_vastleggen ON gebied")
    op.execute("DROP FUNCTION historie_vastleggen()")
    for table, column in (("gebied", "slug"), ("opgave", "extern_id")):
        # Soft-deleted rows would break the old unique constraint: they go for good.
        op.execute(f"DELETE FROM {table} WHERE verwijderd_op IS NOT NULL")
        op.drop_index(f"uq_{table}_{column}", table)
        op.create_unique_constraint(f"uq_{table}_{column}", table, [column])
        op.drop_column(table, "verwijderd_op")
    op.drop_table("historie")
    op.drop_table("oidc_poging")
    op.drop_table("sessie")
    op.drop_table("api_token")
    op.drop_table("gebruiker")
