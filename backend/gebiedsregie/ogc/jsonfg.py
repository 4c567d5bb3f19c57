"""JSON-FG (OGC Features and Geometries JSON, 21-045, draft 0.3) from our GeoJSON features.

We follow draft 0.3, as GoKoala, ldproxy, GDAL (JSONFG driver) and Geonovum's checker do, with
its media type application/vnd.ogc.fg+json. JSON-FG 1.0 (2025) moved to application/geo+json
with a `profile` parameter instead; that would change our GeoJSON output, so not yet.
"""

from typing import Any

from shapely.geometry import shape

from gebiedsregie.crs import CRS84, Crs, to_rd
from gebiedsregie.geometry import to_geojsons

MEDIA_TYPE = "application/vnd.ogc.fg+json"
# /req/core/fallback B: `place` and a (CRS84) `geometry` both set ask for this parameter.
MEDIA_TYPE_COMPATIBLE = f"{MEDIA_TYPE};compatibility=geojson"
CORE = "http://www.opengis.net/spec/json-fg-1/0.3/conf/core"
TYPES_SCHEMAS = "http://www.opengis.net/spec/json-fg-1/0.3/conf/types-schemas"
CONFORMANCE = [CORE, TYPES_SCHEMAS]


def media_type(crs: Crs) -> str:
    """The media type of a document in `crs`: with a CRS84 fallback geometry beside `place`."""
    return MEDIA_TYPE if crs == CRS84 else MEDIA_TYPE_COMPATIBLE


def feature_collection(
    body: dict[str, Any], crs: Crs, feature_type: str, temporal: bool
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (geometries in `crs`) as a JSON-FG feature collection."""
    features = body["features"]
    fallbacks = _fallbacks([f["geometry"] for f in features], crs)
    head = {
        "type": "FeatureCollection",
        "conformsTo": CONFORMANCE,
        "featureType": feature_type,  # each collection is homogeneous (/rec/types-schemas)
        "coordRefSys": crs.uri,
    }
    rest = {k: v for k, v in body.items() if k not in head and k != "features"}
    return {
        **head,
        **rest,
        "features": [
            _feature(f, fallback, crs, temporal)
            for f, fallback in zip(features, fallbacks, strict=True)
        ],
    }


def feature(body: dict[str, Any], crs: Crs, feature_type: str, temporal: bool) -> dict[str, Any]:
    """A GeoJSON Feature (geometry in `crs`) as a JSON-FG feature document."""
    fallback = _fallbacks([body["geometry"]], crs)[0]
    head = {"conformsTo": CONFORMANCE, "featureType": feature_type, "coordRefSys": crs.uri}
    return {**head, **_feature(body, fallback, crs, temporal)}


def _feature(
    geojson: dict[str, Any], fallback: dict[str, Any] | None, crs: Crs, temporal: bool
) -> dict[str, Any]:
    # /req/core/place: never CRS84 in `place`; then the geometry stays in `geometry`.
    place = None if crs == CRS84 else geojson["geometry"]
    result = {k: v for k, v in geojson.items() if k not in ("geometry", "properties")}
    return {
        **result,
        "time": _time(geojson["properties"]) if temporal else None,
        "place": place,
        "geometry": fallback,
        "properties": geojson["properties"],
    }


def _time(properties: dict[str, Any]) -> dict[str, Any] | None:
    # The horizon is what `datetime` filters on: its whole year, as dates (both ends inclusive).
    year = properties.get("horizon")
    if year is None:
        return None
    return {"interval": [f"{year}-01-01", f"{year}-12-31"]}


def _fallbacks(geometries: list[dict[str, Any] | None], crs: Crs) -> list[dict[str, Any] | None]:
    """The CRS84 `geometry` of each geometry given in `crs` (itself when that is CRS84)."""
    if crs == CRS84:
        return geometries
    present = [i for i, g in enumerate(geometries) if g is not None]
    shapes_rd = [to_rd(shape(geometries[i]), crs) for i in present]
    result: list[dict[str, Any] | None] = [None] * len(geometries)
    for i, geometry in zip(present, to_geojsons(shapes_rd, CRS84), strict=True):
        result[i] = geometry
    return result
