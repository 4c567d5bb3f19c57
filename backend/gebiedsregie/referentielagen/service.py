"""Queries and transactions of referentielagen and their objecten."""

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import shapely
from shapely import MultiPolygon
from sqlalchemy import ColumnElement, and_, delete, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
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
from gebiedsregie.referentielagen.models import Referentielaag, Referentieobject

LIVE = Referentielaag.verwijderd_op.is_(None)
REQUIRED = ("slug", "naam", "soort", "kleur")
EMPTY: dict[str, Any] = {"omschrijving": "", "bron": "", "licentie": "", "peildatum": None}
# COPY is the cheap way in for many large shapes (the seed's Natura 2000: 500,000 vertices).
COPY_OBJECTEN = "COPY referentieobject (laag_id, extern_id, naam, eigenschappen, geom) FROM STDIN"


class LaagNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"Referentielaag '{key}' bestaat niet.")


class LaagDeleted(Gone):
    def __init__(self, key: str) -> None:
        super().__init__(f"Referentielaag '{key}' is verwijderd.")


@dataclass(frozen=True)
class NieuwObject:
    """An object for a laag: its RD shape (valid, on the storage grid) and attributes."""

    geom: MultiPolygon
    naam: str = ""
    extern_id: str | None = None
    eigenschappen: dict[str, Any] = field(default_factory=dict)  # JSON-safe

    @cached_property
    def ewkb(self) -> str:
        """The shape as PostGIS reads it in a COPY (hex EWKB with its SRID); kept, so a
        seed of the same objecten into another database does not write it again."""
        return str(shapely.to_wkb(shapely.set_srid(self.geom, RD_NEW), hex=True, include_srid=True))


def _parse_uuid(key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def find_laag(session: Session, key: str, deleted: bool = False) -> Referentielaag | None:
    """Return the laag with this id or slug, or None; with `deleted`, a deleted one too
    (by slug: the one deleted last)."""
    as_uuid = _parse_uuid(key)
    if as_uuid is None and "\x00" in key:
        return None  # no slug holds NUL, and PostgreSQL cannot compare text with it
    condition = Referentielaag.id == as_uuid if as_uuid else Referentielaag.slug == key
    query = select(Referentielaag).where(condition)
    if not deleted:
        return session.scalars(query.where(LIVE)).one_or_none()
    order = Referentielaag.verwijderd_op.desc().nulls_first()
    return session.scalars(query.order_by(order).limit(1)).one_or_none()


def get_laag(session: Session, key: str) -> Referentielaag:
    """Return the live laag with this id or slug; raise LaagNotFound, or LaagDeleted (410)."""
    laag = find_laag(session, key, deleted=True)
    if laag is None:
        raise LaagNotFound(key)
    if laag.verwijderd_op is not None:
        raise LaagDeleted(key)
    return laag


def list_lagen(session: Session, soort: str | None = None) -> list[Referentielaag]:
    """Return the live lagen (of `soort`), sturende first, then by naam."""
    condition = and_(LIVE, Referentielaag.soort == soort if soort else true())
    order = (Referentielaag.soort.desc(), Referentielaag.naam, Referentielaag.id)
    return list(session.scalars(select(Referentielaag).where(condition).order_by(*order)))


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"Er is al een referentielaag met slug '{slug}'.",
        [FieldError("slug", "Deze slug is al in gebruik.", "bestaat_al")],
    )


def _check_slug_free(session: Session, slug: str, own_id: uuid.UUID | None = None) -> None:
    other = session.scalar(select(Referentielaag.id).where(Referentielaag.slug == slug, LIVE))
    if other is not None and other != own_id:
        raise _slug_taken(slug)


def _flush(session: Session, laag: Referentielaag, commit: bool = True) -> Referentielaag:
    """Write (and commit); a taken slug or a changed versie is reported, not raised."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if "uq_referentielaag_slug" in str(exc.orig):
            raise _slug_taken(laag.slug) from None
        raise
    except StaleDataError:
        session.rollback()
        raise PreconditionFailed(
            "De referentielaag is intussen door een ander gewijzigd of verwijderd; haal haar "
            "opnieuw op en breng uw wijziging opnieuw aan."
        ) from None
    if commit:
        session.commit()
    return laag


def create_laag(session: Session, values: dict[str, Any], commit: bool = True) -> Referentielaag:
    """Store a new laag (without objecten); its slug is derived from its naam if not given.
    Without `commit` it stays in the session's transaction (an import that makes its laag)."""
    values = {k: v for k, v in values.items() if v is not None}
    if "slug" in values:
        _check_slug_free(session, values["slug"])
    else:
        base = gebieden_service.slugify(values["naam"])
        taken = set(session.scalars(select(Referentielaag.slug).where(LIVE)))
        slug, n = base, 2
        while slug in taken:
            slug = f"{base[:75]}-{n}"
            n += 1
        values["slug"] = slug
    laag = Referentielaag(**values)
    session.add(laag)
    return _flush(session, laag, commit)


