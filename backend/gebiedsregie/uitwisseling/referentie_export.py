"""The referentielagen in an export of a gebied.

Every export names the live referentielagen in its metadata (`novex.referentielagen`): what
they are, their bron and licentie, how many of their objecten meet the gebied, and links that
fetch those objecten. The NOVEX GeoJSON holds no objecten: it is what a province submits (its
gebied, opgaven and stapeling), and the stapeling's `lagen` and `conflicten` name the lagen by
slug, which the metadata defines. The GeoPackage, for desktop GIS, also holds each laag's
objecten cut to the gebied, as a layer of its own (`referentielaag_<slug>`).
"""

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import geopandas
import numpy as np
import pandas as pd
import shapely
from shapely import MultiPolygon
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD, Crs
from gebiedsregie.geometry import area_ha
from gebiedsregie.ogc.collections import referentielaag_id
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import Referentielaag
from gebiedsregie.referentielagen.schemas import naamsvermelding
from gebiedsregie.uitwisseling.export import strict_geometries

GPKG_PREFIX = "referentielaag_"
# Columns of every referentielaag layer; the source's attributes follow, each as a column.
VASTE_KOLOMMEN = {
    "id": "string",
    "naam": "string",
    "extern_id": "string",
    "oppervlakte_in_gebied_ha": "float64",
}
# Names GDAL keeps for itself in a GeoPackage: a source attribute so named gets `bron_`.
GDAL_NAMEN = ("fid", "geom", "geometry")


@dataclass
class Referentie:
    """A referentielaag in an export: its metadata, and (GeoPackage) its objecten cut to the
    gebied, in RD."""

    metadata: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    geometries: list[MultiPolygon] = field(default_factory=list)

    @property
    def gpkg_laag(self) -> str:
        return gpkg_laag(self.metadata["slug"])


def gpkg_laag(slug: str) -> str:
    """Return the GeoPackage layer of a laag: referentielaag_natura_2000."""
    return GPKG_PREFIX + slug.replace("-", "_")


def _links(basis_url: str, slug: str, gebied_rd: MultiPolygon) -> list[dict[str, str]]:
    minx, miny, maxx, maxy = gebied_rd.bounds
    box = f"{int(np.floor(minx))},{int(np.floor(miny))},{int(np.ceil(maxx))},{int(np.ceil(maxy))}"
    query = urlencode({"bbox": box, "bbox-crs": RD.uri}, safe=",:/")
    return [
        {
            "href": f"{basis_url}/api/v1/referentielagen/{slug}/objecten?{query}",
            "rel": "items",
            "type": "application/geo+json",
            "title": "De objecten in de omhullende van het gebied (heel, niet geknipt)",
        },
        {
            "href": f"{basis_url}/ogc/collections/{referentielaag_id(slug)}/items?{query}",
            "rel": "items",
            "type": "application/geo+json",
            "title": "Dezelfde objecten als OGC API Features",
        },
    ]


def _metadata(laag: Referentielaag, aantal: int, links: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "slug": laag.slug,
        "naam": laag.naam,
        "soort": laag.soort,
        "kleur": laag.kleur,
        "omschrijving": laag.omschrijving,
        "bron": laag.bron,
        "licentie": laag.licentie,
        "naamsvermelding": naamsvermelding(laag),
        "peildatum": laag.peildatum.isoformat() if laag.peildatum else None,
        "versie": laag.versie,
        "objecten_in_gebied": aantal,
        "links": links,
    }


def referentielagen(
    session: Session, gebied_rd: MultiPolygon, met_objecten: bool, basis_url: str = ""
) -> list[Referentie]:
    """Return the live referentielagen for an export of the gebied: their metadata and, with
    `met_objecten`, their objecten whose interior meets the gebied, cut to it."""
    result = []
    for laag in referentielagen_service.list_lagen(session):
        links = _links(basis_url, laag.slug, gebied_rd)
        if not met_objecten:
            aantal = referentielagen_service.count_binnen(session, laag, gebied_rd)
            result.append(Referentie(_metadata(laag, aantal, links)))
            continue
        objecten = referentielagen_service.objecten_binnen(session, laag, gebied_rd)
        referentie = Referentie(_metadata(laag, len(objecten), links))
        for obj, deel in objecten:
            vast = {
                "id": str(obj.id),
                "naam": obj.naam,
                "extern_id": obj.extern_id,
                "oppervlakte_in_gebied_ha": area_ha(deel),
            }
            record = referentielagen_service.vlakke_eigenschappen(obj, vast, GDAL_NAMEN)
            referentie.records.append(record)
            referentie.geometries.append(deel)
        result.append(referentie)
    return result


def _kolomtype(values: list[Any]) -> str:
    """The pandas type of a source attribute's column: whole numbers, numbers, booleans, or
    else text (lists and objects as JSON)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Int64"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "float64"
    return "string"


def _cel(value: Any, kolomtype: str) -> Any:
    if value is None or kolomtype != "string":
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def gpkg_frame(records: list[dict[str, Any]], geoms: Any, crs: Crs) -> geopandas.GeoDataFrame:
    """Return a laag's layer: the fixed columns, then one per attribute of the source."""
    kolommen = dict(VASTE_KOLOMMEN)
    namen = [k for r in records for k in r if k not in kolommen]
    for naam in dict.fromkeys(namen):
        kolommen[naam] = _kolomtype([r.get(naam) for r in records])
    rows = [{k: _cel(r.get(k), t) for k, t in kolommen.items()} for r in records]
    table = pd.DataFrame(rows, columns=list(kolommen)).astype(kolommen)
    return geopandas.GeoDataFrame(table, geometry=geopandas.GeoSeries(geoms, crs=crs.epsg))


def gpkg_laagmetadata(referentie: Referentie) -> dict[str, str]:
    """Return the layer metadata of a laag in a GeoPackage: its naam, soort, bron, licentie."""
    meta = referentie.metadata
    beschrijving = (
        f"Referentielaag {meta['naam']} ({meta['soort']}), geknipt op het gebied. "
        f"Bron: {meta['bron'] or 'onbekend'}. Licentie: {meta['licentie'] or 'onbekend'}."
    )
    velden = ("slug", "naam", "soort", "kleur", "bron", "licentie", "peildatum", "versie")
    return {
        "DESCRIPTION": beschrijving,
        "IDENTIFIER": meta["naam"],
        **{k: "" if meta[k] is None else str(meta[k]) for k in velden},
        "naamsvermelding": meta["naamsvermelding"],
    }


def gpkg_lagen(
    referenties: list[Referentie], crs: Crs
) -> tuple[list[tuple[str, geopandas.GeoDataFrame, dict[str, str]]], dict[str, int], int]:
    """Return each laag's GeoPackage layer (name, frame, layer metadata), the number of
    objecten written per layer, and how many vanished on the grid."""
    lagen, aantallen, weggelaten = [], {}, 0
    for referentie in referenties:
        geoms = strict_geometries(referentie.geometries, crs)
        keep = ~shapely.is_empty(geoms) if len(geoms) else np.zeros(0, dtype=bool)
        records = [r for r, k in zip(referentie.records, keep, strict=True) if k]
        weggelaten += len(referentie.records) - len(records)
        aantallen[referentie.gpkg_laag] = len(records)
        frame = gpkg_frame(records, geoms[keep] if len(geoms) else [], crs)
        lagen.append((referentie.gpkg_laag, frame, gpkg_laagmetadata(referentie)))
    return lagen, aantallen, weggelaten
