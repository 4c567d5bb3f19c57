"""Reading the audit trail that the database writes (trigger `historie_vastleggen`)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from shapely import MultiPolygon
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from gebiedsregie.historie.models import Historie

# Bookkeeping that changes with every write; not what a planner changed.
BOOKKEEPING = frozenset({"versie", "gewijzigd_op", "aangemaakt_op"})


@dataclass(frozen=True)
class HistorieFilter:
    soort: str | None = None
    soorten: tuple[str, ...] = ()  # any of these (a variant's trail: variant, variant_opgave)
    object_id: uuid.UUID | None = None
    actie: str | None = None
    door: str | None = None
    sinds: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = []
        if self.soort is not None:
            conditions.append(Historie.soort == self.soort)
        if self.soorten:
            conditions.append(Historie.soort.in_(self.soorten))
        if self.object_id is not None:
            conditions.append(Historie.object_id == self.object_id)
        if self.actie is not None:
            conditions.append(Historie.actie == self.actie)
        if self.door is not None:
            conditions.append(Historie.door == self.door)
        if self.sinds is not None:
            conditions.append(Historie.op >= self.sinds)
        return conditions


def list_historie(
    session: Session, f: HistorieFilter, limit: int, offset: int
) -> tuple[list[Historie], int]:
    """Return a page of entries matching `f`, newest first, and how many match."""
    conditions = f.conditions()
    matched = session.scalar(select(func.count()).select_from(Historie).where(*conditions)) or 0
    rows = session.scalars(
        select(Historie).where(*conditions).order_by(Historie.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), matched


def stand(session: Session) -> int:
    """Return the id of the last entry (0 when there is none): later entries came after."""
    return session.scalar(select(func.coalesce(func.max(Historie.id), 0))) or 0


def shapes(entry: Historie) -> tuple[MultiPolygon | None, MultiPolygon | None]:
    """Return the RD geometry before and after the change (None where there is none)."""

    def shape(value: Any) -> MultiPolygon | None:
        if value is None:
            return None
        geom = to_shape(value)
        assert isinstance(geom, MultiPolygon)
        return geom

    return shape(entry.geom_voor), shape(entry.geom_na)


def changed_fields(entry: Historie) -> list[str]:
    """Return the names of the fields this change changed (`geometrie` for the shape)."""
    voor, na = entry.voor or {}, entry.na or {}
    names = sorted(n for n in (set(voor) | set(na)) - BOOKKEEPING if voor.get(n) != na.get(n))
    before, after = entry.geom_voor, entry.geom_na
    if (before is None) != (after is None) or (
        before is not None and after is not None and before.desc != after.desc
    ):
        names.append("geometrie")
    return names
