"""/api/v1/opgaven and /api/v1/themas"""

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from gebiedsregie.api import (
    BboxCrs,
    ContentCrs,
    FeatureInput,
    IfMatch,
    JsonBody,
    OutputCrs,
    PageDep,
    SettingsDep,
    collection_response,
    feature_response,
    parse_bbox,
    parse_feature,
    write_versioned,
)
from gebiedsregie.auth.access import needs_planner
from gebiedsregie.bounded import repair_budget
from gebiedsregie.crs import Crs
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import InvalidInput
from gebiedsregie.geometry import CheckedGeometry, GeometryRejected, bbox_polygon, check_geometry
from gebiedsregie.openapi import PROBLEM, geojson_body, geojson_responses, write_responses
from gebiedsregie.opgaven import service
from gebiedsregie.opgaven.ligging import ligging
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.opgaven.schemas import (
    BuitenGebiedenQuery,
    HorizonTotQuery,
    LiggingRead,
    OpgaveFeature,
    OpgaveFeatureCollection,
    OpgaveFeatureIn,
    OpgaveFields,
    OpgavePatch,
    StatusQuery,
    ThemaQuery,
    ThemaRead,
    TrekkerQuery,
    opgave_feature,
    opgave_features,
)
from gebiedsregie.settings import Settings

M = TypeVar("M", OpgaveFields, OpgavePatch)

router = APIRouter(prefix="/opgaven", tags=["opgaven"])
themas_router = APIRouter(prefix="/themas", tags=["themas"])


@themas_router.get("", response_model=list[ThemaRead])
def list_themas(session: SessionDep) -> list[ThemaRead]:
    """De themas waarin opgaven vallen, met hun kleur op de kaart."""
    return [ThemaRead.model_validate(t, from_attributes=True) for t in service.list_themas(session)]


def _parse(
    session: Session, body: Any, model: type[M], crs: Crs, settings: Settings
) -> FeatureInput[M]:
    """Validate an opgave Feature; the thema is checked against the themas in the database.

    A whole opgave (POST, PUT) needs a geometry; a patch may leave it out.
    """
    return parse_feature(
        body,
        model,
        crs,
        settings,
        geometry_required=model is OpgaveFields,
        check=lambda properties: service.check_thema_property(session, properties),
    )


def _response(
    session: Session,
    opgave: Opgave,
    crs: OutputCrs,
    created: bool = False,
    checked: CheckedGeometry | None = None,
) -> Response:
    gebieden = service.gebieden_of(session, [opgave.id])[opgave.id]
    shape = service.opgave_shape(opgave)
    feature = opgave_feature(opgave, shape, gebieden, crs)
    location = f"/api/v1/opgaven/{opgave.id}" if created else None
    # What was done to the geometry, then where the opgave now lies among the gebieden.
    meldingen = [*(checked.messages if checked else []), *ligging(session, shape).meldingen()]
    if meldingen:
        feature["meldingen"] = meldingen
    return feature_response(feature, crs, opgave.versie, location)


@router.get("", response_model=OpgaveFeatureCollection, responses=geojson_responses())
def list_opgaven(
    request: Request,
    session: SessionDep,
    crs: OutputCrs,
    bbox_crs: BboxCrs,
    page: PageDep,
    gebied: Annotated[
        str | None, Query(description="Id of slug van een gebied dat de opgave raakt.")
    ] = None,
    thema: ThemaQuery = None,
    status: StatusQuery = None,
    trekker: TrekkerQuery = None,
    horizon: HorizonTotQuery = None,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in bbox-crs.")] = None,
    buiten_gebieden: BuitenGebiedenQuery = None,
) -> Response:
    """Opgaven, gefilterd en gepagineerd, als GeoJSON FeatureCollection."""
    box = parse_bbox(bbox)
    flt = service.OpgaveFilter(
        gebied=gebied,
        themas=thema or [],
        status=status or [],
        trekker=trekker or [],
        horizon_tot=horizon,
        bbox_rd=bbox_polygon(box, bbox_crs) if box else None,
        buiten_gebieden=buiten_gebieden,
    )
    opgaven, matched = service.list_opgaven(session, flt, page.limit, page.offset)
    gebieden = service.gebieden_of(session, [o.id for o in opgaven])
    shapes = [service.opgave_shape(o) for o in opgaven]
    features = opgave_features(opgaven, shapes, gebieden, crs)
    return collection_response(request, page, features, matched, crs)


