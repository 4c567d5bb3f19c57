"""Queries and transactions of variants and their changes, with who may change what when."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gebiedsregie.auth.models import Rol
from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.historie import service as historie_service
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.varianten.models import (
    BEWERKBAAR,
    Variant,
    VariantOpgave,
    VariantStatus,
    Wijziging,
)

LIVE = Variant.verwijderd_op.is_(None)


class VariantNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"Variant '{key}' bestaat niet.")


class VariantDeleted(Gone):
    def __init__(self, key: str) -> None:
        super().__init__(f"Variant '{key}' is verwijderd; zie /api/v1/varianten/{key}/historie.")


class WijzigingNotFound(NotFound):
    def __init__(self, variant: Variant, key: str) -> None:
        super().__init__(f"Variant '{variant.naam}' heeft geen wijziging van opgave '{key}'.")


def _uuid(key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def find_variant(session: Session, key: str, deleted: bool = False) -> Variant | None:
    """Return the variant with this id (also a deleted one if `deleted`), or None."""
    variant_id = _uuid(key)
    variant = session.get(Variant, variant_id) if variant_id is not None else None
    if variant is None or (variant.verwijderd_op is not None and not deleted):
        return None
    return variant


def get_variant(session: Session, key: str) -> Variant:
    """Return the variant with this id; raise VariantNotFound, or VariantDeleted (410)."""
    variant = find_variant(session, key, deleted=True)
    if variant is None:
        raise VariantNotFound(key)
    if variant.verwijderd_op is not None:
        raise VariantDeleted(key)
    return variant


def list_varianten(
    session: Session, gebied: Gebied, limit: int, offset: int
) -> tuple[list[Variant], int]:
    """Return a page of the gebied's variants, by naam, and how many there are."""
    condition = (Variant.gebied_id == gebied.id) & LIVE
    matched = session.scalar(select(func.count()).select_from(Variant).where(condition)) or 0
    rows = session.scalars(
        select(Variant)
        .where(condition)
        .order_by(Variant.naam, Variant.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), matched


def aantallen(
    session: Session, variant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Return, per variant, how many opgaven it leaves out, changes, and adds."""
    result = {v: {w.value: 0 for w in Wijziging} for v in variant_ids}
    if variant_ids:
        rows = session.execute(
            select(VariantOpgave.variant_id, VariantOpgave.soort, func.count())
            .where(VariantOpgave.variant_id.in_(variant_ids))
            .group_by(VariantOpgave.variant_id, VariantOpgave.soort)
        ).all()
        for variant_id, soort, count in rows:
            result[variant_id][soort] = count
    return result


def gebied_of(session: Session, variant: Variant) -> Gebied:
    gebied = session.get(Gebied, variant.gebied_id)
    assert gebied is not None  # a foreign key, deleted with cascade
    return gebied


def _flush(session: Session) -> None:
    """Write pending changes; a versie changed meanwhile is reported, not raised."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise PreconditionFailed(
            "De variant is intussen door een ander gewijzigd of verwijderd; haal haar opnieuw "
            "op en breng uw wijziging opnieuw aan."
        ) from None


def create_variant(
    session: Session,
    gebied: Gebied,
    values: dict[str, Any],
    auteur: str,
    auteur_id: uuid.UUID | None,
) -> Variant:
    """Store a new variant of `gebied` (status concept)."""
    variant = Variant(
        gebied_id=gebied.id,
        historie_stand=historie_service.stand(session),
        status=VariantStatus.CONCEPT.value,
        auteur=auteur,
        auteur_id=auteur_id,
        **values,
    )
    session.add(variant)
    _flush(session)
    session.commit()
    return variant


def _read_only(variant: Variant) -> Conflict:
    return Conflict(
        f"Variant '{variant.naam}' is {variant.status} en kan niet meer worden bewerkt; een "
        "beheerder kan de status terugzetten naar concept.",
        [FieldError("status", f"Is {variant.status}.", "alleen_lezen")],
    )


def check_status_change(variant: Variant, status: str, rol: Rol) -> None:
    """Refuse a status change that `rol` may not make on this variant now."""
    if variant.doorgevoerd_op is not None:
        raise Conflict(
            f"Variant '{variant.naam}' is doorgevoerd; haar status ligt vast.",
            [FieldError("status", "De variant is doorgevoerd.", "doorgevoerd")],
        )
    if rol.mag(Rol.BEHEERDER):
        return
    if variant.status not in BEWERKBAAR:
        raise Forbidden(
            f"Variant '{variant.naam}' is {variant.status}: alleen een beheerder wijzigt haar "
            "status nog."
        )
    if status == VariantStatus.VASTGESTELD:
        raise Forbidden("Alleen een beheerder stelt een variant vast.")


def update_variant(session: Session, variant: Variant, values: dict[str, Any], rol: Rol) -> Variant:
    """Change naam, beschrijving or status (`values` holds only what to set)."""
    required = [
        FieldError(n, "Mag niet leeg (null) zijn.", "verplicht") for n in ("naam", "status")
    ]
    if errors := [e for e in required if e.name in values and values[e.name] is None]:
        raise InvalidInput("Verplicht veld leeggemaakt.", errors)
    values = {k: ("" if k == "beschrijving" and v is None else v) for k, v in values.items()}
    status = values.get("status")
    if status is not None and status != variant.status:
        check_status_change(variant, status, rol)
    elif "status" in values:
        values.pop("status")
    # Naam and beschrijving change only in a variant that may be edited, before or after
    # this change (a beheerder may reopen a variant and rename it at once).
    others = {k: v for k, v in values.items() if k != "status"}
    bewerkbaar = variant.status in BEWERKBAAR or values.get("status") in BEWERKBAAR
    if any(getattr(variant, k) != v for k, v in others.items()) and not bewerkbaar:
        raise _read_only(variant)
    for name, value in values.items():
        setattr(variant, name, value)
    _flush(session)
    session.commit()
    return variant


def delete_variant(session: Session, variant: Variant) -> None:
    """Delete softly, as the register does; only while the variant may be edited."""
    if variant.status not in BEWERKBAAR:
        raise _read_only(variant)
    variant.verwijderd_op = datetime.now(UTC)
    _flush(session)
    session.commit()


def lock_bewerkbaar(session: Session, key: str) -> Variant:
    """Return the variant locked for this transaction, if its changes may be edited now.

    The lock makes an edit of its changes and a change of its status take turns, so no change
    slips into a variant as it is being vastgesteld.
    """
    get_variant(session, key)  # 404 or 410
    variant = session.scalars(
        select(Variant)
        .where(Variant.id == uuid.UUID(key))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if variant.verwijderd_op is not None:
        raise VariantDeleted(key)
    if variant.status not in BEWERKBAAR:
        raise _read_only(variant)
    return variant


def list_wijzigingen(session: Session, variant: Variant) -> list[VariantOpgave]:
    """Return the variant's changes, oldest first."""
    return list(
        session.scalars(
            select(VariantOpgave)
            .where(VariantOpgave.variant_id == variant.id)
            .order_by(VariantOpgave.aangemaakt_op, VariantOpgave.id)
        )
    )


def wijzigingen_met_titel(session: Session, variant: Variant) -> list[tuple[VariantOpgave, str]]:
    """Return the variant's changes, oldest first, each with its titel (of a left-out
    opgave: the register's)."""
    rows = session.execute(
        select(VariantOpgave, Opgave.titel)
        .outerjoin(Opgave, Opgave.id == VariantOpgave.opgave_id)
        .where(VariantOpgave.variant_id == variant.id)
        .order_by(VariantOpgave.aangemaakt_op, VariantOpgave.id)
    ).all()
    return [(row, row.titel or register_titel or "") for row, register_titel in rows]


def find_wijziging(session: Session, variant: Variant, sleutel: uuid.UUID) -> VariantOpgave | None:
    """Return the variant's change of the opgave with this key, or None."""
    return session.scalars(
        select(VariantOpgave).where(
            VariantOpgave.variant_id == variant.id, VariantOpgave.sleutel == sleutel
        )
    ).one_or_none()


def _set_fields(
    row: VariantOpgave, values: dict[str, Any] | None, geom: MultiPolygon | None
) -> None:
    """Set the variant's version of an opgave; None (left out) clears every field."""
    for name in ("titel", "thema", "beschrijving", "trekker", "status", "horizon"):
        setattr(row, name, None if values is None else values[name])
    row.ruimtevraag_ha = None if values is None else values["ruimtevraag_ha"]
    row.bron = None if values is None else values["bron"]
    row.geom = from_shape(geom, srid=RD_NEW) if geom is not None else None


def put_wijziging(
    session: Session,
    variant: Variant,
    opgave: Opgave,
    current: VariantOpgave | None,
    values: dict[str, Any] | None,
    geom: MultiPolygon | None,
) -> VariantOpgave:
    """Set the variant's version of a register opgave, or leave it out (`values` None).

    The register opgave's versie now is recorded with it: doorvoeren checks against it, and
    the variant shows what the register changed since.
    """
    row = current or VariantOpgave(
        id=uuid.uuid4(), variant_id=variant.id, opgave_id=opgave.id, sleutel=opgave.id
    )
    row.soort = (Wijziging.WEGGELATEN if values is None else Wijziging.GEWIJZIGD).value
    row.register_versie = opgave.versie
    _set_fields(row, values, geom)
    session.add(row)
    _flush(session)
    session.commit()
    return row


def put_nieuw(
    session: Session, row: VariantOpgave, values: dict[str, Any], geom: MultiPolygon
) -> VariantOpgave:
    """Replace an opgave that exists only in the variant."""
    _set_fields(row, values, geom)
    _flush(session)
    session.commit()
    return row


def create_nieuw(
    session: Session, variant: Variant, values: dict[str, Any], geom: MultiPolygon
) -> VariantOpgave:
    """Add an opgave that exists only in the variant; its id is its key."""
    row_id = uuid.uuid4()
    row = VariantOpgave(
        id=row_id, variant_id=variant.id, soort=Wijziging.NIEUW.value, sleutel=row_id
    )
    _set_fields(row, values, geom)
    session.add(row)
    _flush(session)
    session.commit()
    return row


def delete_wijziging(session: Session, row: VariantOpgave) -> None:
    """Undo a change: the register's opgave shows again (a variant-only opgave is gone)."""
    session.delete(row)
    _flush(session)
    session.commit()


def wijziging_shape(row: VariantOpgave) -> MultiPolygon | None:
    if row.geom is None:
        return None
    geom = to_shape(row.geom)
    assert isinstance(geom, MultiPolygon)
    return geom
