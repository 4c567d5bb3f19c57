"""OGC API - Features Part 4 (draft, OGC 20-002): create, replace, update and delete the
features of the gebieden and opgaven collections under /ogc, through their services.

The rules are those of the REST API: the planner role, If-Match against the versie (412),
`Content-Crs`, the geometry checks, problem+json naming the property, and the audit trail
(the database records every change with who made it). Properties that the server keeps (id,
versie, oppervlakte_ha, gebieden, aangemaakt_op, gewijzigd_op) are ignored on input, as in the
REST API, so a client may send back what it read; only a change of the id is refused (PATCH).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from gebiedsregie.api import (
    IfMatch,
    SettingsDep,
    etag,
    feature_response,
    parse_feature,
    write_versioned,
)
from gebiedsregie.auth.access import ActorDep, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.auth.service import Actor
from gebiedsregie.crs import Crs
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import MethodNotAllowed, NotFound
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.gebieden.schemas import GebiedFields, GebiedPatch
from gebiedsregie.geometry import CheckedGeometry
from gebiedsregie.ogc.collections import GEBIEDEN, OPGAVEN, Collectie, get_collectie, item
from gebiedsregie.ogc.edit_input import (
    FEATURE_TYPES,
    GEOJSON,
    PATCH_TYPES,
    ContentCrsDep,
    FeatureBody,
    OutputCrsDep,
    PatchBody,
    merge_patch,
    openapi_body,
    opgave_input,
)
from gebiedsregie.openapi import PROBLEM
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.ligging import ligging
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.opgaven.schemas import OpgaveFields, OpgavePatch
from gebiedsregie.settings import Settings

router = APIRouter(prefix="/ogc", tags=["ogc"])

SPEC = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf"
CONFORMANCE = [
    f"{SPEC}/create-replace-delete",
    f"{SPEC}/update",
    f"{SPEC}/optimistic-locking-etags",
    f"{SPEC}/features",
]
WRITABLE = (GEBIEDEN, OPGAVEN)
READ_ONLY_ALLOW = "GET, OPTIONS"
ITEMS = "/collections/{collection_id}/items"
ITEM = "/collections/{collection_id}/items/{feature_id}"


def etag_headers(collectie: Collectie, feature: dict[str, Any]) -> dict[str, str]:
    """Return the ETag of a feature that can be changed here: the REST API's, from its versie."""
    if collectie.soort not in WRITABLE:
        return {}
    return {"ETag": etag(feature["properties"]["versie"])}


def _may_write(actor: Actor | None) -> bool:
    return actor is not None and actor.rol.mag(Rol.PLANNER)


def writable_collectie(collection_id: str, session: SessionDep, actor: ActorDep) -> Collectie:
    """Return the collection written to: 404 if unknown, 405 if it cannot be changed (the
    stapeling is computed, a referentielaag imported), then 401 or 403 for who asks."""
    collectie = get_collectie(session, collection_id)
    if collectie.soort not in WRITABLE:
        raise MethodNotAllowed(
            f"Collectie '{collectie.id}' is alleen te lezen; "
            "alleen gebieden en opgaven zijn hier te bewerken.",
            headers={"Allow": READ_ONLY_ALLOW},
        )
    require(Rol.PLANNER)(actor)
    return collectie


