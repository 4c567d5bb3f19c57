"""Stapeling: stored results per gebied and filter set, invalidated by triggers.

Every write to an opgave or a gebied's geometry deletes the stored stapelingen of the gebieden
it touches, in the same transaction, and bumps their epoch. A reader stores a result only if
the epoch it read before loading the opgaven is still current (checked under a share lock), so
a result computed from data that changed meanwhile is never stored.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = """
CREATE FUNCTION stapeling_epoch_init() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stapeling_epoch (gebied_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION stapeling_invalidate(gebied_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Lock in id order, so concurrent writers cannot deadlock on each other's gebieden.
    PERFORM 1 FROM stapeling_epoch WHERE gebied_id = ANY(gebied_ids)
        ORDER BY gebied_id FOR UPDATE;
    UPDATE stapeling_epoch SET epoch = epoch + 1 WHERE gebied_id = ANY(gebied_ids);
    DELETE FROM stapeling WHERE gebied_id = ANY(gebied_ids);
END $$;

CREATE FUNCTION stapeling_gebied_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stapeling_invalidate(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

CREATE FUNCTION stapeling_opgave_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    SELECT array_agg(g.id) INTO touched FROM gebied g
    WHERE (TG_OP <> 'INSERT' AND ST_Intersects(g.geom, OLD.geom))
       OR (TG_OP <> 'DELETE' AND ST_Intersects(g.geom, NEW.geom));
    IF touched IS NOT NULL THEN
        PERFORM stapeling_invalidate(touched);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stapeling_epoch_init AFTER INSERT ON gebied
    FOR EACH ROW EXECUTE FUNCTION stapeling_epoch_init();
CREATE TRIGGER stapeling_gebied_changed AFTER UPDATE OF geom ON gebied
    FOR EACH ROW EXECUTE FUNCTION stapeling_gebied_changed();
CREATE TRIGGER stapeling_opgave_changed AFTER INSERT OR UPDATE OR DELETE ON opgave
    FOR EACH ROW EXECUTE FUNCTION stapeling_opgave_changed();
"""


def upgrade() -> None:
    op.create_table(
        "stapeling_epoch",
        sa.Column(
            "gebied_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebied.id", ondelete="CASCADE", name=op.f("fk_stapeling_epoch_gebied_id_gebied")
            ),
            primary_key=True,
        ),
        sa.Column("epoch", sa.BigInteger, server_default="0", nullable=False),
    )
    op.execute("INSERT INTO stapeling_epoch (gebied_id) SELECT id FROM gebied")
    op.create_table(
        "stapeling",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "gebied_id",
            sa.Uuid,
            sa.ForeignKey(
                "gebied.id", ondelete="CASCADE", name=op.f("fk_stapeling_gebied_id_gebied")
            ),
            nullable=False,
        ),
        sa.Column("filter_key", sa.Text, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("samenvatting", JSONB, nullable=False),
        sa.Column(
            "berekend_op", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("rekentijd_ms", sa.Integer, nullable=False),
        sa.UniqueConstraint("gebied_id", "filter_key", name=op.f("uq_stapeling_gebied_id")),
    )
    op.create_table(
        "stapeling_vlak",
        sa.Column(
            "stapeling_id",
            sa.Uuid,
            sa.ForeignKey(
                "stapeling.id",
                ondelete="CASCADE",
                name=op.f("fk_stapeling_vlak_stapeling_id_stapeling"),
            ),
            primary_key=True,
        ),
        sa.Column("nr", sa.Integer, primary_key=True),
        sa.Column("aantal", sa.Integer, nullable=False),
        sa.Column("aantal_themas", sa.Integer, nullable=False),
        sa.Column("themas", ARRAY(sa.String(40)), nullable=False),
        sa.Column("opgaven", ARRAY(sa.Uuid), nullable=False),
        sa.Column("oppervlakte_ha", sa.Double, nullable=False),
        sa.Column("geom", Geometry("POLYGON", srid=28992, spatial_index=False), nullable=False),
        # The GeoJSON of the geometry in both CRSs, written once: a warm read only streams it.
        sa.Column("geometrie_crs84", sa.Text, nullable=False),
        sa.Column("geometrie_rd", sa.Text, nullable=False),
    )
    op.create_index("ix_stapeling_vlak_aantal", "stapeling_vlak", ["stapeling_id", "aantal"])
    op.execute(FUNCTIONS)


def downgrade() -> None:
    op.execute("DROP TRIGGER stapeling_opgave_changed ON opgave")
    op.execute("DROP TRIGGER stapeling_gebied_changed ON gebied")
    op.execute("DROP TRIGGER stapeling_epoch_init ON gebied")
    op.execute("DROP FUNCTION stapeling_opgave_changed()")
    op.execute("DROP FUNCTION stapeling_gebied_changed()")
    op.execute("DROP FUNCTION stapeling_invalidate(uuid[])")
    op.execute("DROP FUNCTION stapeling_epoch_init()")
    op.drop_table("stapeling_vlak")
    op.drop_table("stapeling")
    op.drop_table("stapeling_epoch")
