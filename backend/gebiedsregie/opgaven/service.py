"""Queries and transactions of opgaven and themas."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon, Polygon
from sqlalchemy import ColumnElement, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import (
    Conflict,
    FieldError,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.opgaven.models import Opgave, Thema
from gebiedsregie.validation import clear_nulls

REQUIRED = ("titel", "thema", "trekker", "status")


class OpgaveNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"Opgave '{key}' bestaat niet.")


class OpgaveDeleted(Gone):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"Opgave '{key}' is verwijderd. Een beheerder kan haar herstellen; "
            f"zie /api/v1/opgaven/{key}/historie."
        )


LIVE = Opgave.verwijderd_op.is_(None)


@dataclass
class OpgaveFilter:
    """Which opgaven to list; empty means no condition."""

    gebied: str | None = None
    themas: Sequence[str] = ()
    status: Sequence[str] = ()
    trekker: Sequence[str] = ()
    bbox_rd: Polygon | None = None
    horizon_tot: int | None = None
    horizon_vanaf: int | None = None
    area: Any = None  # an RD geometry expression whose interior the opgave must meet
    buiten_gebieden: bool | None = None  # True: meets no gebied; False: meets at least one
    where: Any = None  # one more condition on the opgave table (an OGC API filter)


def list_themas(session: Session) -> list[Thema]:
    return list(session.scalars(select(Thema).order_by(Thema.volgorde, Thema.code)))


def thema_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Thema.code)))


def check_themas(session: Session, themas: Sequence[str], name: str) -> list[FieldError]:
    """Return an error for each code in `themas` that is not a known thema."""
    if not themas:
        return []
    codes = thema_codes(session)
    allowed = ", ".join(sorted(codes))
    return [
        FieldError(name, f"Onbekend thema '{t}'; kies uit: {allowed}.", "onbekend_thema")
        for t in themas
        if t not in codes
    ]


def check_thema_property(session: Session, properties: dict[str, Any]) -> list[FieldError]:
    """Return an error if the `thema` of a Feature's properties is no known thema (a missing
    or empty one is left to the schema)."""
    thema = properties.get("thema")
    if not isinstance(thema, str) or not thema:
        return []
    return check_themas(session, [thema], "properties.thema")


def filter_conditions(session: Session, f: OpgaveFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `f` on the opgave table; unknown gebied or thema is refused."""
    conditions: list[ColumnElement[bool]] = [LIVE]
    if f.gebied is not None:
        if gebieden_service.find_gebied(session, f.gebied) is None:
            raise InvalidInput(
                f"Gebied '{f.gebied}' bestaat niet.",
                [FieldError("gebied", "Onbekend gebied (id of slug).", "onbekend_gebied")],
            )
        conditions.append(
            gebieden_service.interior_intersects(
                Opgave.geom, gebieden_service.gebied_geom_expr(f.gebied)
            )
        )
    if f.themas:
        errors = check_themas(session, f.themas, "thema")
        if errors:
            raise InvalidInput("Onbekend thema in het filter.", errors)
        conditions.append(Opgave.thema.in_(f.themas))
    if f.status:
        conditions.append(Opgave.status.in_(f.status))
    if f.trekker:
        conditions.append(Opgave.trekker.in_(f.trekker))
    if f.horizon_tot is not None:
        conditions.append(Opgave.horizon <= f.horizon_tot)
    if f.horizon_vanaf is not None:
        conditions.append(Opgave.horizon >= f.horizon_vanaf)
    if f.area is not None:
        conditions.append(gebieden_service.interior_intersects(Opgave.geom, f.area))
    if f.buiten_gebieden is not None:
        meets = _meets_a_gebied()
        conditions.append(~meets if f.buiten_gebieden else meets)
    if f.bbox_rd is not None:
        conditions.append(
            func.ST_Intersects(Opgave.geom, func.ST_GeomFromWKB(f.bbox_rd.wkb, RD_NEW))
        )
    if f.where is not None:
        conditions.append(f.where)
    return conditions


def _meets_a_gebied() -> ColumnElement[bool]:
    """EXISTS: the opgave's interior meets a live gebied.

    Written as a join of the gebieden with another copy of the opgaven, so that PostgreSQL
    may start from the few gebieden and find the opgaven meeting them on the opgave's spatial
    index, then hash-(anti-)join on id. A plain EXISTS on the gebieden probes them once per
    opgave: at 100,000 opgaven 3x slower, and costed high enough to be JIT-compiled (+1 s).
    """
    other = aliased(Opgave)
    meeting = select(other.id).where(other.id == Opgave.id)
    return exists(gebieden_service.join_gebieden_meeting(meeting, other.geom))