def update_laag(
    session: Session, laag: Referentielaag, values: dict[str, Any], commit: bool = True
) -> Referentielaag:
    """Change a laag's metadata: `values` holds only the fields to set (null clears)."""
    if values.get("slug") is not None:
        _check_slug_free(session, values["slug"], laag.id)
    emptied = [name for name in REQUIRED if name in values and values[name] is None]
    if emptied:
        raise InvalidInput(
            "Verplicht veld leeggemaakt.",
            [FieldError(name, "Mag niet leeg (null) zijn.", "verplicht") for name in emptied],
        )
    values = {k: EMPTY.get(k) if v is None else v for k, v in values.items()}
    for name, value in values.items():
        setattr(laag, name, value)
    return _flush(session, laag, commit)


def delete_laag(session: Session, laag: Referentielaag) -> None:
    """Delete softly: the laag keeps its objecten, and its slug is free again."""
    laag.verwijderd_op = datetime.now(UTC)
    _flush(session, laag)


def begin_replace(session: Session, laag: Referentielaag) -> None:
    """Start replacing the laag's objecten, in the session's transaction (not committed):
    lock the laag (a concurrent import waits, then replaces what this one stored) and
    delete its objecten."""
    session.refresh(laag, with_for_update=True)
    session.execute(delete(Referentieobject).where(Referentieobject.laag_id == laag.id))


def add_objecten(session: Session, laag: Referentielaag, objecten: Sequence[NieuwObject]) -> int:
    """Write objecten to the laag (not committed); return how many."""
    if not objecten:
        return 0
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(COPY_OBJECTEN) as copy:
        for obj in objecten:
            eigenschappen = json.dumps(obj.eigenschappen, ensure_ascii=False, allow_nan=False)
            copy.write_row((laag.id, obj.extern_id, obj.naam, eigenschappen, obj.ewkb))
    return len(objecten)


def finish_replace(session: Session, laag: Referentielaag) -> Referentielaag:
    """Record the new objecten in the laag's row (aantal_objecten; a new versie, and so an
    entry in the audit trail), not committed."""
    laag.aantal_objecten = (
        session.scalar(
            select(func.count())
            .select_from(Referentieobject)
            .where(Referentieobject.laag_id == laag.id)
        )
        or 0
    )
    laag.gewijzigd_op = datetime.now(UTC)  # an UPDATE even when the count stays the same
    return _flush(session, laag, commit=False)


def replace_objecten(
    session: Session, laag: Referentielaag, batches: Iterable[Sequence[NieuwObject]]
) -> Referentielaag:
    """Replace the laag's objecten with those of `batches`, in one transaction."""
    try:
        begin_replace(session, laag)
        for batch in batches:
            add_objecten(session, laag, batch)
        finish_replace(session, laag)
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return laag


def list_objecten(
    session: Session,
    laag: Referentielaag,
    limit: int,
    offset: int,
    bbox_rd: shapely.Polygon | None = None,
    where: ColumnElement[bool] | None = None,
) -> tuple[list[tuple[Referentieobject, MultiPolygon]], int]:
    """Return a page of the laag's objecten (by naam), each with its RD shape, and how many
    match (`bbox_rd`: those meeting it; `where`: one more condition on their table)."""
    condition = and_(
        Referentieobject.laag_id == laag.id,
        where if where is not None else true(),
        func.ST_Intersects(Referentieobject.geom, func.ST_GeomFromWKB(bbox_rd.wkb, RD_NEW))
        if bbox_rd is not None
        else true(),
    )
    matched = session.scalar(select(func.count()).select_from(Referentieobject).where(condition))
    rows = session.execute(
        select(Referentieobject, func.ST_AsBinary(Referentieobject.geom))
        .where(condition)
        .order_by(Referentieobject.naam, Referentieobject.id)
        .limit(limit)
        .offset(offset)
    ).all()
    shapes = shapely.from_wkb([bytes(wkb) for _, wkb in rows]) if rows else []
    return [(obj, shape) for (obj, _), shape in zip(rows, shapes, strict=True)], matched or 0


def eigenschap_typen(session: Session, laag: Referentielaag) -> dict[str, set[str]]:
    """Return the source attributes the laag's objecten carry, each with the JSON types
    (jsonb_typeof: string, number, boolean, null, array, object) its values have."""
    each = func.jsonb_each(Referentieobject.eigenschappen).table_valued("key", "value").lateral()
    rows = session.execute(
        select(each.c.key, func.jsonb_typeof(each.c.value))
        .select_from(Referentieobject)
        .join(each, true())
        .where(Referentieobject.laag_id == laag.id)
        .distinct()
    ).all()
    result: dict[str, set[str]] = {}
    for key, soort in rows:
        result.setdefault(key, set()).add(soort)
    return result


