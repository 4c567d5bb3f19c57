"""Vector tiles under /ogc: contents, clipping, simplification, ETags, errors."""

import math
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pyproj import Transformer
from shapely import Polygon, box
from sqlalchemy import delete
from sqlalchemy.orm import Session

from gebiedsregie.ogc import tile_service
from gebiedsregie.ogc.tile_cache import TileCache
from gebiedsregie.opgaven.models import Opgave
from tests.factories import EDE, make_gebied, make_opgave

MVT = "application/vnd.mapbox-vector-tile"
EXTENT, BUFFER = 4096, 64
TO_LONLAT = Transformer.from_crs(28992, 4326, always_xy=True)
# Groningen: far from Ede, still in the Netherlands.
GRONINGEN = (233_000, 582_000)


def tile_of(x_rd: float, y_rd: float, z: int) -> tuple[int, int, int]:
    """The WebMercatorQuad tile (z, x, y) holding an RD point."""
    lon, lat = TO_LONLAT.transform(x_rd, y_rd)
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def ede_tile(z: int = 12) -> tuple[int, int, int]:
    return tile_of(EDE.centroid.x, EDE.centroid.y, z)


def get_tile(
    client: TestClient,
    collection: str,
    tile: tuple[int, int, int],
    tms: str = "WebMercatorQuad",
    **kwargs: Any,
) -> Response:
    """GET a tile (z, x = column, y = row) at its OGC address (row before column, f=mvt)."""
    z, x, y = tile
    params = {"f": "mvt", **(kwargs.pop("params", None) or {})}
    url = f"/ogc/collections/{collection}/tiles/{tms}/{z}/{y}/{x}"
    return client.get(url, params=params, **kwargs)


def features(response: Response, layer: str) -> list[dict[str, Any]]:
    """The features of one layer of a tile; none for an empty tile (204)."""
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    decoded = mapbox_vector_tile.decode(response.content)
    assert set(decoded) == {layer}
    assert decoded[layer]["extent"] == EXTENT
    return list(decoded[layer]["features"])


