"""Gebieden: the areas a province directs, and the CBS gemeenten they are made of."""

import uuid
from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base, Timestamps

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
VALID_AREA = "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)"
# Deletes are soft: a deleted row keeps everything, with the time it was deleted.
NOT_DELETED = text("verwijderd_op IS NULL")


class GebiedSoort(StrEnum):
    VOORBEELDGEBIED = "voorbeeldgebied"
    NOVEX_GEBIED = "novex-gebied"
    DEELGEBIED = "deelgebied"
    EIGEN = "eigen"


def in_values(column: str, values: type[StrEnum]) -> str:
    """Return a CHECK expression that `column` holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Gebied(Timestamps, Base):
    __tablename__ = "gebied"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    slug: Mapped[str] = mapped_column(String(80))
    naam: Mapped[str] = mapped_column(String(200))
    soort: Mapped[str] = mapped_column(String(30))
    provincies: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    gemeenten: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    beschrijving: Mapped[str] = mapped_column(Text, server_default="")
    bron: Mapped[str] = mapped_column(Text, server_default="")
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )
    versie: Mapped[int] = mapped_column(server_default="1")
    verwijderd_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": versie}
    __table_args__ = (
        Index("uq_gebied_slug", "slug", unique=True, postgresql_where=NOT_DELETED),
        CheckConstraint(f"slug ~ '{SLUG_PATTERN}'", name="slug"),
        CheckConstraint(in_values("soort", GebiedSoort), name="soort"),
        CheckConstraint(VALID_AREA, name="geom_valid"),
        Index("ix_gebied_geom", "geom", postgresql_using="gist"),
    )


class Gemeente(Base):
    """A CBS gemeente (reference data, from geodata/gemeenten_2024.geojson)."""

    __tablename__ = "gemeente"

    statcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    naam: Mapped[str] = mapped_column(String(100), unique=True)
    provincie: Mapped[str] = mapped_column(String(100))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )

    __table_args__ = (
        CheckConstraint(VALID_AREA, name="geom_valid"),
        Index("ix_gemeente_geom", "geom", postgresql_using="gist"),
    )


class Provincie(Base):
    """A Kadaster province (reference data, from geodata/provincies.geojson): with its
    waters, unlike the provinces made of CBS gemeenten that the maps draw."""

    __tablename__ = "provincie"

    statcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    naam: Mapped[str] = mapped_column(String(100), unique=True)
    bron: Mapped[str] = mapped_column(Text, server_default="")
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )

    __table_args__ = (
        CheckConstraint(VALID_AREA, name="geom_valid"),
        Index("ix_provincie_geom", "geom", postgresql_using="gist"),
    )
