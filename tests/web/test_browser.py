"""The map pages in a real browser (Debian's chromium, headless) against the running app."""

import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Page, expect
from shapely.geometry import shape

from tests.web.conftest import TILE_HOSTS, Account, Browsing

VOORBEELDGEBIEDEN = {"food-valley", "zuidoost-drenthe", "chemelot"}
# A quiet corner of Food Valley, between Ede and Wageningen (lat, lng).
HIER = (52.005, 5.62)


def api(
    base: str,
    path: str,
    method: str = "GET",
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """Call the live app's API; writes need the `token` of a planner."""
    data = None if body is None else json.dumps(body).encode()
    request = Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/geo+json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urlopen(request) as response:
        text = response.read()
    return json.loads(text) if text else None


def map_point(page: Page, lat: float, lng: float) -> tuple[float, float]:
    """Page coordinates of a lat/lng on the page's Leaflet map."""
    point = page.evaluate(
        "([lat, lng]) => Gebiedsregie.pagina.map.latLngToContainerPoint([lat, lng])", [lat, lng]
    )
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    return box["x"] + point["x"], box["y"] + point["y"]


def zoom_to(page: Page, lat: float, lng: float, zoom: int) -> None:
    page.evaluate(
        "([lat, lng, z]) => Gebiedsregie.pagina.map.setView([lat, lng], z, {animate: false})",
        [lat, lng, zoom],
    )


def square(lat: float, lng: float, d: float) -> list[tuple[float, float]]:
    return [(lat - d, lng - d), (lat - d, lng + d), (lat + d, lng + d), (lat + d, lng - d)]


def click(page: Page, lat: float, lng: float) -> None:
    """Click the map like a person: Leaflet reads two quick clicks as a double click."""
    page.mouse.click(*map_point(page, lat, lng))
    page.wait_for_timeout(350)


def draw_polygon(page: Page, points: list[tuple[float, float]]) -> None:
    """Click the vertices, then the first again to close the polygon."""
    for lat, lng in [*points, points[0]]:
        click(page, lat, lng)


def start_drawing(page: Page, doel: str, vorm: str) -> None:
    button = page.locator(f'[data-teken="{doel}"][data-vorm="{vorm}"]')
    details = button.locator("xpath=ancestor::details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    button.click()


def count(page: Page, selector: str) -> int:
    return page.locator(selector).count()


def test_overview_shows_the_three_gebieden(browsing: Browsing) -> None:
    page = browsing.open("/")
    cards = {c.get_attribute("data-gebied") for c in page.locator("[data-gebied]").all()}
    assert cards >= VOORBEELDGEBIEDEN
    for slug in VOORBEELDGEBIEDEN:
        assert count(page, f"path.gebied-{slug}") == 1
        card = page.locator(f'[data-gebied="{slug}"]')
        assert int(card.locator('[data-cijfer="aantal_opgaven"]').inner_text()) > 0
    page.locator('[data-gebied="chemelot"] a').click()
    page.wait_for_url("**/gebieden/chemelot")
    browsing.wait_loaded()
    expect(page.locator("h1")).to_have_text("Chemelot")


def test_gebied_page_shows_thema_layers_and_stapeling(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    opgaven = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
    vlakken = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling")["features"]
    samenvatting = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")
    assert count(page, "path.opgave") == len(opgaven) > 0
    for thema in {o["properties"]["thema"] for o in opgaven}:
        expected = sum(o["properties"]["thema"] == thema for o in opgaven)
        assert count(page, f"path.thema-{thema}") == expected
    assert count(page, "path.stapeling-vlak") == len(vlakken)
    assert count(page, "path.hotspot") == len(samenvatting["hotspots"])
    deepest = samenvatting["max_diepte"]
    assert count(page, f"path.diepte-{deepest}") > 0
    # Legend, samenvatting with its charts.
    expect(page.locator(".legenda")).to_contain_text("Stapeling (aantal opgaven)")
    panel = page.locator("[data-samenvatting]")
    expect(panel.locator('[data-cijfer="Maximale stapeling"]')).to_have_text(str(deepest))
    expect(panel.locator("figcaption")).to_have_count(3)
    assert panel.locator(".staaf").count() == len(samenvatting["per_diepte"]) + len(
        samenvatting["per_thema"]
    )
    assert panel.locator(".heatmap tbody tr").count() == len(samenvatting["themas"])
    # Requests went to the app itself, or to the background tile hosts only.
    for url in browsing.journal.requests:
        assert url.startswith(browsing.base) or TILE_HOSTS.match(url), url


def test_stapeling_popup_lists_the_opgaven_that_meet(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    samenvatting = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")
    hotspot = samenvatting["hotspots"][0]
    page.locator(".hotspots button").first.click()
    popup = page.locator(".vlak-popup")
    expect(popup.locator("h3")).to_have_text(f"{hotspot['aantal']} opgaven stapelen hier")
    expect(popup.locator(".popup-lijst li")).to_have_count(hotspot["aantal"])
    # From the face to one of its opgaven.
    popup.locator(".popup-lijst button").first.click()
    expect(page.locator(".opgave-popup h3")).to_be_visible()


def test_switching_off_the_opgaven_removes_their_shapes(browsing: Browsing) -> None:
    """The layer control switches whole layers; the thema's are chosen in the filters
    (test_kaart_browser.py: one place for the thema's)."""
    page = browsing.open("/gebieden/food-valley")
    wonen = count(page, "path.thema-wonen")
    natuur = count(page, "path.thema-natuur")
    assert wonen > 0 and natuur > 0
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Opgaven")
    toggle.locator("input").uncheck()
    assert count(page, "path.opgave") == 0
    toggle.locator("input").check()
    assert count(page, "path.thema-wonen") == wonen
    assert count(page, "path.thema-natuur") == natuur


def test_filters_requery_without_reloading(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    page.evaluate("window.zelfdePagina = true")
    page.locator('#filters input[name="thema"][value="natuur"]').check()
    page.wait_for_url(re.compile(r"thema=natuur"))
    browsing.wait_loaded()
    expected = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&thema=natuur")
    assert count(page, "path.opgave") == len(expected["features"]) > 0
    assert count(page, "path.opgave") == count(page, "path.thema-natuur")
    assert page.evaluate("window.zelfdePagina") is True
    # min_aantal keeps only the deeper faces.
    page.locator("#filters-min_aantal").fill("2")
    page.wait_for_url(re.compile(r"min_aantal=2"))
    browsing.wait_loaded()
    assert count(page, "path.diepte-1") == 0
    # A bad horizon is named next to its field, in Dutch.
    browsing.journal.expected_statuses.add(400)
    page.locator("#filters-horizon").fill("1800")
    browsing.wait_loaded()
    expect(page.locator("#filters-horizon-fout")).to_be_visible()
    expect(page.locator("#filters-horizon-fout")).to_contain_text("2000")
    # The filters live in the URL: a reload keeps them.
    page.locator("#filters-horizon").fill("")
    browsing.wait_loaded()
    browsing.open(page.url.removeprefix(browsing.base))
    assert page.locator('#filters input[value="natuur"]').is_checked()
    assert page.evaluate("window.zelfdePagina") is None


def test_drawing_and_saving_an_opgave(browsing: Browsing, planner: Account) -> None:
    base = browsing.base
    before = api(base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")["aantal_opgaven"]
    page = browsing.open("/gebieden/food-valley")
    zoom_to(page, *HIER, 14)
    start_drawing(page, "opgave", "Polygon")
    draw_polygon(page, square(*HIER, 0.004))
    form = page.locator("#opgave-form")
    expect(form).to_be_visible()
    titel = f"Proefopgave {uuid.uuid4().hex[:6]}"
    form.get_by_label("Titel").fill(titel)
    form.get_by_label("Thema").select_option("water-bodem")
    form.get_by_label("Horizon (jaar)").fill("2035")
    form.get_by_role("button", name="Opslaan").click()
    expect(form).to_be_hidden()
    browsing.wait_loaded()
    expect(page.locator("[data-status]")).to_contain_text(f'Opgave "{titel}" opgeslagen')

    saved = [
        o
        for o in api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
        if o["properties"]["titel"] == titel
    ]
    assert len(saved) == 1
    assert saved[0]["properties"]["thema"] == "water-bodem"
    assert saved[0]["properties"]["horizon"] == 2035
    assert 20 < saved[0]["properties"]["oppervlakte_ha"] < 80  # about 890 m x 550 m
    after = api(base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")
    assert after["aantal_opgaven"] == before + 1
    faces = api(base, "/api/v1/gebieden/food-valley/stapeling")["features"]
    assert any(saved[0]["id"] in f["properties"]["opgaven"] for f in faces)
    api(base, f"/api/v1/opgaven/{saved[0]['id']}", method="DELETE", token=planner.token)


def test_a_rejected_save_shows_its_error_and_keeps_the_input(
    browsing: Browsing, planner: Account
) -> None:
    base = browsing.base
    before = len(api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"])
    browsing.journal.expected_statuses.add(400)
    page = browsing.open("/gebieden/food-valley")
    zoom_to(page, *HIER, 14)
    start_drawing(page, "opgave", "Rectangle")
    corners = square(*HIER, 0.003)
    click(page, *corners[0])
    click(page, *corners[2])
    form = page.locator("#opgave-form")
    expect(form).to_be_visible()
    form.get_by_label("Titel").fill("Te vroeg")
    form.get_by_label("Horizon (jaar)").fill("1800")
    form.get_by_role("button", name="Opslaan").click()
    error = page.locator("#opgave-form-horizon-fout")
    expect(error).to_be_visible()
    expect(error).to_contain_text("2000")
    expect(form.get_by_label("Horizon (jaar)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-formfout]").first).to_be_visible()
    # Nothing is lost: the form is still open with what was typed.
    expect(form.get_by_label("Titel")).to_have_value("Te vroeg")
    assert len(api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]) == before
    # Corrected, it saves.
    form.get_by_label("Horizon (jaar)").fill("2030")
    form.get_by_role("button", name="Opslaan").click()
    expect(form).to_be_hidden()
    browsing.wait_loaded()
    created = [
        o
        for o in api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
        if o["properties"]["titel"] == "Te vroeg"
    ]
    assert len(created) == 1
    api(base, f"/api/v1/opgaven/{created[0]['id']}", method="DELETE", token=planner.token)


def test_editing_and_deleting_an_opgave(browsing: Browsing, planner: Account) -> None:
    base = browsing.base
    created = api(
        base,
        "/api/v1/opgaven",
        "POST",
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[5.61, 52.0], [5.63, 52.0], [5.63, 52.01], [5.61, 52.01], [5.61, 52.0]]
                ],
            },
            "properties": {
                "titel": "Te bewerken",
                "thema": "natuur",
                "trekker": "provincie",
                "status": "verkenning",
            },
        },
        token=planner.token,
    )
    page = browsing.open("/gebieden/food-valley")
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", created["id"])
    page.locator(".opgave-popup").get_by_role("button", name="Bewerken").click()
    form = page.locator("#opgave-form")
    expect(form.get_by_label("Titel")).to_have_value("Te bewerken")
    form.get_by_label("Titel").fill("Bewerkt")
    form.get_by_label("Status").select_option("planvorming")
    with page.expect_request(lambda r: r.method == "PATCH") as patch:
        form.get_by_role("button", name="Opslaan").click()
    # The write names the versie the edit started from, and carries the session's CSRF token.
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert patch.value.headers["if-match"] == f'"{created["properties"]["versie"]}"'
    assert csrf and patch.value.headers["x-csrf-token"] == csrf
    expect(page.locator("[data-status]")).to_contain_text('Opgave "Bewerkt" opgeslagen')
    stored = api(base, f"/api/v1/opgaven/{created['id']}")
    assert stored["properties"]["titel"] == "Bewerkt"
    assert stored["properties"]["status"] == "planvorming"
    assert stored["properties"]["versie"] == created["properties"]["versie"] + 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", created["id"])
    with page.expect_request(lambda r: r.method == "DELETE") as delete:
        page.locator(".opgave-popup").get_by_role("button", name="Verwijderen").click()
    assert delete.value.headers["if-match"] == f'"{stored["properties"]["versie"]}"'
    expect(page.locator("[data-status]")).to_contain_text('Opgave "Bewerkt" verwijderd')
    ids = {o["id"] for o in api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]}
    assert created["id"] not in ids


def test_wat_stapelt_hier(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    hotspot = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")["hotspots"][
        0
    ]
    lng, lat = hotspot["punt"]
    zoom_to(page, lat, lng, 13)
    start_drawing(page, "adhoc", "Circle")
    click(page, lat, lng)
    click(page, lat, lng + 0.01)
    result = page.locator("#adhoc-resultaat")
    expect(result.locator("h3").first).to_have_text("In het getekende vlak")
    deepest = result.locator('[data-cijfer="Maximale stapeling"]')
    assert int(deepest.inner_text()) >= hotspot["aantal"]
    assert count(page, ".leaflet-tekenen-pane path, path.stapeling-vlak") > 0
    result.get_by_role("button", name="Wissen").click()
    expect(result.locator("h3")).to_have_count(0)


@pytest.mark.tiles_fail
def test_the_map_works_without_background_tiles(browsing: Browsing) -> None:
    for path, shapes in (("/", "path.gebied"), ("/gebieden/food-valley", "path.stapeling-vlak")):
        page = browsing.open(path)
        expect(page.locator(".achtergrond-melding")).to_be_visible()
        assert count(page, shapes) > 0
        # The provinces stand in for the background: filled, so land and water show.
        provincies = page.locator(".leaflet-referentie-pane path")
        expect(provincies).to_have_count(12)
        assert provincies.first.get_attribute("fill") == "#f7f6f0"
    # (docs/screenshots are made by scripts/screenshots.py, the same way.)


def test_user_text_stays_inert_in_the_browser(
    browsing: Browsing, accounts: dict[str, Account]
) -> None:
    base = browsing.base
    payload = '<img src=x onerror="window.geraakt=1">" onmouseover="window.geraakt=2'
    token = accounts["planner"].token
    gebied = shape(api(base, "/api/v1/gebieden/chemelot")["geometry"])
    x, y = gebied.representative_point().coords[0]
    created = api(
        base,
        "/api/v1/opgaven",
        "POST",
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[x, y], [x + 0.005, y], [x + 0.005, y + 0.003], [x, y + 0.003], [x, y]]
                ],
            },
            "properties": {
                "titel": payload,
                "beschrijving": payload,
                "thema": "economie",
                "trekker": "overig",
                "status": "verkenning",
            },
        },
        token=token,
    )
    try:
        page = browsing.open("/gebieden/chemelot")
        page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", created["id"])
        expect(page.locator(".opgave-popup h3")).to_have_text(payload)
        page.locator(".opgave-popup h3").hover()
        assert page.evaluate("window.geraakt") is None
    finally:
        api(base, f"/api/v1/opgaven/{created['id']}", method="DELETE", token=token)


