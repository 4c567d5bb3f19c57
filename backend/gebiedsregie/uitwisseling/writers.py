"""Writing an Export: NOVEX GeoJSON and GeoPackage (one layer per laag, and per
referentielaag), in CRS84 or RD New."""

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas
import pandas as pd
import pyogrio
import shapely

from gebiedsregie.crs import RD, RD_NEW, Crs
from gebiedsregie.geometry import polygon_texts
from gebiedsregie.uitwisseling import referentie_export
from gebiedsregie.uitwisseling.export import LAGEN, LIJST_SCHEIDING, Export, strict_geometries

GEOPACKAGE = "application/geopackage+sqlite3"
MAX_DECIMALS_CRS84 = 7  # about 1 cm: the NOVEX profile's precision
# The pre-RFC 7946 `crs` member (GeoJSON 2008): without it GDAL, QGIS and ArcGIS take any
# GeoJSON to be WGS84, and RD metres then lie nowhere near the Netherlands.
LEGACY_CRS_RD = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
# Column types of the GeoPackage layers (arrays become text joined by LIJST_SCHEIDING).
GPKG_KOLOMMEN: dict[str, dict[str, str]] = {
    "gebied": {
        "id": "string",
        "slug": "string",
        "naam": "string",
        "soort": "string",
        "provincies": "string",
        "gemeenten": "string",
        "beschrijving": "string",
        "bron": "string",
        "oppervlakte_ha": "float64",
    },
    "opgave": {
        "id": "string",
        "titel": "string",
        "thema": "string",
        "thema_naam": "string",
        "beschrijving": "string",
        "trekker": "string",
        "status": "string",
        "horizon": "Int32",
        "ruimtevraag_ha": "float64",
        "bron": "string",
        "extern_id": "string",
        "oppervlakte_ha": "float64",
        "oppervlakte_in_gebied_ha": "float64",
        "gewijzigd_op": "string",
        "conflict_ha": "float64",
        "knelpunten": "string",
    },
    "stapeling": {
        "nr": "int32",
        "aantal": "int32",
        "aantal_themas": "int32",
        "themas": "string",
        "opgaven": "string",
        "oppervlakte_ha": "float64",
        "hotspot": "bool",
        "conflicten": "string",
        "koppelkansen": "string",
        "lagen": "string",
    },
}
# Columns of pairs (thema's, or a thema and a laag) and knelpunten: JSON text.
JSON_KOLOMMEN = frozenset({"conflicten", "koppelkansen", "lagen", "knelpunten"})


def _feature_id(laag: str, record: dict[str, Any]) -> str:
    return f"vlak-{record['nr']}" if laag == "stapeling" else str(record["id"])


def export_filename(slug: str, when: datetime, formaat: str, crs: Crs) -> str:
    """Return the name of an export file, saying its CRS: food-valley-novex-rd-20261205.gpkg."""
    tag = "rd" if crs.epsg == RD_NEW else "crs84"
    return f"{slug}-novex-{tag}-{when:%Y%m%d}.{formaat}"


def novex_geojson(export: Export, crs: Crs) -> bytes:
    """The export as one FeatureCollection (NOVEX profile), in `crs`.

    In CRS84 strict RFC 7946, without a `crs` member; in RD New with the legacy member that
    names EPSG:28992. Exterior rings anticlockwise; coordinates on the CRS's grid (7 decimals
    in CRS84, mm in RD). Written piecewise: the geometry texts come from GEOS as they are.
    """
    crs = replace(crs, decimals=min(crs.decimals, MAX_DECIMALS_CRS84)) if crs != RD else crs
    parts: list[str] = []
    aantallen: dict[str, int] = {}
    weggelaten = 0
    for naam in LAGEN:
        laag = export.lagen[naam]
        geoms = strict_geometries(laag.geometries, crs)
        texts = polygon_texts(geoms, crs.decimals) if len(geoms) else []
        aantallen[naam] = 0
        for record, geom, text in zip(laag.records, geoms, texts, strict=True):
            if shapely.is_empty(geom):
                weggelaten += 1
                continue
            aantallen[naam] += 1
            properties = json.dumps({"laag": naam, **record}, ensure_ascii=False)
            feature_id = json.dumps(_feature_id(naam, record))
            parts.append(
                f'{{"type":"Feature","id":{feature_id},"geometry":{text},'
                f'"properties":{properties}}}'
            )
    metadata = json.dumps(export.metadata(crs, aantallen, weggelaten), ensure_ascii=False)
    body = ",\n".join(parts)
    legacy = f'"crs":{json.dumps(LEGACY_CRS_RD)},' if crs.epsg == RD_NEW else ""
    return (
        f'{{"type":"FeatureCollection",{legacy}"novex":{metadata},"features":[\n{body}\n]}}\n'
    ).encode()


