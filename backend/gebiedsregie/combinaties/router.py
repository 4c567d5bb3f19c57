"""/api/v1/combinaties: the combinatiematrices (GET for readers; PUT for beheerders, with
If-Match), and their audit trail."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from gebiedsregie.api import IfMatch, JsonBody, PageDep, SettingsDep, check_if_match, page_links
from gebiedsregie.auth.access import Beheerder, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.combinaties import service
from gebiedsregie.combinaties.models import SET_ID, Waarde
from gebiedsregie.combinaties.schemas import READ_ONLY, CombinatiesPut, CombinatiesRead
from gebiedsregie.combinaties.voorbeeld import LABEL
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import FieldError, InvalidInput, PreconditionRequired
from gebiedsregie.historie import service as historie_service
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.validation import validate_model
from gebiedsregie.varianten.schemas import json_body

router = APIRouter(prefix="/combinaties", tags=["combinaties"])
PROBLEMS: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 401, 403, 412, 428), PROBLEM)


def _json(stand: service.Stand) -> dict[str, Any]:
    """Return the set as the API answers it."""
    return {
        "versie": stand.versie,
        "voorbeeld": stand.voorbeeld,
        "label": LABEL if stand.voorbeeld else None,
        "toelichting": stand.toelichting,
        "gewijzigd_op": stand.gewijzigd_op.isoformat() if stand.gewijzigd_op else None,
        "waarden": [w.value for w in Waarde],
        "themas": stand.themas,
        "lagen": stand.lagen,
        "thema_thema": stand.thema_thema,
        "thema_laag": stand.thema_laag,
    }


def _answer(session: Session) -> JSONResponse:
    stand = service.stand(session)
    return JSONResponse(_json(stand), headers={"ETag": f'"{stand.versie}"'})


@router.get("", response_model=CombinatiesRead)
def get_combinaties(session: SessionDep) -> JSONResponse:
    """De matrices van koppelkansen en conflicten: thema x thema (elk paar eenmaal, de
    diagonaal is twee opgaven van één thema) en thema x referentielaag, elke cel
    `koppelkans`, `neutraal` of `conflict` met een reden van één regel. Zolang `voorbeeld`
    waar is, zijn het de meegeleverde voorbeelden: stel ze vast per provincie. De versie is
    de ETag."""
    return _answer(session)


@router.put(
    "",
    response_model=CombinatiesRead,
    responses=PROBLEMS,
    openapi_extra=json_body(CombinatiesPut),
)
def put_combinaties(
    session: SessionDep,
    settings: SettingsDep,
    _beheerder: Beheerder,
    body: JsonBody,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Vervang de matrices als geheel (alleen beheerders). If-Match is verplicht: de matrices
    gelden voor elk gebied, en een wijziging laat elke opgeslagen stapeling opnieuw
    berekenen. Elke gewijzigde cel komt in de historie."""
    # Always asked, whatever `if_match_verplicht` says: a whole-set replace over someone
    # else's edit would undo it silently, in every gebied at once.
    if if_match is None:
        raise PreconditionRequired(
            "Stuur de ETag van de matrices mee in If-Match.",
            [FieldError("If-Match", "Verplicht.", "missing")],
        )
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in READ_ONLY}
    errors: list[FieldError] = []
    fields = validate_model(CombinatiesPut, body, "", errors)
    if errors or fields is None:
        raise InvalidInput(f"Het verzoek bevat {len(errors)} ongeldig(e) veld(en).", errors)
    wijziging = service.check(session, fields.model_dump(mode="json"))
    check_if_match(if_match, service.lock(session), settings)
    service.replace(session, wijziging)
    return _answer(session)


@router.get("/historie", dependencies=[Depends(require(Rol.LEZER))], responses={401: PROBLEM})
def combinaties_historie(request: Request, session: SessionDep, page: PageDep) -> JSONResponse:
    """Elke wijziging van de matrices, nieuwste eerst: per versie de set (voorbeeld,
    toelichting) en elke cel die erbij kwam, veranderde of verdween, met wie."""
    flt = historie_service.HistorieFilter(soort="combinatie", object_id=SET_ID)
    entries, matched = historie_service.list_historie(session, flt, page.limit, page.offset)
    items = [
        {
            "id": e.id,
            "versie": e.versie,
            "actie": e.actie,
            "door": e.door,
            "op": e.op.isoformat(),
            "voor": e.voor,
            "na": e.na,
        }
        for e in entries
    ]
    return JSONResponse(
        {
            "numberMatched": matched,
            "numberReturned": len(items),
            "links": page_links(request, page, len(items), matched),
            "wijzigingen": items,
        }
    )
