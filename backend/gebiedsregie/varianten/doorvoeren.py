"""Doorvoeren: apply a vastgesteld variant to the register, all of it or nothing.

In one transaction: the variant is locked, then every register opgave it touches (in id
order, so two applications cannot deadlock), and each must still have the versie recorded
with its change. If any changed or was deleted meanwhile, nothing is written and the answer
names them (412). Otherwise the variant's own opgaven become register opgaven with the same
id, changed ones take the variant's version, left-out ones are deleted softly (as the
register deletes), and the variant records when and by whom. The register's audit trigger
records every edit with the beheerder as `door`, as any edit of the register.

The register rows are changed here through the ORM, not the opgaven service: its writes
commit one opgave at a time, and this must be one transaction.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gebiedsregie.errors import Conflict, FieldError, PreconditionFailed
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.varianten import service
from gebiedsregie.varianten.models import Variant, VariantOpgave, VariantStatus, Wijziging

VELDEN = (
    "titel",
    "thema",
    "beschrijving",
    "trekker",
    "status",
    "horizon",
    "ruimtevraag_ha",
    "bron",
)


@dataclass
class Doorgevoerd:
    """What doorvoeren did to the register: opgave ids."""

    aangemaakt: list[uuid.UUID] = field(default_factory=list)
    gewijzigd: list[uuid.UUID] = field(default_factory=list)
    verwijderd: list[uuid.UUID] = field(default_factory=list)


def _lock(session: Session, variant: Variant) -> Variant:
    """Lock the variant's row; refuse if it changed since the caller read it."""
    read = variant.versie
    locked = session.scalars(
        select(Variant)
        .where(Variant.id == variant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.versie != read or locked.verwijderd_op is not None:
        session.rollback()
        raise PreconditionFailed(
            f"Variant '{locked.naam}' is intussen gewijzigd; haal haar opnieuw op.",
            [FieldError("If-Match", f'Verwacht "{locked.versie}".', "verouderd")],
        )
    return locked


def _check_variant(variant: Variant) -> None:
    if variant.doorgevoerd_op is not None:
        raise Conflict(
            f"Variant '{variant.naam}' is al doorgevoerd op {variant.doorgevoerd_op:%Y-%m-%d}.",
            [FieldError("status", "Al doorgevoerd.", "doorgevoerd")],
        )
    if variant.status != VariantStatus.VASTGESTELD:
        raise Conflict(
            f"Variant '{variant.naam}' is {variant.status}; alleen een vastgestelde variant "
            "wordt doorgevoerd.",
            [FieldError("status", "Moet vastgesteld zijn.", "niet_vastgesteld")],
        )


def _stale(rows: list[VariantOpgave], opgaven: dict[uuid.UUID, Opgave]) -> list[FieldError]:
    """An error per change whose register opgave changed or went since it was made."""
    errors = []
    for row in rows:
        if row.opgave_id is None:
            continue
        opgave = opgaven.get(row.opgave_id)
        if opgave is None or opgave.verwijderd_op is not None:
            titel = opgave.titel if opgave is not None else str(row.opgave_id)
            reason = f"'{titel}' is intussen uit het register verwijderd."
        elif opgave.versie != row.register_versie:
            reason = (
                f"'{opgave.titel}' is intussen gewijzigd in het register: versie "
                f"{opgave.versie}, de variant ging uit van versie {row.register_versie}."
            )
        else:
            continue
        errors.append(FieldError(f"opgaven.{row.opgave_id}", reason, "intussen_gewijzigd"))
    return errors


def doorvoeren(
    session: Session, variant: Variant, door: str, door_id: uuid.UUID | None
) -> Doorgevoerd:
    """Apply a vastgesteld variant to the register; see the module doc. The caller checked
    If-Match against `variant.versie`."""
    variant = _lock(session, variant)
    _check_variant(variant)
    rows = service.list_wijzigingen(session, variant)
    register_ids = sorted({r.opgave_id for r in rows if r.opgave_id is not None})
    opgaven = {
        o.id: o
        for o in session.scalars(
            select(Opgave)
            .where(Opgave.id.in_(register_ids))
            .order_by(Opgave.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    stale = _stale(rows, opgaven)
    if stale:
        session.rollback()
        raise PreconditionFailed(
            f"{len(stale)} opgave(n) van variant '{variant.naam}' zijn intussen in het register "
            "gewijzigd of verwijderd; er is niets doorgevoerd. Werk de variant bij (een "
            "beheerder zet haar terug naar concept) en stel haar opnieuw vast.",
            stale,
        )
    done = _apply(session, rows, opgaven)
    variant.doorgevoerd_op = datetime.now(UTC)
    variant.doorgevoerd_door = door
    variant.doorgevoerd_door_id = door_id
    try:
        session.flush()
    except StaleDataError:  # cannot happen under the locks; refused, never half-applied
        session.rollback()
        raise PreconditionFailed("Intussen gewijzigd; er is niets doorgevoerd.") from None
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "De variant past niet meer op het register; er is niets doorgevoerd."
        ) from None
    session.commit()
    return done


def _apply(
    session: Session, rows: list[VariantOpgave], opgaven: dict[uuid.UUID, Opgave]
) -> Doorgevoerd:
    done = Doorgevoerd()
    now = datetime.now(UTC)
    for row in rows:
        if row.soort == Wijziging.NIEUW:
            opgave = Opgave(id=row.id, geom=row.geom, **{n: getattr(row, n) for n in VELDEN})
            session.add(opgave)
            done.aangemaakt.append(row.id)
            continue
        assert row.opgave_id is not None
        opgave = opgaven[row.opgave_id]
        if row.soort == Wijziging.WEGGELATEN:
            opgave.verwijderd_op = now
            done.verwijderd.append(opgave.id)
        else:
            for name in VELDEN:
                setattr(opgave, name, getattr(row, name))
            opgave.geom = row.geom  # type: ignore[assignment]
            done.gewijzigd.append(opgave.id)
    return done
