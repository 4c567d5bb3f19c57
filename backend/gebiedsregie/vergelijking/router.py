"""/api/v1/gebieden/{id}/vergelijking: two situations of a gebied side by side."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from gebiedsregie.api import GEOJSON, MAX_OFFSET, OutputCrs, SettingsDep
from gebiedsregie.auth.access import ActorDep, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.bounded import OverBudget
from gebiedsregie.crs import Crs
from gebiedsregie.db import SessionDep, SessionFactoryDep
from gebiedsregie.errors import FieldError, InvalidInput, PayloadTooLarge
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import HORIZON_MAX, HORIZON_MIN
from gebiedsregie.opgaven.schemas import HorizonTotQuery, StatusQuery, ThemaQuery, TrekkerQuery
from gebiedsregie.ruimtebalans import service as ruimtebalans_service
from gebiedsregie.ruimtebalans.service import Vraag
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.router import MAX_FACE_PAGE
from gebiedsregie.stapeling.samenvatting import Samenvatting
from gebiedsregie.stapeling.schemas import samenvatting_in
from gebiedsregie.streaming import in_own_session, links, stream
from gebiedsregie.vergelijking import service, store
from gebiedsregie.vergelijking.berekening import vergelijking_budget
from gebiedsregie.vergelijking.schemas import VergelijkingCollection
from gebiedsregie.vergelijking.service import Kant, Uitkomst
from gebiedsregie.vergelijking.verschillen import getal_verschil

router = APIRouter(tags=["vergelijking"])

SITUATIE = (
    "'huidig' (de huidige situatie, het register) of 'variant:<id>' (een variant van het "
    "gebied; vraagt een account)."
)
HorizonQuery = Annotated[
    int | None,
    Query(
        ge=HORIZON_MIN,
        le=HORIZON_MAX,
        description="Alleen opgaven met horizon tot en met dit jaar, in deze situatie.",
    ),
]


def _kant_json(
    side: Kant, samenvatting: Samenvatting, berekend: bool, vraag: Vraag, crs: Crs
) -> dict[str, Any]:
    variant = side.variant
    body = samenvatting_in(samenvatting, crs)
    # As GET …/stapeling/samenvatting answers it: with the vraag beside the stored figures.
    body["vraag_ha"] = vraag.vraag_ha
    body["vraag_aantal_geschat"] = vraag.aantal_geschat
    body["ruimtedruk_vraag"] = vraag.ruimtedruk_vraag
    return {
        "situatie": side.naam,
        "variant": variant.as_dict() if variant is not None else None,
        "filters": side.flt.as_dict(),
        "stapeling": "berekend" if berekend else "opgeslagen",
        "samenvatting": body,
    }


def _members(session: Session, gebied: Gebied, uitkomst: Uitkomst, crs: Crs) -> dict[str, Any]:
    stand = uitkomst.stand
    a, b = (
        ruimtebalans_service.vraag(session, k.situatie, k.flt) for k in (uitkomst.a, uitkomst.b)
    )
    verschillen = {
        **uitkomst.verschillen,
        "ruimtedruk_vraag": getal_verschil(a.ruimtedruk_vraag, b.ruimtedruk_vraag),
    }
    return {
        "gebied": {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam},
        "a": _kant_json(uitkomst.a, stand.samenvatting_a, stand.berekend_a, a, crs),
        "b": _kant_json(uitkomst.b, stand.samenvatting_b, stand.berekend_b, b, crs),
        "verschillen": verschillen,
        "overzicht": stand.overzicht,
        "opgaven": uitkomst.opgaven,
    }


@router.get(
    "/gebieden/{gebied_id}/vergelijking",
    response_model=VergelijkingCollection,
    responses={
        200: {"content": {GEOJSON: {}}},
        400: PROBLEM,
        401: PROBLEM,
        404: PROBLEM,
        413: PROBLEM,
    },
)
def get_vergelijking(
    gebied_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    session_factory: SessionFactoryDep,
    actor: ActorDep,
    crs: OutputCrs,
    a: Annotated[str, Query(description=f"Situatie A: {SITUATIE}")] = service.HUIDIG,
    b: Annotated[str, Query(description=f"Situatie B: {SITUATIE}")] = service.HUIDIG,
    a_horizon: HorizonQuery = None,
    b_horizon: HorizonQuery = None,
    thema: ThemaQuery = None,
    status: StatusQuery = None,
    trekker: TrekkerQuery = None,
    horizon: HorizonTotQuery = None,
    alleen_gewijzigd: Annotated[
        bool, Query(description="Alleen de vlakken waar B andere opgaven heeft dan A.")
    ] = False,
    limit: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_FACE_PAGE,
            description="Vlakken per pagina; 0: alleen de tabellen; zonder limit alle vlakken.",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> StreamingResponse:
    """Twee situaties van een gebied naast elkaar: de huidige situatie of een variant, elk met
    een eigen horizon (`horizon` geldt voor beide, tenzij `a_horizon` of `b_horizon`). Beide
    samenvattingen, de verschillen per diepte, thema en themapaar, in
    ruimtedruk en maximale stapeling; de opgaven die verschillen (toegevoegd, weggelaten,
    gewijzigd, met de velden); en als features de verschilvlakken: de overlay van beide
    stapelingen, elk vlak met `aantal_a`, `aantal_b`, `verschil` (b - a) en beide sets. Kost
    het berekenen meer tijd of geheugen dan één vergelijking mag: 413 `analyse_te_zwaar`."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    errors = opgaven_service.check_themas(session, thema or [], "thema")
    if errors:
        raise InvalidInput("Onbekend thema in het filter.", errors)
    base = StapelingFilter.of(thema or [], status or [], trekker or [], horizon)
    sides = []
    for naam, veld, own in ((a, "a", a_horizon), (b, "b", b_horizon)):
        if naam.strip().startswith(service.VARIANT):
            require(Rol.LEZER)(actor)  # before the variant is looked up: 401, not 404
        sides.append(service.kant(session, gebied, naam, veld, service.met_horizon(base, own)))
    budget = vergelijking_budget(settings)
    try:
        uitkomst = service.vergelijk(
            session, sides[0], sides[1], settings.vergelijking_bewaard_max, budget
        )
    except OverBudget:
        raise PayloadTooLarge(
            f"Deze vergelijking kost meer dan één berekening mag (meer dan {budget.seconds:g} s "
            f"of {budget.memory_mb} MB). Filter op thema, status of trekker, of vergelijk een "
            "kleiner gebied.",
            [FieldError("gebied_id", "Te zware vergelijking voor dit gebied.", "analyse_te_zwaar")],
        ) from None
    stand = uitkomst.stand
    matched = store.count_faces(stand, alleen_gewijzigd)
    returned = max(0, min(matched - offset, limit if limit is not None else matched))
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        # limit=0 asks the tables only: no next page (it would be this one again).
        "links": links(request, offset, limit or None, returned, matched),
        **_members(session, gebied, uitkomst, crs),
    }
    session.rollback()  # the request's connection goes back before the stream takes one

    def read(own: Session) -> Iterator[str]:
        return store.iter_features(own, stand, crs, alleen_gewijzigd, offset, limit)

    features = in_own_session(session_factory, read) if returned else iter(())
    return StreamingResponse(
        stream(head, features),
        media_type=GEOJSON,
        headers={
            "Content-Crs": crs.header,
            "Gebiedsregie-Vergelijking": "berekend" if stand.berekend else "opgeslagen",
        },
    )
