"""Tiles in both grids: NetherlandsRDNewQuad tiles decoded to where their RD coordinates say,
WebMercatorQuad too, ETags per grid, every collection in RD, and the old z/x/y URLs
redirected to the OGC order."""

import math
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely import Polygon, box
from sqlalchemy.orm import Session

from tests.factories import EDE, make_gebied, make_opgave
from tests.ogc.test_referentielagen import COLLECTIE, beschermd
from tests.ogc.test_tiles import EXTENT, MVT, features, get_tile, tile_of
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant

RD = "NetherlandsRDNewQuad"
RD_ORIGIN = (-285_401.92, 903_401.92)
RD_CELL_0 = 3440.64
PIXEL = EXTENT / 256  # tile coordinates per screen pixel
TO_MERCATOR = Transformer.from_crs(28992, 3857, always_xy=True)
MERCATOR_HALF = math.pi * 6_378_137.0
# A triangle (not symmetric: a swapped or unflipped axis shows) near Ede, inside one RD
# tile at levels 6 to 8.
MIDDEN = (EDE.centroid.x, EDE.centroid.y)
DRIEHOEK = Polygon([(173_000, 446_500), (175_000, 446_500), (173_000, 448_800)])


def rd_tile(x: float, y: float, z: int) -> tuple[int, int, int]:
    """The NetherlandsRDNewQuad tile (z, column, row) holding an RD point."""
    size = RD_CELL_0 * 256 / 2**z
    return z, int((x - RD_ORIGIN[0]) // size), int((RD_ORIGIN[1] - y) // size)


def rd_bounds(tile: tuple[int, int, int]) -> tuple[float, float, float]:
    """(minx, miny, width) of an RD tile."""
    z, col, row = tile
    size = RD_CELL_0 * 256 / 2**z
    return RD_ORIGIN[0] + col * size, RD_ORIGIN[1] - (row + 1) * size, size


def mercator_bounds(tile: tuple[int, int, int]) -> tuple[float, float, float]:
    z, x, y = tile
    size = 2 * MERCATOR_HALF / 2**z
    return -MERCATOR_HALF + x * size, MERCATOR_HALF - (y + 1) * size, size


def vertices(feature: dict[str, Any]) -> list[tuple[float, float]]:
    [ring] = feature["geometry"]["coordinates"]
    return [tuple(p) for p in ring]


def assert_lands_on(
    decoded: list[tuple[float, float]], expected: list[tuple[float, float]]
) -> None:
    """Every expected corner has a decoded vertex within a pixel, and the bounds agree."""
    for ex, ey in expected:
        nearest = min(math.dist((ex, ey), p) for p in decoded)
        assert nearest <= PIXEL, (ex, ey, decoded)
    assert all(0 <= c <= EXTENT for corner in expected for c in corner)  # inside the tile
    xs, ys = [p[0] for p in decoded], [p[1] for p in decoded]
    exs, eys = [p[0] for p in expected], [p[1] for p in expected]
    assert min(xs) == pytest.approx(min(exs), abs=PIXEL)
    assert max(xs) == pytest.approx(max(exs), abs=PIXEL)
    assert min(ys) == pytest.approx(min(eys), abs=PIXEL)
    assert max(ys) == pytest.approx(max(eys), abs=PIXEL)


@pytest.mark.parametrize("z", [6, 7, 8])
def test_an_rd_tile_puts_a_feature_where_its_rd_coordinates_say(
    client: TestClient, session: Session, z: int
) -> None:
    make_opgave(session, geom=DRIEHOEK, titel="Driehoek")
    tile = rd_tile(174_000, 447_000, z)
    response = get_tile(client, "opgaven", tile, tms=RD)
    assert response.headers["content-type"] == MVT
    [feature] = features(response, "opgaven")
    assert feature["properties"]["titel"] == "Driehoek"
    minx, miny, size = rd_bounds(tile)
    # No transform: a linear map of RD onto 0..4096, y up once decoded.
    expected = [
        ((x - minx) / size * EXTENT, (y - miny) / size * EXTENT)
        for x, y in DRIEHOEK.exterior.coords[:-1]
    ]
    assert_lands_on(vertices(feature), expected)


def test_a_web_mercator_tile_puts_it_where_its_rd_coordinates_say(
    client: TestClient, session: Session
) -> None:
    make_opgave(session, geom=DRIEHOEK)
    tile = tile_of(174_000, 447_000, 11)
    [feature] = features(get_tile(client, "opgaven", tile), "opgaven")
    minx, miny, size = mercator_bounds(tile)
    expected = []
    for x, y in DRIEHOEK.exterior.coords[:-1]:
        mx, my = TO_MERCATOR.transform(x, y)
        expected.append(((mx - minx) / size * EXTENT, (my - miny) / size * EXTENT))
    assert_lands_on(vertices(feature), expected)


def test_rd_tiles_are_simplified_to_about_a_pixel(client: TestClient, session: Session) -> None:
    xmin, ymin, xmax, ymax = EDE.bounds
    step = (xmax - xmin) / 200
    # 5 m teeth on the top edge: under a pixel at level 9 (6.72 m), well over at 14 (0.21 m).
    top = [(xmax - i * step / 2, ymax - (5.0 if i % 2 else 0.0)) for i in range(401)]
    make_opgave(session, geom=Polygon([(xmin, ymin), (xmax, ymin), *top, (xmin, ymin)]))
    [low] = features(get_tile(client, "opgaven", rd_tile(*MIDDEN, 9), RD), "opgaven")
    assert len(vertices(low)) <= 8
    high_tile = rd_tile((xmin + xmax) / 2, ymax - 2, 14)
    [high] = features(get_tile(client, "opgaven", high_tile, RD), "opgaven")
    assert len(vertices(high)) > 20


@pytest.mark.parametrize(
    ("collection", "params"),
    [
        ("gebieden", {}),
        ("opgaven", {"status": "planvorming"}),
        ("opgaven-wonen", {}),
        ("stapeling", {"gebied": "proefgebied"}),
        (COLLECTIE, {}),
    ],
)
def test_every_collection_has_rd_tiles(
    client: TestClient, session: Session, collection: str, params: dict[str, Any]
) -> None:
    make_gebied(session, slug="proefgebied")
    make_opgave(session, geom=box(174_000, 448_000, 174_600, 449_000), thema="wonen")
    beschermd(session)
    tile = rd_tile(*MIDDEN, 7)
    found = features(get_tile(client, collection, tile, RD, params=params), collection)
    assert found
    # Far from it (Groningen): nothing.
    assert get_tile(client, collection, rd_tile(233_000, 582_000, 9), RD).status_code == 204


def test_the_stapeling_of_a_variant_in_rd(client: TestClient, session: Session) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    tile = rd_tile(175_000, 450_000, 4)  # the whole gebied

    def themas(**params: Any) -> list[str]:
        response = get_tile(client, "stapeling", tile, RD, params=params)
        return sorted(f["properties"]["themas"] for f in features(response, "stapeling"))

    assert themas() == ["energie", "natuur", "natuur,wonen", "wonen"]
    assert themas(variant=variant) == themas()
    assert laat_weg(client, variant, opgaven["wonen"]).status_code == 200
    assert themas(variant=variant) == ["energie", "natuur"]
    assert themas(variant=variant, gebied="ede") == ["energie", "natuur"]


def test_etags_per_grid_and_304(client: TestClient, session: Session) -> None:
    opgave = make_opgave(session)
    tile = rd_tile(*MIDDEN, 8)
    first = get_tile(client, "opgaven", tile, RD)
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
    assert get_tile(client, "opgaven", tile, RD).headers["etag"] == etag
    again = get_tile(client, "opgaven", tile, RD, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # The same numbers in the other grid: another tile, another ETag (and no 304).
    other = get_tile(client, "opgaven", tile, headers={"If-None-Match": etag})
    assert other.status_code != 304
    assert other.headers["etag"] != etag
    # A write: a new ETag in both grids.
    opgave.titel = "Gewijzigd"
    session.flush()
    changed = get_tile(client, "opgaven", tile, RD, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    [feature] = features(changed, "opgaven")
    assert feature["properties"]["titel"] == "Gewijzigd"


def test_rd_tile_addresses_out_of_range_are_400(client: TestClient) -> None:
    for tile, names in [
        ((17, 0, 0), ["tileMatrix"]),
        ((2, 4, 0), ["tileCol"]),
        ((2, 0, 4), ["tileRow"]),
        ((2, -1, 9), ["tileRow", "tileCol"]),
    ]:
        response = get_tile(client, "opgaven", tile, RD)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert [e["name"] for e in body["errors"]] == names
        assert RD in body["detail"]


OLD = "/ogc/collections/opgaven/tiles/WebMercatorQuad"


def test_old_zxy_urls_are_redirected_to_the_ogc_order(client: TestClient, session: Session) -> None:
    make_opgave(session)
    z, x, y = tile_of(*MIDDEN, 12)
    old = client.get(
        f"{OLD}/{z}/{x}/{y}",
        params=[("status", "planvorming"), ("thema", "wonen"), ("thema", "natuur")],
        follow_redirects=False,
    )
    assert old.status_code == 308
    assert old.headers["location"] == (
        f"http://testserver{OLD}/{z}/{y}/{x}?status=planvorming&thema=wonen&thema=natuur&f=mvt"
    )
    # Followed, it is the tile.
    new = client.get(old.headers["location"])
    assert new.status_code == 200
    [feature] = features(new, "opgaven")
    assert feature["properties"]["status"] == "planvorming"
    assert client.get(f"{OLD}/{z}/{x}/{y}").content == new.content
    # Without a query too.
    bare = client.get(f"{OLD}/{z}/{x}/{y}", follow_redirects=False)
    assert bare.headers["location"] == f"http://testserver{OLD}/{z}/{y}/{x}?f=mvt"


def test_rd_has_no_old_form(client: TestClient, session: Session) -> None:
    make_opgave(session)
    z, col, row = rd_tile(*MIDDEN, 8)
    url = f"/ogc/collections/opgaven/tiles/{RD}/{z}/{row}/{col}"
    bare = client.get(url, follow_redirects=False)
    assert bare.status_code == 200
    assert bare.content == client.get(url, params={"f": "mvt"}).content


@pytest.mark.parametrize("tms", ["WebMercatorQuad", RD])
def test_a_format_other_than_mvt_is_400(client: TestClient, tms: str) -> None:
    response = client.get(f"/ogc/collections/opgaven/tiles/{tms}/0/0/0", params={"f": "png"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["name"] for e in response.json()["errors"]] == ["f"]


def test_decoding_the_empty_tile_is_not_needed(client: TestClient) -> None:
    # Level 0 of RD holds the whole country: with nothing in it, a 204 that revalidates.
    empty = get_tile(client, "opgaven", (0, 0, 0), RD)
    assert empty.status_code == 204
    assert mapbox_vector_tile.decode(empty.content) == {}
    again = get_tile(
        client, "opgaven", (0, 0, 0), RD, headers={"If-None-Match": empty.headers["etag"]}
    )
    assert again.status_code == 304
