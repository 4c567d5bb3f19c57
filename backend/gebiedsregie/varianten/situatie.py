"""The opgaven of a situation: the register, or the register with a variant's changes applied.

One query, a UNION ALL of the register opgaven the variant leaves alone (an anti-join on the
variant's changes), its changed versions of register opgaven, and its own opgaven. Every
branch carries the filter and the gebied's interior test itself, so the register branch is
answered from the opgave table's spatial index as for the register alone.

The overlay is defined on the register's rows, so this module reads the opgave table; it
takes the register's conditions from the opgaven service, so both filter alike.
"""

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from shapely import MultiPolygon
from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.varianten.models import Variant, VariantOpgave, Wijziging

W = VariantOpgave
FIELDS = (
    "titel",
    "thema",
    "beschrijving",
    "trekker",
    "status",
    "horizon",
    "ruimtevraag_ha",
    "bron",
)


@dataclass(frozen=True)
class Effectief:
    """An opgave as a situation has it."""

    sleutel: uuid.UUID  # the register id, or the id of an opgave only in the variant
    wijziging: str | None  # None, gewijzigd, nieuw, or weggelaten (when asked for)
    titel: str
    thema: str
    beschrijving: str
    trekker: str
    status: str
    horizon: int | None
    ruimtevraag_ha: float | None
    bron: str
    extern_id: str | None
    register_versie: int | None  # the register versie shown, or the one the change was made on
    register_versie_nu: int | None  # the register opgave's versie now
    wijziging_versie: int | None  # the change's own versie (its ETag)
    aangemaakt_op: datetime
    gewijzigd_op: datetime
    geom: MultiPolygon  # RD


def _variant_conditions(flt: opgaven_service.OpgaveFilter) -> list[ColumnElement[bool]]:
    """The conditions of `flt` on a variant's own rows (those of the register: its service)."""
    if flt.buiten_gebieden is not None:
        raise ValueError("buiten_gebieden is no filter of a situation")
    conditions: list[ColumnElement[bool]] = []
    if flt.themas:
        conditions.append(W.thema.in_(flt.themas))
    if flt.status:
        conditions.append(W.status.in_(flt.status))
    if flt.trekker:
        conditions.append(W.trekker.in_(flt.trekker))
    if flt.horizon_tot is not None:
        conditions.append(W.horizon <= flt.horizon_tot)
    if flt.horizon_vanaf is not None:
        conditions.append(W.horizon >= flt.horizon_vanaf)
    if flt.gebied is not None:
        area = gebieden_service.gebied_geom_expr(flt.gebied)
        conditions.append(gebieden_service.interior_intersects(W.geom, area))
    if flt.area is not None:
        conditions.append(gebieden_service.interior_intersects(W.geom, flt.area))
    if flt.bbox_rd is not None:
        box = func.ST_GeomFromWKB(flt.bbox_rd.wkb, RD_NEW)
        conditions.append(func.ST_Intersects(W.geom, box))
    return conditions


def _in_gebied(gebied: Gebied, flt: opgaven_service.OpgaveFilter) -> opgaven_service.OpgaveFilter:
    """`flt` limited to the gebied's interior, unless it names an area of its own."""
    if flt.area is not None:
        return flt
    return dataclasses.replace(flt, area=gebieden_service.gebied_geom_expr(str(gebied.id)))


def _register_columns() -> list[Any]:
    return [
        Opgave.id.label("sleutel"),
        null().label("wijziging"),
        *(getattr(Opgave, name).label(name) for name in FIELDS),
        Opgave.extern_id.label("extern_id"),
        Opgave.versie.label("register_versie"),
        Opgave.versie.label("register_versie_nu"),
        null().label("wijziging_versie"),
        Opgave.aangemaakt_op.label("aangemaakt_op"),
        Opgave.gewijzigd_op.label("gewijzigd_op"),
        Opgave.geom.label("geom"),
    ]


def _left_out_columns() -> list[Any]:
    """A left-out opgave as the register has it, with its change's versie."""
    return [
        Opgave.id.label("sleutel"),
        literal(Wijziging.WEGGELATEN.value).label("wijziging"),
        *(getattr(Opgave, name).label(name) for name in FIELDS),
        Opgave.extern_id.label("extern_id"),
        W.register_versie.label("register_versie"),
        Opgave.versie.label("register_versie_nu"),
        W.versie.label("wijziging_versie"),
        Opgave.aangemaakt_op.label("aangemaakt_op"),
        Opgave.gewijzigd_op.label("gewijzigd_op"),
        Opgave.geom.label("geom"),
    ]


def _change_columns(wijziging: Wijziging) -> list[Any]:
    register = wijziging is not Wijziging.NIEUW
    return [
        W.sleutel.label("sleutel"),
        literal(wijziging.value).label("wijziging"),
        *(getattr(W, name).label(name) for name in FIELDS),
        (Opgave.extern_id if register else null()).label("extern_id"),
        W.register_versie.label("register_versie"),
        (Opgave.versie if register else null()).label("register_versie_nu"),
        W.versie.label("wijziging_versie"),
        W.aangemaakt_op.label("aangemaakt_op"),
        W.gewijzigd_op.label("gewijzigd_op"),
        W.geom.label("geom"),
    ]


