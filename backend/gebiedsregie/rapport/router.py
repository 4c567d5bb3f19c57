"""/api/v1/gebieden/{id}/opgaventabel (JSON, CSV, XLSX) and /api/v1/gebieden/{id}/rapport (PDF)."""

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gebiedsregie import bounded
from gebiedsregie.api import SettingsDep
from gebiedsregie.auth.access import ActorDep
from gebiedsregie.bounded import Budget, OverBudget
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import FieldError, PayloadTooLarge, ServiceUnavailable
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.rapport import document, downloads
from gebiedsregie.rapport.bladen import tabel_blad
from gebiedsregie.rapport.inhoud import build_inhoud
from gebiedsregie.rapport.opdracht import Afdruk, afdrukken
from gebiedsregie.rapport.schemas import Formaat, FormaatQuery, Opgaventabel
from gebiedsregie.rapport.tabel import as_json, bestandsnaam, build_tabel
from gebiedsregie.stapeling.router import FiltersDep
from gebiedsregie.varianten.query import VariantQuery, situatie

router = APIRouter(tags=["rapport"])
PDF = "application/pdf"
RAPPORT_TEGELIJK = 2  # reports made at once by this process
RAPPORTEN_BEWAARD = 8  # the last reports kept in memory (some 0.5 MB each)
# A voorbeeldgebied takes 2-5 s; the budget stops a pathological one, it is no target.
RAPPORT_BUDGET = Budget(seconds=60.0, memory_mb=1536)
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {},
            downloads.XLSX_MEDIA_TYPE: {},
        }
    },
    400: PROBLEM,
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    413: PROBLEM,
}


@router.get("/gebieden/{gebied_id}/opgaventabel", response_model=Opgaventabel, responses=DOWNLOADS)
def get_opgaventabel(
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    flt: FiltersDep,
    actor: ActorDep,
    variant: VariantQuery = None,
    formaat: FormaatQuery = Formaat.JSON,
) -> Response:
    """De opgaven van een gebied als tabel: per opgave de oppervlakte binnen het gebied, de
    ruimtevraag en de hoogste stapeling op haar, met de filters van de stapeling
    (`min_aantal` filtert vlakken, geen opgaven: hier doet het niets). Als JSON, of als
    download in CSV of Excel. Met `variant`: de opgaven en stapeling van een variant, met per
    opgave wat de variant ermee doet."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    asked = situatie(session, gebied, variant, actor)
    tabel = build_tabel(
        session,
        gebied,
        flt.stapeling,
        settings.stapeling_max_opgaven,
        settings.stapeling_bewaard_max,
        asked,
    )
    if formaat is Formaat.JSON:
        return JSONResponse(as_json(tabel))
    stem = bestandsnaam(gebied, asked, "opgaven")
    return downloads.response([tabel_blad(tabel)], formaat, stem)


class Rapporten:
    """This process's reports: how many are made at once (one more is a 503 with
    Retry-After, not a queue), and the last ones made. A report is deterministic, so the
    same content (data, filters, date) gives the same bytes: a repeated request is answered
    from here."""

    def __init__(self, tegelijk: int, bewaard: int = RAPPORTEN_BEWAARD) -> None:
        self._slots = threading.BoundedSemaphore(tegelijk) if tegelijk else None
        self._lock = threading.Lock()
        self._bewaard = bewaard
        self._pdfs: OrderedDict[str, bytes] = OrderedDict()

    @contextmanager
    def take(self) -> Iterator[None]:
        if self._slots is None or not self._slots.acquire(blocking=False):
            raise ServiceUnavailable(
                "Er worden al zoveel rapporten gemaakt als de server tegelijk doet; probeer "
                "het over enkele seconden opnieuw.",
                headers={"Retry-After": "5"},
            )
        try:
            yield
        finally:
            self._slots.release()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._pdfs.get(key)
            if found is not None:
                self._pdfs.move_to_end(key)
            return found

    def put(self, key: str, pdf: bytes) -> None:
        with self._lock:
            self._pdfs[key] = pdf
            while len(self._pdfs) > self._bewaard:
                self._pdfs.popitem(last=False)


_rapporten_lock = threading.Lock()


def _rapporten(request: Request) -> Rapporten:
    """The app's reports, made on first use."""
    with _rapporten_lock:
        rapporten = getattr(request.app.state, "rapporten", None)
        if rapporten is None:
            rapporten = Rapporten(RAPPORT_TEGELIJK)
            request.app.state.rapporten = rapporten
        return rapporten


@router.get(
    "/gebieden/{gebied_id}/rapport",
    response_class=Response,
    responses={
        200: {"content": {PDF: {}}, "description": "Het rapport, A4, twee tot zes pagina's."},
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
        413: PROBLEM,
        503: PROBLEM,
    },
)
def get_rapport(
    gebied_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    flt: FiltersDep,
    actor: ActorDep,
    variant: VariantQuery = None,
) -> Response:
    """Een rapport van het gebied als PDF, om bij een GS-nota te voegen: kaart van de
    stapeling, kerncijfers, grafieken per diepte en per thema, de thema x thema-matrix, de
    hotspots, de opgaven en de bronnen. Met de filters van de stapeling; `min_aantal` geldt
    voor de vlakken op de kaart. Met `variant`: het rapport van een variant, die de
    titelpagina noemt (naam en status)."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    asked = situatie(session, gebied, variant, actor)
    filename = f"{bestandsnaam(gebied, asked, 'rapport')}.pdf"
    inhoud = build_inhoud(
        session,
        gebied,
        flt.stapeling,
        flt.min_aantal,
        datetime.now(document.TIJDZONE).date(),
        settings.stapeling_max_opgaven,
        settings.stapeling_bewaard_max,
        asked,
    )
    opdracht = document.opdracht(inhoud)
    session.rollback()  # read only: the connection goes back to the pool while we draw
    rapporten = _rapporten(request)
    # The situation's key names a variant and its inhoud_versie: an edit of the variant is
    # never answered with the PDF made before it (the content would say so too; this is sure).
    key = hashlib.sha256(pickle.dumps((asked.key(flt.stapeling), opdracht))).hexdigest()
    pdf = rapporten.get(key)
    if pdf is None:
        with rapporten.take():
            try:
                afdruk: Afdruk = bounded.run(afdrukken, opdracht, budget=RAPPORT_BUDGET)
            except OverBudget:
                raise PayloadTooLarge(
                    f"Het rapport van dit gebied kost meer dan een rapport mag (meer dan "
                    f"{RAPPORT_BUDGET.seconds:g} s of {RAPPORT_BUDGET.memory_mb} MB). Filter "
                    "op thema, status, trekker of horizon, of vraag een hogere min_aantal.",
                    [FieldError("gebied_id", "Te zwaar rapport.", "rapport_te_zwaar")],
                ) from None
        pdf = afdruk.pdf
        rapporten.put(key, pdf)
    return Response(
        pdf,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