# A variant's opgaven say what the variant did to them (empty, gewijzigd, nieuw).
VARIANT_KOLOMMEN = {"opgave": {"wijziging": "string"}}


def _cell(key: str, value: Any) -> Any:
    """A GeoPackage value: a list joined by LIJST_SCHEIDING; pairs and knelpunten as JSON."""
    if key in JSON_KOLOMMEN:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return LIJST_SCHEIDING.join(map(str, value))
    return value


def _frame(
    naam: str, records: list[dict[str, Any]], geoms: Any, crs: Crs, variant: bool = False
) -> geopandas.GeoDataFrame:
    kolommen = GPKG_KOLOMMEN[naam] | (VARIANT_KOLOMMEN.get(naam, {}) if variant else {})
    rows = [
        {key: _cell(key, value) for key, value in record.items() if key in kolommen}
        for record in records
    ]
    table = pd.DataFrame(rows, columns=list(kolommen)).astype(kolommen)
    # CRS84 is written as EPSG:4326, which every GeoPackage knows: its geometries are x/y
    # (longitude, latitude) whatever the register's axis order.
    return geopandas.GeoDataFrame(table, geometry=geopandas.GeoSeries(geoms, crs=crs.epsg))


def write_gpkg(export: Export, path: Path, crs: Crs = RD) -> None:
    """Write the export as a GeoPackage: one MultiPolygon layer per laag, in `crs` (RD New,
    EPSG:28992, unless asked otherwise; CRS84 as EPSG:4326)."""
    aantallen: dict[str, int] = {}
    weggelaten = 0
    frames = {}
    for naam in LAGEN:
        laag = export.lagen[naam]
        geoms = strict_geometries(laag.geometries, crs)
        keep = ~shapely.is_empty(geoms) if len(geoms) else []
        records = [r for r, k in zip(laag.records, keep, strict=True) if k]
        weggelaten += len(laag.records) - len(records)
        aantallen[naam] = len(records)
        frames[naam] = _frame(
            naam, records, geoms[keep] if len(geoms) else [], crs, export.variant is not None
        )
    # The referentielagen' objecten, cut to the gebied: a layer per laag (referentie_export).
    referentielagen, referentie_aantallen, referentie_weg = referentie_export.gpkg_lagen(
        export.referentielagen, crs
    )
    aantallen.update(referentie_aantallen)
    weggelaten += referentie_weg
    metadata = export.metadata(crs, aantallen, weggelaten)
    for i, (naam, frame) in enumerate(frames.items()):
        pyogrio.write_dataframe(
            frame,
            path,
            layer=naam,
            driver="GPKG",
            promote_to_multi=True,
            geometry_type="MultiPolygon",
            layer_metadata={"DESCRIPTION": f"Gebiedsregie NOVEX-export, laag {naam}"},
            dataset_metadata=(
                {k: json.dumps(v, ensure_ascii=False) for k, v in metadata.items()}
                if i == 0
                else None
            ),
        )
    for naam, frame, laagmetadata in referentielagen:
        pyogrio.write_dataframe(
            frame,
            path,
            layer=naam,
            driver="GPKG",
            promote_to_multi=True,
            geometry_type="MultiPolygon",
            layer_metadata=laagmetadata,
        )
