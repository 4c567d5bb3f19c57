"""/api/v1/gebieden/{id}/stapeling, /stapeling/samenvatting, and POST /api/v1/stapeling"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from gebiedsregie.api import (
    GEOJSON,
    MAX_OFFSET,
    ContentCrs,
    JsonBody,
    OutputCrs,
    SettingsDep,
)
from gebiedsregie.auth.access import ActorDep
from gebiedsregie.bounded import OverBudget, repair_budget
from gebiedsregie.db import SessionDep, SessionFactoryDep
from gebiedsregie.errors import FieldError, InvalidInput, PayloadTooLarge, ServiceUnavailable
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.geometry import GeometryRejected, check_geometry
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.schemas import HorizonTotQuery, StatusQuery, ThemaQuery, TrekkerQuery
from gebiedsregie.rapport import downloads
from gebiedsregie.rapport.bladen import samenvatting_bladen
from gebiedsregie.rapport.schemas import Formaat, FormaatQuery
from gebiedsregie.rapport.tabel import bestandsnaam, gebied_ref, opgave_titels
from gebiedsregie.ruimtebalans import service as ruimtebalans_service
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import reads, service
from gebiedsregie.stapeling.adhoc import adhoc, adhoc_budget
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.models import AANTAL_MAX
from gebiedsregie.stapeling.schemas import (
    AdhocStapeling,
    Samenvatting,
    VlakkenCollection,
    samenvatting_in,
)
from gebiedsregie.streaming import in_own_session, links, stream
from gebiedsregie.varianten.query import (
    AdhocVariantQuery,
    VariantQuery,
    situatie,
    variant_situatie,
)

router = APIRouter(tags=["stapeling"])
MAX_FACE_PAGE = 10_000


@dataclass(frozen=True)
class Filters:
    stapeling: StapelingFilter
    min_aantal: int


def filters(
    session: SessionDep,
    thema: ThemaQuery = None,
    status: StatusQuery = None,
    trekker: TrekkerQuery = None,
    horizon: HorizonTotQuery = None,
    min_aantal: Annotated[
        int,
        Query(ge=1, le=AANTAL_MAX, description="Alleen vlakken met minstens zoveel opgaven."),
    ] = 1,
) -> Filters:
    errors = opgaven_service.check_themas(session, thema or [], "thema")
    if errors:
        raise InvalidInput("Onbekend thema in het filter.", errors)
    return Filters(
        StapelingFilter.of(thema or [], status or [], trekker or [], horizon), min_aantal
    )


FiltersDep = Annotated[Filters, Depends(filters)]


@router.get(
    "/gebieden/{gebied_id}/stapeling",
    response_model=VlakkenCollection,
    responses={
        200: {"content": {GEOJSON: {}}},
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
    },
)
def get_stapeling(
    gebied_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    session_factory: SessionFactoryDep,
    flt: FiltersDep,
    crs: OutputCrs,
    actor: ActorDep,
    variant: VariantQuery = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_FACE_PAGE,
            description="Vlakken per pagina; zonder limit komen alle vlakken, gestreamd.",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> StreamingResponse:
    """De vlakken van de stapeling in een gebied: waar opgaven elkaar overlappen, hoe diep;
    van de huidige situatie, of met `variant` van een variant."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    asked = situatie(session, gebied, variant, actor)
    view = service.stored(session, asked, flt.stapeling, settings.stapeling_bewaard_max)
    matched = reads.count_faces(session, view, flt.min_aantal)
    returned = max(0, min(matched - offset, limit if limit is not None else matched))
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "links": links(request, offset, limit, returned, matched),
    }
    session.rollback()  # the request's connection goes back before the stream takes one

    def read(own: Session) -> Iterator[str]:
        return reads.iter_features(own, view, crs, flt.min_aantal, offset, limit)

    features = in_own_session(session_factory, read)
    return StreamingResponse(
        stream(head, features),
        media_type=GEOJSON,
        headers={
            "Content-Crs": crs.header,
            "Gebiedsregie-Stapeling": "berekend" if view.berekend else "opgeslagen",
        },
    )


