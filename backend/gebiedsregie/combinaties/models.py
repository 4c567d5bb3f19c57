"""The combinatiematrices: thema x thema and thema x referentielaag, with one versie.

- `combinatieset`: one row (its id is fixed), holding the versie (the ETag of both
  matrices), whether the set is still the shipped voorbeeld, and a toelichting.
- `thema_combinatie`: a cell per unordered pair of themas, stored once with
  thema_a <= thema_b (symmetric by construction); the diagonal is two opgaven of one thema.
- `laag_combinatie`: a cell per thema and laag slug. Keyed by slug, not by the laag's id, so
  a cell (the voorbeeld's for `natura-2000`, say) waits for a laag imported later and
  survives a laag deleted and imported again.

Every change is audit-logged and drops every stored stapeling (`triggers.sql`).
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.db import Base
from gebiedsregie.gebieden.models import SLUG_PATTERN, in_values

# The one row of `combinatieset` (a CHECK holds it to this id).
SET_ID = uuid.UUID("5e7c0b1a-2c0d-4b5e-9a6f-c0b1a7e5e700")
REDEN_MAX = 300
ONE_LINE = f"reden !~ '[\\r\\n]' AND char_length(reden) BETWEEN 1 AND {REDEN_MAX}"


class Waarde(StrEnum):
    KOPPELKANS = "koppelkans"
    NEUTRAAL = "neutraal"
    CONFLICT = "conflict"


class Combinatieset(Base):
    __tablename__ = "combinatieset"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=SET_ID)
    versie: Mapped[int] = mapped_column(server_default="1")
    voorbeeld: Mapped[bool] = mapped_column(Boolean, server_default="true")
    toelichting: Mapped[str] = mapped_column(Text, server_default="")
    gewijzigd_op: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (CheckConstraint(f"id = '{SET_ID}'", name="enig"),)


class ThemaCombinatie(Base):
    __tablename__ = "thema_combinatie"

    thema_a: Mapped[str] = mapped_column(
        ForeignKey("thema.code", onupdate="CASCADE", ondelete="CASCADE"), primary_key=True
    )
    thema_b: Mapped[str] = mapped_column(
        ForeignKey("thema.code", onupdate="CASCADE", ondelete="CASCADE"), primary_key=True
    )
    waarde: Mapped[str] = mapped_column(String(20))
    reden: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("thema_a <= thema_b", name="volgorde"),
        CheckConstraint(in_values("waarde", Waarde), name="waarde"),
        CheckConstraint(ONE_LINE, name="reden"),
    )


class LaagCombinatie(Base):
    __tablename__ = "laag_combinatie"

    thema: Mapped[str] = mapped_column(
        ForeignKey("thema.code", onupdate="CASCADE", ondelete="CASCADE"), primary_key=True
    )
    laag: Mapped[str] = mapped_column(String(100), primary_key=True)  # a referentielaag's slug
    waarde: Mapped[str] = mapped_column(String(20))
    reden: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"laag ~ '{SLUG_PATTERN}'", name="laag"),
        CheckConstraint(in_values("waarde", Waarde), name="waarde"),
        CheckConstraint(ONE_LINE, name="reden"),
    )
