"""The `variant` query parameter of the endpoints that read a situation of a gebied (stapeling,
samenvatting, opgaventabel, rapport, export, "wat stapelt hier?"), and the situation it asks.

Reading a variant needs an account, as reading the variant itself does; the register is
open. Kept out of the routers, so no router imports another for it.
"""

from typing import Annotated

from fastapi import Query
from sqlalchemy.orm import Session

from gebiedsregie.auth.access import require
from gebiedsregie.auth.models import Rol
from gebiedsregie.auth.service import Actor
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.stapeling.situatie import Situatie
from gebiedsregie.varianten.stapeling import VariantSituatie, situatie_van

VariantQuery = Annotated[
    str | None,
    Query(
        description="Id van een variant van het gebied: de stapeling van die variant in plaats "
        "van de huidige situatie (vraagt een account)."
    ),
]
AdhocVariantQuery = Annotated[
    str | None,
    Query(
        description="Id van een variant: de opgaven van die variant in plaats van de huidige "
        "situatie (vraagt een account)."
    ),
]


def situatie(
    session: Session, gebied: Gebied, variant: str | None, actor: Actor | None
) -> Situatie:
    """Return the register, or the asked variant: reading a variant needs an account."""
    if variant is not None:
        require(Rol.LEZER)(actor)
    return situatie_van(session, gebied, variant)


def variant_situatie(
    session: Session, variant: str | None, actor: Actor | None
) -> VariantSituatie | None:
    """Return the asked variant, of its own gebied (a request naming no gebied), or None for
    the register: reading a variant needs an account."""
    if variant is None:
        return None
    require(Rol.LEZER)(actor)
    return VariantSituatie.van(session, variant)