def coordinates(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """Every vertex of a decoded (Multi)Polygon."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [tuple(p) for polygon in polygons for ring in polygon for p in ring]


def zigzag_box(teeth: int = 100, depth: float = 5.0) -> Polygon:
    """EDE with a saw-toothed top edge: 2 * teeth extra vertices, `depth` metres deep."""
    xmin, ymin, xmax, ymax = EDE.bounds
    step = (xmax - xmin) / teeth
    top = [(xmax - i * step / 2, ymax - (depth if i % 2 else 0.0)) for i in range(2 * teeth + 1)]
    return Polygon([(xmin, ymin), (xmax, ymin), *top, (xmin, ymin)])


def test_an_opgave_is_in_its_tile_with_its_properties(client: TestClient, session: Session) -> None:
    opgave = make_opgave(session, titel="Woningbouw Ede-Oost", horizon=2031)
    response = get_tile(client, "opgaven", ede_tile())
    [feature] = features(response, "opgaven")
    assert feature["properties"] == {
        "id": str(opgave.id),
        "titel": "Woningbouw Ede-Oost",
        "thema": "wonen",
        "status": "planvorming",
        "trekker": "gemeente",
        "horizon": 2031,
    }
    assert feature["geometry"]["type"] == "Polygon"


def test_a_far_tile_is_empty(client: TestClient, session: Session) -> None:
    make_opgave(session)
    far = get_tile(client, "opgaven", tile_of(*GRONINGEN, 12))
    assert far.status_code == 204
    assert far.content == b""
    assert far.headers["etag"]
    # Far outside the Netherlands: no query needed, still a 204.
    assert get_tile(client, "opgaven", (3, 1, 2)).status_code == 204


def test_a_low_zoom_tile_holds_what_is_a_pixel_or_more(
    client: TestClient, session: Session
) -> None:
    make_opgave(session)  # 1 km: a few pixels at zoom 7
    assert len(features(get_tile(client, "opgaven", ede_tile(7)), "opgaven")) == 1
    # In the tile of the whole world it is far below a pixel, and left out.
    assert get_tile(client, "opgaven", (0, 0, 0)).status_code == 204


def test_a_thema_collection_holds_only_its_thema(client: TestClient, session: Session) -> None:
    make_opgave(session, titel="Wonen", thema="wonen")
    make_opgave(session, titel="Natuur", thema="natuur")
    make_opgave(session, titel="Water", thema="water-bodem")
    wonen = features(get_tile(client, "opgaven-wonen", ede_tile()), "opgaven-wonen")
    assert [f["properties"]["titel"] for f in wonen] == ["Wonen"]
    water = features(get_tile(client, "opgaven-water-bodem", ede_tile()), "opgaven-water-bodem")
    assert [f["properties"]["thema"] for f in water] == ["water-bodem"]
    alle = features(get_tile(client, "opgaven", ede_tile()), "opgaven")
    assert sorted(f["properties"]["titel"] for f in alle) == ["Natuur", "Water", "Wonen"]


def test_opgaven_filters(client: TestClient, session: Session) -> None:
    make_opgave(session, titel="A", thema="wonen", status="verkenning", trekker="gemeente")
    make_opgave(session, titel="B", thema="natuur", status="uitvoering", trekker="provincie")
    make_opgave(session, titel="C", thema="natuur", status="verkenning", horizon=2050)
    make_opgave(session, titel="Elders", geom=box(180_000, 452_000, 181_000, 453_000))
    make_gebied(session)

    def titels(collection: str, **params: Any) -> list[str]:
        response = get_tile(client, collection, ede_tile(8), params=params)
        return sorted(f["properties"]["titel"] for f in features(response, collection))

    assert titels("opgaven", thema=["wonen", "natuur"]) == ["A", "B", "C", "Elders"]
    assert titels("opgaven", thema="natuur") == ["B", "C"]
    assert titels("opgaven", status="verkenning") == ["A", "C"]
    assert titels("opgaven", trekker="provincie") == ["B"]
    assert titels("opgaven", horizon=2040) == ["A", "B", "Elders"]
    assert titels("opgaven", gebied="proefgebied") == ["A", "B", "C"]
    assert titels("opgaven-natuur", status="verkenning") == ["C"]
    assert titels("opgaven-natuur", thema="wonen") == []


def test_geometry_is_in_tile_coordinates_within_the_buffer(
    client: TestClient, session: Session
) -> None:
    make_opgave(session, geom=box(170_000, 445_000, 178_000, 452_000))
    # At zoom 16 the opgave (8 km) covers the tile: it is clipped to the tile plus its buffer.
    [feature] = features(get_tile(client, "opgaven", ede_tile(16)), "opgaven")
    points = coordinates(feature["geometry"])
    assert min(p[0] for p in points) == -BUFFER
    assert max(p[0] for p in points) == EXTENT + BUFFER
    assert min(p[1] for p in points) == -BUFFER
    assert max(p[1] for p in points) == EXTENT + BUFFER
    # At zoom 12 it lies inside the tile, somewhere in between.
    [feature] = features(get_tile(client, "opgaven", tile_of(174_000, 448_500, 12)), "opgaven")
    for x, y in coordinates(feature["geometry"]):
        assert -BUFFER <= x <= EXTENT + BUFFER and -BUFFER <= y <= EXTENT + BUFFER


def test_simplification_drops_vertices_at_low_zoom(client: TestClient, session: Session) -> None:
    shape = zigzag_box()
    assert len(shape.exterior.coords) > 200
    make_opgave(session, geom=shape)
    # Zoom 12: a pixel is about 23 m, the 5 m teeth go.
    [low] = features(get_tile(client, "opgaven", ede_tile(12)), "opgaven")
    assert len(coordinates(low["geometry"])) <= 8
    # Zoom 17: a pixel is under a metre; the tile on the top edge keeps its teeth.
    xmin, _, xmax, ymax = EDE.bounds
    top = tile_of((xmin + xmax) / 2, ymax - 2, 17)
    [high] = features(get_tile(client, "opgaven", top), "opgaven")
    assert len(coordinates(high["geometry"])) > 20


def test_gebieden_tile(client: TestClient, session: Session) -> None:
    gebied = make_gebied(session, slug="ede-oost", naam="Ede-Oost")
    [feature] = features(get_tile(client, "gebieden", ede_tile()), "gebieden")
    assert feature["properties"] == {
        "id": str(gebied.id),
        "slug": "ede-oost",
        "naam": "Ede-Oost",
        "soort": "eigen",
    }


def test_stapeling_tile_holds_the_faces_with_their_depth(
    client: TestClient, session: Session
) -> None:
    make_gebied(session, slug="proefgebied")
    make_opgave(session, geom=box(174_000, 448_000, 174_600, 449_000), thema="wonen")
    make_opgave(session, geom=box(174_400, 448_000, 175_000, 449_000), thema="natuur")
    # The stapeling is not stored yet: the tile computes it.
    faces = features(get_tile(client, "stapeling", ede_tile()), "stapeling")
    by_depth = sorted((f["properties"]["aantal"], f["properties"]["themas"]) for f in faces)
    assert by_depth == [(1, "natuur"), (1, "wonen"), (2, "natuur,wonen")]
    for face in faces:
        assert face["properties"]["gebied"] == "proefgebied"
        assert face["properties"]["aantal_themas"] == len(face["properties"]["themas"].split(","))
        assert {"nr", "aantal", "aantal_themas", "themas", "gebied"} == set(face["properties"])
    deep = get_tile(client, "stapeling", ede_tile(), params={"min_aantal": 2})
    assert [f["properties"]["aantal"] for f in features(deep, "stapeling")] == [2]
    one = get_tile(client, "stapeling", ede_tile(), params={"gebied": "proefgebied"})
    assert len(features(one, "stapeling")) == 3


def test_stapeling_tile_only_shows_gebieden_in_the_tile(
    client: TestClient, session: Session
) -> None:
    make_gebied(session, slug="ede")
    make_gebied(
        session, slug="groningen", geom=box(*GRONINGEN, GRONINGEN[0] + 1000, GRONINGEN[1] + 1000)
    )
    make_opgave(session)
    faces = features(get_tile(client, "stapeling", ede_tile()), "stapeling")
    assert {f["properties"]["gebied"] for f in faces} == {"ede"}


def test_etag_is_stable_and_answers_304(client: TestClient, session: Session) -> None:
    make_opgave(session)
    first = get_tile(client, "opgaven", ede_tile())
    second = get_tile(client, "opgaven", ede_tile())
    etag = first.headers["etag"]
    assert etag == second.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong
    assert first.headers["cache-control"] == "no-cache"
    assert first.content == second.content
    again = get_tile(client, "opgaven", ede_tile(), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    listed = get_tile(client, "opgaven", ede_tile(), headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304
    other = get_tile(client, "opgaven", ede_tile(), headers={"If-None-Match": '"iets-anders"'})
    assert other.status_code == 200
    # Another tile, or other filters, have an ETag of their own.
    assert get_tile(client, "opgaven", ede_tile(13)).headers["etag"] != etag
    filtered = get_tile(client, "opgaven", ede_tile(), params={"status": "verkenning"})
    assert filtered.headers["etag"] != etag


def test_etag_changes_with_every_write_to_an_opgave(client: TestClient, session: Session) -> None:
    def etag(collection: str) -> str:
        return str(get_tile(client, collection, ede_tile()).headers["etag"])

    gebied = make_gebied(session)
    seen = {etag("opgaven")}
    gebieden, stapeling = etag("gebieden"), etag("stapeling")

    opgave = make_opgave(session)  # created
    assert etag("opgaven") not in seen
    seen.add(etag("opgaven"))
    after_create = etag("stapeling")
    assert after_create != stapeling

    opgave.titel = "Andere titel"  # updated
    session.flush()
    assert etag("opgaven") not in seen
    seen.add(etag("opgaven"))
    # A thema collection follows every opgave too: an opgave can change thema.
    before = etag("opgaven-natuur")
    session.execute(delete(Opgave).where(Opgave.id == opgave.id))  # deleted
    assert etag("opgaven") not in seen
    assert etag("opgaven-natuur") != before
    assert etag("stapeling") != after_create
    # The gebieden did not change.
    assert etag("gebieden") == gebieden
    gebied.naam = "Nieuwe naam"
    session.flush()
    assert etag("gebieden") != gebieden


def test_etag_changes_through_the_api(client: TestClient, session: Session) -> None:
    opgave = make_opgave(session)
    before = get_tile(client, "opgaven", ede_tile()).headers["etag"]
    response = client.patch(
        f"/api/v1/opgaven/{opgave.id}",
        json={"type": "Feature", "properties": {"titel": "Gewijzigd"}},
        headers={"Content-Type": "application/geo+json"},
    )
    assert response.status_code == 200, response.text
    after = get_tile(client, "opgaven", ede_tile(), headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before
    [feature] = features(after, "opgaven")
    assert feature["properties"]["titel"] == "Gewijzigd"


def test_a_made_tile_is_kept_under_its_etag(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[int, int, int]] = []
    tile = tile_service.tile

    def counted(*args: Any) -> bytes:
        made.append((args[2].z, args[2].col, args[2].row))
        return tile(*args)

    monkeypatch.setattr(tile_service, "tile", counted)
    opgave = make_opgave(session)
    first = get_tile(client, "opgaven", ede_tile())
    assert get_tile(client, "opgaven", ede_tile()).content == first.content
    assert made == [ede_tile()]  # the second came from the cache
    opgave.titel = "Gewijzigd"  # a write: a new ETag, so the tile is made again
    session.flush()
    [changed] = features(get_tile(client, "opgaven", ede_tile()), "opgaven")
    assert changed["properties"]["titel"] == "Gewijzigd" and len(made) == 2


def test_the_tile_cache_keeps_its_byte_budget_least_recently_used_out() -> None:
    cache = TileCache(max_bytes=1000)
    for key in "abcdefgh":
        cache.put(key, key.encode() * 120)  # 960 bytes in all
    assert cache.get("a") == b"a" * 120  # now the most recent
    cache.put("i", b"i" * 120)  # past 1000: the least recently used goes
    assert [k for k in "abcdefghi" if cache.get(k) is None] == ["b"]
    assert cache.size_bytes == 960
    cache.put("j", b"j" * 126)  # more than an eighth of the budget: never kept
    assert cache.get("j") is None and cache.size_bytes == 960


def test_an_empty_tile_also_revalidates(client: TestClient) -> None:
    empty = get_tile(client, "opgaven", tile_of(*GRONINGEN, 12))
    assert empty.status_code == 204
    etag = empty.headers["etag"]
    again = get_tile(client, "opgaven", tile_of(*GRONINGEN, 12), headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("tile", "names"),
    [
        ((23, 0, 0), ["tileMatrix"]),
        ((-1, 0, 0), ["tileMatrix"]),
        ((0, 1, 0), ["tileCol"]),
        ((3, 8, 8), ["tileRow", "tileCol"]),
        ((3, 0, -1), ["tileRow"]),
    ],
)
def test_bad_tile_addresses_are_400(
    client: TestClient, tile: tuple[int, int, int], names: list[str]
) -> None:
    response = get_tile(client, "opgaven", tile)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert [e["name"] for e in body["errors"]] == names
    assert "WebMercatorQuad" in body["detail"]


def test_a_tile_address_that_is_no_number_is_400(client: TestClient) -> None:
    response = client.get("/ogc/collections/opgaven/tiles/WebMercatorQuad/een/0/0?f=mvt")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("collection", "params", "name"),
    [
        ("gebieden", {"status": "verkenning"}, "status"),
        ("opgaven", {"min_aantal": 2}, "min_aantal"),
        ("opgaven", {"thema": "onbekend"}, "thema"),
        ("opgaven", {"status": "klaar"}, "status"),
        ("opgaven", {"gebied": "nergens"}, "gebied"),
        ("stapeling", {"gebied": "nergens"}, "gebied"),
        ("stapeling", {"min_aantal": 0}, "min_aantal"),
    ],
)
def test_bad_filters_are_400(
    client: TestClient, collection: str, params: dict[str, Any], name: str
) -> None:
    response = get_tile(client, collection, ede_tile(), params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["name"].split(".")[-1].startswith(name) for e in response.json()["errors"])


def test_unknown_collection_is_404(client: TestClient) -> None:
    for collection in ("onbekend", "opgaven-onbekend", "opgaven-"):
        response = get_tile(client, collection, ede_tile())
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert collection in response.json()["detail"]
    assert client.get("/ogc/collections/onbekend/tiles").status_code == 404
    other_set = client.get("/ogc/collections/opgaven/tiles/WorldCRS84Quad/0/0/0?f=mvt")
    assert other_set.status_code == 404
    assert client.get("/ogc/collections/opgaven/tiles/WorldCRS84Quad").status_code == 404


def test_tilesets_list_both_grids(client: TestClient) -> None:
    body = client.get("/ogc/collections/opgaven-wonen/tiles").json()
    tilesets = {t["links"][0]["href"].rsplit("/", 1)[-1]: t for t in body["tilesets"]}
    assert set(tilesets) == {"WebMercatorQuad", "NetherlandsRDNewQuad"}
    mercator, rd = tilesets["WebMercatorQuad"], tilesets["NetherlandsRDNewQuad"]
    assert mercator["tileMatrixSetURI"] == (
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    )
    assert mercator["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert rd["crs"] == "http://www.opengis.net/def/crs/EPSG/0/28992"
    # Not in the OGC register: its URI is our own definition (GDAL picks a tileset by it).
    assert rd["tileMatrixSetURI"].endswith("/ogc/tileMatrixSets/NetherlandsRDNewQuad")
    for name, tileset in tilesets.items():
        assert tileset["dataType"] == "vector"
        links = {link["rel"]: link["href"] for link in tileset["links"]}
        assert links["self"].endswith(f"/ogc/collections/opgaven-wonen/tiles/{name}")
        scheme = links["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"]
        assert scheme.endswith(f"/ogc/tileMatrixSets/{name}")
        assert client.get(scheme).json()["id"] == name
        assert client.get(links["self"]).status_code == 200


@pytest.mark.parametrize(
    ("tms", "max_zoom"), [("WebMercatorQuad", 22), ("NetherlandsRDNewQuad", 16)]
)
def test_tileset_description(client: TestClient, tms: str, max_zoom: int) -> None:
    response = client.get(f"/ogc/collections/opgaven-wonen/tiles/{tms}")
    assert response.status_code == 200
    body = response.json()
    assert body["dataType"] == "vector"
    [item] = [link for link in body["links"] if link["rel"] == "item"]
    assert item["type"] == MVT
    assert item["templated"] is True
    assert item["href"].endswith(
        f"/ogc/collections/opgaven-wonen/tiles/{tms}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?f=mvt"
    )
    [geodata] = [l for l in body["links"] if l["rel"].endswith("/geodata")]  # noqa: E741
    assert geodata["href"].endswith("/ogc/collections/opgaven-wonen")
    limits = body["tileMatrixSetLimits"]
    assert [int(limit["tileMatrix"]) for limit in limits] == list(range(max_zoom + 1))
    assert limits[3] == {
        "tileMatrix": "3", "minTileRow": 0, "maxTileRow": 7, "minTileCol": 0, "maxTileCol": 7,
    }  # fmt: skip
    [layer] = body["layers"]
    assert layer["id"] == "opgaven-wonen"
    assert layer["maxTileMatrix"] == str(max_zoom)
    assert set(layer["propertiesSchema"]["properties"]) == {
        "id",
        "titel",
        "thema",
        "status",
        "trekker",
        "horizon",
    }
    # The template, filled in, is a tile.
    tile = item["href"].format(tileMatrix=0, tileRow=0, tileCol=0)
    assert client.get(tile).status_code in (200, 204)


def test_min_aantal_past_an_integer_is_400(client: TestClient, session: Session) -> None:
    # `aantal` is an integer column: a larger min_aantal was a 500.
    make_gebied(session, slug="proefgebied")
    past = get_tile(client, "stapeling", ede_tile(), params={"min_aantal": 2**31})
    assert past.status_code == 400
    assert [e["name"] for e in past.json()["errors"]] == ["min_aantal"]