@router.get(
    "/gebieden/{gebied_id}/stapeling/samenvatting",
    response_model=Samenvatting,
    responses={
        200: {"content": {"text/csv": {}, downloads.XLSX_MEDIA_TYPE: {}}},
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
    },
)
def get_samenvatting(
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    flt: FiltersDep,
    crs: OutputCrs,
    actor: ActorDep,
    variant: VariantQuery = None,
    formaat: FormaatQuery = Formaat.JSON,
) -> Response:
    """De samenvatting: oppervlakte per diepte en thema, overlapmatrix, beide ruimtedrukken
    (naar zoekgebied en naar vraag), hotspots;
    als JSON, of als download in CSV of Excel (met de themanamen). Met `variant`: die van
    een variant."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    asked = situatie(session, gebied, variant, actor)
    view = service.stored(session, asked, flt.stapeling, settings.stapeling_bewaard_max)
    body = samenvatting_in(view.samenvatting, crs)
    # Beside the ruimtedruk by zoekgebied, the one by vraag: not stored, one query.
    gevraagd = ruimtebalans_service.vraag(session, asked, flt.stapeling)
    body["vraag_ha"] = gevraagd.vraag_ha
    body["vraag_aantal_geschat"] = gevraagd.aantal_geschat
    body["ruimtedruk_vraag"] = gevraagd.ruimtedruk_vraag
    headers = {
        "Content-Crs": crs.header,
        "Gebiedsregie-Stapeling": "berekend" if view.berekend else "opgeslagen",
    }
    if formaat is Formaat.JSON:
        return JSONResponse(body, headers=headers)
    themas = {t.code: t.naam for t in opgaven_service.list_themas(session)}
    titels = opgave_titels(session, {o for h in body["hotspots"] for o in h["opgaven"]})
    bladen = samenvatting_bladen(gebied_ref(gebied), body, themas, titels, crs)
    stem = bestandsnaam(gebied, asked, "samenvatting")
    return downloads.response(bladen, formaat, stem, headers)


class AdhocSlots:
    """How many ad-hoc stapelingen this process computes at once, anonymous ones fewer: one
    more is answered 503 with Retry-After rather than queued (a queue of heavy requests is
    how a service gets eaten)."""

    def __init__(self, total: int, anoniem: int) -> None:
        self._total = threading.BoundedSemaphore(total)
        self._anoniem = threading.BoundedSemaphore(max(anoniem, 1))
        self._anoniem_open = anoniem > 0

    @contextmanager
    def take(self, anoniem: bool) -> Iterator[None]:
        if anoniem and not (self._anoniem_open and self._anoniem.acquire(blocking=False)):
            raise _busy(anoniem)
        try:
            if not self._total.acquire(blocking=False):
                raise _busy(anoniem)
            try:
                yield
            finally:
                self._total.release()
        finally:
            if anoniem:
                self._anoniem.release()


def _busy(anoniem: bool) -> ServiceUnavailable:
    hint = " Log in om voorrang te krijgen." if anoniem else ""
    return ServiceUnavailable(
        f"Er lopen al zoveel losse stapelingsanalyses als de server tegelijk rekent; probeer "
        f"het over enkele seconden opnieuw.{hint}",
        headers={"Retry-After": "5"},
    )


_slots_lock = threading.Lock()


def _adhoc_slots(request: Request, settings: Settings) -> AdhocSlots:
    """The app's slots, made on first use."""
    with _slots_lock:
        slots = getattr(request.app.state, "adhoc_slots", None)
        if slots is None:
            slots = AdhocSlots(settings.adhoc_parallel, settings.adhoc_parallel_anoniem)
            request.app.state.adhoc_slots = slots
        return slots


@router.post(
    "/stapeling",
    response_model=AdhocStapeling,
    responses={
        200: {"content": {GEOJSON: {}}},
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/Geometry"}}},
        }
    },
)
def post_stapeling(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
    flt: FiltersDep,
    variant: AdhocVariantQuery = None,
) -> StreamingResponse:
    """Wat stapelt hier? De stapeling binnen een getekend vlak (een GeoJSON Polygon of Feature);
    met `variant` die van de opgaven van een variant."""
    geometry = (
        body.get("geometry") if isinstance(body, dict) and body.get("type") == "Feature" else body
    )
    asked = variant_situatie(session, variant, actor)
    # The slot comes first: a request that cannot be served now costs no geometry work.
    with _adhoc_slots(request, settings).take(anoniem=actor is None):
        try:
            # A drawn area needs far fewer points than a stored opgave may have; its cost
            # grows with them (a comb of 100,000 points made 131,000 faces in 44 s).
            checked = check_geometry(
                geometry,
                content_crs,
                min(settings.max_vertices, settings.adhoc_max_vertices),
                budget=repair_budget(settings),
            )
        except GeometryRejected as exc:
            raise InvalidInput("De getekende geometrie is ongeldig.", exc.errors) from None
        budget = adhoc_budget(settings)
        try:
            result = adhoc(
                session, checked.geom, flt.stapeling, settings.stapeling_max_opgaven, budget, asked
            )
        except OverBudget:
            raise PayloadTooLarge(
                f"De stapeling in dit vlak kost meer dan een losse analyse mag (meer dan "
                f"{budget.seconds:g} s of {budget.memory_mb} MB). Teken een kleiner of "
                "eenvoudiger vlak, of filter.",
                [FieldError("geometry", "Te zware analyse voor dit vlak.", "analyse_te_zwaar")],
            ) from None
    faces = [f for f in result.faces if f.aantal >= flt.min_aantal]
    if len(faces) > settings.adhoc_max_vlakken:
        raise PayloadTooLarge(
            f"De stapeling in dit vlak heeft {len(faces)} vlakken; een losse analyse geeft er "
            f"hoogstens {settings.adhoc_max_vlakken}. Teken een kleiner vlak, filter, of "
            "vraag een hogere min_aantal.",
            [FieldError("geometry", "Te veel vlakken in dit vlak.", "te_veel_vlakken")],
        )
    head = {
        "type": "FeatureCollection",
        "numberMatched": len(faces),
        "numberReturned": len(faces),
        "links": [],
    }
    tail = {"samenvatting": samenvatting_in(result.samenvatting, crs)}
    if checked.messages:
        tail["meldingen"] = checked.messages  # type: ignore[assignment]
    return StreamingResponse(
        stream(head, reads.feature_texts(faces, crs), tail),
        media_type=GEOJSON,
        headers={"Content-Crs": crs.header},
    )
