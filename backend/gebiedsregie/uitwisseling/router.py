"""/api/v1/gebieden/{id}/export (NOVEX GeoJSON, GeoPackage) and /api/v1/import."""

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import anyio.from_thread
from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from gebiedsregie.api import GEOJSON, OutputCrs, SettingsDep
from gebiedsregie.auth.access import needs_beheerder
from gebiedsregie.crs import RD
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import DomainError, FieldError, PayloadTooLarge, RequestTimeout
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.stapeling.router import FiltersDep
from gebiedsregie.uitwisseling import service
from gebiedsregie.uitwisseling.writers import GEOPACKAGE, novex_geojson, write_gpkg
from gebiedsregie.validation import check_size

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
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    crs: OutputCrs,
    filters: FiltersDep,
    formaat: Annotated[
        Formaat, Query(description="geojson (NOVEX-profiel) of gpkg (GeoPackage, RD New).")
    ] = Formaat.GEOJSON,
) -> Response:
    """Het gebied, zijn opgaven en zijn stapeling als NOVEX-GeoJSON of GeoPackage."""
    gebied = gebieden_service.get_gebied(session, gebied_id)
    export = service.build_export(
        session, gebied, filters.stapeling, settings.stapeling_max_opgaven
    )
    stem = f"novex-{gebied.slug}-{export.gegenereerd_op:%Y%m%d}"
    if formaat is Formaat.GPKG:
        folder = Path(tempfile.mkdtemp(prefix="gebiedsregie-export-"))
        path = folder / f"{stem}.gpkg"
        write_gpkg(export, path)
        return FileResponse(
            path,
            media_type=GEOPACKAGE,
            filename=path.name,
            headers={"Content-Crs": RD.header},
            background=BackgroundTask(_remove, folder),
        )
    return Response(
        novex_geojson(export, crs),
        media_type=GEOJSON,
        headers={
            "Content-Crs": crs.header,
            "Content-Disposition": f'attachment; filename="{stem}.geojson"',
        },
    )


def _remove(folder: Path) -> None:
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()


CHUNK = 1024 * 1024
Veld = Annotated[str | None, Form(description="Veld in het bestand voor deze eigenschap.")]


def _save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Copy the upload to `folder`, refusing it past `max_bytes` (413)."""
    path = folder / "upload"
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                check_size(size, max_bytes)
            out.write(chunk)
    return path


@router.post(
    "/import",
    responses={
        200: {"description": "Het importrapport, per feature."},
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        413: PROBLEM,
    },
    dependencies=[needs_beheerder],
)
def import_upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    bestand: Annotated[
        UploadFile,
        File(description="GeoJSON, GeoPackage, gezipte Shapefile of (gezipte) GML."),
    ],
    dry_run: Annotated[
        bool, Form(description="Alleen controleren en rapporteren; niets opslaan.")
    ] = False,
    strikt: Annotated[
        bool, Form(description="Niets opslaan als er ook maar één feature geweigerd wordt.")
    ] = False,
    laag: Annotated[str | None, Form(description="Laag in een bestand met meer lagen.")] = None,
    crs: Annotated[
        str | None, Form(description="CRS voor een bestand dat er zelf geen noemt (EPSG:28992).")
    ] = None,
    thema: Annotated[str | None, Form(description="Eén thema voor het hele bestand.")] = None,
    trekker: Annotated[str | None, Form(description="Trekker als het veld leeg is.")] = None,
    status: Annotated[str | None, Form(description="Status als het veld leeg is.")] = None,
    bron: Annotated[str | None, Form(description="Bron als het veld leeg is.")] = None,
    buffer_m: Annotated[
        float | None,
        Form(gt=0, le=10_000, description="Buffer in meters voor punten en lijnen."),
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
) -> JSONResponse:
    """Importeer opgaven uit een bestand, in welk CRS ook; met dry_run alleen het rapport."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit():
        check_size(int(declared), settings.max_upload_bytes + CHUNK)  # form overhead
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
    folder = Path(tempfile.mkdtemp(prefix="gebiedsregie-import-"))
    try:
        path = _save_upload(bestand, folder, settings.max_upload_bytes)
        report = service.import_file(
            session,
            path,
            bestand.filename or "upload",
            opties,
            settings,
            stop=_stop_when(request, settings.import_seconds),
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return JSONResponse(report)


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
