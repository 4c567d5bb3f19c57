"""OGC API - Features (Part 1 Core, Part 2 CRS) under /ogc, as JSON and as HTML."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from gebiedsregie import __version__
from gebiedsregie.api import GEOJSON, MAX_OFFSET, parse_bbox
from gebiedsregie.auth.access import ActorDep, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.crs import CRS84, ETRS89, RD, Crs, parse_crs
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.geometry import bbox_polygon
from gebiedsregie.ogc import collections, edit, filtering, jsonfg, jsonschemas, tiles
from gebiedsregie.web.pages import ogc_kaart
from gebiedsregie.web.router import swagger_page

# Every resource here is also an HTML page (`f=html`, or a browser's Accept).
router = APIRouter(prefix="/ogc", tags=["ogc"], responses={200: {"content": {"text/html": {}}}})

OGC_CRS: dict[str, Crs] = {c.uri: c for c in (CRS84, RD, ETRS89)}
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
LIMIT_DEFAULT, LIMIT_MAX = 10, 10_000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *jsonfg.CONFORMANCE,
    *jsonschemas.CONFORMANCE,
    *filtering.CONFORMANCE,
    *edit.CONFORMANCE,
    *tiles.CONFORMANCE,
]

Formaat = Annotated[
    str | None, Query(pattern="^(json|html)$", description="json (standaard) of html.")
]
# Features also as JSON-FG (`f=jsonfg` or Accept: application/vnd.ogc.fg+json).
FeatureFormaat = Annotated[
    str | None,
    Query(pattern="^(json|jsonfg|html)$", description="json (GeoJSON, standaard), jsonfg of html."),
]


def _wants_html(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "html"
    accept = request.headers.get("accept", "")
    return HTML in accept and "json" not in accept.split(HTML)[0]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _links(request: Request, json_type: str = JSON) -> list[dict[str, str]]:
    """self and alternate links of this resource, for its JSON and HTML forms."""
    here = request.url.remove_query_params("f")
    html = _wants_html(request, request.query_params.get("f"))
    own, other = (HTML, json_type) if html else (json_type, HTML)
    return [
        {"href": str(here.include_query_params(f="html" if html else "json")), "rel": "self",
         "type": own, "title": "Deze pagina"},
        {"href": str(here.include_query_params(f="json" if html else "html")), "rel": "alternate",
         "type": other, "title": "Als HTML" if not html else "Als JSON"},
    ]  # fmt: skip


def _render(
    request: Request, template: str, body: dict[str, Any], media_type: str, **extra: Any
) -> Response:
    if _wants_html(request, request.query_params.get("f")):
        templates = request.app.state.templates
        return templates.TemplateResponse(
            request, template, {"body": body, "base": _base(request), **extra}
        )
    return JSONResponse(body, media_type=media_type, headers=extra.get("headers"))


@router.get("", summary="Landingspagina")
def landing(request: Request, f: Formaat = None) -> Response:
    """De landingspagina van de OGC API Features."""
    base = _base(request)
    body = {
        "title": "Gebiedsregie",
        "description": "Gebieden, ruimtelijke opgaven en hun stapeling, als OGC API Features.",
        "links": [
            *_links(request),
            {"href": f"{base}/api", "rel": "service-desc", "type": OPENAPI, "title": "OpenAPI"},
            {"href": f"{base}/api?f=html", "rel": "service-doc", "type": HTML,
             "title": "Documentatie"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": JSON,
             "title": "Conformiteit"},
            {"href": f"{base}/collections", "rel": "data", "type": JSON, "title": "Collecties"},
            {"href": f"{base}/tileMatrixSets", "rel": tiles.REL_TILING_SCHEMES, "type": JSON,
             "title": "Tegelschema's"},
        ],
    }  # fmt: skip
    return _render(request, "ogc_landing.html", body, JSON)


@router.get("/conformance", summary="Conformiteit")
def conformance(request: Request, f: Formaat = None) -> Response:
    """De conformiteitsklassen die deze API haalt."""
    return _render(
        request, "ogc_conformance.html", {"links": _links(request), "conformsTo": CONFORMANCE}, JSON
    )


@router.get("/api", summary="OpenAPI-definitie", include_in_schema=False)
def openapi(request: Request, f: Formaat = None) -> Response:
    """The OpenAPI 3.0 definition of the /ogc paths (the HTML form is Swagger UI)."""
    if _wants_html(request, f):
        return swagger_page(request, f"{_base(request)}/api?f=json", "Gebiedsregie OGC API")
    full = request.app.openapi()
    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": "Gebiedsregie OGC API Features",
            "version": __version__,
            "description": (
                "OGC API - Features Part 1 (Core), Part 2 (CRS), Part 3 (filteren met CQL2), "
                "Part 4 (aanmaken, vervangen, wijzigen, verwijderen) en Part 5 (schema's); "
                "JSON-FG; OGC API - Tiles (vectortegels in WebMercatorQuad en "
                "NetherlandsRDNewQuad). /ogc/conformance zegt welke klassen precies."
            ),
        },
        "servers": [{"url": str(request.base_url).rstrip("/")}],
        "paths": {k: v for k, v in full["paths"].items() if k.startswith("/ogc")},
        "components": full.get("components", {}),
    }
    spec["paths"].update(filtering.gdal_items_path(spec["paths"], _base(request)))
    return JSONResponse(spec, media_type=OPENAPI)


def _collection(request: Request, session: Any, collectie: collections.Collectie) -> dict[str, Any]:
    base = _base(request)
    href = f"{base}/collections/{collectie.id}"
    # A referentielaag names its source (OGC API - Common's `attribution`).
    naamsvermelding = {"attribution": collectie.attribution} if collectie.attribution else {}
    return {
        "id": collectie.id,
        "title": collectie.title,
        "description": collectie.description,
        "itemType": "feature",
        "extent": collections.extent(session, collectie),
        "crs": list(OGC_CRS),
        "storageCrs": RD.uri,
        **naamsvermelding,
        "links": [
            {"href": href, "rel": "self", "type": JSON, "title": collectie.title},
            {"href": f"{href}?f=html", "rel": "alternate", "type": HTML, "title": "Als HTML"},
            {"href": f"{href}/items", "rel": "items", "type": GEOJSON, "title": "Features"},
            {"href": f"{href}/items?f=html", "rel": "items", "type": HTML,
             "title": "Features als HTML"},
            {"href": f"{href}/schema", "rel": jsonschemas.SCHEMA_REL,
             "type": jsonschemas.SCHEMA_JSON, "title": "Schema van de features"},
            {"href": f"{href}/queryables", "rel": jsonschemas.QUERYABLES_REL,
             "type": jsonschemas.SCHEMA_JSON, "title": "Queryables"},
            {"href": f"{href}/items?f=jsonfg", "rel": "items", "type": jsonfg.MEDIA_TYPE,
             "title": "Features als JSON-FG"},
            {"href": f"{href}/tiles", "rel": tiles.REL_TILESETS_VECTOR, "type": JSON,
             "title": "Vectortegels"},
        ],
    }  # fmt: skip


@router.get("/collections", summary="Collecties")
def list_collections(request: Request, session: SessionDep, f: Formaat = None) -> Response:
    """De collecties: gebieden, opgaven (ook per thema), de referentielagen en de stapeling."""
    body = {
        "links": _links(request),
        "collections": [_collection(request, session, c) for c in collections.collecties(session)],
        "crs": list(OGC_CRS),
    }
    return _render(request, "ogc_collections.html", body, JSON)


@router.get("/collections/{collection_id}", summary="Collectie")
def get_collection(
    collection_id: str, request: Request, session: SessionDep, f: Formaat = None
) -> Response:
    """Eén collectie met haar extent, CRS'en en links."""
    collectie = collections.get_collectie(session, collection_id)
    body = _collection(request, session, collectie)
    body["links"] = [*_links(request), *body["links"][2:]]
    return _render(request, "ogc_collection.html", body, JSON)


