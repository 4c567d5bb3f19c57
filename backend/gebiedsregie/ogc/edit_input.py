"""What the writes of OGC API Features Part 4 take: JSON bodies of the media types they
name, the CRS of their geometry (`Content-Crs`), and a JSON Merge Patch of a feature, read as
the REST API's partial Feature."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from gebiedsregie.api import FeatureInput, SettingsDep, parse_feature
from gebiedsregie.crs import OGC_SUPPORTED, Crs, parse_crs
from gebiedsregie.errors import FieldError, InvalidInput, UnsupportedMediaType
from gebiedsregie.gebieden.schemas import GebiedFeatureIn, GebiedPatch
from gebiedsregie.ogc.collections import OPGAVEN, Collectie
from gebiedsregie.openapi import schema_ref
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.schemas import OpgaveFeatureIn, OpgaveFields, OpgavePatch
from gebiedsregie.schemas import Geometry
from gebiedsregie.settings import Settings
from gebiedsregie.validation import parse_json

GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"
FEATURE_TYPES = (GEOJSON, "application/json")
PATCH_TYPES = (MERGE_PATCH, *FEATURE_TYPES)

# Members of a GeoJSON Feature a merge patch may hold; a client may echo bbox, links and
# meldingen from what it read (they are ignored).
PATCH_MEMBERS = frozenset({"type", "id", "geometry", "properties", "bbox", "links", "meldingen"})

M = TypeVar("M", bound=BaseModel)


def json_body(types: tuple[str, ...]) -> Callable[[Request, Settings], Awaitable[Any]]:
    """Return a dependency parsing a JSON body of one of `types`; Part 4 asks a 400 when the
    Content-Type is missing (the REST API takes that to be JSON)."""

    async def body(request: Request, settings: SettingsDep) -> Any:
        content_type = request.headers.get("content-type")
        if content_type is None:
            raise InvalidInput(
                "Zeg in de header Content-Type wat het verzoek bevat.",
                [FieldError("Content-Type", f"Verplicht: {', '.join(types)}.", "verplicht")],
            )
        media_type = content_type.split(";")[0].strip().lower()
        if media_type not in types:
            raise UnsupportedMediaType(
                f"Mediatype '{media_type}' wordt hier niet ondersteund; stuur {', '.join(types)}.",
                [FieldError("Content-Type", "Niet ondersteund.", "mediatype")],
            )
        return parse_json(await request.body(), settings.max_body_bytes)

    return body


FeatureBody = Annotated[Any, Depends(json_body(FEATURE_TYPES))]
PatchBody = Annotated[Any, Depends(json_body(PATCH_TYPES))]


def content_crs(
    content_crs: Annotated[
        str | None,
        Header(
            alias="Content-Crs",
            description="CRS van de geometrie in het verzoek: "
            "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> (standaard), "
            "<http://www.opengis.net/def/crs/EPSG/0/28992> of "
            "<http://www.opengis.net/def/crs/EPSG/0/4258>.",
        ),
    ] = None,
) -> Crs:
    """The CRS of the geometry in the request (Part 2's Content-Crs): CRS84 unless said."""
    return parse_crs(content_crs, "Content-Crs", OGC_SUPPORTED)


def output_crs(
    crs: Annotated[str | None, Query(description="CRS84, EPSG:28992 of EPSG:4258.")] = None,
) -> Crs:
    return parse_crs(crs, "crs", OGC_SUPPORTED)


ContentCrsDep = Annotated[Crs, Depends(content_crs)]
OutputCrsDep = Annotated[Crs, Depends(output_crs)]


def opgave_input(
    session: Session,
    collectie: Collectie,
    body: Any,
    model: type[M],
    crs: Crs,
    settings: Settings,
) -> FeatureInput[M]:
    """Validate an opgave Feature as the REST API does; a thema collection fills in its thema
    where a whole opgave leaves it out, and refuses another."""
    whole = model is OpgaveFields
    if collectie.thema and whole and isinstance(body, dict):
        properties = body.get("properties")
        if properties is None or (isinstance(properties, dict) and properties.get("thema") is None):
            body = {**body, "properties": {**(properties or {}), "thema": collectie.thema}}

    def check(properties: dict[str, Any]) -> list[FieldError]:
        errors = opgaven_service.check_thema_property(session, properties)
        thema = properties.get("thema")
        if not errors and collectie.thema and thema is not None and thema != collectie.thema:
            reason = (
                f"Collectie '{collectie.id}' bevat alleen opgaven met thema "
                f"'{collectie.thema}'; een opgave van thema '{thema}' hoort in collectie "
                f"'{OPGAVEN}' of '{OPGAVEN}-{thema}'."
            )
            errors.append(FieldError("properties.thema", reason, "ander_thema"))
        return errors

    return parse_feature(body, model, crs, settings, geometry_required=whole, check=check)


def merge_patch(body: Any, ids: set[str]) -> dict[str, Any]:
    """Return a JSON Merge Patch (RFC 7396) of a GeoJSON feature as the partial Feature the
    REST API takes: properties to set (null unsets one) and, if given, a whole new geometry.

    The id cannot change (Part 4, /req/features/update-json-merge-patch B), nor can the
    geometry or all properties be unset. A member of its own (`{"status": …}` beside
    `properties`) is refused: it would be stored nowhere, and the change would seem made.
    """
    if not isinstance(body, dict):
        raise InvalidInput(
            "Verwacht een JSON Merge Patch van een GeoJSON Feature (een object).",
            [FieldError("body", "Moet een object zijn.", "dict_type")],
        )
    errors = [
        FieldError(
            name, "Onbekend lid van de Feature; eigenschappen horen in properties.", "onbekend"
        )
        for name in body
        if name not in PATCH_MEMBERS
    ]
    if "type" in body and body["type"] != "Feature":
        errors.append(FieldError("type", "Moet 'Feature' zijn, of ontbreken.", "geen_feature"))
    properties = body.get("properties", {})
    if properties is None:
        reason = "Kan niet als geheel worden gewist; zet een eigenschap op null om haar te wissen."
        errors.append(FieldError("properties", reason, "verplicht"))
    fixed = "Het id van een feature kan niet veranderen."
    if "id" in body and str(body["id"]) not in ids:
        errors.append(FieldError("id", fixed, "alleen_lezen"))
    if isinstance(properties, dict) and "id" in properties and str(properties["id"]) not in ids:
        errors.append(FieldError("properties.id", fixed, "alleen_lezen"))
    if "geometry" in body and body["geometry"] is None:
        reason = "Een feature heeft altijd een geometrie; stuur een nieuwe in plaats van null."
        errors.append(FieldError("geometry", reason, "verplicht"))
    if errors:
        raise InvalidInput(f"Het verzoek bevat {len(errors)} ongeldig(e) veld(en).", errors)
    return {"type": "Feature", "properties": properties, "geometry": body.get("geometry")}


def openapi_body(patch: bool = False) -> dict[str, Any]:
    """`openapi_extra` for a body of an opgave or gebied Feature, or a merge patch of one."""
    if patch:
        partial = {"oneOf": [schema_ref(OpgavePatch), schema_ref(GebiedPatch)]}
        schema: dict[str, Any] = {
            "type": "object",
            "description": "JSON Merge Patch (RFC 7396) van de GeoJSON Feature: eigenschappen "
            "om te zetten (null wist er een) en eventueel een nieuwe geometrie.",
            "properties": {"geometry": schema_ref(Geometry), "properties": partial},
        }
        types: tuple[str, ...] = PATCH_TYPES
    else:
        schema = {"oneOf": [schema_ref(OpgaveFeatureIn), schema_ref(GebiedFeatureIn)]}
        types = FEATURE_TYPES
    content = {t: {"schema": schema} for t in types}
    return {"requestBody": {"required": True, "content": content}}
