"""Hostile uploads: files that would have GDAL read other files or fetch URLs are refused
before GDAL opens them, and nothing reaches the network (a server on localhost counts)."""

import json
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import anyio
import numpy as np
import pyogrio
import pytest
from fastapi.testclient import TestClient
from shapely import Polygon
from sqlalchemy.orm import Session

from gebiedsregie.auth.models import Rol
from gebiedsregie.settings import Settings
from gebiedsregie.uitwisseling import readers
from gebiedsregie.uitwisseling.router import _stop_when
from tests.conftest import app_on
from tests.factories import token_headers
from tests.uitwisseling.test_import import RECORDS, VAKKEN, count, layer, ok, upload


class _Counting(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"geheim\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A server on localhost that counts the requests it gets: none may come."""
    hits: ClassVar[list[str]] = []
    handler = type("Handler", (_Counting,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def vrt(source: str) -> str:
    return (
        "<OGRVRTDataSource><OGRVRTLayer name='x'>"
        f"<SrcDataSource>{source}</SrcDataSource>"
        "<GeometryType>wkbNone</GeometryType></OGRVRTLayer></OGRVRTDataSource>"
    )


def refused(response: object, code: str) -> None:
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    body = response.text  # type: ignore[attr-defined]
    assert json.loads(body)["errors"][0]["code"] == code
    assert "root:" not in body and "geheim" not in body


def test_a_vrt_named_gml_reads_no_server_file(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    trojan = tmp_path / "plannen.gml"
    trojan.write_text(vrt("CSV:/etc/passwd"))
    refused(upload(client, trojan), "geen_gml")
    assert count(session) == 0


@pytest.mark.parametrize("member", ["plannen.gml", "plannen.xml"])
def test_a_vrt_in_a_zip_reads_no_server_file(
    client: TestClient, tmp_path: Path, member: str
) -> None:
    archive = tmp_path / "plannen.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(member, vrt("CSV:/etc/passwd"))
    refused(upload(client, archive), "geen_gml")


def test_a_vrt_named_shp_in_a_zip_is_no_shapefile(client: TestClient, tmp_path: Path) -> None:
    archive = tmp_path / "plannen.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("plannen.shp", vrt("CSV:/etc/passwd"))
        out.writestr("plannen.shx", b"")
        out.writestr("plannen.dbf", b"")
    refused(upload(client, archive), "geen_shapefile")


def test_a_vrt_fetches_no_url(
    client: TestClient, tmp_path: Path, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    trojan = tmp_path / "plannen.gml"
    trojan.write_text(vrt(f"CSV:/vsicurl/{url}/intern"))
    refused(upload(client, trojan), "geen_gml")
    assert hits == []


@pytest.mark.parametrize("kind", ["link", "url"])
def test_a_crs_link_in_geojson_is_not_followed(
    client: TestClient, tmp_path: Path, listener: tuple[str, list[str]], kind: str
) -> None:
    url, hits = listener
    path = tmp_path / "laag.geojson"
    layer().to_crs(4326).to_file(path, driver="GeoJSON")
    data = json.loads(path.read_text())
    data["crs"] = {"type": kind, "properties": {"href": f"{url}/crs", "type": "proj4"}}
    path.write_text(json.dumps(data))
    refused(upload(client, path), "crs_geen_naam")
    assert hits == []


def test_a_crs_name_in_geojson_is_still_read(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_file(path, driver="GeoJSON")
    data = json.loads(path.read_text())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    path.write_text(json.dumps(data))
    assert ok(upload(client, path))["bestand"]["crs"] == "EPSG:28992"


def test_a_gml_schema_is_not_downloaded(
    client: TestClient, tmp_path: Path, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    path = tmp_path / "plannen.gml"
    pyogrio.write_dataframe(layer(), path, driver="GML")
    (tmp_path / "plannen.xsd").unlink()
    text = path.read_text().replace(
        "http://ogr.maptools.org/ plannen.xsd", f"http://ogr.maptools.org/ {url}/plannen.xsd"
    )
    assert url in text
    path.write_text(text)
    upload(client, path)  # read or refused: either way without a request
    assert hits == []


def test_a_doctype_in_gml_is_refused(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "plannen.gml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/">&e;</ogr:FeatureCollection>'
    )
    refused(upload(client, path), "gml_doctype")


def test_a_sqlite_database_is_no_geopackage(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "laag.gpkg"
    with sqlite3.connect(path) as db:
        db.execute("create table t (a text)")
    refused(upload(client, path), "geen_geopackage")


def test_a_view_that_fails_is_a_clear_refusal(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    # A GeoPackage view calling a function GDAL's SQLite does not have fails while read.
    path = tmp_path / "laag.gpkg"
    pyogrio.write_dataframe(layer(), path, layer="a")
    with sqlite3.connect(path) as db:
        db.execute("create view v as select fid, geom, geen_functie(naam) as naam from a")
        db.execute(
            "insert into gpkg_contents (table_name, data_type, srs_id) "
            "values ('v', 'features', 28992)"
        )
        db.execute("insert into gpkg_geometry_columns values ('v', 'geom', 'POLYGON', 28992, 0, 0)")
    response = upload(client, path, laag="v")
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == "niet_leesbaar"
    assert count(session) == 0


def test_the_report_cuts_long_values(client: TestClient, tmp_path: Path) -> None:
    long = "x" * 100_000
    records = [dict(r, naam=long, thema="geen-thema") for r in RECORDS]
    path = tmp_path / "laag.geojson"
    layer(records=records).to_file(path, driver="GeoJSON")
    response = upload(client, path, dry_run=True)
    assert response.status_code == 200, response.text
    assert len(response.content) < 20_000  # not three times 100,000 characters
    regel = response.json()["features"][0]
    assert regel["titel"].endswith("… (ingekort; 100000 tekens)")


def test_an_import_over_its_time_stops_and_stores_nothing(
    settings: Settings, session: Session, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_file(path, driver="GeoJSON")
    app = app_on(session, settings, database_url, import_seconds=1e-6)
    with TestClient(app) as client:
        client.headers.update(token_headers(session, Rol.BEHEERDER))
        response = upload(client, path)
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["code"] == "import_te_lang"
    assert count(session) == 0


def test_an_import_stops_when_its_client_leaves() -> None:
    class Gone:
        async def is_disconnected(self) -> bool:
            return True

    stop = _stop_when(Gone(), 300.0)  # type: ignore[arg-type]
    stopped = anyio.run(anyio.to_thread.run_sync, stop)
    assert stopped is not None and stopped.errors[0].code == "client_weg"


def test_a_huge_geometry_is_refused_before_it_is_built(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    # 12,000 vertices (192 kB of WKB) where the limit is 5,000: refused from its size.
    angles = np.linspace(0, 2 * np.pi, 12_000, endpoint=False)
    ring = np.column_stack([173_500 + 400 * np.cos(angles), 447_500 + 400 * np.sin(angles)])
    huge = Polygon(ring)
    path = tmp_path / "laag.gpkg"
    layer([huge, *VAKKEN[1:]]).to_file(path, driver="GPKG")
    report = ok(upload(client, path))
    first = report["features"][0]
    assert first["status"] == "geweigerd" and "bytes groot" in first["redenen"][0]
    assert report["samenvatting"]["geschreven"] == 2


def test_large_features_come_in_small_batches(tmp_path: Path) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_file(path, driver="GeoJSON")
    bron = readers.open_bron(path, "laag.geojson", None)
    assert bron.batch_size(1_000, 32 * 1024 * 1024) == 1_000  # small features: all at once
    bron.bytes = 3 * 50_000_000  # three features of 50 MB each
    assert bron.batch_size(1_000, 32 * 1024 * 1024) == 1