def _wants_jsonfg(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "jsonfg"
    # The first of the Accept header's media types we serve decides (q-values aside).
    for media in request.headers.get("accept", "").split(","):
        kind = media.split(";")[0].strip()
        if kind == jsonfg.MEDIA_TYPE:
            return True
        if kind in (GEOJSON, JSON, HTML):
            return False
    return False


def _feature_links(request: Request, fmt: str) -> list[dict[str, str]]:
    """self and alternate links of a features resource: GeoJSON, JSON-FG and HTML."""
    here = request.url.remove_query_params("f")
    forms = {
        "json": (GEOJSON, "Als GeoJSON"),
        "jsonfg": (jsonfg.MEDIA_TYPE, "Als JSON-FG"),
        "html": (HTML, "Als HTML"),
    }
    return [
        {"href": str(here.include_query_params(f=key)),
         "rel": "self" if key == fmt else "alternate", "type": kind,
         "title": "Deze pagina" if key == fmt else title}
        for key, (kind, title) in sorted(forms.items(), key=lambda item: item[0] != fmt)
    ]  # fmt: skip


def _format(request: Request, f: str | None) -> str:
    if _wants_html(request, f):
        return "html"
    return "jsonfg" if _wants_jsonfg(request, f) else "json"


SchemaFormaat = Annotated[str | None, Query(pattern="^json$", description="Alleen json.")]


@router.get(
    "/collections/{collection_id}/schema",
    summary="Schema",
    responses={200: {"content": {jsonschemas.SCHEMA_JSON: {}}}},
)
def get_schema(
    collection_id: str, request: Request, session: SessionDep, f: SchemaFormaat = None
) -> Response:
    """Het JSON Schema van de features van een collectie (OGC API Features Part 5)."""
    collectie = collections.get_collectie(session, collection_id)
    href = f"{_base(request)}/collections/{collectie.id}/schema"
    body = jsonschemas.feature_schema(session, collectie, href)
    return JSONResponse(body, media_type=jsonschemas.SCHEMA_JSON)


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Queryables",
    responses={200: {"content": {jsonschemas.SCHEMA_JSON: {}}}},
)
def get_queryables(
    collection_id: str, request: Request, session: SessionDep, f: SchemaFormaat = None
) -> Response:
    """De eigenschappen waarop een collectie te filteren is, als JSON Schema."""
    collectie = collections.get_collectie(session, collection_id)
    href = f"{_base(request)}/collections/{collectie.id}/queryables"
    body = jsonschemas.queryables(session, collectie, href)
    return JSONResponse(body, media_type=jsonschemas.SCHEMA_JSON)


