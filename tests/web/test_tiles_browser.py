"""The gebied page draws its thema layers from vector tiles when there are too many opgaven.

The threshold is 2,000 opgaven; `?tegeldrempel=N` in the page's URL lowers it, so the
voorbeeldgebieden (a few dozen opgaven) are drawn from tiles here.
"""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.web.conftest import Browsing
from tests.web.test_browser import api, count

TILE_URL = re.compile(r"/ogc/collections/opgaven-([a-z0-9-]+)/tiles/WebMercatorQuad/\d+/\d+/\d+")
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
