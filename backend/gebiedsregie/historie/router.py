"""/api/v1/{opgaven,gebieden,varianten,referentielagen}/{id}/historie, /herstel, and the
whole trail at /api/v1/historie."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from gebiedsregie.api import OutputCrs, PageDep, feature_response, page_links
from gebiedsregie.auth.access import needs_beheerder, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.crs import Crs
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import NotFound
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.schemas import GebiedFeature, gebied_feature
from gebiedsregie.geometry import to_geojson
from gebiedsregie.historie import service
from gebiedsregie.historie.models import Historie
from gebiedsregie.openapi import PROBLEM, geojson_responses
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.schemas import OpgaveFeature, opgave_feature
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.schemas import ZonderNul
from gebiedsregie.varianten import service as varianten_service

# The trail names people: it is for gebruikers with an account, whatever anoniem_lezen says.
router = APIRouter(tags=["historie"], dependencies=[Depends(require(Rol.LEZER))])
Actie = Literal["aangemaakt", "gewijzigd", "verwijderd", "hersteld", "gewist", "doorgevoerd"]
Soort = Literal["gebied", "opgave", "variant", "variant_opgave", "referentielaag", "combinatie"]


def _entry(entry: Historie, crs: Crs | None) -> dict[str, Any]:
    """One change as JSON; with `crs`, the full before and after as GeoJSON Features."""
    body: dict[str, Any] = {
        "id": entry.id,
        "soort": entry.soort,
        "object_id": str(entry.object_id),
        "versie": entry.versie,
        "actie": entry.actie,
        "door": entry.door,
        "op": entry.op.isoformat(),
        "verzoek_id": entry.verzoek_id,
        "gewijzigde_velden": service.changed_fields(entry),
    }
    if crs is not None:
        before, after = service.shapes(entry)
        for key, values, shape in (("voor", entry.voor, before), ("na", entry.na, after)):
            body[key] = (
                None
                if values is None
                else {
                    "type": "Feature",
                    # A variant's change is part of the variant; the opgave is its sleutel.
                    "id": str(values.get("sleutel", entry.object_id)),
                    "geometry": to_geojson(shape, crs) if shape is not None else None,
                    "properties": {k: v for k, v in values.items() if k != "id"},
                }
            )
    return body


def _page(
    request: Request, page: Any, entries: list[Historie], matched: int, crs: Crs | None
) -> JSONResponse:
    headers = {"Content-Crs": crs.header} if crs is not None else {}
    return JSONResponse(
        {
            "numberMatched": matched,
            "numberReturned": len(entries),
            "links": page_links(request, page, len(entries), matched),
            "wijzigingen": [_entry(e, crs) for e in entries],
        },
        headers=headers,
    )


@router.get("/opgaven/{opgave_id}/historie", responses={404: PROBLEM})
def opgave_historie(
    opgave_id: str, request: Request, session: SessionDep, crs: OutputCrs, page: PageDep
) -> JSONResponse:
    """Elke wijziging van een opgave (ook een verwijderde), nieuwste eerst, met wie, wanneer,
    en de volledige toestand ervoor en erna (geometrie inbegrepen)."""
    opgave = opgaven_service.find_opgave(session, opgave_id, deleted=True)
    if opgave is None:
        raise NotFound(f"Opgave '{opgave_id}' bestaat niet.")
    flt = service.HistorieFilter(soort="opgave", object_id=opgave.id)
    entries, matched = service.list_historie(session, flt, page.limit, page.offset)
    return _page(request, page, entries, matched, crs)


@router.get("/gebieden/{gebied_id}/historie", responses={404: PROBLEM})
def gebied_historie(
    gebied_id: str, request: Request, session: SessionDep, crs: OutputCrs, page: PageDep
) -> JSONResponse:
    """Elke wijziging van een gebied (ook een verwijderd), nieuwste eerst."""
    gebied = gebieden_service.find_gebied(session, gebied_id, deleted=True)
    if gebied is None:
        raise NotFound(f"Gebied '{gebied_id}' bestaat niet.")
    flt = service.HistorieFilter(soort="gebied", object_id=gebied.id)
    entries, matched = service.list_historie(session, flt, page.limit, page.offset)
    return _page(request, page, entries, matched, crs)


@router.get("/varianten/{variant_id}/historie", responses={404: PROBLEM})
def variant_historie(
    variant_id: str, request: Request, session: SessionDep, crs: OutputCrs, page: PageDep
) -> JSONResponse:
    """Elke wijziging van een variant (ook een verwijderde) en van haar opgaven (soort
    `variant_opgave`, met de opgave als `sleutel` in voor en na), nieuwste eerst."""
    variant = varianten_service.find_variant(session, variant_id, deleted=True)
    if variant is None:
        raise NotFound(f"Variant '{variant_id}' bestaat niet.")
    flt = service.HistorieFilter(soorten=("variant", "variant_opgave"), object_id=variant.id)
    entries, matched = service.list_historie(session, flt, page.limit, page.offset)
    return _page(request, page, entries, matched, crs)


@router.get("/referentielagen/{slug}/historie", responses={404: PROBLEM})
def referentielaag_historie(
    slug: str, request: Request, session: SessionDep, page: PageDep
) -> JSONResponse:
    """Elke wijziging van een referentielaag (ook een verwijderde), nieuwste eerst; een
    import staat erin als wijziging van `aantal_objecten` en de versie."""
    laag = referentielagen_service.find_laag(session, slug, deleted=True)
    if laag is None:
        raise NotFound(f"Referentielaag '{slug}' bestaat niet.")
    flt = service.HistorieFilter(soort="referentielaag", object_id=laag.id)
    entries, matched = service.list_historie(session, flt, page.limit, page.offset)
    return _page(request, page, entries, matched, None)


@router.get("/historie", dependencies=[needs_beheerder], responses={401: PROBLEM, 403: PROBLEM})
def historie(
    request: Request,
    session: SessionDep,
    page: PageDep,
    soort: Annotated[Soort | None, Query()] = None,
    actie: Annotated[Actie | None, Query(description="Bv. verwijderd.")] = None,
    door: Annotated[str | None, Query(max_length=200), ZonderNul] = None,
    sinds: Annotated[datetime | None, Query(description="ISO 8601, met tijdzone.")] = None,
) -> JSONResponse:
    """Het hele logboek, nieuwste eerst, zonder geometrieën (alleen voor beheerders)."""
    flt = service.HistorieFilter(soort=soort, actie=actie, door=door, sinds=sinds)
    entries, matched = service.list_historie(session, flt, page.limit, page.offset)
    return _page(request, page, entries, matched, None)


@router.post(
    "/opgaven/{opgave_id}/herstel",
    dependencies=[needs_beheerder],
    response_model=OpgaveFeature,
    responses=geojson_responses(write=True),
)
def restore_opgave(opgave_id: str, session: SessionDep, crs: OutputCrs) -> Response:
    """Maak het verwijderen van een opgave ongedaan (alleen voor beheerders)."""
    opgave = opgaven_service.restore_opgave(session, opgave_id)
    gebieden = opgaven_service.gebieden_of(session, [opgave.id])[opgave.id]
    feature = opgave_feature(opgave, opgaven_service.opgave_shape(opgave), gebieden, crs)
    return feature_response(feature, crs, opgave.versie)


@router.post(
    "/gebieden/{gebied_id}/herstel",
    dependencies=[needs_beheerder],
    response_model=GebiedFeature,
    responses=geojson_responses(write=True),
)
def restore_gebied(gebied_id: str, session: SessionDep, crs: OutputCrs) -> Response:
    """Maak het verwijderen van een gebied ongedaan (alleen voor beheerders)."""
    gebied = gebieden_service.restore_gebied(session, gebied_id)
    feature = gebied_feature(gebied, gebieden_service.gebied_shape(gebied), crs)
    return feature_response(feature, crs, gebied.versie)
