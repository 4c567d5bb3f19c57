"""Opgaven: spatial claims of a thema, and the themas themselves."""

import uuid
from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base, Timestamps
from gebiedsregie.gebieden.models import NOT_DELETED, VALID_AREA, in_values

HORIZON_MIN, HORIZON_MAX = 2000, 2100


class Trekker(StrEnum):
    RIJK = "rijk"
    PROVINCIE = "provincie"
    GEMEENTE = "gemeente"
    WATERSCHAP = "waterschap"
    SAMENWERKINGSVERBAND = "samenwerkingsverband"
    OVERIG = "overig"


class Status(StrEnum):
    VERKENNING = "verkenning"
    PLANVORMING = "planvorming"
    BESLUITVORMING = "besluitvorming"
    UITVOERING = "uitvoering"
    GEREALISEERD = "gerealiseerd"


class Thema(Base):
    """A policy theme; the codes are vocabulary, added by migrations."""

    __tablename__ = "thema"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    naam: Mapped[str] = mapped_column(String(100))
    kleur: Mapped[str] = mapped_column(String(7))
    beschrijving: Mapped[str] = mapped_column(Text, server_default="")
    volgorde: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (CheckConstraint("kleur ~ '^#[0-9a-f]{6}$'", name="kleur"),)


class Opgave(Timestamps, Base):
    __tablename__ = "opgave"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    extern_id: Mapped[str | None] = mapped_column(String(200))
    titel: Mapped[str] = mapped_column(String(200))
    thema: Mapped[str] = mapped_column(
        ForeignKey("thema.code", onupdate="CASCADE", ondelete="RESTRICT"), index=True
    )
    beschrijving: Mapped[str] = mapped_column(Text, server_default="")
    trekker: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    horizon: Mapped[int | None]
    ruimtevraag_ha: Mapped[float | None] = mapped_column(Double)
    bron: Mapped[str] = mapped_column(Text, server_default="")
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )
    versie: Mapped[int] = mapped_column(server_default="1")
    verwijderd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": versie}
    __table_args__ = (
        Index("uq_opgave_extern_id", "extern_id", unique=True, postgresql_where=NOT_DELETED),
        CheckConstraint(in_values("trekker", Trekker), name="trekker"),
        CheckConstraint(in_values("status", Status), name="status"),
        CheckConstraint(f"horizon BETWEEN {HORIZON_MIN} AND {HORIZON_MAX}", name="horizon"),
        CheckConstraint("ruimtevraag_ha >= 0 AND ruimtevraag_ha < 'Infinity'", name="ruimtevraag"),
        CheckConstraint(VALID_AREA, name="geom_valid"),
        Index("ix_opgave_geom", "geom", postgresql_using="gist"),
        Index("ix_opgave_titel", "titel", "id", postgresql_where=NOT_DELETED),  # list order
    )
