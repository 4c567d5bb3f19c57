"""Vector tiles of the OGC collections under /ogc: Mapbox Vector Tiles in WebMercatorQuad.

Tiles carry a strong ETag and `Cache-Control: no-cache`: clients keep them and revalidate,
and get a 304 while nothing in the collection changed. A tile with nothing in it is a 204.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from gebiedsregie.auth.access import ActorDep, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.db import SessionDep
from gebiedsregie.ogc import tile_service
from gebiedsregie.ogc.tile_cache import TileCache
from gebiedsregie.ogc.tile_service import TileAddress, TileFilter
from gebiedsregie.opgaven.schemas import HorizonTotQuery, StatusQuery, ThemaQuery, TrekkerQuery
from gebiedsregie.stapeling.models import AANTAL_MAX

router = APIRouter(prefix="/ogc", tags=["ogc-tiles"])

MVT = "application/vnd.mapbox-vector-tile"
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CACHE_CONTROL = "no-cache"  # keep, but ask every time: the ETag says whether it changed

PROPERTIES = {
    tile_service.GEBIEDEN: {"id": "string", "slug": "string", "naam": "string", "soort": "string"},
    tile_service.OPGAVEN: {
        "id": "string",
        "titel": "string",
        "thema": "string",
        "status": "string",
        "trekker": "string",
        "horizon": "integer",
    },
    tile_service.REFERENTIELAAG: {
        "id": "string",
        "naam": "string",
        "extern_id": "string",
        "eigenschappen": "string",  # the source's attributes, as JSON text
    },
    tile_service.STAPELING: {
        "nr": "integer",
        "aantal": "integer",
        "aantal_themas": "integer",
        "themas": "string",
        "gebied": "string",
    },
}
TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {}}, "description": "De tegel (Mapbox Vector Tile)."},
    204: {"description": "Niets in deze tegel."},
    304: {"description": "Niet gewijzigd sinds de ETag in If-None-Match."},
}


def tile_filter(
    thema: ThemaQuery = None,
    status: StatusQuery = None,
    trekker: TrekkerQuery = None,
    horizon: HorizonTotQuery = None,
    gebied: Annotated[
        str | None,
        Query(
            description="Opgaven die het gebied raken, of de stapeling van dat gebied (id of slug)."
        ),
    ] = None,
    min_aantal: Annotated[
        int | None,
        Query(
            ge=1,
            le=AANTAL_MAX,
            description="Stapeling: alleen vlakken met minstens zoveel opgaven.",
        ),
    ] = None,
    variant: Annotated[
        str | None,
        Query(
            description="Stapeling: die van deze variant van een gebied (id; vraagt een account)."
        ),
    ] = None,
) -> TileFilter:
    """The optional query filters of a tile, as one dependency; which apply is checked later."""
    return TileFilter(
        themas=tuple(thema or ()),
        status=tuple(str(s) for s in status or ()),
        trekker=tuple(str(t) for t in trekker or ()),
        horizon=horizon,
        gebied=gebied,
        min_aantal=min_aantal,
        variant=variant,
    )


TileFilterDep = Annotated[TileFilter, Depends(tile_filter)]


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison, as RFC 9110 asks for it)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("/collections/{collection_id}/tiles", summary="Vectortegels van een collectie")
def get_tileset(request: Request, session: SessionDep, collection_id: str) -> JSONResponse:
    """De tegelset van een collectie: Mapbox Vector Tiles in WebMercatorQuad."""
    collectie = tile_service.get_collectie(session, collection_id)
    base = f"{str(request.base_url).rstrip('/')}/ogc/collections/{collectie.id}/tiles"
    # The path is z/x/y (as Leaflet and most web maps write it); named variables say which.
    template = f"{base}/WebMercatorQuad/{{tileMatrix}}/{{tileCol}}/{{tileRow}}"
    properties = PROPERTIES[collectie.soort]
    body = {
        "title": f"{collectie.titel} (vectortegels)",
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "links": [
            {"rel": "self", "href": base, "type": "application/json", "title": "Deze tegelset"},
            {
                "rel": "item",
                "href": template,
                "templated": True,
                "type": MVT,
                "title": "Een tegel (z/x/y)",
            },
        ],
        "layers": [
            {
                "id": collectie.id,
                "dataType": "vector",
                "geometryDimension": 2,
                "minTileMatrix": "0",
                "maxTileMatrix": str(tile_service.MAX_ZOOM),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {k: {"type": v} for k, v in properties.items()},
                },
            }
        ],
        "filters": list(collectie.filters),
    }
    return JSONResponse(body)


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}",
    summary="Vectortegel",
    response_class=Response,
    responses=TILE_RESPONSES,
)
def get_tile(
    request: Request,
    session: SessionDep,
    collection_id: str,
    z: int,
    x: int,
    y: int,
    flt: TileFilterDep,
    actor: ActorDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Een Mapbox Vector Tile met één laag, genoemd naar de collectie.

    Met If-None-Match en de huidige ETag: 304 zonder inhoud. Een lege tegel: 204. De stapeling
    met `variant`: die van een variant; haar ETag verandert met elke wijziging van de variant.
    """
    address = TileAddress(z, x, y)
    address.check()
    collectie = tile_service.get_collectie(session, collection_id)
    tile_service.check_filter(session, collectie, flt)
    if flt.variant is not None:
        require(Rol.LEZER)(actor)  # before the variant is looked up: 401, not 404
    variant = tile_service.variant_van(session, flt)  # its inhoud_versie, before the ETag
    etag = tile_service.etag(session, collectie, address, flt, variant)  # before the tile
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    cache: TileCache = request.app.state.tile_cache
    data = cache.get(etag)
    if data is None:
        data = tile_service.tile(session, collectie, address, flt, variant)
        cache.put(etag, data)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=MVT, headers=headers)
