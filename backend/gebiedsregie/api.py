"""What every API router shares: CRS negotiation, GeoJSON bodies, geo responses, paging."""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar, cast

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel
from pydantic_core import PydanticCustomError

from gebiedsregie.bounded import repair_budget
from gebiedsregie.crs import CRS84, Crs, parse_crs
from gebiedsregie.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedCrs,
    UnsupportedMediaType,
)
from gebiedsregie.geometry import CheckedGeometry, GeometryRejected, check_geometry
from gebiedsregie.settings import Settings
from gebiedsregie.validation import DUTCH, parse_json, validate_model

GEOJSON = "application/geo+json"
JSON_TYPES = ("application/json", "application/geo+json", "application/merge-patch+json")
# Fields a client may echo back from a response; they are ignored on input.
READ_ONLY = frozenset(
    {"id", "oppervlakte_ha", "versie", "aangemaakt_op", "gewijzigd_op", "gebieden"}
)
CRS_DESCRIPTION = (
    "CRS van de geometrieën in het antwoord: "
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84 (standaard) of "
    "http://www.opengis.net/def/crs/EPSG/0/28992 (RD New)."
)

ETAG_PATTERN = re.compile(r'(W/)?"[\x21\x23-\x7e]*"')
# PostgreSQL's OFFSET is a bigint: past it a query fails (500) instead of finding nothing.
MAX_OFFSET = 2**63 - 1

M = TypeVar("M", bound=BaseModel)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def _crs_param(field: str) -> AfterValidator:
    # A pydantic validator, so FastAPI reports a bad CRS together with every other bad field.
    def validate(value: str | None) -> Crs:
        try:
            return parse_crs(value, field)
        except UnsupportedCrs as exc:
            error = exc.errors[0]
            raise PydanticCustomError(error.code, error.reason, {DUTCH: True}) from None

    return AfterValidator(validate)


def output_crs(
    crs: Annotated[str | None, Query(description=CRS_DESCRIPTION), _crs_param("crs")] = None,
) -> Crs:
    return cast(Crs, crs) if crs is not None else CRS84


def bbox_crs(
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description="CRS van `bbox`."), _crs_param("bbox-crs")
    ] = None,
) -> Crs:
    return cast(Crs, bbox_crs) if bbox_crs is not None else CRS84


def content_crs(
    content_crs: Annotated[
        str | None,
        Header(alias="Content-Crs", description="CRS van de geometrie in het verzoek."),
        _crs_param("Content-Crs"),
    ] = None,
) -> Crs:
    return cast(Crs, content_crs) if content_crs is not None else CRS84


OutputCrs = Annotated[Crs, Depends(output_crs)]
BboxCrs = Annotated[Crs, Depends(bbox_crs)]
ContentCrs = Annotated[Crs, Depends(content_crs)]


async def json_body(request: Request, settings: SettingsDep) -> Any:
    """Return the request body parsed strictly as JSON."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if media_type not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"Mediatype '{media_type}' wordt niet ondersteund; stuur {', '.join(JSON_TYPES)}.",
            [FieldError("Content-Type", "Niet ondersteund.", "mediatype")],
        )
    # A declared or streamed body past the limit was refused by the middleware already.
    return parse_json(await request.body(), settings.max_body_bytes)


JsonBody = Annotated[Any, Depends(json_body)]


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='De ETag (versie) die u wijzigt, bv. "3"; 412 als die intussen veranderde.',
    ),
]


def etag(versie: int) -> str:
    """Return the ETag of an object at `versie` (a strong entity tag)."""
    return f'"{versie}"'


def check_if_match(if_match: str | None, versie: int, settings: Settings) -> None:
    """Refuse a change whose `If-Match` does not name the current versie (RFC 9110, 13.1.1).

    Strong comparison: a weak tag (W/"3") never matches. Without the header the change goes
    ahead, unless `if_match_verplicht` is set (then 428).
    """
    current = etag(versie)
    if if_match is None:
        if settings.if_match_verplicht:
            raise PreconditionRequired(
                "Stuur de ETag van wat u wijzigt mee in If-Match.",
                [FieldError("If-Match", "Verplicht.", "missing")],
            )
        return
    tags = [t.strip() for t in if_match.split(",") if t.strip()]
    if tags == ["*"]:
        return
    if not tags or not all(ETAG_PATTERN.fullmatch(t) for t in tags):
        raise InvalidInput(
            "Ongeldige If-Match.",
            [FieldError("If-Match", 'Verwacht een ETag zoals "3", of *.', "ongeldige_etag")],
        )
    if current not in tags:
        raise PreconditionFailed(
            f"Intussen gewijzigd: de huidige versie is {versie}. Haal de nieuwe versie op en "
            "breng uw wijziging opnieuw aan.",
            [FieldError("If-Match", f"Verwacht {current}.", "verouderd")],
            headers={"ETag": current},
        )


class Versioned(Protocol):
    versie: int


V = TypeVar("V", bound=Versioned)
T = TypeVar("T")
WRITE_ATTEMPTS = 3


def write_versioned(
    load: Callable[[], V],
    if_match: str | None,
    settings: Settings,
    change: Callable[[V], T],
) -> T:
    """Load an object, check `If-Match` against it, and change it.

    With If-Match, a change committed by someone else between loading and writing is refused
    (412). Without it the client asked for no precondition: the change is made again on the
    fresh object, a few times, and only then refused (409).
    """
    for attempt in range(WRITE_ATTEMPTS):
        current = load()
        check_if_match(if_match, current.versie, settings)
        try:
            return change(current)
        except PreconditionFailed:
            if if_match is not None:
                raise
            if attempt == WRITE_ATTEMPTS - 1:
                raise Conflict(
                    "Het object werd steeds tegelijk door anderen gewijzigd; probeer het opnieuw."
                ) from None
    raise AssertionError("unreachable")


@dataclass
class FeatureInput(Generic[M]):
    """The validated parts of a GeoJSON Feature in a request."""

    fields: M
    geometry: CheckedGeometry | None


def parse_feature(
    body: Any,
    model: type[M],
    crs: Crs,
    settings: Settings,
    *,
    geometry_required: bool,
    check: Callable[[dict[str, Any]], list[FieldError]] | None = None,
) -> FeatureInput[M]:
    """Validate a GeoJSON Feature body; raise one InvalidInput listing every invalid field."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidInput(
            "Verwacht een GeoJSON Feature.",
            [FieldError("type", "Moet 'Feature' zijn.", "geen_feature")],
        )
    errors: list[FieldError] = []
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        errors.append(FieldError("properties", "Moet een object zijn.", "dict_type"))
        properties = {}
    properties = {k: v for k, v in properties.items() if k not in READ_ONLY}
    fields = validate_model(model, properties, "properties", errors)
    if check is not None:
        errors.extend(check(properties))

    geometry = None
    if geometry_required or body.get("geometry") is not None:
        try:
            geometry = check_geometry(
                body.get("geometry"), crs, settings.max_vertices, budget=repair_budget(settings)
            )
        except GeometryRejected as exc:
            errors.extend(exc.errors)
    if errors or fields is None:
        raise InvalidInput(f"Het verzoek bevat {len(errors)} ongeldig(e) veld(en).", errors)
    return FeatureInput(fields, geometry)


