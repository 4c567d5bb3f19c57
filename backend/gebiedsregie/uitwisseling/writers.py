"""Writing an Export: NOVEX GeoJSON (RFC 7946) and GeoPackage (one layer per laag, RD New)."""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas
import pandas as pd
import pyogrio
import shapely

from gebiedsregie.crs import RD, RD_NEW, Crs
from gebiedsregie.geometry import polygon_texts
from gebiedsregie.uitwisseling.export import LAGEN, LIJST_SCHEIDING, Export, strict_geometries

GEOPACKAGE = "application/geopackage+sqlite3"
MAX_DECIMALS_CRS84 = 7  # about 1 cm: the NOVEX profile's precision
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
    },
    "stapeling": {
        "nr": "int32",
        "aantal": "int32",
        "aantal_themas": "int32",
        "themas": "string",
        "opgaven": "string",
        "oppervlakte_ha": "float64",
        "hotspot": "bool",
    },
}


def _feature_id(laag: str, record: dict[str, Any]) -> str:
    return f"vlak-{record['nr']}" if laag == "stapeling" else str(record["id"])


def novex_geojson(export: Export, crs: Crs) -> bytes:
    """The export as one RFC 7946 FeatureCollection (NOVEX profile), in `crs`.

    No `crs` member; exterior rings anticlockwise; coordinates on the CRS's grid (7 decimals
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
    return f'{{"type":"FeatureCollection","novex":{metadata},"features":[\n{body}\n]}}\n'.encode()


def _frame(naam: str, records: list[dict[str, Any]], geoms: Any) -> geopandas.GeoDataFrame:
    kolommen = GPKG_KOLOMMEN[naam]
    rows = [
        {
            key: LIJST_SCHEIDING.join(map(str, value)) if isinstance(value, list) else value
            for key, value in record.items()
            if key in kolommen
        }
        for record in records
    ]
    table = pd.DataFrame(rows, columns=list(kolommen)).astype(kolommen)
    return geopandas.GeoDataFrame(table, geometry=geopandas.GeoSeries(geoms, crs=RD_NEW))


def write_gpkg(export: Export, path: Path) -> None:
    """Write the export as a GeoPackage: one MultiPolygon layer per laag, EPSG:28992."""
    aantallen: dict[str, int] = {}
    weggelaten = 0
    frames = {}
    for naam in LAGEN:
        laag = export.lagen[naam]
        geoms = strict_geometries(laag.geometries, RD)
        keep = ~shapely.is_empty(geoms) if len(geoms) else []
        records = [r for r, k in zip(laag.records, keep, strict=True) if k]
        weggelaten += len(laag.records) - len(records)
        aantallen[naam] = len(records)
        frames[naam] = _frame(naam, records, geoms[keep] if len(geoms) else [])
    metadata = export.metadata(RD, aantallen, weggelaten)
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
