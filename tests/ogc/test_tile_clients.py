"""GDAL reads the vector tiles with its OGC API driver, from the collection through the tilesets
and the tile matrix set definition to the tiles, in both grids."""

import json
from typing import Any
from urllib.request import urlopen

import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely import box

# GDAL's layer per tile matrix, and a pixel of it on the ground (metres) in the Netherlands.
LEVELS = {
    "NetherlandsRDNewQuad": ("Zoom level 10", 3.36),
    "WebMercatorQuad": ("Zoom level 12", 23.4),
}


def fetch(url: str) -> Any:
    with urlopen(url) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("tms", ["NetherlandsRDNewQuad", "WebMercatorQuad"])
def test_gdal_reads_the_tiles_of_food_valley(live_process_url: str, tms: str) -> None:
    ogc = f"{live_process_url}/ogc"
    food_valley = fetch(f"{ogc}/collections/gebieden/items/food-valley?crs=EPSG:28992")
    bbox_rd = shapely.bounds(shapely.geometry.shape(food_valley["geometry"])).tolist()
    to_tms = Transformer.from_crs(28992, 3857 if tms == "WebMercatorQuad" else 28992, True)
    minx, miny, maxx, maxy = to_tms.transform_bounds(*bbox_rd)
    # GDAL takes the collection's CRS84 extent as if it were in the grid's CRS (for vector
    # tiles it does not transform it): MINX .. MAXY give the area in the grid's CRS instead.
    options: dict[str, Any] = {"API": "TILES", "TILEMATRIXSET": tms}
    options |= {"MINX": minx, "MINY": miny, "MAXX": maxx, "MAXY": maxy}
    source = f"OGCAPI:{ogc}/collections/opgaven"
    layer, pixel = LEVELS[tms]
    info = pyogrio.read_info(source, layer=layer, **options)
    assert info["crs"] == ("EPSG:3857" if tms == "WebMercatorQuad" else "EPSG:28992")
    assert {"id", "titel", "thema", "status", "trekker", "horizon"} <= set(info["fields"])
    pieces = pyogrio.read_dataframe(source, layer=layer, **options)  # a piece per tile

    items = fetch(
        f"{ogc}/collections/opgaven/items?limit=1000&crs=EPSG:28992&bbox-crs=EPSG:28992"
        f"&bbox={','.join(map(str, bbox_rd))}"
    )["features"]
    assert 0 < len(items) < 53
    in_bbox = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in items}
    # The tiles cover the bbox, and a little around it.
    assert set(in_bbox) <= set(pieces["id"])
    # Each opgave, glued from its pieces and brought to RD, is its own shape within the bbox
    # (simplified to about a pixel: on average well within one off along its outline).
    pieces_rd = pieces.to_crs(28992)
    area = box(*bbox_rd)
    for opgave_id, geom in in_bbox.items():
        glued = shapely.union_all(pieces_rd[pieces_rd["id"] == opgave_id].geometry.values)
        expected = geom.intersection(area)
        difference = glued.intersection(area).symmetric_difference(expected).area
        assert difference <= pixel * expected.length, opgave_id