def _page_links(
    request: Request, limit: int, offset: int, returned: int, matched: int, fmt: str
) -> list[dict[str, str]]:
    links = _feature_links(request, fmt)
    kind = {"html": HTML, "jsonfg": jsonfg.MEDIA_TYPE}.get(fmt, GEOJSON)
    if offset + returned < matched:
        url = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"href": str(url), "rel": "next", "type": kind, "title": "Volgende"})
    if offset > 0:
        url = request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
        links.append({"href": str(url), "rel": "prev", "type": kind, "title": "Vorige"})
    return links


def _features_response(
    request: Request,
    template: str,
    body: dict[str, Any],
    collectie: collections.Collectie,
    output: Crs,
) -> Response:
    """GeoJSON (or its HTML page, with a map) saying its CRS in Content-Crs."""
    headers = {"Content-Crs": output.header}
    if not _wants_html(request, request.query_params.get("f")):
        return JSONResponse(body, media_type=GEOJSON, headers=headers)
    kaart = ogc_kaart(request.app.state.assets, _json_url(request))
    response = _render(request, template, body, GEOJSON, collectie=collectie, kaart=kaart)
    response.headers.update(headers)
    return response


def _json_url(request: Request) -> str:
    """The same resource as JSON in CRS84, for the map on its HTML page."""
    url = request.url.remove_query_params(["f", "crs"]).include_query_params(f="json")
    return f"{url.path}?{url.query}"


def _bbox(value: str | None, bbox_crs: Crs) -> Any:
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) == 6:  # minx,miny,minz,maxx,maxy,maxz: heights do not matter here
        parts = [parts[0], parts[1], parts[3], parts[4]]
    box = parse_bbox(",".join(parts))
    return bbox_polygon(box, bbox_crs) if box else None