def _branches(
    session: Session,
    variant_id: uuid.UUID | None,
    flt: opgaven_service.OpgaveFilter,
    weggelaten: bool,
) -> list[Select[Any]]:
    """The parts of the situation's UNION ALL, each filtered by `flt`."""
    register_conditions = opgaven_service.filter_conditions(session, flt)  # checks the themas
    if variant_id is None:
        return [select(*_register_columns()).where(*register_conditions)]
    own = W.variant_id == variant_id
    changed = exists().where(own, W.sleutel == Opgave.id)
    branches = [
        select(*_register_columns()).where(*register_conditions, ~changed),
        select(*_change_columns(Wijziging.GEWIJZIGD))
        .join(Opgave, and_(Opgave.id == W.opgave_id, opgaven_service.LIVE))
        .where(own, W.soort == Wijziging.GEWIJZIGD.value, *_variant_conditions(flt)),
        select(*_change_columns(Wijziging.NIEUW)).where(
            own, W.soort == Wijziging.NIEUW.value, *_variant_conditions(flt)
        ),
    ]
    if weggelaten:
        branches.append(
            select(*_left_out_columns())
            .select_from(W)
            .join(Opgave, Opgave.id == W.opgave_id)
            .where(own, W.soort == Wijziging.WEGGELATEN.value, *register_conditions)
        )
    return branches


def subquery(
    session: Session,
    gebied: Gebied,
    variant_id: uuid.UUID | None,
    flt: opgaven_service.OpgaveFilter,
    weggelaten: bool = False,
) -> Any:
    """Return the opgaven of a situation in `gebied` that `flt` lets through as a subquery,
    with the columns of `Effectief` (`geom` as stored): the register when `variant_id` is
    None, else that variant (the set `opgaven_van` reads); with `weggelaten`, also the
    opgaven the variant leaves out."""
    if variant_id is not None:
        _check_variant(session, gebied, variant_id)
    branches = _branches(session, variant_id, _in_gebied(gebied, flt), weggelaten)
    return union_all(*branches).subquery("situatie")


def _check_variant(session: Session, gebied: Gebied, variant_id: uuid.UUID) -> None:
    variant = session.get(Variant, variant_id)
    if variant is None or variant.verwijderd_op is not None or variant.gebied_id != gebied.id:
        raise InvalidInput(
            f"Variant '{variant_id}' bestaat niet in gebied '{gebied.slug}'.",
            [FieldError("variant", "Onbekende variant van dit gebied.", "onbekende_variant")],
        )


def opgaven_van(
    session: Session,
    gebied: Gebied,
    variant_id: uuid.UUID | None,
    flt: opgaven_service.OpgaveFilter,
) -> list[tuple[uuid.UUID, str, bytes]]:
    """Return (key, thema, RD WKB) of the opgaven of a situation in `gebied`, by key.

    The situation is the register when `variant_id` is None, else that variant of `gebied`
    (another gebied's variant is refused, 400 naming `variant`). The opgaven are those
    matching `flt` whose interior meets the gebied's (or `flt.area`'s, when set). The key of
    an opgave only in the variant is its own id, which no register opgave has.
    """
    if variant_id is None and flt.area is not None:
        return opgaven_service.geometries(session, flt)
    sub = subquery(session, gebied, variant_id, flt)
    rows = session.execute(
        select(sub.c.sleutel, sub.c.thema, func.ST_AsBinary(sub.c.geom)).order_by(sub.c.sleutel)
    ).all()
    return [(r[0], r[1], bytes(r[2])) for r in rows]


def tel_opgaven_van(
    session: Session,
    gebied: Gebied,
    variant_id: uuid.UUID | None,
    flt: opgaven_service.OpgaveFilter,
) -> int:
    """Return how many opgaven `opgaven_van` would return."""
    sub = subquery(session, gebied, variant_id, flt)
    return session.scalar(select(func.count()).select_from(sub)) or 0


def list_effectief(
    session: Session,
    variant: Variant,
    gebied: Gebied,
    flt: opgaven_service.OpgaveFilter,
    limit: int,
    offset: int,
    weggelaten: bool = False,
) -> tuple[list[Effectief], int]:
    """Return a page of the variant's opgaven in its gebied, by titel, and how many match;
    with `weggelaten`, the opgaven it leaves out too."""
    sub = subquery(session, gebied, variant.id, flt, weggelaten)
    matched = session.scalar(select(func.count()).select_from(sub)) or 0
    columns = [c for c in sub.c if c.name != "geom"]
    rows = session.execute(
        select(*columns, func.ST_AsBinary(sub.c.geom).label("wkb"))
        .order_by(sub.c.titel, sub.c.sleutel)
        .limit(limit)
        .offset(offset)
    ).all()
    return [_effectief(row._mapping) for row in rows], matched


def effectief(session: Session, variant: Variant, sleutel: uuid.UUID) -> Effectief | None:
    """Return one opgave as the variant has it, wherever it lies (None: not in the variant)."""
    flt = opgaven_service.OpgaveFilter()
    branches = _branches(session, variant.id, flt, weggelaten=True)
    sub = union_all(*branches).subquery("situatie")
    columns = [c for c in sub.c if c.name != "geom"]
    row = session.execute(
        select(*columns, func.ST_AsBinary(sub.c.geom).label("wkb")).where(sub.c.sleutel == sleutel)
    ).one_or_none()
    return _effectief(row._mapping) if row is not None else None


def _effectief(values: Any) -> Effectief:
    data = {k: v for k, v in values.items() if k != "wkb"}
    geom = shapely.from_wkb(bytes(values["wkb"]))
    assert isinstance(geom, MultiPolygon)
    return Effectief(**data, geom=geom)
