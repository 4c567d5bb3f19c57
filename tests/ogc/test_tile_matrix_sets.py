"""/ogc/tileMatrixSets (OGC 2D TMS 2.0), the links to them and to the tilesets, and the
OGC API - Tiles conformance classes claimed."""

import pytest
from fastapi.testclient import TestClient

WEB_MERCATOR_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
REL = "http://www.opengis.net/def/rel/ogc/1.0"


def test_the_list_names_both(client: TestClient) -> None:
    body = client.get("/ogc/tileMatrixSets").json()
    sets = {t["id"]: t for t in body["tileMatrixSets"]}
    assert set(sets) == {"WebMercatorQuad", "NetherlandsRDNewQuad"}
    assert sets["WebMercatorQuad"]["uri"] == WEB_MERCATOR_URI
    assert sets["NetherlandsRDNewQuad"]["crs"] == "http://www.opengis.net/def/crs/EPSG/0/28992"
    for tms_id, tms in sets.items():
        [self_link] = tms["links"]
        assert self_link["rel"] == "self"
        assert self_link["href"].endswith(f"/ogc/tileMatrixSets/{tms_id}")
        assert client.get(self_link["href"]).json()["id"] == tms_id


def test_netherlands_rd_new_quad_is_the_geonovum_grid(client: TestClient) -> None:
    tms = client.get("/ogc/tileMatrixSets/NetherlandsRDNewQuad").json()
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/28992"
    assert "uri" not in tms  # not in the OGC register
    matrices = tms["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(17)]  # 0 .. 16, as PDOK
    for z, matrix in enumerate(matrices):
        assert matrix["pointOfOrigin"] == [-285401.92, 903401.92]
        assert matrix["cornerOfOrigin"] == "topLeft"
        assert matrix["cellSize"] == pytest.approx(3440.64 / 2**z)
        # The scale denominators of PDOK's EPSG:28992 WMTS: 12,288,000 halving per level.
        assert matrix["scaleDenominator"] == pytest.approx(12_288_000 / 2**z)
        assert matrix["tileWidth"] == matrix["tileHeight"] == 256
        assert matrix["matrixWidth"] == matrix["matrixHeight"] == 2**z
    assert matrices[16]["cellSize"] == pytest.approx(0.0525)
    assert tms["boundingBox"]["lowerLeft"] == pytest.approx([-285401.92, 22598.08])
    assert tms["boundingBox"]["upperRight"] == pytest.approx([595401.92, 903401.92])


def test_web_mercator_quad_is_the_registered_one(client: TestClient) -> None:
    tms = client.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["uri"] == WEB_MERCATOR_URI
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    matrices = tms["tileMatrices"]
    assert len(matrices) == 25  # 0 .. 24, as registered
    # The figures of the OGC's definition.
    assert matrices[0]["scaleDenominator"] == pytest.approx(559082264.028717)
    assert matrices[0]["cellSize"] == pytest.approx(156543.033928041)
    assert matrices[0]["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert matrices[24]["matrixWidth"] == 2**24


def test_an_unknown_tile_matrix_set_is_404(client: TestClient) -> None:
    response = client.get("/ogc/tileMatrixSets/WorldCRS84Quad")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "WorldCRS84Quad" in response.json()["detail"]


def test_the_landing_page_and_the_collections_link_to_tiles(client: TestClient) -> None:
    landing = client.get("/ogc", params={"f": "json"}).json()
    [schemes] = [link for link in landing["links"] if link["rel"] == f"{REL}/tiling-schemes"]
    assert schemes["href"].endswith("/ogc/tileMatrixSets")
    collections = client.get("/ogc/collections", params={"f": "json"}).json()["collections"]
    assert collections
    for collection in collections:
        [tiles] = [link for link in collection["links"] if link["rel"] == f"{REL}/tilesets-vector"]
        assert tiles["href"].endswith(f"/ogc/collections/{collection['id']}/tiles")
        listed = client.get(tiles["href"]).json()["tilesets"]
        assert len(listed) == 2
        for tileset in listed:
            assert {"dataType", "crs", "links"} <= set(tileset)


def test_only_the_tiles_classes_that_work_are_claimed(client: TestClient) -> None:
    claimed = client.get("/ogc/conformance", params={"f": "json"}).json()["conformsTo"]
    tiles = sorted(c.removeprefix(f"{TILES}/") for c in claimed if c.startswith(TILES))
    assert tiles == ["core", "geodata-tilesets", "mvt", "tileset", "tilesets-list"]
