"""/api/v1/gebieden/{id}/export (NOVEX GeoJSON, GeoPackage) and /api/v1/import (also its
inspectie of a file, and the voortgang of a running import)."""

import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio.from_thread
from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from gebiedsregie.api import GEOJSON, OutputCrs, SettingsDep
from gebiedsregie.auth.access import ActorDep, Beheerder, needs_beheerder, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.crs import RD
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    RequestTimeout,
)
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.router import FiltersDep
from gebiedsregie.uitwisseling import inspectie, referentie, service
from gebiedsregie.uitwisseling.voortgang import SLEUTEL, Voortgang
from gebiedsregie.uitwisseling.writers import (
    GEOPACKAGE,
    export_filename,
    novex_geojson,
    write_gpkg,
)
from gebiedsregie.validation import check_size
from gebiedsregie.varianten.query import VariantQuery
from gebiedsregie.varianten.stapeling import VariantSituatie

log = logging.getLogger(__name__)
router = APIRouter(tags=["uitwisseling"])
SCHEMA = Path(__file__).with_name("novex.schema.json")


@router.get(
    "/schemas/novex-export.json",
    response_class=FileResponse,
    responses={200: {"content": {"application/schema+json": {}}}},
)
def novex_schema() -> FileResponse:
    """Het JSON Schema van de NOVEX-export (profiel gebiedsregie-novex 1.0)."""
    return FileResponse(SCHEMA, media_type="application/schema+json")


class Formaat(StrEnum):
    GEOJSON = "geojson"
    GPKG = "gpkg"


