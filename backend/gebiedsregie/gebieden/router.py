"""/api/v1/gebieden"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from gebiedsregie.api import (
    ContentCrs,
    IfMatch,
    JsonBody,
    OutputCrs,
    PageDep,
    SettingsDep,
    collection_response,
    feature_response,
    geo_response,
    parse_feature,
    write_versioned,
)
from gebiedsregie.auth.access import needs_planner
from gebiedsregie.db import SessionDep
from gebiedsregie.gebieden import service
from gebiedsregie.gebieden.models import Gebied, GebiedSoort
from gebiedsregie.gebieden.schemas import (
    GebiedFeature,
    GebiedFeatureCollection,
    GebiedFeatureIn,
    GebiedFields,
    GebiedPatch,
    gebied_feature,
)
from gebiedsregie.geometry import CheckedGeometry, to_geojson
from gebiedsregie.openapi import PROBLEM, geojson_body, geojson_responses, write_responses

router = APIRouter(prefix="/gebieden", tags=["gebieden"])
provincies_router = APIRouter(prefix="/provincies", tags=["referentie"])


@provincies_router.get("", responses=geojson_responses())
def list_provincies(session: SessionDep, crs: OutputCrs) -> Response:
    """De provinciegrenzen (uit de CBS-gemeenten, vereenvoudigd), als referentie op de kaart."""
    features = [
        {
            "type": "Feature",
            "id": naam,
            "geometry": to_geojson(outline, crs),
            "properties": {"naam": naam, "aantal_gemeenten": n, "bron": service.PROVINCIE_BRON},
        }
        for naam, n, outline in service.provincie_outlines(session)
    ]
    return geo_response({"type": "FeatureCollection", "features": features}, crs)


def _response(
    gebied: Gebied, crs: OutputCrs, created: bool = False, checked: CheckedGeometry | None = None
) -> Response:
    feature = gebied_feature(gebied, service.gebied_shape(gebied), crs)
    location = f"/api/v1/gebieden/{gebied.id}" if created else None
    return feature_response(feature, crs, gebied.versie, location, checked)


@router.get("", response_model=GebiedFeatureCollection, responses=geojson_responses())
def list_gebieden(
    request: Request,
    session: SessionDep,
    crs: OutputCrs,
    page: PageDep,
    soort: Annotated[list[GebiedSoort] | None, Query(description="Filter op soort.")] = None,
) -> Response:
    """Alle gebieden, als GeoJSON FeatureCollection."""
    gebieden, matched = service.list_gebieden(session, soort or [], page.limit, page.offset)
    features = [gebied_feature(g, service.gebied_shape(g), crs) for g in gebieden]
    return collection_response(request, page, features, matched, crs)


@router.post(
    "",
    status_code=201,
    response_model=GebiedFeature,
    responses=geojson_responses(201, write=True),
    dependencies=[needs_planner],
    openapi_extra=geojson_body(GebiedFeatureIn),
)
def create_gebied(
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
) -> Response:
    """Maak een gebied aan. Provincies en gemeenten worden afgeleid als ze ontbreken."""
    feature = parse_feature(body, GebiedFields, content_crs, settings, geometry_required=True)
    assert feature.geometry is not None
    gebied = service.create_gebied(session, feature.fields.model_dump(), feature.geometry.geom)
    return _response(gebied, crs, True, feature.geometry)


@router.get("/{gebied_id}", response_model=GebiedFeature, responses=geojson_responses())
def get_gebied(gebied_id: str, session: SessionDep, crs: OutputCrs) -> Response:
    """Eén gebied, op id of slug."""
    return _response(service.get_gebied(session, gebied_id), crs)


@router.put(
    "/{gebied_id}",
    response_model=GebiedFeature,
    responses=geojson_responses(write=True),
    dependencies=[needs_planner],
    openapi_extra=geojson_body(GebiedFeatureIn),
)
def replace_gebied(
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
    if_match: IfMatch = None,
) -> Response:
    """Vervang een gebied geheel: geometrie en alle eigenschappen."""
    service.get_gebied(session, gebied_id)  # 404 or 410 before looking at the body
    feature = parse_feature(body, GebiedFields, content_crs, settings, geometry_required=True)
    assert feature.geometry is not None
    values, geom = feature.fields.replace_values(), feature.geometry.geom
    gebied = write_versioned(
        lambda: service.get_gebied(session, gebied_id),
        if_match,
        settings,
        lambda current: service.update_gebied(session, current, values, geom),
    )
    return _response(gebied, crs, checked=feature.geometry)


@router.patch(
    "/{gebied_id}",
    response_model=GebiedFeature,
    responses=geojson_responses(write=True),
    dependencies=[needs_planner],
    openapi_extra=geojson_body(GebiedFeatureIn, patch=True),
)
def patch_gebied(
    gebied_id: str,
    session: SessionDep,
    settings: SettingsDep,
    body: JsonBody,
    content_crs: ContentCrs,
    crs: OutputCrs,
    if_match: IfMatch = None,
) -> Response:
    """Wijzig een deel van een gebied (JSON merge patch); geometrie is optioneel."""
    service.get_gebied(session, gebied_id)  # 404 or 410 before looking at the body
    feature = parse_feature(body, GebiedPatch, content_crs, settings, geometry_required=False)
    values = feature.fields.model_dump(include=feature.fields.model_fields_set)
    geom = feature.geometry.geom if feature.geometry else None
    gebied = write_versioned(
        lambda: service.get_gebied(session, gebied_id),
        if_match,
        settings,
        lambda current: service.update_gebied(session, current, values, geom),
    )
    return _response(gebied, crs, checked=feature.geometry)


@router.delete(
    "/{gebied_id}",
    status_code=204,
    responses={404: PROBLEM, **write_responses()},
    dependencies=[needs_planner],
)
def delete_gebied(
    gebied_id: str, session: SessionDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    """Verwijder een gebied. Opgaven blijven bestaan: hun koppeling is ruimtelijk."""
    write_versioned(
        lambda: service.get_gebied(session, gebied_id),
        if_match,
        settings,
        lambda current: service.delete_gebied(session, current),
    )
    return Response(status_code=204)