@router.get(
    "/collections/{collection_id}/items",
    summary="Features",
    responses={200: {"content": {GEOJSON: {}, jsonfg.MEDIA_TYPE: {}, HTML: {}}}},
)
def get_items(
    collection_id: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    f: FeatureFormaat = None,
    limit: Annotated[int, Query(ge=1, description=f"Standaard 10, hoogstens {LIMIT_MAX}.")] = (
        LIMIT_DEFAULT
    ),
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in bbox-crs.")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    crs: Annotated[str | None, Query(description="CRS84, EPSG:28992 of EPSG:4258.")] = None,
    datetime_: Annotated[
        str | None, Query(alias="datetime", description="Opgaven: filtert op de horizon.")
    ] = None,
    thema: Annotated[list[str] | None, Query(description="Opgaven: themacode.")] = None,
    status: Annotated[list[str] | None, Query(description="Opgaven: status.")] = None,
    trekker: Annotated[list[str] | None, Query(description="Opgaven: trekker.")] = None,
    gebied: Annotated[list[str] | None, Query(description="Opgaven, stapeling: gebied.")] = None,
    soort: Annotated[list[str] | None, Query(description="Gebieden: soort.")] = None,
    min_aantal: Annotated[str | None, Query(description="Stapeling: minimale diepte.")] = None,
    variant: Annotated[
        str | None, Query(description="Stapeling: id van een variant (vraagt een account).")
    ] = None,
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            description="Een CQL2-filter (OGC API Features Part 3) op de queryables van de "
            "collectie (zie /collections/{collectionId}/queryables), bijv. "
            "thema = 'wonen' AND horizon <= 2030 AND S_INTERSECTS(geometry, "
            "POLYGON((5.6 52.0, 5.7 52.0, 5.7 52.1, 5.6 52.0))).",
        ),
    ] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="cql2-text (standaard) of cql2-json; cql-text (de naam uit het concept "
            "van Part 3, zoals GDAL hem vraagt) is cql2-text.",
            json_schema_extra={"enum": list(filtering.FILTER_LANGS)},
        ),
    ] = None,
    filter_crs: Annotated[
        str | None,
        Query(
            alias="filter-crs",
            description="Het CRS van de geometrieën in filter: CRS84 (standaard), EPSG:28992 "
            "of EPSG:4258 (breedtegraad eerst).",
        ),
    ] = None,
) -> Response:
    """De features van een collectie, gepagineerd, in het gevraagde CRS."""
    collectie = collections.get_collectie(session, collection_id)
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    collections.check_filters(session, collectie, params)
    if "variant" in params:
        require(Rol.LEZER)(actor)  # a variant is read with an account, as everywhere
    output = parse_crs(crs, "crs", OGC_CRS)
    where = filtering.where(
        session, collectie, filter_, filter_lang, parse_crs(filter_crs, "filter-crs", OGC_CRS)
    )
    query = collections.ItemsQuery(
        limit=min(limit, LIMIT_MAX),
        offset=offset,
        crs=output,
        bbox_rd=_bbox(bbox, parse_crs(bbox_crs, "bbox-crs", OGC_CRS)),
        jaren=collections.parse_datetime(datetime_) if collectie.temporal else None,
        filters={
            k: v
            for k, v in params.items()
            if k in collectie.filters and k not in collections.COMMON_PARAMS
        },
        where=where,
    )
    if datetime_ is not None and not collectie.temporal:
        collections.parse_datetime(datetime_)  # still refuse a malformed value
    features, matched = collections.items(session, collectie, query)
    fmt = _format(request, f)
    body = {
        "type": "FeatureCollection",
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberMatched": matched,
        "numberReturned": len(features),
        "links": [
            *_page_links(request, query.limit, offset, len(features), matched, fmt),
            {"href": f"{_base(request)}/collections/{collectie.id}", "rel": "collection",
             "type": JSON, "title": collectie.title},
        ],
        "features": features,
    }  # fmt: skip
    if fmt == "jsonfg":
        body = jsonfg.feature_collection(body, output, collectie.id, collectie.temporal)
        return _jsonfg_response(body, output)
    return _features_response(request, "ogc_items.html", body, collectie, output)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Feature",
    responses={200: {"content": {GEOJSON: {}, jsonfg.MEDIA_TYPE: {}, HTML: {}}}},
)
def get_item(
    collection_id: str,
    feature_id: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    f: FeatureFormaat = None,
    crs: Annotated[str | None, Query(description="CRS84, EPSG:28992 of EPSG:4258.")] = None,
) -> Response:
    """Eén feature."""
    collectie = collections.get_collectie(session, collection_id)
    if collectie.soort == collections.STAPELING and feature_id.count(".") == 2:
        require(Rol.LEZER)(actor)  # a face of a variant's stapeling: slug.variant.nr
    unknown = [k for k in request.query_params if k not in {"f", "crs"}]
    if unknown:
        raise InvalidInput(
            "Onbekende parameter(s).",
            [
                FieldError(k, "Onbekende parameter; toegestaan: crs, f.", "onbekend")
                for k in unknown
            ],
        )
    output = parse_crs(crs, "crs", OGC_CRS)
    feature = collections.item(session, collectie, feature_id, output)
    etag = edit.etag_headers(collectie, feature)  # the REST API's, for If-Match (Part 4)
    fmt = _format(request, f)
    feature["links"] = [
        *_feature_links(request, fmt),
        {"href": f"{_base(request)}/collections/{collectie.id}", "rel": "collection",
         "type": JSON, "title": collectie.title},
    ]  # fmt: skip
    if fmt == "jsonfg":
        feature = jsonfg.feature(feature, output, collectie.id, collectie.temporal)
        response = _jsonfg_response(feature, output)
    else:
        response = _features_response(request, "ogc_item.html", feature, collectie, output)
    response.headers.update(etag)
    return response


def _jsonfg_response(body: dict[str, Any], output: Crs) -> Response:
    headers = {"Content-Crs": output.header}
    return JSONResponse(body, media_type=jsonfg.media_type(output), headers=headers)
