"""Historie: one row per create, update and delete of a gebied or opgave (see migration 0004),
and of a variant or one of its changes (`varianten/triggers.sql`, migration 0010)."""

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, String, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base


class Historie(Base):
    """Written only by database triggers (`historie_vastleggen`, `variant_historie`,
    `variant_opgave_historie`), never by the application. For a variant's change (soort
    `variant_opgave`) `object_id` is the variant's id."""

    __tablename__ = "historie"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    soort: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    versie: Mapped[int]
    actie: Mapped[str] = mapped_column(String(20))
    door: Mapped[str] = mapped_column(String(200))
    door_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    verzoek_id: Mapped[str | None] = mapped_column(String(64))
    op: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    voor: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    na: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    geom_voor: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )
    geom_na: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )

    __table_args__ = (
        CheckConstraint(
            "soort IN ('gebied', 'opgave', 'variant', 'variant_opgave', 'referentielaag', "
            "'combinatie')",
            name="soort",
        ),
        CheckConstraint(
            "actie IN ('aangemaakt', 'gewijzigd', 'verwijderd', 'hersteld', 'gewist', "
            "'doorgevoerd')",
            name="actie",
        ),
        Index("ix_historie_object", "soort", "object_id", "id"),
    )