WritableDep = Annotated[Collectie, Depends(writable_collectie)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _missing(collectie: Collectie, feature_id: str) -> NotFound:
    return NotFound(f"Feature '{feature_id}' bestaat niet in collectie '{collectie.id}'.")


def _opgave(session: Session, collectie: Collectie, feature_id: str) -> Opgave:
    """The live opgave of the collection (a thema collection holds its own thema only)."""
    opgave = opgaven_service.find_opgave(session, feature_id)
    if opgave is None or (collectie.thema and opgave.thema != collectie.thema):
        raise _missing(collectie, feature_id)
    return opgave


def _gebied(session: Session, collectie: Collectie, feature_id: str) -> Gebied:
    """The live gebied, by id (or slug, as the collection serves it)."""
    gebied = gebieden_service.find_gebied(session, feature_id)
    if gebied is None:
        raise _missing(collectie, feature_id)
    return gebied


def _response(
    request: Request,
    session: Session,
    collectie: Collectie,
    changed: Opgave | Gebied,
    crs: Crs,
    checked: CheckedGeometry | None,
    created: bool = False,
) -> Response:
    """The feature as GET serves it, with its ETag, and what was done to its geometry or
    where the opgave lies among the gebieden (`meldingen`, as in the REST API)."""
    feature = item(session, collectie, str(changed.id), crs)
    collection = f"{_base(request)}/collections/{collectie.id}"
    href = f"{collection}/items/{changed.id}"
    feature["links"] = [
        {"href": href, "rel": "self", "type": GEOJSON, "title": "Deze feature"},
        {"href": collection, "rel": "collection", "type": "application/json",
         "title": collectie.title},
    ]  # fmt: skip
    meldingen = list(checked.messages) if checked else []
    if isinstance(changed, Opgave) and checked is not None:
        meldingen.extend(ligging(session, checked.geom).meldingen())
    if meldingen:
        feature["meldingen"] = meldingen
    return feature_response(feature, crs, changed.versie, href if created else None)


def _written(status: int, **headers: str) -> dict[int | str, dict[str, Any]]:
    """`responses` of a write: its success with `headers` (name: description), or a problem;
    a change of what exists also for its If-Match (412, 428) or a concurrent change (409)."""
    described = {
        name: {"description": description, "schema": {"type": "string"}}
        for name, description in headers.items()
    }
    answer: dict[str, Any] = {"description": "Gelukt.", "headers": described}
    if status != 204:
        answer["content"] = {GEOJSON: {}}
    problems = [404, 405, 409] if status == 201 else [404, 405, 409, 412, 428]
    return {status: answer, **dict.fromkeys(problems, PROBLEM)}


@router.post(
    ITEMS,
    summary="Feature toevoegen",
    status_code=201,
    responses=_written(201, Location="De URI van de nieuwe feature.", ETag="Haar versie."),
    openapi_extra=openapi_body(),
)
def create_item(
    collectie: WritableDep,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    body: FeatureBody,
    content_crs: ContentCrsDep,
    crs: OutputCrsDep,
) -> Response:
    """Voeg een gebied of opgave toe, als GeoJSON Feature (OGC API Features Part 4)."""
    changed: Opgave | Gebied
    if collectie.soort == OPGAVEN:
        opgave = opgave_input(session, collectie, body, OpgaveFields, content_crs, settings)
        assert opgave.geometry is not None
        checked = opgave.geometry
        changed = opgaven_service.create_opgave(session, opgave.fields.model_dump(), checked.geom)
    else:
        gebied = parse_feature(body, GebiedFields, content_crs, settings, geometry_required=True)
        assert gebied.geometry is not None
        checked = gebied.geometry
        changed = gebieden_service.create_gebied(session, gebied.fields.model_dump(), checked.geom)
    return _response(request, session, collectie, changed, crs, checked, created=True)


def _update(
    session: Session,
    collectie: Collectie,
    feature_id: str,
    if_match: str | None,
    settings: Settings,
    values: dict[str, Any],
    checked: CheckedGeometry | None,
) -> Opgave | Gebied:
    """Change the opgave or gebied under If-Match (PUT and PATCH): `values` and, when
    given, the checked geometry."""
    geom = checked.geom if checked is not None else None
    if collectie.soort == OPGAVEN:
        return write_versioned(
            lambda: _opgave(session, collectie, feature_id),
            if_match,
            settings,
            lambda current: opgaven_service.update_opgave(session, current, values, geom),
        )
    return write_versioned(
        lambda: _gebied(session, collectie, feature_id),
        if_match,
        settings,
        lambda current: gebieden_service.update_gebied(session, current, values, geom),
    )


@router.put(
    ITEM,
    summary="Feature vervangen",
    responses=_written(200, ETag="De nieuwe versie."),
    openapi_extra=openapi_body(),
)
def replace_item(
    collectie: WritableDep,
    feature_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    body: FeatureBody,
    content_crs: ContentCrsDep,
    crs: OutputCrsDep,
    if_match: IfMatch = None,
) -> Response:
    """Vervang een gebied of opgave geheel: geometrie en alle eigenschappen. Een id in de
    Feature wordt genegeerd: dat van de URL geldt."""
    if collectie.soort == OPGAVEN:
        _opgave(session, collectie, feature_id)  # 404 before looking at the body
        opgave = opgave_input(session, collectie, body, OpgaveFields, content_crs, settings)
        assert opgave.geometry is not None
        checked, values = opgave.geometry, opgave.fields.model_dump()
    else:
        _gebied(session, collectie, feature_id)
        gebied = parse_feature(body, GebiedFields, content_crs, settings, geometry_required=True)
        assert gebied.geometry is not None
        checked, values = gebied.geometry, gebied.fields.replace_values()
    changed = _update(session, collectie, feature_id, if_match, settings, values, checked)
    return _response(request, session, collectie, changed, crs, checked)


@router.patch(
    ITEM,
    summary="Feature wijzigen",
    responses=_written(200, ETag="De nieuwe versie."),
    openapi_extra=openapi_body(patch=True),
)
def update_item(
    collectie: WritableDep,
    feature_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    body: PatchBody,
    content_crs: ContentCrsDep,
    crs: OutputCrsDep,
    if_match: IfMatch = None,
) -> Response:
    """Wijzig een deel van een gebied of opgave met een JSON Merge Patch (RFC 7396) van de
    GeoJSON Feature: `properties` om te zetten (null wist er een), `geometry` om te vervangen."""
    if collectie.soort == OPGAVEN:
        found = _opgave(session, collectie, feature_id)
        document = merge_patch(body, {feature_id, str(found.id)})
        opgave = opgave_input(session, collectie, document, OpgavePatch, content_crs, settings)
        checked = opgave.geometry
        values = opgave.fields.model_dump(include=opgave.fields.model_fields_set)
    else:
        gebied_found = _gebied(session, collectie, feature_id)
        document = merge_patch(body, {feature_id, str(gebied_found.id), gebied_found.slug})
        gebied = parse_feature(
            document, GebiedPatch, content_crs, settings, geometry_required=False
        )
        checked = gebied.geometry
        values = gebied.fields.model_dump(include=gebied.fields.model_fields_set)
    changed = _update(session, collectie, feature_id, if_match, settings, values, checked)
    return _response(request, session, collectie, changed, crs, checked)


@router.delete(ITEM, summary="Feature verwijderen", status_code=204, responses=_written(204))
def delete_item(
    collectie: WritableDep,
    feature_id: str,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Verwijder een gebied of opgave; daarna geeft de feature 404. Een beheerder kan haar
    herstellen via de REST API (zie haar historie)."""
    if collectie.soort == OPGAVEN:
        write_versioned(
            lambda: _opgave(session, collectie, feature_id),
            if_match,
            settings,
            lambda current: opgaven_service.delete_opgave(session, current),
        )
    else:
        write_versioned(
            lambda: _gebied(session, collectie, feature_id),
            if_match,
            settings,
            lambda current: gebieden_service.delete_gebied(session, current),
        )
    return Response(status_code=204)


def _options(allow: str, **headers: str) -> Response:
    return Response(status_code=200, headers={"Allow": allow, **headers})


@router.options(
    ITEMS,
    summary="Methoden van de features",
    response_class=Response,  # no body: only its headers
    responses={200: {"description": "Allow en Accept-headers, zonder inhoud."}, 404: PROBLEM},
)
def items_options(collection_id: str, session: SessionDep, actor: ActorDep) -> Response:
    """Welke methoden deze collectie voor u toestaat (`Allow`), en wat POST aanneemt."""
    collectie = get_collectie(session, collection_id)
    if collectie.soort not in WRITABLE or not _may_write(actor):
        return _options(READ_ONLY_ALLOW)
    return _options("GET, POST, OPTIONS", **{"Accept-Post": ", ".join(FEATURE_TYPES)})


@router.options(
    ITEM,
    summary="Methoden van een feature",
    response_class=Response,  # no body: only its headers
    responses={200: {"description": "Allow en Accept-headers, zonder inhoud."}, 404: PROBLEM},
)
def item_options(
    collection_id: str, feature_id: str, session: SessionDep, actor: ActorDep
) -> Response:
    """Welke methoden deze feature voor u toestaat (`Allow`), en wat PATCH aanneemt."""
    collectie = get_collectie(session, collection_id)
    if collectie.soort not in WRITABLE:
        return _options(READ_ONLY_ALLOW)
    if collectie.soort == OPGAVEN:
        _opgave(session, collectie, feature_id)
    else:
        _gebied(session, collectie, feature_id)
    if not _may_write(actor):
        return _options(READ_ONLY_ALLOW)
    return _options("GET, PUT, PATCH, DELETE, OPTIONS", **{"Accept-Patch": ", ".join(PATCH_TYPES)})
