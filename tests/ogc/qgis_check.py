"""QGIS itself reads Gebiedsregie's OGC API, headless: run by tests/ogc/test_qgis.py.

Runs under Debian's /usr/bin/python3 (python3-qgis is built for the system Python, not for the
project's venv), with QT_QPA_PLATFORM=offscreen. Usage:

    /usr/bin/python3 tests/ogc/qgis_check.py BASE_URL CQL2_TEXT OUTPUT.json

It writes what QGIS did, case by case: whether the layer is valid, its CRS, its feature count,
the features it iterated, the URLs QGIS requested (with their HTTP status) and what QGIS
logged. The test decides what is right; this script only looks.

- `oapif`: every collection as an OAPIF layer (QGIS's OGC API Features provider), with the
  URI QGIS itself writes: `url='<base>/ogc' typename='<collection>'`.
- `filters`: `opgaven` with a filter, in the ways QGIS 3.22 knows: a QGIS expression as the
  layer's filter (QGIS evaluates it itself, but for comparisons on a DateTime field, which it
  sends as `datetime`), and extra query parameters after `?` in `url`, which QGIS appends to
  every request it makes (a collection filter like `thema=wonen`, and a CQL2 `filter` with
  `filter-lang`).
- `tiles`: the app's vector tiles of `opgaven` as a QGIS vector tile layer (type `xyz`, the
  template from the tileset's `item` link, its zoom levels from the tileset), in both tile
  matrix sets, rendered over Food Valley beside the OAPIF layer, in a Web Mercator map and in
  an RD map: the share of painted pixels the two have in common (IoU) says whether the tiles
  landed where the features are.
- `gdal_tiles`: the same tiles through GDAL's OGCAPI driver (QGIS's `ogr` provider), the other
  way QGIS could open OGC API Tiles.
"""

import json
import os
import sys
import urllib.parse
import urllib.request
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from osgeo import gdal
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsNetworkAccessManager,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtNetwork import QNetworkRequest

SIZE = 400  # pixels of a rendered map, both ways
STEP = 2  # every second pixel is compared

app = QgsApplication([], False)
app.initQgis()

# Every request QGIS makes, from any thread, with its status once answered.
requests: dict[int, dict[str, Any]] = {}
messages: list[str] = []


def _about(parameters: Any) -> None:
    url = bytes(parameters.request().url().toEncoded()).decode()  # as sent
    requests[parameters.requestId()] = {"url": url, "status": None}


def _finished(reply: Any) -> None:
    entry = requests.get(reply.requestId())
    if entry is not None:
        entry["status"] = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute)


def _logged(message: str, tag: str, level: Any) -> None:
    messages.append(f"{tag}: {message}")


manager = QgsNetworkAccessManager.instance()
manager.requestAboutToBeCreated["QgsNetworkRequestParameters"].connect(_about)
manager.finished["QgsNetworkReplyContent"].connect(_finished)
QgsApplication.messageLog().messageReceived.connect(_logged)


def collect() -> dict[str, Any]:
    """The requests and messages since the last call."""
    app.processEvents()  # the signals of other threads arrive queued
    found = {"requests": list(requests.values()), "messages": list(messages)}
    requests.clear()
    messages.clear()
    return found


def fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def oapif_uri(base: str, collection: str, query: str = "") -> str:
    uri = QgsDataSourceUri()
    uri.setParam("url", f"{base}/ogc" + (f"?{query}" if query else ""))
    uri.setParam("typename", collection)
    uri.setParam("hideDownloadProgressDialog", "1")  # no dialog to connect to, headless
    return uri.uri(False)


def read_layer(uri: str, expression: str = "") -> dict[str, Any]:
    """Open the layer, set the expression as its filter (as the *Filter…* dialog does: QGIS
    then stores it in the URI's `filter` key), count and iterate its features."""
    layer = QgsVectorLayer(uri, "laag", "OAPIF")
    result: dict[str, Any] = {"uri": uri, "valid": layer.isValid()}
    if layer.isValid():
        result["crs"] = layer.crs().authid()
        result["count_opened"] = layer.featureCount()  # numberMatched of the first page
        if expression:
            result["filter_accepted"] = layer.setSubsetString(expression)
            result["uri"] = layer.source()
        result["count"] = layer.featureCount()
        result["iterated"] = sum(1 for _ in layer.getFeatures())
        result["fields"] = {f.name(): f.typeName() for f in layer.fields()}
    del layer
    return {**result, **collect()}