def test_drawing_editing_and_deleting_a_gebied_with_the_keyboard(
    browsing: Browsing, planner: Account
) -> None:
    page = browsing.open("/")
    naam = f"Proefgebied {uuid.uuid4().hex[:6]}"
    zoom_to(page, 52.155, 5.387, 12)
    start_drawing(page, "gebied", "Rectangle")
    click(page, 52.14, 5.37)
    click(page, 52.17, 5.41)
    form = page.locator("#gebied-form")
    expect(form).to_be_visible()
    # The form takes the focus; the rest is typing, Tab and Enter.
    expect(form.get_by_label("Naam")).to_be_focused()
    page.keyboard.type(naam)
    page.keyboard.press("Tab")
    expect(form.get_by_label("Soort")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/gebieden/proefgebied-"))
    browsing.wait_loaded()
    expect(page.locator("h1")).to_have_text(naam)
    slug = page.url.rsplit("/", 1)[1]
    stored = api(browsing.base, f"/api/v1/gebieden/{slug}")
    assert 600 < stored["properties"]["oppervlakte_ha"] < 1200  # about 2.7 km x 3.3 km

    page.locator("#bewerken summary").click()
    page.get_by_role("button", name="Gebied bewerken").click()
    gebied_form = page.locator("#gebied-form")
    expect(gebied_form.get_by_label("Naam")).to_be_focused()
    expect(gebied_form.get_by_label("Naam")).to_have_value(naam)
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{naam} (herzien)")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(f"{naam} (herzien)")
    expect(page.locator("[data-status]")).to_contain_text("opgeslagen")
    assert api(browsing.base, f"/api/v1/gebieden/{slug}")["properties"]["naam"] == (
        f"{naam} (herzien)"
    )

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Gebied verwijderen").click()
    page.wait_for_url(browsing.base + "/")
    browsing.wait_loaded()
    assert page.locator(f'[data-gebied="{slug}"]').count() == 0
    ids = {g["properties"]["slug"] for g in api(browsing.base, "/api/v1/gebieden")["features"]}
    assert slug not in ids


def test_export_links_follow_the_filters(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    page.locator("#uitwisseling summary").click()
    page.locator('#filters input[name="thema"][value="wonen"]').check()
    page.wait_for_url(re.compile(r"thema=wonen"))
    browsing.wait_loaded()
    link = page.locator('[data-export="gpkg"]')
    href = link.get_attribute("href")
    assert href is not None and "thema=wonen" in href and "formaat=gpkg" in href
    with page.expect_download() as download_info:
        page.locator('[data-export="geojson"]').click()
    download = download_info.value
    assert download.suggested_filename.startswith("food-valley-novex-crs84-")
    collection = json.loads(Path(download.path()).read_text())
    assert collection["novex"]["filters"]["thema"] == ["wonen"]
    assert {
        f["properties"]["thema"]
        for f in collection["features"]
        if f["properties"]["laag"] == "opgave"
    } == {"wonen"}
