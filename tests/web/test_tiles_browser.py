"""The gebied page draws its thema layers from vector tiles when there are too many opgaven.

The threshold is 2,000 opgaven; `?tegeldrempel=N` in the page's URL lowers it, so the
voorbeeldgebieden (a few dozen opgaven) are drawn from tiles here.
"""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Browsing
from tests.web.test_browser import api, count

# In OGC order (tileMatrix/tileRow/tileCol), with f=mvt: no redirect from the old z/x/y form.
TILE_URL = re.compile(
    r"/ogc/collections/opgaven-([a-z0-9-]+)/tiles/WebMercatorQuad/\d+/\d+/\d+\?f=mvt"
)
RD_TILE_URL = re.compile(
    r"/ogc/collections/([a-z0-9-]+)/tiles/NetherlandsRDNewQuad/\d+/\d+/\d+\?f=mvt"
)
SCREENSHOT = Path(os.environ.get("GEBIEDSREGIE_RD_SCREENSHOT", "/tmp/kaart_rd.png"))
# A point inside a path's fill where that path is the topmost element, in page coordinates.
POINT_IN_PATH = """(selector) => {
  for (const path of document.querySelectorAll(selector)) {
    const box = path.getBBox();
    const ctm = path.getScreenCTM();
    for (let i = 1; i < 10; i++) {
      for (let j = 1; j < 10; j++) {
        const p = new DOMPoint(box.x + (box.width * i) / 10, box.y + (box.height * j) / 10);
        if (!path.isPointInFill(p)) continue;
        const screen = p.matrixTransform(ctm);
        if (document.elementFromPoint(screen.x, screen.y) === path) return [screen.x, screen.y];
      }
    }
  }
  return null;
}"""


def wait_for_tiles(page: Page) -> None:
    """Wait until every vector tile layer has drawn its tiles."""
    page.wait_for_function(
        "() => [...Gebiedsregie.pagina.tegelLagen.values()].every((layer) => !layer.isLoading())"
    )


def tile_themas(page: Page) -> set[str]:
    return set(page.evaluate("[...Gebiedsregie.pagina.tegelLagen.keys()]"))


def wait_for_paths(page: Page, selector: str) -> None:
    page.wait_for_function(
        "(selector) => document.querySelectorAll(selector).length > 0", arg=selector
    )


