"""/api/v1/gebieden/{id}/stapeling, /stapeling/samenvatting, and POST /api/v1/stapeling"""

import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

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
from gebiedsregie.crs import Crs
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
from gebiedsregie.rapport.tabel import gebied_ref, opgave_titels
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
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from gebiedsregie.stapeling.store import View

router = APIRouter(tags=["stapeling"])
MAX_FACE_PAGE = 10_000
CHUNK_BYTES = 256 * 1024


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


def _stream(
    head: dict[str, Any], features: Iterable[str], tail: dict[str, Any] | None = None
) -> Iterator[bytes]:
    """Yield a FeatureCollection as JSON in chunks of about CHUNK_BYTES: never one giant string.

    Every chunk costs the server a thread hop, so features are batched, not sent one by one.
    """
    buffer = [json.dumps(head, ensure_ascii=False)[:-1], ', "features": [']
    size = 0
    for i, feature in enumerate(features):
        text = (", " if i else "") + feature
        buffer.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    buffer.append("]")
    if tail:
        buffer.append(", " + json.dumps(tail, ensure_ascii=False)[1:-1])
    buffer.append("}")
    yield "".join(buffer).encode()


def _links(
    request: Request, offset: int, limit: int | None, returned: int, matched: int
) -> list[dict[str, str]]:
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if limit is not None and offset + returned < matched:
        url = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"href": str(url), "rel": "next", "type": GEOJSON})
    if limit is not None and offset > 0:
        url = request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
        links.append({"href": str(url), "rel": "prev", "type": GEOJSON})
    return links


def _features_in_own_session(
    factory: Callable[[], AbstractContextManager[Session]],
    view: View,
    min_aantal: int,
    offset: int,
    limit: int | None,
    crs: Crs,
) -> Iterator[str]:
    """Return the features, read in a session of the stream's own (the response streams
    after the request's session is closed). That session, and its connection, are taken
    now, before the 200 goes out: a pool that is full is a 503, not a stream that breaks
    off after a 200. An error while streaming ends the response without its closing
    bytes, so no client takes it for complete (and the error is logged)."""
    context = factory()
    session = context.__enter__()
    try:
        session.connection()
    except BaseException:
        context.__exit__(*sys.exc_info())
        raise

    def features() -> Iterator[str]:
        with contextlib.ExitStack() as stack:
            stack.push(context)
            yield from reads.iter_features(session, view, crs, min_aantal, offset, limit)

    return features()


@router.get(
    "/gebieden/{gebied_id}/stapeling",
    response_model=VlakkenCollection,
    responses={200: {"content": {GEOJSON: {}}}, 400: PROBLEM, 404: PROBLEM},
)
def get_stapeling(
    gebied_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    session_factory: SessionFactoryDep,
    flt: FiltersDep,
    crs: OutputCrs,
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
    """De vlakken van de stapeling in een gebied: waar opgaven elkaar overlappen, hoe diep."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    situatie = HuidigeSituatie(gebied)
    view = service.stored(session, situatie, flt.stapeling, settings.stapeling_bewaard_max)
    matched = reads.count_faces(session, view, flt.min_aantal)
    returned = max(0, min(matched - offset, limit if limit is not None else matched))
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "links": _links(request, offset, limit, returned, matched),
    }
    session.rollback()  # the request's connection goes back before the stream takes one
    features = _features_in_own_session(session_factory, view, flt.min_aantal, offset, limit, crs)
    return StreamingResponse(
        _stream(head, features),
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
        404: PROBLEM,
    },
)
def get_samenvatting(
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    flt: FiltersDep,
    crs: OutputCrs,
    formaat: FormaatQuery = Formaat.JSON,
) -> Response:
    """De samenvatting: oppervlakte per diepte en thema, overlapmatrix, ruimtedruk, hotspots;
    als JSON, of als download in CSV of Excel (met de themanamen)."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    situatie = HuidigeSituatie(gebied)
    view = service.stored(session, situatie, flt.stapeling, settings.stapeling_bewaard_max)
    body = samenvatting_in(view.samenvatting, crs)
    headers = {
        "Content-Crs": crs.header,
        "Gebiedsregie-Stapeling": "berekend" if view.berekend else "opgeslagen",
    }
    if formaat is Formaat.JSON:
        return JSONResponse(body, headers=headers)
    themas = {t.code: t.naam for t in opgaven_service.list_themas(session)}
    titels = opgave_titels(session, {o for h in body["hotspots"] for o in h["opgaven"]})
    bladen = samenvatting_bladen(gebied_ref(gebied), body, themas, titels, crs)
    return downloads.response(bladen, formaat, f"{gebied.slug}-samenvatting", headers)


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
    responses={200: {"content": {GEOJSON: {}}}, 400: PROBLEM},
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
) -> StreamingResponse:
    """Wat stapelt hier? De stapeling binnen een getekend vlak (een GeoJSON Polygon of Feature)."""
    geometry = (
        body.get("geometry") if isinstance(body, dict) and body.get("type") == "Feature" else body
    )
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
                session, checked.geom, flt.stapeling, settings.stapeling_max_opgaven, budget
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
        _stream(head, reads.feature_texts(faces, crs), tail),
        media_type=GEOJSON,
        headers={"Content-Crs": crs.header},
    )
