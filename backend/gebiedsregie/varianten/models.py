"""Variants of a gebied and their changes against the register (migration 0010).

`variant_opgave` holds one row per register opgave a variant changes or leaves out, and one
per opgave that exists only in the variant. `sleutel` is the opgave's key in the situation:
the register opgave's id, or for a variant-only opgave the row's own id (which becomes the
register id when the variant is doorgevoerd). The triggers in `triggers.sql` write the audit
trail of both tables and bump `variant.inhoud_versie` whenever a variant's changes change.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base, Timestamps
from gebiedsregie.gebieden.models import in_values
from gebiedsregie.opgaven.models import HORIZON_MAX, HORIZON_MIN, Status, Trekker


class VariantStatus(StrEnum):
    CONCEPT = "concept"
    VOORGELEGD = "voorgelegd"
    VASTGESTELD = "vastgesteld"
    VERWORPEN = "verworpen"


# A planner edits a variant (and its changes) only while it has one of these.
BEWERKBAAR = frozenset({VariantStatus.CONCEPT, VariantStatus.VOORGELEGD})


class Wijziging(StrEnum):
    """What a variant does to an opgave."""

    WEGGELATEN = "weggelaten"
    GEWIJZIGD = "gewijzigd"
    NIEUW = "nieuw"


class Variant(Timestamps, Base):
    __tablename__ = "variant"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    gebied_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gebied.id", ondelete="CASCADE"), index=True
    )
    naam: Mapped[str] = mapped_column(String(200))
    beschrijving: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[str] = mapped_column(String(20), server_default=VariantStatus.CONCEPT.value)
    auteur: Mapped[str] = mapped_column(String(200))
    auteur_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("gebruiker.id", ondelete="SET NULL")
    )
    versie: Mapped[int] = mapped_column(server_default="1")
    # Bumped by trigger when the variant's changes change (not its ETag: see the package doc).
    inhoud_versie: Mapped[int] = mapped_column(BigInteger, server_default="0")
    inhoud_gewijzigd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The audit trail's last entry when the variant was made: the register's edits after it
    # are "since" (an id, not a time: edits in the same second, or transaction, are ordered).
    historie_stand: Mapped[int] = mapped_column(BigInteger)
    doorgevoerd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    doorgevoerd_door: Mapped[str | None] = mapped_column(String(200))
    doorgevoerd_door_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    verwijderd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": versie}
    __table_args__ = (
        CheckConstraint(in_values("status", VariantStatus), name="status"),
        CheckConstraint(
            "doorgevoerd_op IS NULL OR status = 'vastgesteld'", name="doorgevoerd_vastgesteld"
        ),
        CheckConstraint(
            "(doorgevoerd_op IS NULL) = (doorgevoerd_door IS NULL)", name="doorgevoerd_door"
        ),
    )


# A changed or new opgave has every field an opgave has; a left-out one has none of them.
_VOLLEDIG = (
    "titel IS NOT NULL AND thema IS NOT NULL AND beschrijving IS NOT NULL AND trekker IS NOT "
    "NULL AND status IS NOT NULL AND bron IS NOT NULL AND geom IS NOT NULL"
)
_LEEG = (
    "titel IS NULL AND thema IS NULL AND beschrijving IS NULL AND trekker IS NULL AND status "
    "IS NULL AND horizon IS NULL AND ruimtevraag_ha IS NULL AND bron IS NULL AND geom IS NULL"
)


class VariantOpgave(Timestamps, Base):
    """One change of a variant: an opgave left out, changed, or new (see the module doc)."""

    __tablename__ = "variant_opgave"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    soort: Mapped[str] = mapped_column(String(20))
    opgave_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("opgave.id", ondelete="CASCADE"), index=True
    )
    sleutel: Mapped[uuid.UUID] = mapped_column(Uuid)
    register_versie: Mapped[int | None]
    titel: Mapped[str | None] = mapped_column(String(200))
    thema: Mapped[str | None] = mapped_column(
        ForeignKey("thema.code", onupdate="CASCADE", ondelete="RESTRICT")
    )
    beschrijving: Mapped[str | None] = mapped_column(Text)
    trekker: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str | None] = mapped_column(String(30))
    horizon: Mapped[int | None]
    ruimtevraag_ha: Mapped[float | None] = mapped_column(Double)
    bron: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )
    versie: Mapped[int] = mapped_column(server_default="1")

    __mapper_args__ = {"version_id_col": versie}
    __table_args__ = (
        UniqueConstraint("variant_id", "sleutel"),
        CheckConstraint(in_values("soort", Wijziging), name="soort"),
        CheckConstraint("sleutel = coalesce(opgave_id, id)", name="sleutel"),
        CheckConstraint(
            "(soort = 'nieuw') = (opgave_id IS NULL) "
            "AND (soort = 'nieuw') = (register_versie IS NULL)",
            name="register",
        ),
        CheckConstraint(
            f"CASE WHEN soort = 'weggelaten' THEN {_LEEG} ELSE {_VOLLEDIG} END", name="velden"
        ),
        CheckConstraint(in_values("trekker", Trekker), name="trekker"),
        CheckConstraint(in_values("status", Status), name="status"),
        CheckConstraint(f"horizon BETWEEN {HORIZON_MIN} AND {HORIZON_MAX}", name="horizon"),
        CheckConstraint("ruimtevraag_ha >= 0 AND ruimtevraag_ha < 'Infinity'", name="ruimtevraag"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
    )
