"""Exports land in the right place: GDAL reads each format in each CRS as that CRS, with
the coordinates of the stored geometries, and the file name says which CRS it is."""

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, Crs, to_rd
from gebiedsregie.opgaven.models import Opgave
from tests.uitwisseling.test_export import VALIDATOR, proefgebied

FILENAME = re.compile(r'attachment; filename="(proefgebied-novex-(?:rd|crs84)-\d{8}\.\w+)"')
LEGACY_RD = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
# How far a read-back vertex may lie from the stored one: the export's grid (7 decimals of a
# degree is at most 0.6 cm on the ground here; RD keeps the stored millimetres exactly).
TOLERANCE_M = {4326: 0.01, 28992: 1e-6}

# (formaat, crs parameter, EPSG that GDAL must report, CRS of the coordinates)
CASES = [
    ("geojson", None, 4326, CRS84),
    ("geojson", RD.uri, 28992, RD),
    ("gpkg", None, 28992, RD),
    ("gpkg", RD.uri, 28992, RD),
    ("gpkg", CRS84.uri, 4326, CRS84),
]


def download(client: TestClient, tmp_path: Path, formaat: str, crs: str | None) -> Path:
    params = {"formaat": formaat} | ({"crs": crs} if crs else {})
    response = client.get("/api/v1/gebieden/proefgebied/export", params=params)
    assert response.status_code == 200, response.text
    found = FILENAME.fullmatch(response.headers["content-disposition"])
    assert found is not None, response.headers["content-disposition"]
    path = tmp_path / found.group(1)
    path.write_bytes(response.content)
    return path


def stored_opgaven(session: Session) -> dict[str, shapely.Geometry]:
    return {o.titel: to_shape(o.geom) for o in session.scalars(select(Opgave))}


def opgaven_read_back(path: Path) -> Any:
    if path.suffix == ".gpkg":
        return pyogrio.read_dataframe(path, layer="opgave")
    frame = pyogrio.read_dataframe(path)
    return frame[frame["laag"] == "opgave"]


@pytest.mark.parametrize(("formaat", "crs", "epsg", "coordinates"), CASES)
def test_gdal_reads_each_export_in_its_own_crs(
    client: TestClient,
    session: Session,
    tmp_path: Path,
    formaat: str,
    crs: str | None,
    epsg: int,
    coordinates: Crs,
) -> None:
    proefgebied(session)
    path = download(client, tmp_path, formaat, crs)
    assert path.name.split("-novex-")[1].startswith("rd-" if epsg == 28992 else "crs84-")
    assert path.suffix == f".{formaat}"

    layers = ["opgave"] if formaat == "geojson" else ["gebied", "opgave", "stapeling"]
    for layer in layers:
        info = pyogrio.read_info(path, layer=layer if formaat == "gpkg" else None)
        assert info["crs"] == f"EPSG:{epsg}", (layer, info["crs"])

    frame = opgaven_read_back(path)
    assert frame.crs.to_epsg() == epsg
    stored = stored_opgaven(session)
    assert sorted(frame["titel"]) == sorted(stored)
    for titel, geom in zip(frame["titel"], frame.geometry, strict=True):
        # Back in RD, every vertex is where the database has it.
        geom_rd = to_rd(geom, coordinates)
        distance = shapely.hausdorff_distance(geom_rd, stored[titel])
        assert distance < TOLERANCE_M[epsg], (titel, distance)
        # ... and the area differs by no more than the grid allows along the boundary.
        slack = stored[titel].length * TOLERANCE_M[epsg] + 1e-6
        assert abs(geom_rd.area - stored[titel].area) <= slack, titel


def test_rd_geojson_without_its_member_is_misread(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    # Why the member is there: without it GDAL takes the RD metres for degrees.
    proefgebied(session)
    path = download(client, tmp_path, "geojson", RD.uri)
    collection = json.loads(path.read_text())
    assert collection["crs"] == LEGACY_RD
    del collection["crs"]
    bare = tmp_path / "zonder-crs.geojson"
    bare.write_text(json.dumps(collection))
    assert pyogrio.read_info(bare)["crs"] == "EPSG:4326"
    assert pyogrio.read_info(path)["crs"] == "EPSG:28992"


def test_geojson_crs_member_only_in_rd(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    proefgebied(session)
    crs84 = json.loads(download(client, tmp_path, "geojson", None).read_text())
    rd = json.loads(download(client, tmp_path, "geojson", RD.uri).read_text())
    assert "crs" not in crs84
    assert list(rd)[:2] == ["type", "crs"]
    VALIDATOR.validate(crs84)
    VALIDATOR.validate(rd)
    # The schema holds both rules: CRS84 never has the member, RD always the one for 28992.
    wrong = [
        {**crs84, "crs": LEGACY_RD},
        {k: v for k, v in rd.items() if k != "crs"},
        {**rd, "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}},
    ]
    for collection in wrong:
        with pytest.raises(jsonschema.ValidationError):
            VALIDATOR.validate(copy.deepcopy(collection))
