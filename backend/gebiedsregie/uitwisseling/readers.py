"""Reading the layers provinces publish: GeoJSON (also with a legacy `crs` member),
GeoPackage, zipped Shapefile and (zipped) GML, through GDAL (pyogrio), in batches.

GDAL opens far more than these four, and picks its driver by content: an OGR VRT file named
`x.gml` reads any file or URL it names. So the form of an upload is decided here, from its
content, before GDAL sees it (a GeoPackage's application id, a Shapefile's file code, a GML
document's root element, and no DOCTYPE), GDAL must then open it with the driver of that
form, GML schemas are never downloaded, and a legacy GeoJSON `crs` member is accepted only
as a name (a `link` or `url` one would have GDAL fetch it).
"""

import json
import mmap
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, XMLPullParser

import geopandas
import numpy as np
import pyarrow
import pyarrow.compute
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import FieldError, InvalidInput

SNIFF_BYTES = 64 * 1024
SUFFIXES = {"GeoPackage": ".gpkg", "zip": ".zip", "GeoJSON": ".geojson", "GML": ".gml"}
CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{')  # the legacy member is an object
DRIVERS = {"GeoJSON": "GeoJSON", "GeoPackage": "GPKG", "Shapefile": "ESRI Shapefile", "GML": "GML"}
# Open options: GDAL's GML driver downloads the schemas a document points to, unless told.
OPEN_OPTIONS: dict[str, dict[str, str]] = {"GML": {"DOWNLOAD_SCHEMA": "NO"}}
GPKG_IDS = (b"GPKG", b"GP10", b"GP11")  # the application id at byte 68 of a GeoPackage
SHP_CODE = b"\x00\x00\x27\x0a"  # a Shapefile's file code, 9994, big-endian
XML_ROOT_BYTES = 64 * 1024  # the root element of a GML document starts within these
# Bounds in which coordinates of a file without CRS look like RD New metres.
RD_LOOK = (-7_000, 289_000, 300_000, 629_000)


def _refuse(reason: str, code: str, name: str = "bestand") -> InvalidInput:
    return InvalidInput(reason, [FieldError(name, reason, code)])


@dataclass
class Bron:
    """One layer of an uploaded file, opened."""

    naam: str  # the file's own name, for the report
    gdal_path: str
    formaat: str
    laag: str
    lagen: list[str]
    velden: list[str]
    aantal: int
    crs: CRS | None  # as the file states it; None when it states none
    crs_impliciet: bool  # GeoJSON without `crs` member: CRS84 by RFC 7946, but overridable
    bounds: tuple[float, float, float, float] | None
    bytes: int = 0  # the size of the layer's file (unzipped), for the batch size
    geometrietype: str = ""  # as GDAL names it: Polygon, MultiPolygon, Point, Unknown, ...

    def batch_size(self, most: int, batch_bytes: int) -> int:
        """Return how many features to read at a time: at most `most`, and about
        `batch_bytes` of the file's content, so a file of large features comes in small
        batches (GDAL builds a whole batch before anything can be checked)."""
        per_feature = self.bytes // max(self.aantal, 1)
        return max(1, min(most, batch_bytes // max(per_feature, 1)))

    def batches(
        self, size: int, crs: CRS, max_wkb_bytes: int
    ) -> Iterator[tuple[list[dict[str, Any]], geopandas.GeoSeries, dict[int, int]]]:
        """Yield (properties, RD geometries, oversized) of `size` features at a time; a
        geometry whose WKB is over `max_wkb_bytes` is not built (None), and `oversized` gives
        its position in the batch and its size.

        One sequential pass through GDAL's Arrow stream: memory stays bounded by the batch,
        whatever the file's size (GeoJSON has no random access to skip through).
        """
        try:
            with pyogrio.raw.open_arrow(
                self.gdal_path,
                layer=self.laag,
                batch_size=size,
                use_pyarrow=True,
                **OPEN_OPTIONS.get(self.formaat, {}),
            ) as (meta, reader):
                geometry = meta["geometry_name"] or "wkb_geometry"
                for batch in reader:
                    column = batch.column(geometry)
                    lengths = pyarrow.compute.binary_length(column).to_numpy(zero_copy_only=False)
                    oversized = {
                        int(i): int(lengths[i]) for i in np.flatnonzero(lengths > max_wkb_bytes)
                    }
                    wkb = column.to_numpy(zero_copy_only=False)
                    if oversized:
                        wkb = wkb.copy()
                        wkb[list(oversized)] = None
                    geoms = geopandas.GeoSeries(shapely.from_wkb(wkb), crs=crs)
                    if crs.to_epsg() != RD_NEW:
                        geoms = geoms.to_crs(RD_NEW)
                    yield batch.drop_columns([geometry]).to_pylist(), geoms, oversized
        except GDAL_ERRORS as exc:  # the file breaks off, or a view fails: nothing is kept
            raise unreadable(self.naam, self.formaat, exc) from None

    def as_report(self, crs: Any, opgegeven: bool) -> dict[str, Any]:
        """The file as an import report describes it; `opgegeven`: the CRS was given."""
        herkomst = "opgegeven" if opgegeven else "RFC 7946" if self.crs_impliciet else "bestand"
        return {
            "naam": self.naam,
            "formaat": self.formaat,
            "laag": self.laag,
            "lagen": self.lagen,
            "velden": self.velden,
            "aantal": self.aantal,
            "crs": crs.to_string(),
            "crs_herkomst": herkomst,
        }


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(SNIFF_BYTES)


GDAL_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)


def unreadable(filename: str, formaat: str, exc: Exception | None = None) -> InvalidInput:
    """The refusal of a file GDAL cannot read as its form (with GDAL's words, cut short)."""
    said = f" GDAL: {str(exc)[:200]}" if exc is not None else ""
    return _refuse(f"'{filename}' is niet leesbaar als {formaat}.{said}", "niet_leesbaar")


def _unknown(filename: str) -> InvalidInput:
    return _refuse(
        f"Bestandsvorm van '{filename}' niet herkend. Lever GeoJSON, GeoPackage, een "
        "gezipte Shapefile of (gezipte) GML.",
        "onbekende_bestandsvorm",
    )


def _kind(path: Path, filename: str) -> str:
    head = _head(path)
    if head.startswith(b"SQLite format 3\x00"):
        if head[68:72] not in GPKG_IDS:
            raise _refuse(
                f"'{filename}' is een SQLite-database, maar geen GeoPackage.", "geen_geopackage"
            )
        return "GeoPackage"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        _check_crs_members(path, filename)
        return "GeoJSON"
    if text.startswith(b"<"):
        with path.open("rb") as file:
            _check_gml(file, filename)
        return "GML"
    raise _unknown(filename)


def _check_gml(file: IO[bytes], filename: str) -> None:
    """Refuse an XML document that is not GML: GDAL would pick another driver for it (an OGR
    VRT file reads any file or URL it names), or resolve what a DOCTYPE declares."""
    head = file.read(XML_ROOT_BYTES)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _refuse(f"'{filename}' bevat een DOCTYPE: niet toegestaan in GML.", "gml_doctype")
    parser: XMLPullParser[Element] = XMLPullParser(events=("start",))
    tag = ""
    try:
        parser.feed(head)
        for event in parser.read_events():
            tag = str(getattr(event[-1], "tag", ""))
            break
    except SyntaxError:
        pass
    namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if not name or not (name.endswith("FeatureCollection") or "opengis.net/gml" in namespace):
        raise _refuse(
            f"'{filename}' is geen GML: het document begint met "
            f"<{(name or '?')[:40]}>, niet met een FeatureCollection.",
            "geen_gml",
        )


def _check_crs_members(path: Path, filename: str) -> None:
    """Refuse a GeoJSON whose legacy `crs` member is not a name (EPSG, URN or OGC): GDAL
    fetches one of type `link` or `url`."""
    if path.stat().st_size == 0:
        return
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for found in CRS_MEMBER.finditer(data):
            start = found.end() - 1
            text = bytes(data[start : start + 4096]).decode("utf-8", errors="replace")
            try:
                member, _ = json.JSONDecoder().raw_decode(text)
            except ValueError:
                member = None
            kind = member.get("type") if isinstance(member, dict) else None
            naam = member.get("properties", {}).get("name") if kind == "name" else None
            if not isinstance(naam, str) or not re.fullmatch(
                r"(EPSG|urn|http://www\.opengis\.net/def/crs)[:/A-Za-z0-9._,-]*", naam
            ):
                raise _refuse(
                    f"Het crs-lid van '{filename}' is geen naam (zoals EPSG:28992 of "
                    "urn:ogc:def:crs:EPSG::28992); een link of url wordt niet gevolgd.",
                    "crs_geen_naam",
                )


def _zip_candidates(path: Path, filename: str) -> tuple[list[str], str, dict[str, str]]:
    """Return the zip's names, the form of its layers, and its layers (stem -> member)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX/")]
    except zipfile.BadZipFile:
        raise _refuse(f"'{filename}' is geen geldig zip-bestand.", "zip_ongeldig") from None
    shapes = [n for n in names if n.lower().endswith(".shp")]
    gmls = [n for n in names if n.lower().endswith((".gml", ".xml")) and not n.endswith(".xsd")]
    candidates, formaat = (shapes, "Shapefile") if shapes else (gmls, "GML")
    if not candidates:
        raise _refuse(
            f"In '{filename}' staat geen Shapefile (.shp) of GML-bestand.", "zip_zonder_laag"
        )
    return names, formaat, {Path(n).stem: n for n in sorted(candidates)}


def _zip_member(path: Path, filename: str, laag: str | None) -> tuple[str, str]:
    """Return (GDAL path, formaat) of the Shapefile or GML inside a zip."""
    names, formaat, stems = _zip_candidates(path, filename)
    if len(stems) > 1:
        if laag not in stems:
            raise _refuse(
                f"'{filename}' bevat meer lagen; kies er een met laag: {', '.join(sorted(stems))}.",
                "kies_laag",
                "laag",
            )
        member = stems[laag]
    else:
        member = next(iter(stems.values()))
    if formaat == "Shapefile":
        stem = member[: -len(".shp")]
        present = {n.lower() for n in names}
        missing = [ext for ext in (".shx", ".dbf") if f"{stem}{ext}".lower() not in present]
        if missing:
            raise _refuse(
                f"De Shapefile '{Path(member).name}' mist {' en '.join(missing)}.",
                "shapefile_onvolledig",
            )
    # The member's content must be of its form too: GDAL goes by content, not by name.
    with zipfile.ZipFile(path) as archive, archive.open(member) as content:
        if formaat == "GML":
            _check_gml(content, Path(member).name)
        elif content.read(4) != SHP_CODE:
            raise _refuse(f"'{Path(member).name}' is geen Shapefile.", "geen_shapefile")
    return f"/vsizip/{path}/{member}", formaat


@dataclass
class Upload:
    """An uploaded file whose form is known (from its content) and named by its suffix."""

    path: Path
    naam: str
    kind: str  # GeoPackage, GeoJSON, GML or zip
    # The layers GDAL listed, by GDAL path: a large GML is scanned once, not per layer.
    gelezen: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def lagen(self) -> list[str]:
        """Return the names of its layers (of a zip: its Shapefiles or GML files)."""
        if self.kind == "zip":
            return list(_zip_candidates(self.path, self.naam)[2])
        return self._gdal_lagen(str(self.path), self.kind)

    def _gdal_lagen(self, gdal_path: str, formaat: str) -> list[str]:
        if gdal_path in self.gelezen:
            return self.gelezen[gdal_path]
        options = OPEN_OPTIONS.get(formaat, {})
        try:
            lagen = [str(name) for name, _ in pyogrio.list_layers(gdal_path)]
            # The driver GDAL chose must be the form's (checked before any feature is read).
            driver = (
                pyogrio.read_info(gdal_path, layer=lagen[0], **options)["driver"] if lagen else ""
            )
        except GDAL_ERRORS:
            raise unreadable(self.naam, formaat) from None
        if not lagen:
            raise _refuse(f"'{self.naam}' bevat geen lagen.", "geen_lagen")
        if driver != DRIVERS[formaat]:
            raise _refuse(
                f"'{self.naam}' opent niet als {formaat} (GDAL: {str(driver)[:40]}).",
                "niet_leesbaar",
            )
        self.gelezen[gdal_path] = lagen
        return lagen

    def open(self, laag: str | None) -> Bron:
        """Open one layer: `laag`, or the only one (of our NOVEX export: its opgaven)."""
        gdal_path, formaat = str(self.path), self.kind
        if self.kind == "zip":
            gdal_path, formaat = _zip_member(self.path, self.naam, laag)
            laag = None  # one layer per member
        lagen = self._gdal_lagen(gdal_path, formaat)
        if laag is None:
            # Our own NOVEX export: take the opgaven.
            laag = "opgave" if "opgave" in lagen else lagen[0] if len(lagen) == 1 else None
        if laag not in lagen:
            raise _refuse(
                f"Kies een laag van '{self.naam}' met laag: {', '.join(lagen)}.",
                "kies_laag",
                "laag",
            )
        options = OPEN_OPTIONS.get(formaat, {})
        try:
            info = pyogrio.read_info(
                gdal_path, layer=laag, force_feature_count=True, force_total_bounds=True, **options
            )
        except GDAL_ERRORS as exc:
            raise unreadable(self.naam, formaat, exc) from None
        crs = None
        if info.get("crs"):
            try:
                crs = CRS.from_user_input(info["crs"])
            except CRSError:
                raise _refuse(
                    f"Het CRS van '{self.naam}' is onbekend: {info['crs'][:80]}", "crs_onbekend"
                ) from None
        impliciet = formaat == "GeoJSON" and not CRS_MEMBER.search(_head(self.path))
        zipped = self.kind == "zip"
        return Bron(
            naam=self.naam,
            gdal_path=gdal_path,
            formaat=formaat,
            laag=laag,
            lagen=self.lagen() if zipped else lagen,
            velden=[str(f) for f in info["fields"]],
            aantal=int(info["features"]),
            crs=crs,
            crs_impliciet=impliciet,
            bounds=tuple(info["total_bounds"]) if info.get("total_bounds") is not None else None,
            bytes=_unzipped_bytes(self.path) if zipped else self.path.stat().st_size,
            geometrietype=str(info.get("geometry_type") or ""),
        )


def upload(path: Path, filename: str) -> Upload:
    """Decide the form of the file at `path` (uploaded as `filename`) from its content."""
    kind = _kind(path, filename)
    # GDAL goes by the extension too (and warns when a GeoPackage lacks .gpkg).
    if path.suffix != SUFFIXES[kind]:
        path = path.rename(path.with_suffix(SUFFIXES[kind]))
    return Upload(path, filename, kind)


def open_bron(path: Path, filename: str, laag: str | None) -> Bron:
    """Open the file at `path` (uploaded as `filename`) and choose its layer."""
    return upload(path, filename).open(laag)


def _unzipped_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def choose_crs(bron: Bron, named: str | None) -> CRS:
    """The CRS to read `bron` in: the file's own, or the one the user names where it has none.

    A GeoJSON without `crs` member is CRS84 (RFC 7946) unless the user names another: old
    files in RD often lack the member.
    """
    if named:
        try:
            chosen = CRS.from_user_input(named)
        except CRSError:
            raise _refuse(f"Onbekend CRS '{named}'.", "crs_onbekend", "crs") from None
        if bron.crs is not None and not bron.crs_impliciet and not chosen.equals(bron.crs):
            raise _refuse(
                f"Het bestand zegt zelf {bron.crs.to_string()}; dat gaat voor. Laat crs weg.",
                "crs_tegenstrijdig",
                "crs",
            )
        return chosen
    if bron.crs_impliciet and bron.bounds is not None and _looks_rd(bron.bounds):
        raise _refuse(
            f"De coördinaten in '{bron.naam}' lijken RD New (meters), maar het bestand noemt geen "
            "CRS en GeoJSON is dan CRS84. Geef crs=EPSG:28992 op.",
            "crs_lijkt_rd",
            "crs",
        )
    if bron.crs is None:
        raise _refuse(
            f"'{bron.naam}' zegt niet in welk CRS het staat (geen .prj, srsName of crs). "
            "Geef het op met crs, bijvoorbeeld EPSG:28992.",
            "crs_ontbreekt",
            "crs",
        )
    return bron.crs


def _looks_rd(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return RD_LOOK[0] <= minx <= maxx <= RD_LOOK[2] and RD_LOOK[1] <= miny <= maxy <= RD_LOOK[3]
