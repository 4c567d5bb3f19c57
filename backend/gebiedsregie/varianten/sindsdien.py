"""What changed in the register since a variant was made, and since each of its changes.

A variant follows the register wherever it did not change an opgave, and keeps its own
version where it did. Both are worth a word to whoever reads the variant: the first shows
register edits the variant took over without anyone deciding so, the second register edits
that its own version now hides (and that doorvoeren would refuse, 412).

The register's state at a moment comes from the audit trail (`historie`, written by trigger
for every edit): the state a change was made on is the entry of the recorded versie; the
state when the variant was made is the `voor` of the first entry after the one that was last
then (`variant.historie_stand`). An edit committed while the variant was being made may be
missed, or counted, by that mark: it is a report, not a lock.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.historie.models import Historie
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.varianten.models import Variant, VariantOpgave

VELDEN = (
    "titel",
    "thema",
    "beschrijving",
    "trekker",
    "status",
    "horizon",
    "ruimtevraag_ha",
    "bron",
    "extern_id",
)


@dataclass(frozen=True)
class RegisterWijziging:
    """How a register opgave changed since a moment."""

    opgave_id: uuid.UUID
    titel: str
    wat: str  # gewijzigd, nieuw, verwijderd, hersteld
    velden: list[str] | None  # the fields that differ (`geometrie` for the shape); None: unknown
    versie: int | None  # the register versie now (None: erased from the database)


def _now_json() -> Any:
    """The opgave's fields now, as the audit trail writes them (to_jsonb of the row)."""
    pairs: list[Any] = []
    for name in VELDEN:
        pairs += [literal_column(f"'{name}'"), getattr(Opgave, name)]
    return func.jsonb_build_object(*pairs)


def _velden(toen: dict[str, Any] | None, nu: dict[str, Any] | None, geom_gelijk: Any) -> list[str]:
    toen, nu = toen or {}, nu or {}
    names = [n for n in VELDEN if toen.get(n) != nu.get(n)]
    if not geom_gelijk:
        names.append("geometrie")
    return names


def verschuiving(variant: Variant) -> int:
    """How far past a change's recorded register versie its register state now is meant to
    be: doorvoeren writes each opgave it touches once, so after it that is the next versie."""
    return 1 if variant.doorgevoerd_op is not None else 0


def per_wijziging(session: Session, variant: Variant) -> dict[uuid.UUID, RegisterWijziging]:
    """Return, per key of a change whose register opgave changed since, how it changed."""
    basis = VariantOpgave.register_versie + verschuiving(variant)
    snapshot = (
        select(Historie.na, Historie.geom_na)
        .where(
            Historie.soort == "opgave",
            Historie.object_id == VariantOpgave.opgave_id,
            Historie.versie == basis,
            Historie.na.is_not(None),
        )
        .order_by(Historie.id.desc())
        .limit(1)
        .lateral("toen")
    )
    rows = session.execute(
        select(
            VariantOpgave.sleutel,
            Opgave.titel,
            Opgave.versie,
            Opgave.verwijderd_op,
            snapshot.c.na,
            _now_json(),
            func.ST_Equals(snapshot.c.geom_na, Opgave.geom),
        )
        .join(Opgave, Opgave.id == VariantOpgave.opgave_id)
        .outerjoin(snapshot, literal_column("true"))
        # Every register write, a delete too, bumps the versie.
        .where(VariantOpgave.variant_id == variant.id, Opgave.versie != basis)
    ).all()
    result = {}
    for sleutel, titel, versie, verwijderd_op, toen, nu, geom_gelijk in rows:
        if verwijderd_op is not None:
            wat, velden = "verwijderd", None
        elif toen is not None and toen.get("verwijderd_op") is not None:
            wat, velden = "hersteld", None
        else:
            wat = "gewijzigd"
            velden = _velden(toen, nu, geom_gelijk) if toen is not None else None
        result[sleutel] = RegisterWijziging(sleutel, titel, wat, velden, versie)
    return result


def sinds_aanmaak(session: Session, variant: Variant, gebied: Gebied) -> list[RegisterWijziging]:
    """Return the register opgaven in (or, before, in) the gebied that changed since the
    variant was made, by titel; an opgave changed back to what it was is left out."""
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    since = and_(Historie.soort == "opgave", Historie.id > variant.historie_stand)
    entry = aliased(Historie)
    touched = (
        select(entry.object_id)
        .where(
            entry.soort == "opgave",
            entry.id > variant.historie_stand,
            or_(
                gebieden_service.interior_intersects(entry.geom_voor, area),
                gebieden_service.interior_intersects(entry.geom_na, area),
            ),
        )
        .distinct()
    )
    first = (
        select(Historie.object_id, Historie.voor, Historie.geom_voor)
        .where(since, Historie.object_id.in_(touched))
        .order_by(Historie.object_id, Historie.id)
        .distinct(Historie.object_id)
        .subquery("eerste")
    )
    rows = session.execute(
        select(
            first.c.object_id,
            first.c.voor,
            Opgave.titel,
            Opgave.versie,
            Opgave.verwijderd_op,
            _now_json(),
            func.ST_Equals(first.c.geom_voor, Opgave.geom),
        ).outerjoin(Opgave, Opgave.id == first.c.object_id)
    ).all()
    result = []
    for opgave_id, voor, titel, versie, verwijderd_op, nu, geom_gelijk in rows:
        now_live = versie is not None and verwijderd_op is None
        was_live = voor is not None and voor.get("verwijderd_op") is None
        naam = titel if titel is not None else (voor or {}).get("titel", str(opgave_id))
        if was_live and now_live:
            velden = _velden(voor, nu, geom_gelijk)
            if velden:
                result.append(RegisterWijziging(opgave_id, naam, "gewijzigd", velden, versie))
        elif was_live:
            result.append(RegisterWijziging(opgave_id, naam, "verwijderd", None, versie))
        elif now_live:
            wat = "nieuw" if voor is None else "hersteld"
            result.append(RegisterWijziging(opgave_id, naam, wat, None, versie))
    return sorted(result, key=lambda r: (r.titel, str(r.opgave_id)))
