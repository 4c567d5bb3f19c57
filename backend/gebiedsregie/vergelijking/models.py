"""Stored comparisons: one per gebied and pair of situation keys, with their difference faces.

A comparison is kept with the gebied's stapeling epoch it was computed at and is found only
while that epoch is current: every write that drops the gebied's stored stapelingen (the
triggers in `stapeling/triggers.sql`) moves the epoch, so no trigger of its own is needed. A
changed variant asks another key (`varianten/stapeling.py`). A stale row is replaced when the
comparison is computed again, or pruned as the least recently used.

It holds the samenvattingen of both situations (those of their stapelingen, computed alike),
so a warm comparison reads one row and a page of faces. The faces hold their RD geometry
only: a page is written as GeoJSON when read (storing the GeoJSON of 80,000 faces in two
CRSs would cost a cold comparison of 5,000 opgaven most of its time).
"""

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base
from gebiedsregie.stapeling.samenvatting import Samenvatting
from gebiedsregie.vergelijking.overlay import Overzicht


class Vergelijking(Base):
    __tablename__ = "vergelijking"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    gebied_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gebied.id", ondelete="CASCADE"))
    sleutel: Mapped[str] = mapped_column(Text)  # the keys of A's and B's stapeling
    epoch: Mapped[int] = mapped_column(BigInteger)
    samenvatting_a: Mapped[Samenvatting] = mapped_column(JSONB)
    samenvatting_b: Mapped[Samenvatting] = mapped_column(JSONB)
    overzicht: Mapped[Overzicht] = mapped_column(JSONB)
    rekentijd_ms: Mapped[int]
    berekend_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    gebruikt_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("gebied_id", "sleutel"),
        Index("ix_vergelijking_gebruikt_op", "gebruikt_op"),
    )


class VergelijkingVlak(Base):
    """A difference face; `nr` orders them as `overlay.overlay` does (changed ones first)."""

    __tablename__ = "vergelijking_vlak"

    vergelijking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vergelijking.id", ondelete="CASCADE"), primary_key=True
    )
    nr: Mapped[int] = mapped_column(primary_key=True)
    aantal_a: Mapped[int]
    aantal_b: Mapped[int]
    opgaven_a: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    opgaven_b: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    oppervlakte_ha: Mapped[float] = mapped_column(Double)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=RD_NEW, spatial_index=False))
