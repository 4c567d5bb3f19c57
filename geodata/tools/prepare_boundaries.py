"""Derive the boundary files Gebiedsregie ships from the sources in ../shared/geodata.

- geodata/gemeenten_2024.geojson: the CBS gemeenten 2024, unchanged geometry, plus the
  `provincie` each lies in (by representative point in the Kadaster provinces).
- backend/gebiedsregie/data/nederland_rd.geojson: the outline of the Netherlands (union of the
  Kadaster provinces, so inland and territorial waters included), in RD New, buffered by 1 km
  and simplified to 100 m. Used only to refuse geometries that lie outside the country.
- geodata/provincies.geojson: the 12 Kadaster provinces, simplified together to 10 m in RD New
  (their shared borders stay shared), in CRS84 to 6 decimals. Search and reference maps.

Run: .venv/bin/python geodata/tools/prepare_boundaries.py [SOURCE_DIR]
"""

import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[2]
PROVINCIE_TOLERANCE_M = 10.0
ATTRIBUTION = {
    "gemeenten": "CBS Gebiedsindelingen 2024 (gemeente_gegeneraliseerd), © CBS / PDOK, CC BY 4.0",
    "provincies": "Kadaster Bestuurlijke Gebieden (Provinciegebied), © Kadaster / PDOK",
}


def main(source: Path) -> None:
    gemeenten = gpd.read_file(source / "gemeenten_2024.geojson")
    provincies = gpd.read_file(source / "provincies.geojson")

    points = gemeenten.set_geometry(gemeenten.representative_point())
    joined = gpd.sjoin(points, provincies[["statnaam", "geometry"]], predicate="within")
    gemeenten["provincie"] = joined["statnaam_right"].reindex(gemeenten.index)
    assert gemeenten["provincie"].notna().all(), "every gemeente lies in one provincie"

    out = json.loads(gemeenten[["statcode", "statnaam", "provincie", "geometry"]].to_json())
    out["name"] = "gemeenten_2024"
    out["attribution"] = ATTRIBUTION["gemeenten"]
    for feature in out["features"]:
        feature.pop("id", None)
    (ROOT / "geodata" / "gemeenten_2024.geojson").write_text(
        json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )

    nl = shapely.union_all(provincies.to_crs(28992).geometry.values)
    nl = nl.buffer(1000).simplify(100)
    nl = shapely.set_precision(nl, 1.0)
    outline = {
        "type": "FeatureCollection",
        "name": "nederland_rd",
        "attribution": ATTRIBUTION["provincies"] + "; gebufferd 1 km, vereenvoudigd 100 m",
        "crs_note": "EPSG:28992 (RD New); not RFC 7946, internal use only",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(nl)}
        ],
    }
    (ROOT / "backend" / "gebiedsregie" / "data" / "nederland_rd.geojson").write_text(
        json.dumps(outline, separators=(",", ":")), encoding="utf-8"
    )
    write_provincies(provincies)
    print(
        f"{len(gemeenten)} gemeenten; outline {shapely.get_num_coordinates(nl)} vertices, "
        f"{nl.area / 1e6:.0f} km²"
    )


def write_provincies(provincies: gpd.GeoDataFrame) -> None:
    """Write the provinces simplified as one coverage (no gaps or overlaps appear between
    neighbours), valid on the 6-decimal grid of the other files."""
    rd = provincies.to_crs(28992).sort_values("statcode")
    simple = shapely.coverage_simplify(rd.geometry.values, PROVINCIE_TOLERANCE_M)
    out = gpd.GeoDataFrame(
        rd[["statcode", "statnaam"]].reset_index(drop=True),
        geometry=gpd.GeoSeries(simple, crs=28992).to_crs(4326).values,
    )
    out.geometry = shapely.set_precision(out.geometry.values, 1e-6)
    assert out.geometry.is_valid.all() and not out.geometry.is_empty.any()
    collection = json.loads(out.to_json())
    collection["name"] = "provincies"
    collection["attribution"] = (
        ATTRIBUTION["provincies"] + f"; samen vereenvoudigd tot {PROVINCIE_TOLERANCE_M:.0f} m"
    )
    for feature in collection["features"]:
        feature.pop("id", None)
    (ROOT / "geodata" / "provincies.geojson").write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "geodata")
