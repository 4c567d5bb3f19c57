"""Referentielagen and their objecten (MultiPolygons in RD with their source attributes).

A laag is audit-logged as a whole (its row, with `aantal_objecten`): an import replaces its
objecten and moves its versie. Objecten are not versioned one by one.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base, Timestamps
from gebiedsregie.gebieden.models import NOT_DELETED, SLUG_PATTERN, VALID_AREA, in_values


class LaagSoort(StrEnum):
    STUREND = "sturend"  # steers: ground in it is not simply available
    INFORMATIEF = "informatief"


class Referentielaag(Timestamps, Base):
    __tablename__ = "referentielaag"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    slug: Mapped[str] = mapped_column(String(100))
    naam: Mapped[str] = mapped_column(String(200))
    omschrijving: Mapped[str] = mapped_column(Text, server_default="")
    bron: Mapped[str] = mapped_column(Text, server_default="")
    licentie: Mapped[str] = mapped_column(Text, server_default="")
    peildatum: Mapped[date | None] = mapped_column(Date)
    soort: Mapped[str] = mapped_column(String(20))
    kleur: Mapped[str] = mapped_column(String(7))
    aantal_objecten: Mapped[int] = mapped_column(server_default="0")
    versie: Mapped[int] = mapped_column(server_default="1")
    verwijderd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": versie}
    __table_args__ = (
        Index("uq_referentielaag_slug", "slug", unique=True, postgresql_where=NOT_DELETED),
        CheckConstraint(f"slug ~ '{SLUG_PATTERN}'", name="slug"),
        CheckConstraint(in_values("soort", LaagSoort), name="soort"),
        CheckConstraint("kleur ~ '^#[0-9a-f]{6}$'", name="kleur"),
    )


class Referentieobject(Base):
    __tablename__ = "referentieobject"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    laag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referentielaag.id", ondelete="CASCADE"), index=True
    )
    extern_id: Mapped[str | None] = mapped_column(String(200))
    naam: Mapped[str] = mapped_column(Text, server_default="")
    eigenschappen: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )

    __table_args__ = (
        CheckConstraint(VALID_AREA, name="geom_valid"),
        Index("ix_referentieobject_geom", "geom", postgresql_using="gist"),
    )
