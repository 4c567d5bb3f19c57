"""/api/v1/referentielagen: what is already there (Natura 2000, water, soil), and its
objecten as GeoJSON. Reading is as for gebieden; the metadata is the beheerder's.

The objecten come with an import: `POST /api/v1/import` with `referentielaag` (see
uitwisseling/router.py), or `gebiedsregie import FILE --referentielaag NAAM`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gebiedsregie.api import (
    BboxCrs,
    IfMatch,
    JsonBody,
    OutputCrs,
    PageDep,
    SettingsDep,
    collection_response,
    parse_bbox,
    write_versioned,
)
from gebiedsregie.auth.access import needs_beheerder
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.geometry import bbox_polygon, to_geojsons
from gebiedsregie.openapi import PROBLEM, geojson_body, geojson_responses, write_responses
from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.models import LaagSoort, Referentielaag
from gebiedsregie.referentielagen.schemas import (
    ReferentielaagCreate,
    ReferentielaagPatch,
    ReferentielaagRead,
    ReferentielagenRead,
    ReferentieobjectCollection,
    laag_json,
)
from gebiedsregie.validation import validate_model

router = APIRouter(prefix="/referentielagen", tags=["referentielagen"])
READ: dict[int | str, dict[str, Any]] = {404: PROBLEM, 410: PROBLEM}


def json_body(model: type[BaseModel], patch: bool = False) -> dict[str, Any]:
    """Return `openapi_extra` documenting a plain JSON request body of `model`."""
    extra = geojson_body(model, patch)  # registers the model among the schemas
    extra["requestBody"]["content"].pop("application/geo+json")
    return extra


def _validated(model: type[BaseModel], body: Any) -> Any:
    errors: list[FieldError] = []
    if not isinstance(body, dict):
        raise InvalidInput(
            "Verwacht een JSON-object.", [FieldError("body", "Moet een object zijn.", "dict_type")]
        )
    fields = validate_model(model, body, "", errors)
    if errors or fields is None:
        raise InvalidInput(f"Het verzoek bevat {len(errors)} ongeldig(e) veld(en).", errors)
    return fields


def _response(laag: Referentielaag, status_code: int = 200) -> JSONResponse:
    headers = {"ETag": f'"{laag.versie}"'}
    if status_code == 201:
        headers["Location"] = f"/api/v1/referentielagen/{laag.slug}"
    return JSONResponse(laag_json(laag), status_code=status_code, headers=headers)


@router.get("", response_model=ReferentielagenRead)
def list_referentielagen(
    session: SessionDep,
    soort: Annotated[LaagSoort | None, Query(description="Alleen sturend of informatief.")] = None,
) -> JSONResponse:
    """Alle referentielagen met hun bron, licentie, peildatum, soort, kleur en aantal
    objecten; sturende eerst."""
    lagen = service.list_lagen(session, soort)
    return JSONResponse({"referentielagen": [laag_json(laag) for laag in lagen]})


@router.get("/{slug}", response_model=ReferentielaagRead, responses=READ)
def get_referentielaag(slug: str, session: SessionDep) -> JSONResponse:
    """Eén referentielaag, op slug of id."""
    return _response(service.get_laag(session, slug))


@router.get(
    "/{slug}/objecten",
    response_model=ReferentieobjectCollection,
    responses={**geojson_responses(), 410: PROBLEM},  # a deleted laag
)
def list_objecten(
    slug: str,
    request: Request,
    session: SessionDep,
    crs: OutputCrs,
    bbox_crs: BboxCrs,
    page: PageDep,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in bbox-crs.")] = None,
) -> Response:
    """De objecten van een referentielaag (vlakken, onvereenvoudigd, met hun attributen uit
    de bron in `eigenschappen`), gepagineerd, als GeoJSON FeatureCollection."""
    box = parse_bbox(bbox)
    laag = service.get_laag(session, slug)
    bbox_rd = bbox_polygon(box, bbox_crs) if box else None
    rows, matched = service.list_objecten(session, laag, page.limit, page.offset, bbox_rd)
    geometries = to_geojsons([shape for _, shape in rows], crs)
    features = [
        {
            "type": "Feature",
            "id": str(obj.id),
            "geometry": geometry,
            "properties": {
                "laag": laag.slug,
                "naam": obj.naam,
                "extern_id": obj.extern_id,
                "eigenschappen": obj.eigenschappen,
            },
        }
        for (obj, _), geometry in zip(rows, geometries, strict=True)
    ]
    return collection_response(request, page, features, matched, crs)


@router.post(
    "",
    status_code=201,
    response_model=ReferentielaagRead,
    responses={400: PROBLEM, **write_responses()},
    dependencies=[needs_beheerder],
    openapi_extra=json_body(ReferentielaagCreate),
)
def create_referentielaag(session: SessionDep, body: JsonBody) -> JSONResponse:
    """Maak een referentielaag aan (alleen de metadata; de objecten komen met een import)."""
    fields = _validated(ReferentielaagCreate, body)
    return _response(service.create_laag(session, fields.model_dump()), 201)


@router.patch(
    "/{slug}",
    response_model=ReferentielaagRead,
    responses={400: PROBLEM, 404: PROBLEM, **write_responses()},
    dependencies=[needs_beheerder],
    openapi_extra=json_body(ReferentielaagPatch, patch=True),
)
def patch_referentielaag(
    slug: str, session: SessionDep, settings: SettingsDep, body: JsonBody, if_match: IfMatch = None
) -> JSONResponse:
    """Wijzig de metadata van een referentielaag (JSON merge patch)."""
    service.get_laag(session, slug)  # 404 or 410 before looking at the body
    fields = _validated(ReferentielaagPatch, body)
    values = fields.model_dump(include=fields.model_fields_set)
    laag = write_versioned(
        lambda: service.get_laag(session, slug),
        if_match,
        settings,
        lambda current: service.update_laag(session, current, values),
    )
    return _response(laag)


@router.delete(
    "/{slug}",
    status_code=204,
    responses={404: PROBLEM, **write_responses()},
    dependencies=[needs_beheerder],
)
def delete_referentielaag(
    slug: str, session: SessionDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    """Verwijder een referentielaag (zacht: ze blijft in de historie)."""
    write_versioned(
        lambda: service.get_laag(session, slug),
        if_match,
        settings,
        lambda current: service.delete_laag(session, current),
    )
    return Response(status_code=204)
