"""The search box in every page's header: an ARIA 1.2 combobox on /api/v1/zoeken (issue #15)."""

import re
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.web.conftest import Browsing
from tests.web.test_browser import api

ZOEKVELD = "Zoek een gemeente, provincie, gebied of opgave"


def zoek(base: str, q: str) -> list[dict[str, Any]]:
    resultaten: list[dict[str, Any]] = api(base, f"/api/v1/zoeken?q={quote(q)}&limit=10")[
        "resultaten"
    ]
    return resultaten


def map_shows(page: Page, bbox: list[float]) -> bool:
    """Is the centre of `bbox` in view, and the map zoomed in to about its size?"""
    result: bool = page.evaluate(
        """([minlon, minlat, maxlon, maxlat]) => {
          const map = Gebiedsregie.pagina.map;
          const box = L.latLngBounds([minlat, minlon], [maxlat, maxlon]);
          return map.getBounds().contains(box.getCenter())
            && map.getBounds().pad(0.05).contains(box)
            && map.getZoom() >= map.getBoundsZoom(box) - 1;
        }""",
        bbox,
    )
    return result


def test_the_combobox_by_keyboard_zooms_the_map(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    veld = page.get_by_role("combobox", name=ZOEKVELD)
    lijst = page.get_by_role("listbox", name="Zoekresultaten")
    expect(veld).to_have_attribute("aria-expanded", "false")
    expected = zoek(browsing.base, "wagen")
    assert expected and expected[0]["soort"] == "gemeente"
    veld.click()
    before = len([u for u in browsing.journal.requests if "/api/v1/zoeken" in u])
    page.keyboard.type("wagen", delay=40)  # faster than the debounce: one request
    opties = lijst.get_by_role("option")
    expect(opties).to_have_count(len(expected))
    requests = [u for u in browsing.journal.requests if "/api/v1/zoeken" in u]
    assert len(requests) - before == 1
    expect(veld).to_have_attribute("aria-expanded", "true")
    expect(opties.first).to_contain_text(expected[0]["naam"])
    expect(page.locator("[data-zoek-status]")).to_have_text(f"{len(expected)} resultaten.")
    # Arrow keys move the active option; the focus stays in the field.
    page.keyboard.press("ArrowDown")
    expect(veld).to_have_attribute("aria-activedescendant", opties.nth(0).get_attribute("id") or "")
    expect(opties.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(opties.nth(1)).to_have_attribute("aria-selected", "true")
    expect(opties.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(veld).to_be_focused()
    # Escape closes the list, a second Escape empties the field.
    page.keyboard.press("Escape")
    expect(lijst).to_be_hidden()
    expect(veld).to_have_attribute("aria-expanded", "false")
    expect(veld).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(veld).to_have_value("wagen")
    # Down opens it again; Enter takes the active option: the map goes to the gemeente.
    page.keyboard.press("ArrowDown")
    expect(lijst).to_be_visible()
    page.keyboard.press("Enter")
    expect(lijst).to_be_hidden()
    expect(veld).to_have_value(expected[0]["naam"])
    page.wait_for_function("() => Gebiedsregie.pagina.map.getZoom() > 9")
    assert map_shows(page, expected[0]["bbox"])
    assert page.locator("path.zoekmarkering").count() == 1
    page.keyboard.press("Escape")
    expect(veld).to_have_value("")


def test_an_opgave_found_opens_its_popup(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    hits = [h for h in zoek(browsing.base, "beekherstel") if h["soort"] == "opgave"]
    assert hits
    veld = page.get_by_role("combobox", name=ZOEKVELD)
    veld.fill("beekherstel")
    optie = page.get_by_role("option").filter(has_text=hits[0]["naam"]).first
    optie.click()
    expect(page.locator(".opgave-popup h3")).to_have_text(hits[0]["naam"])


def test_without_a_map_a_hit_opens_its_page(browsing: Browsing) -> None:
    page = browsing.page
    page.goto(browsing.base + "/inloggen")
    veld = page.get_by_role("combobox", name=ZOEKVELD)
    gebied = next(h for h in zoek(browsing.base, "food valley") if h["soort"] == "gebied")
    veld.fill("food valley")
    page.get_by_role("option").filter(has_text=gebied["naam"]).first.click()
    page.wait_for_url(re.compile(re.escape(gebied["url"]) + "$"))
    browsing.wait_loaded()
    expect(page.locator("h1")).to_have_text("Food Valley")

    # A gemeente has no page of its own: the overview, zoomed to it.
    page.goto(browsing.base + "/inloggen")
    gemeente = next(h for h in zoek(browsing.base, "wageningen") if h["soort"] == "gemeente")
    veld.fill("wageningen")
    page.get_by_role("option").filter(has_text=gemeente["naam"]).first.click()
    page.wait_for_url(re.compile(r"/\?bbox="))
    browsing.wait_loaded()
    assert map_shows(page, gemeente["bbox"])


def test_nothing_found_is_said(browsing: Browsing) -> None:
    page = browsing.open("/")
    page.get_by_role("combobox", name=ZOEKVELD).fill("qqqxyzzy")
    expect(page.locator(".zoekmelding")).to_have_text('Niets gevonden voor "qqqxyzzy".')
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.locator("[data-zoek-status]")).to_have_text('Niets gevonden voor "qqqxyzzy".')
