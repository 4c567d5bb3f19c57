"""Vector tiles of the OGC collections under /ogc (OGC API - Tiles Part 1): Mapbox Vector
Tiles in two tile matrix sets, WebMercatorQuad and NetherlandsRDNewQuad.

Tile URLs are in OGC order, `{tileMatrix}/{tileRow}/{tileCol}?f=mvt`. The earlier z/x/y URLs
of WebMercatorQuad have the same path; they are told apart by having no `f` (as PDOK's GoKoala
writes its templates with `?f=mvt`) and redirected (308) to their OGC address.

Tiles carry a strong ETag and `Cache-Control: no-cache`: clients keep them and revalidate,
and get a 304 while nothing in the collection changed. A tile with nothing in it is a 204.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from gebiedsregie.auth.access import ActorDep, require
from gebiedsregie.auth.models import Rol
from gebiedsregie.db import SessionDep
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.ogc import tile_service
from gebiedsregie.ogc.tile_cache import TileCache
from gebiedsregie.ogc.tile_service import TileAddress, TileFilter
from gebiedsregie.ogc.tilematrixsets import TILE_MATRIX_SETS, WEB_MERCATOR_QUAD, TileMatrixSet
from gebiedsregie.opgaven.schemas import HorizonTotQuery, StatusQuery, ThemaQuery, TrekkerQuery
from gebiedsregie.stapeling.models import AANTAL_MAX

router = APIRouter(prefix="/ogc", tags=["ogc-tiles"])

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
CACHE_CONTROL = "no-cache"  # keep, but ask every time: the ETag says whether it changed

_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
# Only what works, proved in tests/ogc: test_tiles.py, test_rd_tiles.py (core: tiles, 204s,
# 400s out of range; mvt: decoded where their coordinates say), test_tile_matrix_sets.py
# (tileset, tilesets-list, geodata-tilesets: the links), test_tile_clients.py (GDAL).
CONFORMANCE = [
    f"{_TILES}/core",
    f"{_TILES}/tileset",
    f"{_TILES}/tilesets-list",
    f"{_TILES}/geodata-tilesets",
    f"{_TILES}/mvt",
]
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_GEODATA = "http://www.opengis.net/def/rel/ogc/1.0/geodata"

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


def _ogc(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/ogc"


TmsId = Annotated[
    str,
    Path(
        alias="tileMatrixSetId",
        description=f"Het tegelschema: {' of '.join(TILE_MATRIX_SETS)}.",
    ),
]
JsonFormaat = Annotated[str | None, Query(pattern="^json$", description="Alleen json.")]


@router.get("/tileMatrixSets", summary="Tegelschema's")
def list_tile_matrix_sets(request: Request, f: JsonFormaat = None) -> JSONResponse:
    """De tegelschema's (tile matrix sets) waarin de tegels er zijn."""
    base = f"{_ogc(request)}/tileMatrixSets"
    return JSONResponse(
        {
            "links": [{"rel": "self", "href": base, "type": JSON, "title": "Tegelschema's"}],
            "tileMatrixSets": [
                {
                    "id": tms.id,
                    "title": tms.title,
                    **({"uri": tms.uri} if tms.uri else {}),
                    "crs": tms.crs,
                    "links": [
                        {
                            "rel": "self",
                            "href": f"{base}/{tms.id}",
                            "type": JSON,
                            "title": tms.title,
                        },
                    ],
                }
                for tms in TILE_MATRIX_SETS.values()
            ],
        }
    )


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="Tegelschema")
def get_tile_matrix_set(request: Request, tms_id: TmsId, f: JsonFormaat = None) -> JSONResponse:
    """Eén tegelschema, als OGC 2D Tile Matrix Set 2.0 JSON."""
    tms = tile_service.get_tile_matrix_set(tms_id)
    return JSONResponse(tms.document(f"{_ogc(request)}/tileMatrixSets/{tms.id}"))