def union_binnen(
    session: Session, lagen: Sequence[Referentielaag], geom_rd: MultiPolygon
) -> MultiPolygon:
    """Return the union of the lagen's objecten inside an RD geometry (computed in PostGIS;
    empty when none meets it): the ground the lagen cover there, overlaps counted once."""
    if not lagen:
        return MultiPolygon()
    shape = func.ST_GeomFromWKB(geom_rd.wkb, RD_NEW)
    # Clipped first, then joined: the union of whole lagen is the cost (Food Valley meets the
    # Veluwe and the Rijntakken, 150,000 vertices: 2.9 s, this way 0.5 s).
    binnen = func.ST_Union(func.ST_Intersection(Referentieobject.geom, shape))
    wkb = session.scalar(
        select(func.ST_AsBinary(func.ST_CollectionExtract(binnen, 3))).where(
            Referentieobject.laag_id.in_([laag.id for laag in lagen]),
            func.ST_Intersects(Referentieobject.geom, shape),
        )
    )
    if wkb is None:
        return MultiPolygon()
    found = shapely.from_wkb(bytes(wkb))
    return (
        found if isinstance(found, MultiPolygon) else MultiPolygon(list(shapely.get_parts(found)))
    )


def find_object(
    session: Session, laag: Referentielaag, key: str
) -> tuple[Referentieobject, MultiPolygon] | None:
    """Return the laag's object with this id and its RD shape, or None."""
    object_id = _parse_uuid(key)
    if object_id is None:
        return None
    row = session.execute(
        select(Referentieobject, func.ST_AsBinary(Referentieobject.geom)).where(
            Referentieobject.id == object_id, Referentieobject.laag_id == laag.id
        )
    ).one_or_none()
    if row is None:
        return None
    obj, wkb = row
    return obj, shapely.from_wkb(bytes(wkb))


def extent_rd(session: Session, laag: Referentielaag) -> tuple[float, float, float, float] | None:
    """Return the RD bounds of the laag's objecten, or None when it has none."""
    bounds = session.execute(
        select(
            func.ST_XMin(func.ST_Extent(Referentieobject.geom)),
            func.ST_YMin(func.ST_Extent(Referentieobject.geom)),
            func.ST_XMax(func.ST_Extent(Referentieobject.geom)),
            func.ST_YMax(func.ST_Extent(Referentieobject.geom)),
        ).where(Referentieobject.laag_id == laag.id)
    ).one()
    return None if bounds[0] is None else (bounds[0], bounds[1], bounds[2], bounds[3])


def _binnen(geom_rd: MultiPolygon) -> Any:
    """The objecten whose interior meets an RD geometry (not those touching its edge)."""
    shape = func.ST_GeomFromWKB(geom_rd.wkb, RD_NEW)
    return and_(
        func.ST_Intersects(Referentieobject.geom, shape),
        func.ST_Relate(Referentieobject.geom, shape, "T********"),
    )


def count_binnen(session: Session, laag: Referentielaag, geom_rd: MultiPolygon) -> int:
    """Return how many of the laag's objecten have their interior meet an RD geometry."""
    found = session.scalar(
        select(func.count())
        .select_from(Referentieobject)
        .where(Referentieobject.laag_id == laag.id, _binnen(geom_rd))
    )
    return found or 0


def objecten_binnen(
    session: Session, laag: Referentielaag, geom_rd: MultiPolygon
) -> list[tuple[Referentieobject, MultiPolygon]]:
    """Return the laag's objecten whose interior meets an RD geometry, each cut to it
    (clipped in PostGIS, the polygonal part; by naam): what an export of a gebied holds."""
    shape = func.ST_GeomFromWKB(geom_rd.wkb, RD_NEW)
    deel = func.ST_CollectionExtract(func.ST_Intersection(Referentieobject.geom, shape), 3)
    rows = session.execute(
        select(Referentieobject, func.ST_AsBinary(deel))
        .where(Referentieobject.laag_id == laag.id, _binnen(geom_rd))
        .order_by(Referentieobject.naam, Referentieobject.id)
    ).all()
    found = []
    for obj, wkb in rows:
        part = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        if part is None or part.is_empty:
            continue  # not to be expected: the interiors meet
        multi = (
            part if isinstance(part, MultiPolygon) else MultiPolygon(list(shapely.get_parts(part)))
        )
        found.append((obj, multi))
    return found


def vlakke_eigenschappen(
    obj: Referentieobject, vast: dict[str, Any] | None = None, bezet: Iterable[str] = ()
) -> dict[str, Any]:
    """Return an object's properties for GIS clients (OGC API, GeoPackage): `vast` (naam and
    extern_id unless given), then the source's attributes as properties of their own. A
    source attribute named as one of `vast` is left out when it holds the same value, else
    kept as `bron_<name>`, as is one named in `bezet` (names are compared ignoring case)."""
    vast = {"naam": obj.naam, "extern_id": obj.extern_id} if vast is None else vast
    result: dict[str, Any] = dict(vast)
    taken = {k.lower() for k in vast} | {k.lower() for k in bezet}
    for key, value in obj.eigenschappen.items():
        if key.lower() in taken:
            if key.lower() in vast and str(vast[key.lower()]) == str(value):
                continue
            key = f"bron_{key}"
            if key.lower() in taken:
                continue
        taken.add(key.lower())
        result[key] = value
    return result