def geo_response(content: Any, crs: Crs, status_code: int = 200, **headers: str) -> JSONResponse:
    """Return a GeoJSON response that says its CRS in `Content-Crs`."""
    return JSONResponse(
        content,
        status_code=status_code,
        media_type=GEOJSON,
        headers={"Content-Crs": crs.header, **headers},
    )


def feature_response(
    feature: dict[str, Any],
    crs: Crs,
    versie: int,
    location: str | None = None,
    checked: CheckedGeometry | None = None,
) -> JSONResponse:
    """Return one stored Feature: 201 with its Location when just made, its versie as ETag,
    and what was done to its geometry (`meldingen`)."""
    if checked is not None and checked.messages:
        feature["meldingen"] = checked.messages
    headers = {"ETag": etag(versie)}
    if location is not None:
        headers["Location"] = location
    return geo_response(feature, crs, 201 if location else 200, **headers)


def collection_response(
    request: Request, page: "Page", features: list[dict[str, Any]], matched: int, crs: Crs
) -> JSONResponse:
    """Return a page of Features as a FeatureCollection with numberMatched and links."""
    return geo_response(
        {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": len(features),
            "links": page_links(request, page, len(features), matched),
            "features": features,
        },
        crs,
    )


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def paging(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="Aantal per pagina.")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Aantal over te slaan.")] = 0,
) -> Page:
    settings = get_settings(request)
    if limit is not None and limit > settings.page_limit_max:
        raise InvalidInput(
            "Te grote pagina gevraagd.",
            [
                FieldError(
                    "limit", f"Mag hoogstens {settings.page_limit_max} zijn.", "less_than_equal"
                )
            ],
        )
    return Page(limit or settings.page_limit_default, offset)


PageDep = Annotated[Page, Depends(paging)]


def page_links(request: Request, page: Page, returned: int, matched: int) -> list[dict[str, str]]:
    """Return self/next/prev links for a page of a collection."""

    def link(rel: str, offset: int) -> dict[str, str]:
        url = request.url.include_query_params(offset=offset, limit=page.limit)
        return {"href": str(url), "rel": rel, "type": GEOJSON}

    links = [link("self", page.offset)]
    if page.offset + returned < matched:
        links.append(link("next", page.offset + page.limit))
    if page.offset > 0:
        links.append(link("prev", max(page.offset - page.limit, 0)))
    return links


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """Return the four numbers of a `bbox` parameter, checked."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidInput(
            "Ongeldige bbox.",
            [FieldError("bbox", "Verwacht vier getallen: minx,miny,maxx,maxy.", "ongeldige_bbox")],
        )
    minx, miny, maxx, maxy = numbers
    if minx >= maxx or miny >= maxy:
        raise InvalidInput(
            "Ongeldige bbox.",
            [
                FieldError(
                    "bbox",
                    "minx moet kleiner zijn dan maxx en miny kleiner dan maxy.",
                    "ongeldige_bbox",
                )
            ],
        )
    return minx, miny, maxx, maxy
