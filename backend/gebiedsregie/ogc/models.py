"""Laag versie: a counter per table, bumped by a trigger on every write (`triggers.sql`).

The tiles' ETags are built from these counters.
"""

from sqlalchemy import BigInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from gebiedsregie.db import Base


class LaagVersie(Base):
    __tablename__ = "laag_versie"

    laag: Mapped[str] = mapped_column(Text, primary_key=True)
    versie: Mapped[int] = mapped_column(BigInteger)