def _tileset(
    request: Request, collectie: tile_service.Collectie, tms: TileMatrixSet, full: bool
) -> dict[str, Any]:
    """A tileset's metadata (OGC 2D TMS 2.0); in the list (`full` False) only its summary."""
    ogc = _ogc(request)
    href = f"{ogc}/collections/{collectie.id}/tiles/{tms.id}"
    definition = f"{ogc}/tileMatrixSets/{tms.id}"
    summary: dict[str, Any] = {
        "title": f"{collectie.titel} ({tms.id})",
        "dataType": "vector",
        "crs": tms.crs,
        # The register's URI; for RD, not registered, our own definition: clients such as
        # GDAL pick a tileset by this URI (its TILEMATRIXSET option), so it must be there.
        "tileMatrixSetURI": tms.uri or definition,
        "links": [
            {"rel": "self", "href": href, "type": JSON, "title": "Deze tegelset"},
            {"rel": REL_TILING_SCHEME, "href": definition, "type": JSON,
             "title": f"Het tegelschema {tms.id}"},
        ],
    }  # fmt: skip
    if not full:
        return summary
    properties = PROPERTIES[collectie.soort]
    summary["links"] += [
        {"rel": "item", "href": f"{href}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?f=mvt",
         "templated": True, "type": MVT, "title": "Een tegel (Mapbox Vector Tile)"},
        {"rel": REL_GEODATA, "href": f"{ogc}/collections/{collectie.id}", "type": JSON,
         "title": collectie.titel},
    ]  # fmt: skip
    return {
        **summary,
        "tileMatrixSetLimits": [
            {
                "tileMatrix": str(z),
                "minTileRow": 0,
                "maxTileRow": 2**z - 1,
                "minTileCol": 0,
                "maxTileCol": 2**z - 1,
            }
            for z in range(tms.max_zoom + 1)
        ],
        "layers": [
            {
                "id": collectie.id,
                "title": collectie.titel,
                "dataType": "vector",
                "geometryDimension": 2,
                "crs": tms.crs,
                "minTileMatrix": "0",
                "maxTileMatrix": str(tms.max_zoom),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {k: {"type": v} for k, v in properties.items()},
                },
            }
        ],
        # Ours: the query parameters the tiles of this collection take.
        "filters": list(collectie.filters),
    }


@router.get("/collections/{collection_id}/tiles", summary="Tegelsets van een collectie")
def list_tilesets(
    request: Request, session: SessionDep, collection_id: str, f: JsonFormaat = None
) -> JSONResponse:
    """De tegelsets van een collectie: vectortegels in elk tegelschema."""
    collectie = tile_service.get_collectie(session, collection_id)
    href = f"{_ogc(request)}/collections/{collectie.id}/tiles"
    return JSONResponse(
        {
            "links": [{"rel": "self", "href": href, "type": JSON, "title": "Deze tegelsets"}],
            "tilesets": [
                _tileset(request, collectie, tms, full=False) for tms in TILE_MATRIX_SETS.values()
            ],
        }
    )


@router.get(
    "/collections/{collection_id}/tiles/{tileMatrixSetId}", summary="Tegelset van een collectie"
)
def get_tileset(
    request: Request,
    session: SessionDep,
    collection_id: str,
    tms_id: TmsId,
    f: JsonFormaat = None,
) -> JSONResponse:
    """Eén tegelset: Mapbox Vector Tiles van de collectie in dit tegelschema."""
    tms = tile_service.get_tile_matrix_set(tms_id)
    collectie = tile_service.get_collectie(session, collection_id)
    return JSONResponse(_tileset(request, collectie, tms, full=True))


def _ogc_order(request: Request) -> Response:
    """A 308 from an earlier z/x/y URL to the same tile in OGC order, its query kept."""
    prefix, x, y = request.url.path.rsplit("/", 2)
    url = request.url.replace(path=f"{prefix}/{y}/{x}").include_query_params(f="mvt")
    return Response(status_code=308, headers={"Location": str(url)})


@router.get(
    "/collections/{collection_id}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    summary="Vectortegel",
    response_class=Response,
    responses={
        **TILE_RESPONSES,
        308: {"description": "Een oude z/x/y-URL (WebMercatorQuad zonder f): naar de tegel."},
    },
)
def get_tile(
    request: Request,
    session: SessionDep,
    collection_id: str,
    tms_id: TmsId,
    z: Annotated[int, Path(alias="tileMatrix", description="Het zoomniveau.")],
    row: Annotated[int, Path(alias="tileRow", description="De rij, van boven af.")],
    col: Annotated[int, Path(alias="tileCol", description="De kolom, van links af.")],
    flt: TileFilterDep,
    actor: ActorDep,
    f: Annotated[
        str | None,
        Query(description="mvt. Zonder f is een WebMercatorQuad-URL de oude z/x/y-volgorde."),
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Een Mapbox Vector Tile met één laag, genoemd naar de collectie.

    Met If-None-Match en de huidige ETag: 304 zonder inhoud. Een lege tegel: 204. De stapeling
    met `variant`: die van een variant; haar ETag verandert met elke wijziging van de variant.
    """
    tms = tile_service.get_tile_matrix_set(tms_id)
    if f is None and tms is WEB_MERCATOR_QUAD:
        return _ogc_order(request)
    if f not in (None, "mvt"):
        raise InvalidInput(
            "Onbekend formaat voor een tegel.",
            [FieldError("f", "Tegels zijn er alleen als mvt (Mapbox Vector Tile).", "onbekend")],
        )
    address = TileAddress(z, row, col, tms)
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
