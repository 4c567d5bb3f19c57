"""Opgaven outside every gebied, in the pages (issue #15): the planner is asked before such a
shape is saved, told afterwards, and finds them listed on the overview."""

import re
import uuid

from playwright.sync_api import expect

from tests.web.conftest import Account, Browsing
from tests.web.test_browser import api, draw_polygon, square, start_drawing, zoom_to

# The city of Utrecht: outside the voorbeeldgebieden.
BUITEN = (52.09, 5.12)


def test_a_shape_outside_every_gebied_is_asked_about_then_listed(
    browsing: Browsing, planner: Account
) -> None:
    base = browsing.base
    page = browsing.open("/gebieden/food-valley")
    zoom_to(page, *BUITEN, 14)
    start_drawing(page, "opgave", "Polygon")
    draw_polygon(page, square(*BUITEN, 0.004))
    form = page.locator("#opgave-form")
    titel = f"Buiten {uuid.uuid4().hex[:6]}"
    form.get_by_label("Titel").fill(titel)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/opgaven/ligging")):
        form.get_by_role("button", name="Opslaan").click()
    dialog = page.get_by_role("dialog", name="Deze opgave ligt buiten elk gebied")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("buiten alle gebieden")
    # The safe answer has the focus; Escape is "no" too.
    expect(dialog.get_by_role("button", name="Vorm aanpassen")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(form).to_be_visible()
    expect(form.locator("[data-formfout]")).to_contain_text("Niet opgeslagen")
    expect(form.get_by_label("Titel")).to_have_value(titel)
    assert not [
        o
        for o in api(base, "/api/v1/opgaven?buiten_gebieden=true&limit=1000")["features"]
        if o["properties"]["titel"] == titel
    ]

    form.get_by_role("button", name="Opslaan").click()
    dialog.get_by_role("button", name="Toch opslaan").click()
    expect(form).to_be_hidden()
    toast = page.locator(".toast")
    expect(toast.get_by_role("status")).to_contain_text(f'Opgave "{titel}" opgeslagen.')
    expect(toast.get_by_role("status")).to_contain_text("buiten alle gebieden")
    expect(toast).to_have_attribute("data-soort", "let-op")  # stays until closed
    saved = [
        o
        for o in api(base, "/api/v1/opgaven?buiten_gebieden=true&limit=1000")["features"]
        if o["properties"]["titel"] == titel
    ]
    assert len(saved) == 1 and saved[0]["properties"]["gebieden"] == []
    try:
        # The overview lists it for planners, and shows it on the map.
        page = browsing.open("/")
        lijst = page.locator("#buiten-gebieden")
        expect(lijst).to_have_attribute("open", "")
        knop = lijst.get_by_role("button", name=titel)
        expect(knop).to_be_visible()
        knop.click()
        expect(page.locator(".buiten-popup h3")).to_have_text(titel)
        assert page.evaluate(
            """(id) => {
              const p = Gebiedsregie.pagina;
              return p.map.getBounds().contains(p.buitenLagen.get(id).getBounds());
            }""",
            saved[0]["id"],
        )
        expect(page.locator("[data-buiten-aantal]")).to_have_text(re.compile(r"\(\d+\)"))
    finally:
        api(base, f"/api/v1/opgaven/{saved[0]['id']}", method="DELETE", token=planner.token)


def test_readers_get_no_list_of_opgaven_outside(browsing: Browsing) -> None:
    page = browsing.open("/")
    expect(page.locator("#buiten-gebieden")).to_have_count(0)
    assert not [u for u in browsing.journal.requests if "buiten_gebieden" in u]


def test_a_shape_partly_outside_is_asked_about(browsing: Browsing, planner: Account) -> None:
    page = browsing.open("/gebieden/food-valley")
    # A square over the gebied's border: its west edge, at the latitude of its middle.
    lat, lng = page.evaluate(
        """() => {
          const b = Gebiedsregie.pagina.grens.getBounds();
          const lat = b.getCenter().lat;
          const ring = Gebiedsregie.pagina.gebiedFeature.geometry;
          const west = L.geoJSON(ring).getLayers()[0].getLatLngs().flat(3)
            .filter((ll) => Math.abs(ll.lat - lat) < 0.01)
            .reduce((a, ll) => (ll.lng < a.lng ? ll : a));
          return [west.lat, west.lng];
        }"""
    )
    zoom_to(page, lat, lng, 13)
    start_drawing(page, "opgave", "Polygon")
    draw_polygon(page, square(lat, lng, 0.01))
    form = page.locator("#opgave-form")
    form.get_by_label("Titel").fill("Over de grens")
    form.get_by_role("button", name="Opslaan").click()
    dialog = page.get_by_role("dialog", name="Deze opgave ligt deels buiten het gebied")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Food Valley")
    dialog.get_by_role("button", name="Vorm aanpassen").click()
    expect(form).to_be_visible()
    form.get_by_role("button", name="Annuleren").click()
