"""Stored stapelingen: one per gebied and key (the filter set), with its faces.

The tables are kept true by the triggers in `triggers.sql` (beside this file): an insert or
delete of an opgave, or an update of its geom, thema, status, trekker, horizon or
verwijderd_op, deletes the stapelingen of the gebieden it meets, before and after, in the same
transaction; so does a change of a gebied's geom or verwijderd_op. Other columns (a new
beschrijving, titel or bron) keep what is stored. Each such write moves the gebied's epoch.
A stored result holds its koppelkansen and conflicten too: a change to the combinatiematrices or
to the referentielagen drops the stored results of every gebied (`combinaties/triggers.sql`).
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
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.combinaties.samenvatting import VlakCombinaties
from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base
from gebiedsregie.stapeling.samenvatting import Samenvatting


class StapelingEpoch(Base):
    __tablename__ = "stapeling_epoch"

    gebied_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gebied.id", ondelete="CASCADE"), primary_key=True
    )
    epoch: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Stapeling(Base):
    __tablename__ = "stapeling"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    gebied_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gebied.id", ondelete="CASCADE"))
    filter_key: Mapped[str] = mapped_column(Text)
    epoch: Mapped[int] = mapped_column(BigInteger)
    samenvatting: Mapped[Samenvatting] = mapped_column(JSONB)
    berekend_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    rekentijd_ms: Mapped[int]
    gebruikt_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )  # last read: the least recently used filtered results go first (migration 0006)

    __table_args__ = (
        UniqueConstraint("gebied_id", "filter_key"),
        Index("ix_stapeling_gebruikt_op", "gebruikt_op"),
    )


# `aantal` is an integer column: a `min_aantal` filter past it cannot even be compared (500).
AANTAL_MAX = 2**31 - 1


class StapelingVlak(Base):
    __tablename__ = "stapeling_vlak"

    stapeling_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stapeling.id", ondelete="CASCADE"), primary_key=True
    )
    nr: Mapped[int] = mapped_column(primary_key=True)
    aantal: Mapped[int]
    aantal_themas: Mapped[int]
    themas: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    opgaven: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    oppervlakte_ha: Mapped[float] = mapped_column(Double)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=RD_NEW, spatial_index=False))
    geometrie_crs84: Mapped[str] = mapped_column(Text)
    geometrie_rd: Mapped[str] = mapped_column(Text)
    # Its conflicten, koppelkansen and lagen (combinaties.samenvatting.VlakCombinaties); none
    # when it has none (migration 0013).
    combinaties: Mapped[VlakCombinaties | None] = mapped_column(JSONB)

    __table_args__ = (Index("ix_stapeling_vlak_aantal", "stapeling_id", "aantal"),)