def test_thema_layers_come_from_tiles_above_the_threshold(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley?tegeldrempel=0")
    assert page.evaluate("document.body.dataset.opgavenAls") == "tegels"
    opgaven = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
    themas = {o["properties"]["thema"] for o in opgaven}
    assert {"wonen", "natuur"} <= themas
    assert tile_themas(page) == themas  # a layer for each thema with opgaven here
    wait_for_tiles(page)
    for thema in themas:
        assert count(page, f"path.opgave-tegel.thema-{thema}") > 0
    assert count(page, "path.opgave") == 0  # no GeoJSON opgaven

    # The opgaven were counted (limit=1), not fetched; the tiles carry the gebied filter.
    opgave_queries = [
        parse_qs(urlsplit(url).query)
        for url in browsing.journal.requests
        if urlsplit(url).path == "/api/v1/opgaven"
    ]
    assert opgave_queries and all(q["limit"] == ["1"] for q in opgave_queries)
    tiles = [url for url in browsing.journal.requests if TILE_URL.search(url)]
    assert {TILE_URL.search(url).group(1) for url in tiles} == themas  # type: ignore[union-attr]
    gebied_id = page.evaluate("Gebiedsregie.pagina.gebied.id")
    assert all(parse_qs(urlsplit(url).query)["gebied"] == [gebied_id] for url in tiles)

    # The opgaven switch off and on again (the thema's are chosen in the filters).
    wonen = count(page, "path.thema-wonen")
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Opgaven")
    toggle.locator("input").uncheck()
    assert count(page, "path.opgave-tegel") == 0
    toggle.locator("input").check()
    wait_for_paths(page, "path.thema-natuur")
    wait_for_paths(page, "path.thema-wonen")
    page.wait_for_function(
        "(n) => document.querySelectorAll('path.thema-wonen').length === n", arg=wonen
    )

    # With the stapeling on the tiles are outlines; off, they are filled, without new tiles.
    fill = "getComputedStyle(document.querySelector('path.opgave-tegel.thema-natuur')).fill"
    assert page.evaluate(fill) == "none"
    requested = len(browsing.journal.requests)
    page.locator(".leaflet-control-layers-overlays label", has_text="Stapeling").locator(
        "input"
    ).uncheck()
    assert page.evaluate(fill) != "none"
    assert len(browsing.journal.requests) == requested
    # A click opens the opgave's popup.
    wait_for_tiles(page)
    point = page.evaluate(POINT_IN_PATH, "path.opgave-tegel.thema-natuur")
    assert point is not None
    page.mouse.click(*point)
    titels = {o["properties"]["titel"] for o in opgaven if o["properties"]["thema"] == "natuur"}
    popup = page.locator(".opgave-popup h3")
    expect(popup).to_be_visible()
    assert popup.inner_text() in titels


def test_filters_reach_the_tiles(browsing: Browsing) -> None:
    query = "gebied=food-valley&status=verkenning&limit=1000"
    verkenning = api(browsing.base, f"/api/v1/opgaven?{query}")["features"]
    themas = {o["properties"]["thema"] for o in verkenning}
    assert len(themas) >= 2
    first, second = sorted(themas)[:2]
    page = browsing.open(f"/gebieden/food-valley?tegeldrempel=0&thema={first}&status=verkenning")
    assert page.evaluate("document.body.dataset.opgavenAls") == "tegels"
    assert tile_themas(page) == {first}
    wait_for_tiles(page)
    assert count(page, f"path.thema-{first}") > 0
    assert count(page, f"path.thema-{second}") == 0
    tiles = [url for url in browsing.journal.requests if TILE_URL.search(url)]
    assert tiles
    for url in tiles:
        assert f"/opgaven-{first}/" in url
        assert parse_qs(urlsplit(url).query)["status"] == ["verkenning"]
    # A filter change keeps the threshold in the URL.
    page.locator(f'#filters input[name="thema"][value="{second}"]').check()
    page.wait_for_url(re.compile(f"thema={second}"))
    browsing.wait_loaded()
    assert "tegeldrempel=0" in page.url
    assert tile_themas(page) == {first, second}
    wait_for_tiles(page)
    assert count(page, f"path.thema-{second}") > 0


def test_stapeling_popup_names_opgaven_drawn_as_tiles(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley?tegeldrempel=0")
    samenvatting = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")
    hotspot = samenvatting["hotspots"][0]
    titels = {
        o["properties"]["titel"]
        for o in api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
        if o["id"] in hotspot["opgaven"]
    }
    page.locator(".hotspots button").first.click()
    popup = page.locator(".vlak-popup")
    expect(popup.locator(".popup-lijst li")).to_have_count(hotspot["aantal"])
    # The titels are fetched (no opgave is loaded as GeoJSON); each leads to its opgave.
    buttons = popup.locator(".popup-lijst button")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.vlak-popup .popup-lijst button')]"
        ".every((b) => !b.textContent.includes('laden'))"
    )
    assert set(buttons.all_inner_texts()) == titels
    first = buttons.first.inner_text()
    buttons.first.click()
    expect(page.locator(".opgave-popup h3")).to_have_text(first)


def test_below_the_threshold_the_layers_stay_geojson(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    assert page.evaluate("document.body.dataset.opgavenAls") == "geojson"
    assert count(page, "path.opgave") > 0
    assert not [url for url in browsing.journal.requests if TILE_URL.search(url)]


# Draws the opgaven tiles with VectorGrid's canvas renderer (black), instead of the page's
# layers, and returns a page point on a drawn feature.
CANVAS_TILES = """async () => {
  const pagina = Gebiedsregie.pagina;
  for (const group of pagina.themaLagen.values()) pagina.map.removeLayer(group);
  pagina.map.removeLayer(pagina.stapeling);
  const layer = L.vectorGrid.protobuf(Gebiedsregie.tegelUrl("opgaven", {}), {
    rendererFactory: L.canvas.tile,
    interactive: true,
    pane: "opgaven",
    vectorTileLayerStyles: { opgaven: { fill: true, fillOpacity: 1, color: "#000000" } },
  });
  layer.on("click", (event) => {
    const text = event.layer.properties.titel;
    const content = Gebiedsregie.el("b", { class: "canvas-popup", text });
    L.popup().setLatLng(event.latlng).setContent(content).openOn(pagina.map);
  });
  layer.addTo(pagina.map);
  await new Promise((resolve) => layer.once("load", resolve));
  for (const canvas of document.querySelectorAll("canvas.leaflet-tile")) {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < pixels.length; i += 4 * 37) {
      if (pixels[i + 3] === 255 && pixels[i] + pixels[i + 1] + pixels[i + 2] < 90) {
        const box = canvas.getBoundingClientRect();
        const x = (i / 4) % canvas.width;
        const y = Math.floor(i / 4 / canvas.width);
        return [box.x + (x * box.width) / canvas.width, box.y + (y * box.height) / canvas.height];
      }
    }
  }
  return null;
}"""


def test_canvas_tiles_take_clicks_on_leaflet_19(browsing: Browsing) -> None:
    """VectorGrid 1.3.0 calls L.DomEvent.fakeStop, gone since Leaflet 1.8: our shim stands in."""
    page = browsing.open("/gebieden/food-valley")
    point = page.evaluate(CANVAS_TILES)
    assert point is not None
    page.mouse.click(*point)
    # The popup opens and stays: the click does not reach the map as a click on nothing.
    expect(page.locator(".canvas-popup")).to_be_visible()
    page.wait_for_timeout(300)
    expect(page.locator(".canvas-popup")).to_be_visible()


# The on-screen bounds of the opgaven's GeoJSON (the API's, projected by the map) and of the
# tile-drawn paths, each cut to the map: where the tiles land against where they should.
BOUNDS_ON_MAP = """(features) => {
  const map = Gebiedsregie.pagina.map;
  const box = map.getContainer().getBoundingClientRect();
  const cut = (b) => [
    Math.max(b[0], 0), Math.max(b[1], 0), Math.min(b[2], box.width), Math.min(b[3], box.height),
  ];
  const grow = (b, x, y) => [
    Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y),
  ];
  let expected = [Infinity, Infinity, -Infinity, -Infinity];
  for (const feature of features) {
    const geometry = feature.geometry;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    for (const ring of polygons.flat()) {
      for (const [lng, lat] of ring) {
        const p = map.latLngToContainerPoint([lat, lng]);
        expected = grow(expected, p.x, p.y);
      }
    }
  }
  let drawn = [Infinity, Infinity, -Infinity, -Infinity];
  for (const path of document.querySelectorAll("path.opgave-tegel")) {
    const r = path.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    drawn = grow(drawn, r.left - box.left, r.top - box.top);
    drawn = grow(drawn, r.right - box.left, r.bottom - box.top);
  }
  return { expected: cut(expected), drawn: cut(drawn) };
}"""


def test_the_rd_map_draws_the_rd_tiles_where_they_belong(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley?tegeldrempel=0&status=planvorming&kaart=rd")
    assert page.evaluate("Gebiedsregie.inRd(Gebiedsregie.pagina.map)")
    assert page.evaluate("Gebiedsregie.pagina.map.options.crs.code") == "EPSG:28992"
    assert page.evaluate("document.body.dataset.opgavenAls") == "tegels"
    wait_for_tiles(page)
    assert count(page, "path.opgave-tegel") > 0
    requests = browsing.journal.requests
    rd_tiles = [url for url in requests if RD_TILE_URL.search(url)]
    assert rd_tiles
    assert not [url for url in requests if "/tiles/WebMercatorQuad/" in url]
    opgaven_tiles = [url for url in rd_tiles if "/collections/opgaven-" in url]
    assert opgaven_tiles
    for url in opgaven_tiles:  # the page's filters reach the RD tiles too
        assert parse_qs(urlsplit(url).query)["status"] == ["planvorming"]
    # The background: PDOK's BRT in RD, on the same grid.
    background = [url for url in requests if "service.pdok.nl/brt" in url]
    assert background and all("/EPSG:28992/" in url for url in background)
    # The sturende referentielaag (on from the start) comes as RD tiles as well.
    assert any(RD_TILE_URL.search(url).group(1).startswith("referentielaag-") for url in rd_tiles)  # type: ignore[union-attr]

    # Each opgave lands where its coordinates say: the tiles' outline against the GeoJSON's.
    query = "/api/v1/opgaven?gebied=food-valley&status=planvorming&limit=1000"
    opgaven = api(browsing.base, query)["features"]
    bounds = page.evaluate(BOUNDS_ON_MAP, opgaven)
    for drawn, expected in zip(bounds["drawn"], bounds["expected"], strict=True):
        assert abs(drawn - expected) <= 2, bounds
    page.screenshot(path=str(SCREENSHOT))

    # A click opens the opgave's popup, as in Web Mercator.
    page.locator(".leaflet-control-layers-overlays label", has_text="Stapeling").locator(
        "input"
    ).uncheck()
    point = page.evaluate(POINT_IN_PATH, "path.opgave-tegel")
    assert point is not None
    page.mouse.click(*point)
    titels = {o["properties"]["titel"] for o in opgaven}
    expect(page.locator(".opgave-popup h3")).to_be_visible()
    assert page.locator(".opgave-popup h3").inner_text() in titels


def test_the_switch_between_the_two_maps_keeps_the_filters(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley?status=verkenning")
    assert not page.evaluate("Gebiedsregie.inRd(Gebiedsregie.pagina.map)")
    page.get_by_role("button", name="Kaart in RD").click()
    page.wait_for_url(re.compile(r"kaart=rd"))
    browsing.wait_loaded()
    assert parse_qs(urlsplit(page.url).query)["status"] == ["verkenning"]
    assert page.evaluate("Gebiedsregie.inRd(Gebiedsregie.pagina.map)")
    # The map shows the gebied, at a scale like Web Mercator's (RD levels are about 5 lower).
    assert 2 <= page.evaluate("Gebiedsregie.pagina.map.getZoom()") <= 7
    assert count(page, "path.opgave") > 0  # below the threshold: GeoJSON, in RD as well
    page.get_by_role("button", name="Kaart in Web Mercator").click()
    page.wait_for_url(lambda url: "kaart=rd" not in url)
    browsing.wait_loaded()
    assert parse_qs(urlsplit(page.url).query)["status"] == ["verkenning"]
    assert not page.evaluate("Gebiedsregie.inRd(Gebiedsregie.pagina.map)")


def test_the_overview_in_rd(browsing: Browsing) -> None:
    page = browsing.open("/?kaart=rd")
    assert page.evaluate("Gebiedsregie.inRd(Gebiedsregie.pagina.map)")
    assert count(page, ".leaflet-overlay-pane path") > 0
    # The referentielagen are off at first here: one switched on comes as RD tiles.
    page.locator(".leaflet-control-layers-overlays label", has_text="Natura 2000").locator(
        "input"
    ).check()
    page.wait_for_function(
        "() => [...document.querySelectorAll('path.referentieobject')].length > 0"
    )
    assert any(RD_TILE_URL.search(url) for url in browsing.journal.requests)


@pytest.mark.tiles_fail
def test_the_rd_map_works_without_background_tiles(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley?tegeldrempel=0&kaart=rd")
    expect(page.locator(".achtergrond-melding")).to_be_visible()
    wait_for_tiles(page)
    assert count(page, "path.opgave-tegel") > 0
    assert count(page, "path.stapeling-vlak") > 0
    provincies = page.locator(".leaflet-referentie-pane path")
    expect(provincies).to_have_count(12)
    assert provincies.first.get_attribute("fill") == "#f7f6f0"
    page.screenshot(path=str(SCREENSHOT.with_name(f"{SCREENSHOT.stem}_offline.png")))