@router.post(
    "",
    status_code=201,
    response_model=OpgaveFeature,
    responses=geojson_responses(201, write=True),
    dependencies=[needs_planner],
    openapi_extra=geojson_body(OpgaveFeatureIn),
)
def create_opgave(
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
) -> Response:
    """Maak een opgave aan."""
    feature = _parse(session, body, OpgaveFields, content_crs, settings)
    assert feature.geometry is not None
    opgave = service.create_opgave(session, feature.fields.model_dump(), feature.geometry.geom)
    return _response(session, opgave, crs, True, feature.geometry)


@router.post(
    "/ligging",
    response_model=LiggingRead,
    responses={400: PROBLEM, 401: PROBLEM, 403: PROBLEM},
    dependencies=[needs_planner],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"$ref": "#/components/schemas/Geometry"}}
                for t in ("application/geo+json", "application/json")
            },
        }
    },
)
def check_ligging(
    session: SessionDep, settings: SettingsDep, body: JsonBody, content_crs: ContentCrs
) -> JSONResponse:
    """Waar zou een opgave liggen? De gebieden die een geometrie (of Feature) raakt, met het
    aandeel erbinnen, en de meldingen die opslaan zou geven. Er wordt niets opgeslagen."""
    is_feature = isinstance(body, dict) and body.get("type") == "Feature"
    geometry = body.get("geometry") if is_feature else body
    try:
        checked = check_geometry(
            geometry, content_crs, settings.max_vertices, budget=repair_budget(settings)
        )
    except GeometryRejected as exc:
        raise InvalidInput("De geometrie is ongeldig.", exc.errors) from None
    found = ligging(session, checked.geom)
    return JSONResponse(
        {
            "gebieden": [
                {
                    "id": str(g.id),
                    "slug": g.slug,
                    "naam": g.naam,
                    "aandeel_binnen": round(g.aandeel_binnen, 4),
                }
                for g in found.gebieden
            ],
            "aandeel_buiten": round(found.aandeel_buiten, 4),
            "meldingen": [*checked.messages, *found.meldingen()],
        }
    )


@router.get("/{opgave_id}", response_model=OpgaveFeature, responses=geojson_responses())
def get_opgave(opgave_id: str, session: SessionDep, crs: OutputCrs) -> Response:
    """Eén opgave."""
    return _response(session, service.get_opgave(session, opgave_id), crs)


@router.put(
    "/{opgave_id}",
    response_model=OpgaveFeature,
    responses=geojson_responses(write=True),
    dependencies=[needs_planner],
    openapi_extra=geojson_body(OpgaveFeatureIn),
)
def replace_opgave(
    opgave_id: str,
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
    if_match: IfMatch = None,
) -> Response:
    """Vervang een opgave geheel: geometrie en alle eigenschappen."""
    service.get_opgave(session, opgave_id)  # 404 or 410 before looking at the body
    feature = _parse(session, body, OpgaveFields, content_crs, settings)
    assert feature.geometry is not None
    values, geom = feature.fields.model_dump(), feature.geometry.geom
    opgave = write_versioned(
        lambda: service.get_opgave(session, opgave_id),
        if_match,
        settings,
        lambda current: service.update_opgave(session, current, values, geom),
    )
    return _response(session, opgave, crs, checked=feature.geometry)


@router.patch(
    "/{opgave_id}",
    response_model=OpgaveFeature,
    responses=geojson_responses(write=True),
    dependencies=[needs_planner],
    openapi_extra=geojson_body(OpgaveFeatureIn, patch=True),
)
def patch_opgave(
    opgave_id: str,
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
    if_match: IfMatch = None,
) -> Response:
    """Wijzig een deel van een opgave (JSON merge patch); geometrie is optioneel."""
    service.get_opgave(session, opgave_id)  # 404 or 410 before looking at the body
    feature = _parse(session, body, OpgavePatch, content_crs, settings)
    values = feature.fields.model_dump(include=feature.fields.model_fields_set)
    geom = feature.geometry.geom if feature.geometry else None
    opgave = write_versioned(
        lambda: service.get_opgave(session, opgave_id),
        if_match,
        settings,
        lambda current: service.update_opgave(session, current, values, geom),
    )
    return _response(session, opgave, crs, checked=feature.geometry)


@router.delete(
    "/{opgave_id}",
    status_code=204,
    responses={404: PROBLEM, **write_responses()},
    dependencies=[needs_planner],
)
def delete_opgave(
    opgave_id: str, session: SessionDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    """Verwijder een opgave."""
    write_versioned(
        lambda: service.get_opgave(session, opgave_id),
        if_match,
        settings,
        lambda current: service.delete_opgave(session, current),
    )
    return Response(status_code=204)
