"""The two tile matrix sets the tiles come in, as OGC 2D Tile Matrix Set 2.0 defines them.

WebMercatorQuad is the OGC's registered one (the web maps' z/x/y grid); NetherlandsRDNewQuad
is the Geonovum tiling guideline's grid in RD (EPSG:28992), the one PDOK's RD tiles use:
origin (-285401.92, 903401.92) top left, 3440.64 m per pixel at level 0, halving per level.
"""

import math
from dataclasses import dataclass
from typing import Any

from gebiedsregie.crs import RD_NEW

TILE_PIXELS = 256  # a tile's width and height in pixels, in both sets
# OGC 2D TMS 2.0 takes the scale at 0.28 mm per pixel.
PIXEL_M = 0.00028
MERCATOR_HALF = math.pi * 6_378_137.0  # half the width of the WebMercatorQuad world


@dataclass(frozen=True)
class TileMatrixSet:
    """A quad tree of square tiles in one CRS: level z has 2^z by 2^z tiles."""

    id: str
    title: str
    srid: int
    origin: tuple[float, float]  # the top left corner, in the CRS
    cell_size_0: float  # CRS units (metres) per pixel at level 0
    levels: int  # the tile matrices the definition has (0 .. levels - 1)
    max_zoom: int  # the last level tiles are served for
    uri: str | None = None  # in the OGC register, when it is there
    well_known_scale_set: str | None = None

    @property
    def crs(self) -> str:
        return f"http://www.opengis.net/def/crs/EPSG/0/{self.srid}"

    def cell_size(self, z: int) -> float:
        """CRS units per pixel at level z."""
        return self.cell_size_0 / 2**z

    def tile_size(self, z: int) -> float:
        """The width (and height) of a tile at level z, in CRS units."""
        return self.cell_size(z) * TILE_PIXELS

    def bounds(
        self, z: int, row: int, col: int, margin: float = 0.0
    ) -> tuple[float, float, float, float]:
        """Return a tile's bounds in the CRS, widened by `margin` tile widths per side."""
        size = self.tile_size(z)
        xmin = self.origin[0] + col * size
        ymax = self.origin[1] - row * size
        grow = margin * size
        return xmin - grow, ymax - size - grow, xmin + size + grow, ymax + grow

    def document(self, href: str) -> dict[str, Any]:
        """The OGC 2D TMS 2.0 JSON definition, with a self link to `href`."""
        x0, y0 = self.origin
        size = self.tile_size(0)
        body: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            **({"uri": self.uri} if self.uri else {}),
            "crs": self.crs,
            "orderedAxes": ["X", "Y"],
            **(
                {"wellKnownScaleSet": self.well_known_scale_set}
                if self.well_known_scale_set
                else {}
            ),
            "boundingBox": {
                "lowerLeft": [x0, y0 - size],
                "upperRight": [x0 + size, y0],
                "crs": self.crs,
                "orderedAxes": ["X", "Y"],
            },
            "tileMatrices": [
                {
                    "id": str(z),
                    "scaleDenominator": self.cell_size(z) / PIXEL_M,
                    "cellSize": self.cell_size(z),
                    "cornerOfOrigin": "topLeft",
                    "pointOfOrigin": [x0, y0],
                    "tileWidth": TILE_PIXELS,
                    "tileHeight": TILE_PIXELS,
                    "matrixWidth": 2**z,
                    "matrixHeight": 2**z,
                }
                for z in range(self.levels)
            ],
            "links": [
                {"rel": "self", "href": href, "type": "application/json", "title": self.title}
            ],
        }
        return body


WEB_MERCATOR_QUAD = TileMatrixSet(
    id="WebMercatorQuad",
    title="Google Maps Compatible for the World",
    srid=3857,
    origin=(-MERCATOR_HALF, MERCATOR_HALF),
    cell_size_0=2 * MERCATOR_HALF / TILE_PIXELS,
    levels=25,  # as registered: 0 .. 24
    max_zoom=22,
    uri="http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
    well_known_scale_set="http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
)
# Levels 0 .. 16 as PDOK's RD tiles and Geonovum's guideline: 16 is 5 cm a pixel.
NETHERLANDS_RD_NEW_QUAD = TileMatrixSet(
    id="NetherlandsRDNewQuad",
    title="Amersfoort / RD New, tegelschema voor Nederland (Geonovum)",
    srid=RD_NEW,
    origin=(-285_401.92, 903_401.92),
    cell_size_0=3440.64,
    levels=17,
    max_zoom=16,
    # Not in the OGC register: clients read the definition from /ogc/tileMatrixSets.
    well_known_scale_set="urn:ogc:def:wkss:OGC:1.0:NLDEPSG28992Scale",
)
TILE_MATRIX_SETS = {tms.id: tms for tms in (WEB_MERCATOR_QUAD, NETHERLANDS_RD_NEW_QUAD)}
