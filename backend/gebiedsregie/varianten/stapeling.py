"""The stapeling of a variant: `VariantSituatie`, a `stapeling.situatie.Situatie`.

Its stored results sit beside the register's under a key naming the variant and its
`inhoud_versie`, read when the situation is made, before its opgaven are read:

- a change of the variant (one of its changes, or a register opgave it changed deleted or
  restored: the triggers in `triggers.sql`) moves `inhoud_versie`, so the next request asks
  a new key; a result computed while it changed is kept under the old key, never asked again;
- a change of a register opgave in the gebied moves the gebied's epoch and deletes every
  stored result of the gebied, the variants' with the register's (`stapeling/store.py`).
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.errors import FieldError, InvalidInput, NotFound
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.stapeling.compute import Invoer
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie, Situatie
from gebiedsregie.varianten.models import Variant
from gebiedsregie.varianten.situatie import opgaven_van


@dataclass(frozen=True)
class VariantRef:
    """What a response says of the variant it answers for."""

    id: uuid.UUID
    naam: str
    status: str
    inhoud_versie: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "naam": self.naam,
            "status": self.status,
            "inhoud_versie": self.inhoud_versie,
        }


class VariantSituatie:
    """A variant of a gebied: the register with the variant's changes applied."""

    def __init__(self, gebied: Gebied, variant: VariantRef) -> None:
        self._gebied = gebied
        self.variant = variant

    @classmethod
    def of(
        cls, session: Session, gebied: Gebied, key: str, veld: str = "variant"
    ) -> "VariantSituatie":
        """Return the variant `key` (its id) of `gebied` as it is now; an unknown or deleted
        variant is a 404, another gebied's or a malformed id a 400, each naming `veld`."""
        gebied_id, ref = _read(session, key, veld)
        if gebied_id != gebied.id:
            raise InvalidInput(
                f"Variant '{ref.id}' hoort niet bij gebied '{gebied.slug}'.",
                [FieldError(veld, "Een variant van een ander gebied.", "ander_gebied")],
            )
        return cls(gebied, ref)

    @classmethod
    def van(cls, session: Session, key: str, veld: str = "variant") -> "VariantSituatie":
        """Return the variant `key` (its id) of its own gebied, for a request that names no
        gebied; errors as `of`."""
        gebied_id, ref = _read(session, key, veld)
        return cls(gebieden_service.get_gebied(session, str(gebied_id)), ref)

    @property
    def gebied(self) -> Gebied:
        return self._gebied

    def key(self, flt: StapelingFilter) -> str:
        return f"variant:{self.variant.id}:{self.variant.inhoud_versie} {flt.key()}"

    def opgaven(self, session: Session, flt: StapelingFilter) -> list[Invoer]:
        area = gebieden_service.gebied_geom_expr(str(self._gebied.id))
        return opgaven_van(session, self._gebied, self.variant.id, flt.opgaven_filter(area))

    def context(self, flt: StapelingFilter) -> dict[str, Any]:
        return {
            "gebied": str(self._gebied.id),
            "variant": str(self.variant.id),
            "filters": flt.as_dict(),
        }


def _read(session: Session, key: str, veld: str) -> tuple[uuid.UUID, VariantRef]:
    """Return the gebied id and the state of variant `key`; 400 or 404 naming `veld`."""
    try:
        variant_id = uuid.UUID(key.strip())
    except ValueError:
        raise InvalidInput(
            f"'{key}' is geen variant-id.",
            [FieldError(veld, "Geef het id (een UUID) van een variant.", "ongeldig")],
        ) from None
    # Read from the table, not the session's identity map: inhoud_versie moves by trigger.
    row = session.execute(
        select(
            Variant.gebied_id,
            Variant.naam,
            Variant.status,
            Variant.inhoud_versie,
            Variant.verwijderd_op,
        ).where(Variant.id == variant_id)
    ).one_or_none()
    if row is None or row.verwijderd_op is not None:
        raise NotFound(
            f"Variant '{variant_id}' bestaat niet.",
            [FieldError(veld, "Onbekende variant.", "onbekende_variant")],
        )
    return row.gebied_id, VariantRef(variant_id, row.naam, row.status, row.inhoud_versie)


def situatie_van(
    session: Session, gebied: Gebied, variant: str | None, veld: str = "variant"
) -> Situatie:
    """Return the register of `gebied` when `variant` is None, else that variant of it (see
    `VariantSituatie.of` for the errors, naming `veld`)."""
    if variant is None:
        return HuidigeSituatie(gebied)
    return VariantSituatie.of(session, gebied, variant, veld)
