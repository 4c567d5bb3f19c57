"""Landelijke runs and their tegels' statistics (issue #19)."""

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import Base

STATUSSEN = ("bezig", "klaar", "mislukt")


class LandelijkeRun(Base):
    """A run of the landelijke stapeling over an extent (a provincie, or all of them)."""

    __tablename__ = "landelijke_run"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    omvang: Mapped[str] = mapped_column(String(100))  # 'nederland' or a provincie's naam
    provincie: Mapped[str | None] = mapped_column(String(4))  # its statcode
    extent: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=RD_NEW, spatial_index=False)
    )
    tegel_m: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), server_default="bezig")
    aantal_tegels: Mapped[int] = mapped_column(Integer)
    gestart_op: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    klaar_op: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gestart_door: Mapped[str] = mapped_column(String(200), server_default="")
    fout: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('bezig', 'klaar', 'mislukt')", name="status"),
        CheckConstraint("tegel_m > 0", name="tegel_m"),
    )


class LandelijkeTegel(Base):
    """One tegel's statistics in a run (replaced when the tegel is computed again)."""

    __tablename__ = "landelijke_tegel"

    run_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("landelijke_run.id", ondelete="CASCADE"), primary_key=True
    )
    i: Mapped[int] = mapped_column(Integer, primary_key=True)
    j: Mapped[int] = mapped_column(Integer, primary_key=True)
    statistiek: Mapped[dict[str, Any]] = mapped_column(JSONB)
    rekentijd_s: Mapped[float] = mapped_column(Float)
    fallback: Mapped[bool] = mapped_column(server_default="false")
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