@router.get(
    "/gebieden/{gebied_id}/export",
    responses={
        200: {"content": {GEOJSON: {}, GEOPACKAGE: {}}},
        400: PROBLEM,
        404: PROBLEM,
    },
)
def export_gebied(
    request: Request,
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    crs: OutputCrs,
    filters: FiltersDep,
    actor: ActorDep,
    variant: VariantQuery = None,
    formaat: Annotated[
        Formaat,
        Query(
            description="geojson (NOVEX-profiel; standaard CRS84) of gpkg (GeoPackage; "
            "standaard RD New). `crs` kiest het andere stelsel."
        ),
    ] = Formaat.GEOJSON,
) -> Response:
    """Het gebied, zijn opgaven en zijn stapeling als NOVEX-GeoJSON of GeoPackage.

    De bestandsnaam noemt het stelsel (…-novex-rd-….gpkg, …-novex-crs84-….geojson); GeoJSON
    in RD New draagt het `crs`-lid dat GDAL en QGIS lezen. Met `variant`: de opgaven en
    stapeling van die variant; de metadata noemen de variant en haar status.

    De metadata noemen ook de referentielagen (bron, licentie, links naar hun objecten); de
    GeoPackage bevat hun objecten, geknipt op het gebied, als een laag per referentielaag.
    """
    gebied = gebieden_service.get_gebied(session, gebied_id)
    situatie = None
    if variant is not None:
        require(Rol.LEZER)(actor)
        situatie = VariantSituatie.of(session, gebied, variant)
    export = service.build_export(
        session,
        gebied,
        filters.stapeling,
        settings.stapeling_max_opgaven,
        situatie,
        referentieobjecten=formaat is Formaat.GPKG,  # GeoJSON: the lagen's metadata only
        basis_url=str(request.base_url).rstrip("/"),
    )
    # A variant's file says so in its name: food-valley-variant-1a2b3c4d-novex-rd-….gpkg.
    tag = f"-variant-{str(situatie.variant.id)[:8]}" if situatie is not None else ""
    slug = gebied.slug + tag
    if formaat is Formaat.GPKG:
        # A GeoPackage is for desktop GIS: RD New unless the client asks for another CRS.
        crs = crs if request.query_params.get("crs", "").strip() else RD
        folder = Path(tempfile.mkdtemp(prefix="gebiedsregie-export-"))
        path = folder / export_filename(slug, export.gegenereerd_op, formaat, crs)
        write_gpkg(export, path, crs)
        return FileResponse(
            path,
            media_type=GEOPACKAGE,
            filename=path.name,
            headers={"Content-Crs": crs.header},
            background=BackgroundTask(_remove, folder),
        )
    filename = export_filename(slug, export.gegenereerd_op, formaat, crs)
    return Response(
        novex_geojson(export, crs),
        media_type=GEOJSON,
        headers={
            "Content-Crs": crs.header,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def _remove(folder: Path) -> None:
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()


CHUNK = 1024 * 1024
# Optional form fields: empty in Swagger UI's form until a value is typed. Without an example,
# Swagger UI fills in a sample of the type ("string", 0) and sends it; an empty value it does
# not send (and FastAPI reads an empty form field as absent).
LEEG: list[object] = [""]
Veld = Annotated[
    str | None,
    Form(
        description="Veld in het bestand voor deze eigenschap; `-` voor geen veld (ook niet "
        "een dat op naam gevonden wordt).",
        examples=LEEG,
    ),
]
Bestand = Annotated[
    UploadFile, File(description="GeoJSON, GeoPackage, gezipte Shapefile of (gezipte) GML.")
]
Laag = Annotated[str | None, Form(description="Laag in een bestand met meer lagen.", examples=LEEG)]
ImportCrs = Annotated[
    str | None,
    Form(description="CRS voor een bestand dat er zelf geen noemt (EPSG:28992).", examples=LEEG),
]


_VOORTGANG_LOCK = threading.Lock()


def _voortgang(request: Request) -> Voortgang:
    """The app's registry of running imports, made on first use (by one thread)."""
    state = request.app.state
    with _VOORTGANG_LOCK:
        if not hasattr(state, "import_voortgang"):
            state.import_voortgang = Voortgang()
    registry: Voortgang = state.import_voortgang
    return registry


VoortgangDep = Annotated[Voortgang, Depends(_voortgang)]


def _save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Copy the upload to `folder`, refusing it past `max_bytes` (413). It keeps the stem of
    its name, made safe (GDAL names a GeoJSON's layer after its file)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(upload.filename or "").stem)[:80].strip("_")
    path = folder / (stem or "upload")
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                check_size(size, max_bytes)
            out.write(chunk)
    return path


def _check_declared(request: Request, settings: Settings) -> None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit():
        check_size(int(declared), settings.max_upload_bytes + CHUNK)  # form overhead


@router.post(
    "/import/inspectie",
    responses={
        200: {
            "description": "De lagen van het bestand, hun velden met voorbeelden, het "
            "geometrietype, het CRS en het aantal features."
        },
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        413: PROBLEM,
    },
    dependencies=[needs_beheerder],
)
def inspect_upload(
    request: Request,
    settings: SettingsDep,
    bestand: Bestand,
    laag: Laag = None,
    crs: ImportCrs = None,
) -> JSONResponse:
    """Wat een bestand bevat, zonder te importeren: lagen, velden en de toewijzing die de
    import zou kiezen. Dezelfde controles en grenzen als de import."""
    _check_declared(request, settings)
    folder = Path(tempfile.mkdtemp(prefix="gebiedsregie-inspectie-"))
    try:
        path = _save_upload(bestand, folder, settings.max_upload_bytes)
        inhoud = inspectie.inspect_file(path, bestand.filename or "upload", laag, crs, settings)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return JSONResponse(inhoud)


@router.get(
    "/import/voortgang/{sleutel}",
    responses={
        200: {"description": "Of de import loopt, en hoeveel features gecontroleerd zijn."},
        401: PROBLEM,
        403: PROBLEM,
    },
)
def import_progress(
    sleutel: Annotated[str, PathParam(pattern=f"^{SLEUTEL.pattern}$")],
    actor: Beheerder,
    lopend: VoortgangDep,
) -> JSONResponse:
    """Hoe ver de import is die u startte met dit kenmerk (`voortgang`). Een import die nog
    niet begon, al klaar is of van een ander is, loopt niet (`loopt: false`)."""
    stand = lopend.get(sleutel, actor.naam)
    body = {"loopt": False} if stand is None else {"loopt": True, **stand.as_dict()}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post(
    "/import",
    responses={
        200: {"description": "Het importrapport, per feature."},
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        413: PROBLEM,
    },
)
def import_upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: Beheerder,
    lopend: VoortgangDep,
    bestand: Bestand,
    dry_run: Annotated[
        bool, Form(description="Alleen controleren en rapporteren; niets opslaan.")
    ] = False,
    strikt: Annotated[
        bool, Form(description="Niets opslaan als er ook maar één feature geweigerd wordt.")
    ] = False,
    laag: Laag = None,
    crs: ImportCrs = None,
    thema: Annotated[
        str | None, Form(description="Eén thema voor het hele bestand.", examples=LEEG)
    ] = None,
    trekker: Annotated[
        str | None, Form(description="Trekker als het veld leeg is.", examples=LEEG)
    ] = None,
    status: Annotated[
        str | None, Form(description="Status als het veld leeg is.", examples=LEEG)
    ] = None,
    bron: Annotated[
        str | None, Form(description="Bron als het veld leeg is.", examples=LEEG)
    ] = None,
    buffer_m: Annotated[
        float | None,
        Form(gt=0, le=10_000, description="Buffer in meters voor punten en lijnen.", examples=LEEG),
    ] = None,
    veld_titel: Veld = None,
    veld_thema: Veld = None,
    veld_trekker: Veld = None,
    veld_status: Veld = None,
    veld_horizon: Veld = None,
    veld_beschrijving: Veld = None,
    veld_bron: Veld = None,
    veld_ruimtevraag_ha: Veld = None,
    veld_extern_id: Veld = None,
    voortgang: Annotated[
        str | None,
        Form(
            pattern=f"^{SLEUTEL.pattern}$",
            description="Een willekeurig kenmerk (16-64 tekens: letters, cijfers, -) waaronder "
            "GET /import/voortgang/{sleutel} de voortgang geeft.",
            examples=LEEG,
        ),
    ] = None,
    referentielaag: Annotated[
        str | None,
        Form(
            description="Slug van een referentielaag: vervang haar objecten door de vlakken "
            "van het bestand (alles of niets), in plaats van opgaven te importeren.",
            examples=LEEG,
        ),
    ] = None,
    nieuwe_referentielaag: Annotated[
        str | None,
        Form(
            description="Of importeer in een nieuwe referentielaag: haar metadata als "
            'JSON-object, zoals voor POST /referentielagen (bv. {"naam": "Grondwater", '
            '"soort": "informatief", "kleur": "#1565c0", "bron": …, "licentie": …}). Ze '
            "wordt gemaakt in dezelfde transactie als de import: na een proefimport of een "
            "geweigerd bestand blijft er niets van over.",
            examples=LEEG,
        ),
    ] = None,
) -> JSONResponse:
    """Importeer opgaven uit een bestand, in welk CRS ook; met dry_run alleen het rapport.
    Met `referentielaag`: vervang de objecten van die laag (alleen vlakken; één geweigerde
    feature weigert het bestand); met `nieuwe_referentielaag`: maak de laag en vul haar."""
    _check_declared(request, settings)
    opties = service.ImportOpties(
        dry_run=dry_run,
        strikt=strikt,
        laag=laag,
        crs=crs,
        gekozen={
            "titel": veld_titel,
            "thema": veld_thema,
            "trekker": veld_trekker,
            "status": veld_status,
            "horizon": veld_horizon,
            "beschrijving": veld_beschrijving,
            "bron": veld_bron,
            "ruimtevraag_ha": veld_ruimtevraag_ha,
            "extern_id": veld_extern_id,
        },
        vast={
            "thema": thema,
            "trekker": trekker,
            "status": status,
            "bron": bron,
            "buffer_m": buffer_m,
        },
    )
    run: Callable[..., dict[str, Any]] = partial(service.import_file, opties=opties)
    if referentielaag is not None or nieuwe_referentielaag is not None:
        run = _into_referentielaag(session, referentielaag, nieuwe_referentielaag, opties)
    progress = None
    if voortgang is not None:
        lopend.start(voortgang, actor.naam)
        progress = partial(lopend.update, voortgang)
    folder = Path(tempfile.mkdtemp(prefix="gebiedsregie-import-"))
    try:
        path = _save_upload(bestand, folder, settings.max_upload_bytes)
        report = run(
            session,
            path,
            bestand.filename or "upload",
            settings=settings,
            progress=progress,
            stop=_stop_when(request, settings.import_seconds),
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if voortgang is not None:
            lopend.stop(voortgang)
    return JSONResponse(report)


def _into_referentielaag(
    session: Session, slug: str | None, nieuw: str | None, opties: service.ImportOpties
) -> Callable[..., dict[str, Any]]:
    """Return the import into the referentielaag `slug`, or into the new one `nieuw` (JSON,
    made in the import's transaction); refuse the fields of opgaven."""
    gegeven = [f"veld_{k}" for k, v in opties.gekozen.items() if v is not None]
    gegeven += [k for k, v in opties.vast.items() if v is not None]
    if gegeven:
        raise InvalidInput(
            "Deze velden gelden alleen voor een import van opgaven.",
            [
                FieldError(k, "Geldt niet voor een referentielaag.", "alleen_opgaven")
                for k in gegeven
            ],
        )
    if slug is not None and nieuw is not None:
        reason = "Kies een bestaande referentielaag of een nieuwe, niet beide."
        raise InvalidInput(reason, [FieldError(referentie.NIEUWE_LAAG, reason, "niet_samen")])
    laag = (
        referentielagen_service.get_laag(session, slug)
        if slug is not None
        else referentie.nieuwe_laag(session, str(nieuw))
    )
    laag_opties = referentie.ReferentieOpties(opties.dry_run, opties.laag, opties.crs)
    return partial(referentie.import_file, laag=laag, opties=laag_opties)


def _stop_when(request: Request, seconds: float) -> Callable[[], DomainError | None]:
    """Return the import's question after each batch: has its time run out, or has its
    client gone (then nobody would read the report, and nothing should be stored)?"""
    deadline = time.monotonic() + seconds

    def stop() -> DomainError | None:
        if time.monotonic() > deadline:
            return PayloadTooLarge(
                f"De import duurde langer dan {seconds:g} s en is gestopt; er is niets "
                "opgeslagen. Splits het bestand, of importeer het met `gebiedsregie import`.",
                [FieldError("bestand", "Te veel werk voor één verzoek.", "import_te_lang")],
            )
        if anyio.from_thread.run(request.is_disconnected):
            log.warning("import stopped: the client left; nothing stored")
            return RequestTimeout(
                "De client ging weg; de import is afgebroken en er is niets opgeslagen.",
                [FieldError("bestand", "Afgebroken.", "client_weg")],
            )
        return None

    return stop
