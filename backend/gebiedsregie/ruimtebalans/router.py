"""/api/v1/gebieden/{id}/ruimtebalans"""

from typing import Any

from fastapi import APIRouter

from gebiedsregie.api import SettingsDep
from gebiedsregie.auth.access import ActorDep
from gebiedsregie.db import SessionDep
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.ruimtebalans import service
from gebiedsregie.ruimtebalans.schemas import Ruimtebalans, as_json
from gebiedsregie.stapeling.router import FiltersDep
from gebiedsregie.varianten.query import VariantQuery, situatie

router = APIRouter(tags=["ruimtebalans"])


@router.get(
    "/gebieden/{gebied_id}/ruimtebalans",
    response_model=Ruimtebalans,
    responses={400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 413: PROBLEM},
)
def get_ruimtebalans(
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    flt: FiltersDep,
    actor: ActorDep,
    variant: VariantQuery = None,
) -> dict[str, Any]:
    """De ruimtebalans: per thema de ruimtevraag van de opgaven (waar die ontbreekt: hun
    oppervlakte binnen het gebied, als schatting gemarkeerd), hun zoekgebied (som en
    vereniging) en het deel daarvan in sturende referentielagen; in totaal het gebied, de
    sturende lagen, wat beschikbaar is, de vraag en het saldo (negatief: een tekort). Met de
    filters van de stapeling (`min_aantal` filtert vlakken, geen opgaven: hier doet het
    niets); met `variant` die van een variant."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    asked = situatie(session, gebied, variant, actor)
    uitkomst = service.ruimtebalans(session, asked, flt.stapeling, settings.stapeling_max_opgaven)
    return as_json(uitkomst)