def list_opgaven(
    session: Session, f: OpgaveFilter, limit: int = 100, offset: int = 0
) -> tuple[list[Opgave], int]:
    """Return a page of opgaven matching `f`, by titel, and how many match."""
    conditions = filter_conditions(session, f)
    matched = session.scalar(select(func.count()).select_from(Opgave).where(*conditions)) or 0
    rows = session.scalars(
        select(Opgave)
        .where(*conditions)
        .order_by(Opgave.titel, Opgave.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), matched


def geometries(session: Session, f: OpgaveFilter) -> list[tuple[uuid.UUID, str, bytes]]:
    """Return (id, thema, RD WKB) of the opgaven matching `f`, for analysis."""
    rows = session.execute(
        select(Opgave.id, Opgave.thema, func.ST_AsBinary(Opgave.geom))
        .where(*filter_conditions(session, f))
        .order_by(Opgave.id)
    ).all()
    return [(r[0], r[1], bytes(r[2])) for r in rows]


def gebieden_of(session: Session, opgave_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Return, per opgave, the slugs of the gebieden its interior meets."""
    if not opgave_ids:
        return {}
    items = select(Opgave.id, Opgave.geom).where(Opgave.id.in_(opgave_ids))
    found = gebieden_service.slugs_meeting(session, items)
    return {i: found.get(i, []) for i in opgave_ids}


def find_opgave(session: Session, key: str, deleted: bool = False) -> Opgave | None:
    """Return the opgave with this id (also a deleted one if `deleted`), or None."""
    try:
        opgave_id = uuid.UUID(key)
    except ValueError:
        return None
    opgave = session.get(Opgave, opgave_id)
    if opgave is None or (opgave.verwijderd_op is not None and not deleted):
        return None
    return opgave


def get_opgave(session: Session, key: str) -> Opgave:
    """Return the opgave with this id; raise OpgaveNotFound, or OpgaveDeleted (410)."""
    opgave = find_opgave(session, key, deleted=True)
    if opgave is None:
        raise OpgaveNotFound(key)
    if opgave.verwijderd_op is not None:
        raise OpgaveDeleted(key)
    return opgave


def _store(
    session: Session, opgave: Opgave, values: dict[str, Any], geom: MultiPolygon | None
) -> Opgave:
    for name, value in values.items():
        setattr(opgave, name, value)
    if geom is not None:
        opgave.geom = from_shape(geom, srid=RD_NEW)
    _flush(session, opgave)
    session.commit()
    return opgave


def _flush(session: Session, opgave: Opgave) -> None:
    """Write pending changes; a unique extern_id or a changed versie is reported, not raised."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if "uq_opgave_extern_id" in str(exc.orig):
            raise Conflict(
                f"Er is al een opgave met extern_id '{opgave.extern_id}'.",
                [FieldError("properties.extern_id", "Al in gebruik.", "bestaat_al")],
            ) from None
        raise
    except StaleDataError:
        session.rollback()
        raise PreconditionFailed(
            "De opgave is intussen door een ander gewijzigd of verwijderd; "
            "haal haar opnieuw op en breng uw wijziging opnieuw aan."
        ) from None


def create_opgave(session: Session, values: dict[str, Any], geom: MultiPolygon) -> Opgave:
    """Store a new opgave."""
    opgave = Opgave()
    session.add(opgave)
    return _store(session, opgave, values, geom)


def extern_ids_present(session: Session, extern_ids: Sequence[str]) -> set[str]:
    """Return those of `extern_ids` that an opgave already carries."""
    if not extern_ids:
        return set()
    found = session.scalars(select(Opgave.extern_id).where(Opgave.extern_id.in_(extern_ids), LIVE))
    return {e for e in found if e is not None}


def insert_opgaven(session: Session, rows: Sequence[tuple[dict[str, Any], MultiPolygon]]) -> None:
    """Add many new opgaven in one statement; the caller commits (or rolls back)."""
    if rows:
        session.execute(
            insert(Opgave),
            [
                {"id": uuid.uuid4(), **values, "geom": from_shape(geom, srid=RD_NEW)}
                for values, geom in rows
            ],
        )


def update_opgave(
    session: Session, opgave: Opgave, values: dict[str, Any], geom: MultiPolygon | None
) -> Opgave:
    """Change an opgave: `values` holds only the fields to set."""
    values = clear_nulls(values, REQUIRED, empty={"beschrijving": "", "bron": ""})
    return _store(session, opgave, values, geom)


def delete_opgave(session: Session, opgave: Opgave) -> None:
    """Delete softly: the opgave keeps everything and a beheerder can restore her."""
    opgave.verwijderd_op = datetime.now(UTC)
    _flush(session, opgave)
    session.commit()


def restore_opgave(session: Session, key: str) -> Opgave:
    """Undo the delete of an opgave; raise Conflict if she is not deleted."""
    opgave = find_opgave(session, key, deleted=True)
    if opgave is None:
        raise OpgaveNotFound(key)
    if opgave.verwijderd_op is None:
        raise Conflict(f"Opgave '{key}' is niet verwijderd.")
    opgave.verwijderd_op = None
    _flush(session, opgave)
    session.commit()
    return opgave


def opgave_shape(opgave: Opgave) -> MultiPolygon:
    """Return the opgave's RD geometry as a shapely MultiPolygon."""
    geom = to_shape(opgave.geom)
    assert isinstance(geom, MultiPolygon)
    return geom


def existing_extern_ids(session: Session) -> set[str]:
    """Return every extern_id in use, deleted opgaven included (the seed leaves those be)."""
    return set(session.scalars(select(Opgave.extern_id).where(Opgave.extern_id.is_not(None))))


def count(session: Session, f: OpgaveFilter) -> int:
    """Return how many opgaven match `f`."""
    conditions = filter_conditions(session, f)
    return session.scalar(select(func.count()).select_from(Opgave).where(*conditions)) or 0
