"""Coordinate reference systems: the ones we speak, transforms, and negotiation.

Storage is always RD New (EPSG:28992). The API speaks CRS84 by default and RD New on request,
as the NL API Design Rules geospatial module asks (`crs`, `bbox-crs`, `Content-Crs`).
"""

from dataclasses import dataclass
from functools import cache

from pyproj import Transformer
from shapely import Geometry, transform

from gebiedsregie.errors import FieldError, UnsupportedCrs

RD_NEW = 28992


@dataclass(frozen=True)
class Crs:
    """A CRS the API accepts: its OGC URI, EPSG code (4326 for CRS84) and precision."""

    uri: str
    epsg: int
    decimals: int
    label: str
    lat_lon: bool = False  # axis order of the register (EPSG:4258 is latitude first)

    @property
    def header(self) -> str:
        return f"<{self.uri}>"


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, 8, "CRS84 (lon/lat)")
RD = Crs("http://www.opengis.net/def/crs/EPSG/0/28992", RD_NEW, 3, "RD New (EPSG:28992)")
# ETRS89 geographic, as OGC API Features clients ask for it (latitude, longitude).
ETRS89 = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/4258", 4258, 8, "ETRS89 (EPSG:4258, lat/lon)", True
)
SUPPORTED: dict[str, Crs] = {c.uri: c for c in (CRS84, RD)}
# The OGC API (Part 2) speaks ETRS89 too: GIS clients ask for it.
OGC_SUPPORTED: dict[str, Crs] = {c.uri: c for c in (CRS84, RD, ETRS89)}


def parse_crs(value: str | None, field: str, supported: dict[str, Crs] = SUPPORTED) -> Crs:
    """Return the CRS named by a `crs`/`bbox-crs` parameter or `Content-Crs` header.

    Accepts the URI, also between <> or as a safe CURIE ([EPSG:28992], OGC API Part 2).
    """
    if value is None or not value.strip():
        return CRS84
    uri = value.strip().removeprefix("<").removesuffix(">").strip()
    # http and https both occur in the wild for the same register.
    uri = uri.replace("https://", "http://", 1)
    curie = uri.removeprefix("[").removesuffix("]")
    if curie.upper().startswith("EPSG:"):
        uri = f"http://www.opengis.net/def/crs/EPSG/0/{curie[5:]}"
    elif curie.upper() == "OGC:CRS84":
        uri = CRS84.uri
    crs = supported.get(uri)
    if crs is None:
        allowed = ", ".join(supported)
        raise UnsupportedCrs(
            f"Het coördinatenstelsel '{value}' wordt niet ondersteund.",
            [FieldError(field, f"Toegestaan zijn: {allowed}.", "crs_niet_ondersteund")],
        )
    return crs


@cache
def _transformer(source: int, target: int) -> Transformer:
    # always_xy: CRS84 is lon/lat, RD is x/y; one transformer per direction, reused.
    return Transformer.from_crs(source, target, always_xy=True)


def to_rd(geom: Geometry, crs: Crs) -> Geometry:
    """Return `geom`, given in `crs`, in RD New."""
    if crs.epsg == RD_NEW:
        return geom
    if crs.lat_lon:
        geom = _swap(geom)
    return transform(geom, _transformer(crs.epsg, RD_NEW).transform, interleaved=False)


def from_rd(geom: Geometry, crs: Crs) -> Geometry:
    """Return `geom`, given in RD New, in `crs`."""
    if crs.epsg == RD_NEW:
        return geom
    out = transform(geom, _transformer(RD_NEW, crs.epsg).transform, interleaved=False)
    return _swap(out) if crs.lat_lon else out


def _swap(geom: Geometry) -> Geometry:
    return transform(geom, lambda xy: xy[:, ::-1])
