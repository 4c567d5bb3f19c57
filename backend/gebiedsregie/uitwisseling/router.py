"""/api/v1/gebieden/{id}/export (NOVEX GeoJSON, GeoPackage) and /api/v1/import."""

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from gebiedsregie.api import GEOJSON, OutputCrs, SettingsDep
from gebiedsregie.crs import RD
from gebiedsregie.db import SessionDep
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.stapeling.router import FiltersDep
from gebiedsregie.uitwisseling import service
from gebiedsregie.uitwisseling.writers import GEOPACKAGE, novex_geojson, write_gpkg

router = APIRouter(tags=["uitwisseling"])
SCHEMA = Path(__file__).with_name("novex.schema.json")


@router.get("/schemas/novex-export.json")
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
