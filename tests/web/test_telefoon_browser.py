"""The pages on a phone (390 x 844): no sideways scrolling, a header that fits, the map in view
with the layers in a drawer and the panel as a sheet over its bottom (issue #15)."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Account, Browsing

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/gebieden/food-valley",
    "/gebieden/zuidoost-drenthe",
    "/ogc?f=html",
    "/ogc/collections/opgaven/items?f=html&limit=5",
    "/inloggen",
]
MAP_PAGES = {"/", "/gebieden/food-valley", "/gebieden/zuidoost-drenthe"}


def open_page(browsing: Browsing, path: str) -> Page:
    if path in MAP_PAGES or "items" in path:
        return browsing.open(path)
    browsing.page.goto(browsing.base + path)
    return browsing.page


def inside(page: Page, selector: str) -> bool:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found["x"] >= 0 and found["x"] + found["width"] <= PHONE["width"] + 0.5


@pytest.mark.parametrize("rol", [None, "planner"])
def test_no_page_scrolls_sideways_and_the_header_fits(
    browsing: Browsing, log_in: Callable[[str], Account], rol: str | None
) -> None:
    if rol:
        log_in(rol)
    browsing.page.set_viewport_size(PHONE)
    for path in PAGES:
        page = open_page(browsing, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        login = ".kop .gebruiker button" if rol and path != "/inloggen" else ".kop a.gebruiker"
        expect(page.locator(login)).to_be_visible()
        assert inside(page, login), path
        assert inside(page, "#zoekveld"), path


def test_the_map_is_in_view_with_a_drawer_and_a_sheet(browsing: Browsing) -> None:
    browsing.page.set_viewport_size(PHONE)
    page = browsing.open("/gebieden/food-valley")
    kaart = page.locator(".folium-map").bounding_box()
    paneel = page.locator("#paneel").bounding_box()
    assert kaart and paneel
    # The map above the sheet, uncovered: more than 40 % of the screen.
    assert kaart["y"] + kaart["height"] <= paneel["y"] + 1
    assert kaart["height"] >= 0.4 * PHONE["height"]
    # The layers folded into a button (a drawer when opened), the legend folded.
    lagen = page.get_by_role("button", name="Kaartlagen")
    expect(lagen).to_have_attribute("aria-expanded", "false")
    knop = page.locator(".leaflet-control-layers").bounding_box()
    assert knop and knop["width"] * knop["height"] < 0.05 * kaart["width"] * kaart["height"]
    expect(page.get_by_role("button", name="Legenda")).to_have_attribute("aria-expanded", "false")
    lagen.click()
    drawer = page.locator(".leaflet-control-layers-list")
    expect(drawer).to_be_visible()
    box = page.locator(".leaflet-control-layers").bounding_box()
    assert (
        box
        and box["x"] + box["width"] <= PHONE["width"]
        and box["y"] + box["height"] <= paneel["y"]
    )
    lagen.click()
    expect(drawer).to_be_hidden()

    # The sheet: a strip of the panel shows; its button pulls it up and lets it down.
    groter = page.get_by_role("button", name="Paneel groter")
    expect(groter).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#paneel h1")).to_be_visible()
    groter.click()
    kleiner = page.get_by_role("button", name="Paneel kleiner")
    expect(kleiner).to_have_attribute("aria-expanded", "true")
    page.wait_for_function(
        """() => document.querySelector("#paneel").getBoundingClientRect().height
          > 0.75 * innerHeight"""
    )
    kleiner.click()
    expect(groter).to_have_attribute("aria-expanded", "false")
    # Drawing wants the map: the sheet goes down when drawing starts.
    groter.click()
    page.locator("#wat-stapelt-hier summary").click()
    page.locator('[data-teken="adhoc"][data-vorm="Polygon"]').click()
    expect(groter).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Escape")


def test_the_skip_link_pulls_the_sheet_up(browsing: Browsing) -> None:
    browsing.page.set_viewport_size(PHONE)
    page = browsing.open("/gebieden/food-valley")
    page.keyboard.press("Tab")
    expect(page.locator(".skiplink")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Paneel kleiner")).to_have_attribute(
        "aria-expanded", "true"
    )
    page.keyboard.press("Tab")  # into the panel: its button first
    expect(page.get_by_role("button", name="Paneel kleiner")).to_be_focused()


def test_the_table_on_a_phone(browsing: Browsing) -> None:
    browsing.page.set_viewport_size(PHONE)
    page = browsing.open("/gebieden/food-valley")
    page.get_by_role("button", name="Tabel tonen").click()
    tabel = page.locator("#tabelvak")
    expect(tabel.locator("tbody tr").first).to_be_visible()
    # The sheet goes down to its button (it slides).
    page.wait_for_function(
        """() => document.querySelector("#paneel").getBoundingClientRect().top
          >= document.querySelector("#tabelvak").getBoundingClientRect().bottom - 1"""
    )
    kaart = page.locator(".folium-map").bounding_box()
    box = tabel.bounding_box()
    paneel = page.locator("#paneel").bounding_box()
    assert kaart and box and paneel
    # Map, table and sheet one above the other; the table scrolls inside itself.
    assert kaart["height"] > 100 and kaart["y"] + kaart["height"] <= box["y"] + 1
    assert box["y"] + box["height"] <= paneel["y"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tabel.locator("tbody tr").first.locator("td").first.click()
    expect(page.locator(".opgave-popup")).to_be_visible()