def render(layer: Any, extent: QgsRectangle, crs: QgsCoordinateReferenceSystem) -> list[bool]:
    """Which pixels of the map (every STEP-th) the layer paints."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(crs)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setBackgroundColor(QColor(255, 255, 255, 0))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    return [
        image.pixelColor(x, y).alpha() > 0
        for y in range(0, SIZE, STEP)
        for x in range(0, SIZE, STEP)
    ]


def food_valley_extent(base: str, crs: str) -> QgsRectangle:
    feature = fetch(f"{base}/ogc/collections/gebieden/items/food-valley")
    points = [p for polygon in feature["geometry"]["coordinates"] for ring in polygon for p in ring]
    box = QgsRectangle(
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )
    to_map = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("OGC:CRS84"),
        QgsCoordinateReferenceSystem(crs),
        QgsProject.instance(),
    )
    return to_map.transformBoundingBox(box)


def xyz_template(tileset: dict[str, Any]) -> str:
    """The tileset's item link as QGIS's XYZ template: tileMatrix/tileRow/tileCol = z/y/x."""
    href = next(
        link["href"]
        for link in tileset["links"]
        if link["rel"] == "item" and link.get("type") == "application/vnd.mapbox-vector-tile"
    )
    return (
        href.replace("{tileMatrix}", "{z}").replace("{tileRow}", "{y}").replace("{tileCol}", "{x}")
    )


def agreement(painted: list[bool], truth: list[bool]) -> float:
    """Pixels painted by both, of the pixels painted by either (IoU)."""
    both = sum(a and b for a, b in zip(painted, truth, strict=True))
    either = sum(a or b for a, b in zip(painted, truth, strict=True))
    return both / either if either else 0.0


def tiles(base: str) -> dict[str, Any]:
    """The tiles over Food Valley beside the OAPIF layer, in a Web Mercator map and (for the
    Web Mercator tiles, which QGIS reprojects) in an RD map."""
    maps = {
        crs: (QgsCoordinateReferenceSystem(crs), food_valley_extent(base, crs))
        for crs in ("EPSG:3857", "EPSG:28992")
    }
    reference = QgsVectorLayer(oapif_uri(base, "opgaven"), "opgaven", "OAPIF")
    truth = {crs: render(reference, extent, target) for crs, (target, extent) in maps.items()}
    del reference
    collect()
    result: dict[str, Any] = {"reference_pixels": sum(truth["EPSG:3857"])}
    for tms in ("WebMercatorQuad", "NetherlandsRDNewQuad"):
        tileset = fetch(f"{base}/ogc/collections/opgaven/tiles/{tms}")
        template = xyz_template(tileset)
        uri = QgsDataSourceUri()
        uri.setParam("type", "xyz")
        uri.setParam("url", template)
        uri.setParam("zmin", tileset["layers"][0]["minTileMatrix"])
        uri.setParam("zmax", tileset["layers"][0]["maxTileMatrix"])
        source = bytes(uri.encodedUri()).decode()
        layer = QgsVectorTileLayer(source, tms)
        entry: dict[str, Any] = {"template": template, "uri": source, "valid": layer.isValid()}
        if layer.isValid():
            target, extent = maps["EPSG:3857"]
            painted = render(layer, extent, target)
            entry["crs"] = layer.crs().authid()
            entry["pixels"] = sum(painted)
            entry["iou"] = agreement(painted, truth["EPSG:3857"])
            entry.update(collect())  # the tile requests of the Web Mercator map
            target, extent = maps["EPSG:28992"]
            entry["iou_rd_map"] = agreement(render(layer, extent, target), truth["EPSG:28992"])
        del layer
        collect()
        result[tms] = entry
    return result


def gdal_tiles(base: str) -> dict[str, Any]:
    result = {}
    for tms in ("WebMercatorQuad", "NetherlandsRDNewQuad"):
        uri = f"OGCAPI:{base}/ogc/collections/opgaven|option:API=TILES|option:TILEMATRIXSET={tms}"
        layer = QgsVectorLayer(uri, tms, "ogr")
        entry: dict[str, Any] = {"uri": uri, "valid": layer.isValid()}
        if layer.isValid():
            entry["crs"] = layer.crs().authid()
            entry["sublayers"] = layer.dataProvider().subLayers()[:3]
        del layer
        result[tms] = {**entry, **collect()}
    return result


def main(base: str, cql2: str, output: str) -> None:
    report: dict[str, Any] = {"qgis": Qgis.QGIS_VERSION, "gdal": gdal.__version__}
    collections = [c["id"] for c in fetch(f"{base}/ogc/collections")["collections"]]
    report["oapif"] = {c: read_layer(oapif_uri(base, c)) for c in collections}
    cql2_query = urllib.parse.urlencode({"filter": cql2, "filter-lang": "cql2-text"})
    opgaven = oapif_uri(base, "opgaven")
    report["filters"] = {
        "expression": read_layer(opgaven, "\"thema\" = 'wonen'"),
        "url_parameter": read_layer(oapif_uri(base, "opgaven", query="thema=wonen")),
        "cql2": read_layer(oapif_uri(base, "opgaven", query=cql2_query)),
        # QGIS 3.22 sends a comparison on a DateTime field as the `datetime` parameter,
        # an open end as 9999-12-31T00:00:00Z, an open start as 0000-01-01T00:00:00Z.
        "datetime_from": read_layer(opgaven, "\"gewijzigd_op\" >= '2020-01-01T00:00:00Z'"),
        "datetime_until": read_layer(opgaven, "\"gewijzigd_op\" <= '2100-01-01T00:00:00Z'"),
    }
    report["tiles"] = tiles(base)
    report["gdal_tiles"] = gdal_tiles(base)
    with open(output, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
    # QGIS 3.22 can crash while it tears down its providers (exitQgis included): the report is
    # written, so leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(*sys.argv[1:4])
