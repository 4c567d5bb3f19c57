"""The referentielagen on the map pages: Natura 2000 as a hatched overlay of vector tiles on
the gebied page (on, as a sturende laag) and on the overview (off), with its legend entry,
its attribution and a popup naming the object."""

import os
import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import Browsing

FOOD_VALLEY = "/gebieden/food-valley"
NATURA = "natura-2000"
TILE_URL = re.compile(r"/ogc/collections/referentielaag-natura-2000/tiles/WebMercatorQuad/")
SCREENSHOT = os.environ.get("GEBIEDSREGIE_N2000_SCREENSHOT", "/tmp/n2000_overlay.png")
# A point inside an N2000 path (page coordinates) where a click reaches the map itself: no
# opgave, face or control above it. The hatching takes no clicks (pointer-events: none).
POINT_IN_NATURA = """() => {
  const map = Gebiedsregie.pagina.map.getContainer().getBoundingClientRect();
  for (const path of document.querySelectorAll("path.referentieobject.laag-natura-2000")) {
    const box = path.getBBox();
    const ctm = path.getScreenCTM();
    for (let i = 1; i < 20; i++) {
      for (let j = 1; j < 20; j++) {
        const p = new DOMPoint(box.x + (box.width * i) / 20, box.y + (box.height * j) / 20);
        if (!path.isPointInFill(p)) continue;
        const s = p.matrixTransform(ctm);
        const binnen = s.x > map.left + 20 && s.x < map.right - 20;
        if (!binnen || s.y < map.top + 20 || s.y > map.bottom - 20) continue;
        const hit = document.elementFromPoint(s.x, s.y);
        if (!hit || hit.closest(".leaflet-control, .leaflet-interactive")) continue;
        if (!hit.closest(".folium-map")) continue;
        return [s.x, s.y];
      }
    }
  }
  return null;
}"""


def natura_loaded(page: Page) -> None:
    """Wait until the lagen are listed and Natura 2000's tiles are drawn (if it is on)."""
    page.wait_for_function(
        """() => {
          const lagen = Gebiedsregie.pagina.referentielagen.lagen;
          const natura = lagen.get("natura-2000");
          return natura && !natura.tegels.isLoading();
        }"""
    )


def toggle(page: Page) -> Locator:
    return page.locator(".leaflet-control-layers-overlays label", has_text="Natura 2000").locator(
        "input"
    )


def test_natura_2000_on_the_gebied_page(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY)
    natura_loaded(page)
    # A sturende laag: on from the start, hatched in its kleur over the stapeling.
    paths = page.locator("path.referentieobject.laag-natura-2000")
    expect(paths.first).to_be_attached()
    assert paths.first.get_attribute("fill") == "url(#arcering-natura-2000)"
    assert paths.first.get_attribute("stroke") == "#2e7d32"
    assert page.locator("pattern#arcering-natura-2000").count() == 1
    tiles = [url for url in browsing.journal.requests if TILE_URL.search(url)]
    assert tiles and all(urlsplit(url).query == "f=mvt" for url in tiles)  # no filters
    legenda = page.locator(".legenda-referentielagen")
    expect(legenda).to_contain_text("Natura 2000")
    expect(legenda).to_contain_text("sturend")
    attribution = page.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("Natura 2000: RVO / PDOK; attributen: RCE (CC BY 4.0)")
    page.screenshot(path=SCREENSHOT)

    # Off: its paths, legend entry and attribution go; on again, they come back.
    toggle(page).uncheck()
    expect(paths).to_have_count(0)
    expect(legenda).to_have_count(0)
    expect(attribution).not_to_contain_text("RVO / PDOK")
    toggle(page).check()
    natura_loaded(page)
    expect(paths.first).to_be_attached()
    expect(page.locator(".legenda-referentielagen")).to_contain_text("Natura 2000")
    expect(attribution).to_contain_text("RVO / PDOK")

    # A click where no opgave or face is: a popup naming the object, its laag and source.
    overlays = page.locator(".leaflet-control-layers-overlays")
    for naam in ("Opgaven", "Stapeling"):
        overlays.get_by_label(naam).uncheck()
    point = page.evaluate(POINT_IN_NATURA)
    assert point is not None, "no free point in Natura 2000 in view"
    page.mouse.click(*point)
    popup = page.locator(".referentie-popup")
    expect(popup).to_be_visible()
    naam = popup.locator("h3").first.inner_text()
    assert naam in {"Veluwe", "Binnenveld", "Rijntakken"}, naam
    expect(popup).to_contain_text("Natura 2000 · sturend")
    expect(popup).to_contain_text("bescherming")
    expect(popup).to_contain_text("Bron: Natura 2000: RVO / PDOK")
    href = popup.get_by_role("link", name="Alle gegevens").first.get_attribute("href")
    assert href and href.startswith("/ogc/collections/referentielaag-natura-2000/items/")
    # Over an opgave, its own popup opens: the hatching takes no clicks.
    overlays.get_by_label("Opgaven").check()
    page.keyboard.press("Escape")


def test_natura_2000_on_the_overview_starts_off(browsing: Browsing) -> None:
    page = browsing.open("/")
    page.wait_for_function("() => Gebiedsregie.pagina.referentielagen.lagen.size > 0")
    assert not toggle(page).is_checked()
    assert not [url for url in browsing.journal.requests if TILE_URL.search(url)]
    expect(page.locator(".legenda-referentielagen")).to_have_count(0)
    toggle(page).check()
    natura_loaded(page)
    expect(page.locator("path.referentieobject.laag-natura-2000").first).to_be_attached()
    expect(page.locator(".legenda-referentielagen")).to_contain_text("Natura 2000 · sturend")
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("RVO / PDOK")
    # The gebieden keep their clicks: over one, the hatching does not stand in the way.
    page.locator("path.gebied-food-valley").click()
    page.wait_for_url("**/gebieden/food-valley")
