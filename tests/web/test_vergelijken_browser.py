"""The vergelijken page (issue #16): two situations side by side on maps that move together,
a swipe divider, a difference map, the tables of differences; the URL holds the state."""

import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from tests.factories import TEST_SETTINGS, WACHTWOORD
from tests.web.conftest import Account, Browsing
from tests.web.test_browser import TILE_HOSTS, api, count

VERGELIJKEN = "/gebieden/food-valley/vergelijken"
HORIZONNEN = "?a=huidig&a_horizon=2030&b=huidig&b_horizon=2040"
VERGELIJKING = "/api/v1/gebieden/food-valley/vergelijking"
MIN = "\u2212"
KAART_A = ".kolom-a .folium-map"
KAART_B = "#kaart-b"


@pytest.fixture(scope="module")
def beheerder_token(live_sessions: sessionmaker[Session]) -> str:
    with live_sessions() as session:
        gebruiker = auth_service.create_gebruiker(
            session, "web-vergelijken-beheerder", Rol.BEHEERDER, WACHTWOORD, TEST_SETTINGS
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    return value


@pytest.fixture
def variant(
    browsing: Browsing, accounts: dict[str, Account], beheerder_token: str
) -> Iterator[dict[str, Any]]:
    """A variant of Food Valley that leaves out its first opgave (made through the API)."""
    token = accounts["planner"].token
    made: dict[str, Any] = api(
        browsing.base,
        "/api/v1/gebieden/food-valley/varianten",
        "POST",
        {"naam": f"Vergelijk {uuid.uuid4().hex[:6]}"},
        token=token,
    )
    weg = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"][0]
    api(
        browsing.base,
        f"/api/v1/varianten/{made['id']}/opgaven/{weg['id']}",
        "PUT",
        {"weggelaten": True},
        token=token,
    )
    yield {**made, "weggelaten": weg}
    api(browsing.base, f"/api/v1/varianten/{made['id']}", "DELETE", token=beheerder_token)


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def views(page: Page) -> tuple[dict[str, Any], dict[str, Any]]:
    """The views of map A and map B, read at the same moment (a map may still be gliding)."""
    return page.evaluate(
        """() => ['map', 'kaartB'].map((kaart) => {
          const map = Gebiedsregie.pagina[kaart];
          const c = map.getCenter();
          return { lat: c.lat, lng: c.lng, zoom: map.getZoom() };
        })"""
    )


def apart(page: Page) -> float:
    """How far (in screen pixels) map B's centre is from the place at map A's centre."""
    result: float = page.evaluate(
        """() => {
          const { map, kaartB } = Gebiedsregie.pagina;
          const here = kaartB.latLngToContainerPoint(map.getCenter());
          return here.distanceTo(kaartB.getSize().divideBy(2));
        }"""
    )
    return result


def view(page: Page, kaart: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """(kaart) => {
          const map = Gebiedsregie.pagina[kaart];
          const c = map.getCenter();
          return { lat: c.lat, lng: c.lng, zoom: map.getZoom() };
        }""",
        kaart,
    )
    return result


def cell(page: Page, tabel: str, rij: str, kolom: int) -> str:
    """The text of a cell of a table of differences (kolom 1: A, 2: B, 3: the difference)."""
    row = page.locator(f"table.{tabel} tbody tr").filter(
        has=page.get_by_role("rowheader", name=rij)
    )
    return row.locator("td").nth(kolom - 1).inner_text().strip()


def test_2030_against_2040_is_two_clicks_from_the_gebied_page(browsing: Browsing) -> None:
    base = browsing.base
    page = browsing.open("/gebieden/food-valley")
    page.get_by_role("link", name="Vergelijk 2030 met 2040").click()
    page.wait_for_url(re.compile(r"/vergelijken\?"))
    browsing.wait_loaded()
    assert query(page) == {
        "a": ["huidig"],
        "a_horizon": ["2030"],
        "b": ["huidig"],
        "b_horizon": ["2040"],
    }
    expect(page.get_by_role("heading", name="Vergelijken", level=1)).to_be_visible()
    form = page.locator("#vergelijk-form")
    expect(form.get_by_label("Horizon tot en met").first).to_have_value("2030")
    expect(form.get_by_label("Horizon tot en met").nth(1)).to_have_value("2040")
    expect(page.locator("#kaartlabel-a")).to_have_text("A · Huidige situatie, horizon t/m 2030")
    expect(page.locator("#kaartlabel-b")).to_have_text("B · Huidige situatie, horizon t/m 2040")

    # Each map has its own stapeling: the register's faces up to each horizon.
    vlakken_a = api(base, "/api/v1/gebieden/food-valley/stapeling?horizon=2030")["features"]
    vlakken_b = api(base, "/api/v1/gebieden/food-valley/stapeling?horizon=2040")["features"]
    assert count(page, f"{KAART_A} path.stapeling-vlak.kant-a") == len(vlakken_a)
    assert count(page, f"{KAART_B} path.stapeling-vlak.kant-b") == len(vlakken_b)
    assert len(vlakken_a) != len(vlakken_b)

    # The tables say what the API says.
    v = api(base, VERGELIJKING + HORIZONNEN + "&limit=0")
    d = v["verschillen"]
    assert cell(page, "kerncijfers-tabel", "Opgaven", 1) == str(d["aantal_opgaven"]["a"])
    assert cell(page, "kerncijfers-tabel", "Opgaven", 2) == str(d["aantal_opgaven"]["b"])
    assert cell(page, "kerncijfers-tabel", "Opgaven", 3) == f"+{d['aantal_opgaven']['verschil']}"
    assert cell(page, "kerncijfers-tabel", "Maximale stapeling", 2) == str(d["max_diepte"]["b"])
    expect(page.locator("table.diepte-tabel tbody tr")).to_have_count(len(d["per_diepte"]))
    expect(page.locator("table.thema-tabel tbody tr")).to_have_count(len(d["per_thema"]))
    toegevoegd = page.locator('[data-opgaven="toegevoegd"] tbody tr')
    expect(toegevoegd).to_have_count(len(v["opgaven"]["toegevoegd"]))
    expect(page.locator('[data-opgaven="weggelaten"]')).to_have_count(0)
    titels = {o["titel"] for o in v["opgaven"]["toegevoegd"]}
    assert set(toegevoegd.locator("th").all_inner_texts()) == titels
    # An opgave leads to the gebied page, where it is shown.
    first = v["opgaven"]["toegevoegd"][0]
    link = toegevoegd.get_by_role("link", name=first["titel"], exact=True)
    assert link.get_attribute("href") == f"/gebieden/food-valley?opgave={first['id']}"
    for url in browsing.journal.requests:
        assert url.startswith(base) or TILE_HOSTS.match(url), url


def test_the_maps_move_together(browsing: Browsing) -> None:
    page = browsing.open(VERGELIJKEN + HORIZONNEN)
    a, b = views(page)
    assert a == b
    page.evaluate("() => Gebiedsregie.pagina.map.setView([52.03, 5.62], 12, {animate: false})")
    assert view(page, "kaartB") == {
        "lat": pytest.approx(52.03),
        "lng": pytest.approx(5.62),
        "zoom": 12,
    }
    # Dragging B moves A.
    box = page.locator(KAART_B).bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 120, y - 60, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    a, b = views(page)
    assert b["lng"] > 5.62 + 0.01
    assert a["zoom"] == b["zoom"] and apart(page) < 1.5  # Leaflet rounds to whole pixels
    # The keyboard zooms B; A follows.
    page.locator(KAART_B).focus()
    page.keyboard.press("Minus")
    page.wait_for_timeout(600)
    a, b = views(page)
    assert a["zoom"] == b["zoom"] == 11


def test_the_swipe_divider_works_by_keyboard(browsing: Browsing) -> None:
    page = browsing.open(VERGELIJKEN + HORIZONNEN)
    page.get_by_role("radio", name="Schuifbalk").check()
    assert query(page)["weergave"] == ["schuif"]
    expect(page.locator("[data-kolom-b]")).to_be_hidden()  # one map
    schuif = page.get_by_role("slider", name="Schuifbalk: links situatie A, rechts situatie B")
    expect(schuif).to_be_visible()
    expect(schuif).to_have_value("50")
    # Both sides on map A, each clipped at the divider.
    assert count(page, f"{KAART_A} path.stapeling-vlak.kant-a") > 0
    assert count(page, f"{KAART_A} path.stapeling-vlak.kant-b") > 0
    clips = """() => ['stapeling-a', 'stapeling-b'].map(
      (p) => Gebiedsregie.pagina.map.getPane(p).style.clip)"""
    links, rechts = page.evaluate(clips)
    assert links.startswith("rect(") and rechts.startswith("rect(")
    schuif.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    expect(schuif).to_have_value("45")
    expect(schuif).to_have_attribute("aria-valuetext", "45% A links, 55% B rechts")
    page.keyboard.press("Home")
    expect(schuif).to_have_value("0")
    # All B: A's side is empty (its right edge is its left edge).
    links = page.evaluate(clips)[0]
    parts = [float(p) for p in re.findall(r"-?[\d.]+", links)]
    assert parts[1] == pytest.approx(parts[3])
    divider = page.locator(".schuif-lijn").bounding_box()
    kaart = page.locator(KAART_A).bounding_box()
    assert divider and kaart and abs(divider["x"] + divider["width"] / 2 - kaart["x"]) < 4
    page.keyboard.press("End")
    expect(schuif).to_have_value("100")
    # The names of the sides move with the divider.
    expect(page.locator(".schuif-label.links")).to_have_text(
        "A · Huidige situatie, horizon t/m 2030"
    )
    # Back to two maps: B shows again, at A's view.
    page.get_by_role("radio", name="Naast elkaar").check()
    expect(page.locator("[data-kolom-b]")).to_be_visible()
    assert "weergave" not in query(page)
    a, b = views(page)
    assert a == b


def test_the_difference_map_and_its_legend(browsing: Browsing) -> None:
    base = browsing.base
    page = browsing.open(VERGELIJKEN + HORIZONNEN + "&weergave=verschil")
    expect(page.get_by_role("radio", name="Verschilkaart")).to_be_checked()
    v = api(base, VERGELIJKING + HORIZONNEN + "&alleen_gewijzigd=true")
    faces = v["features"]
    assert faces and v["numberReturned"] == v["numberMatched"]
    assert count(page, "path.verschil-vlak") == len(faces)
    assert count(page, "path.verschil-vlak.meer") == sum(
        f["properties"]["verschil"] > 0 for f in faces
    )
    assert count(page, "path.verschil-vlak.minder") == sum(
        f["properties"]["verschil"] < 0 for f in faces
    )
    assert count(page, "path.stapeling-vlak") == 0  # the sides are off
    legenda = page.locator(".legenda")
    expect(legenda).to_contain_text("Verschil in stapeling (B t.o.v. A)")
    grootste = max(f["properties"]["verschil"] for f in faces)
    expect(legenda).to_contain_text(f"+{min(grootste, 4)}")
    expect(page.locator("#kaartlabel-a")).to_have_text("Verschil: B ten opzichte van A")
    # A face's popup says what came there.
    face = max(faces, key=lambda f: f["properties"]["oppervlakte_ha"])
    page.evaluate(
        """(nr) => Gebiedsregie.pagina.verschil.groep.eachLayer((g) => g.eachLayer((l) => {
          if (l.feature.properties.nr === nr) l.openPopup(); }))""",
        face["properties"]["nr"],
    )
    popup = page.locator(".verschil-popup")
    p = face["properties"]
    expect(popup).to_contain_text(f"A: {p['aantal_a']} opgave")
    expect(popup).to_contain_text(f"B: {p['aantal_b']} opgave")
    if set(p["opgaven_b"]) - set(p["opgaven_a"]):
        expect(popup).to_contain_text("Hier in B, niet in A:")


def test_a_variant_against_the_register_and_the_url_as_state(
    browsing: Browsing, planner: Account, variant: dict[str, Any]
) -> None:
    base = browsing.base
    page = browsing.open(f"/gebieden/food-valley?variant={variant['id']}")
    page.locator("[data-variantbalk]").get_by_role("link", name="Vergelijken").click()
    page.wait_for_url(re.compile(r"/vergelijken\?"))
    browsing.wait_loaded()
    assert query(page) == {"a": ["huidig"], "b": [f"variant:{variant['id']}"]}
    situatie_b = page.get_by_label("Situatie", exact=True).nth(1)
    expect(situatie_b.locator("option:checked")).to_have_text(
        f'Variant "{variant["naam"]}" (concept)'
    )
    expect(page.locator("#kaartlabel-b")).to_contain_text(f'Variant "{variant["naam"]}"')
    weg = variant["weggelaten"]["properties"]["titel"]
    expect(page.locator('[data-opgaven="weggelaten"] tbody th')).to_have_text([weg])
    assert cell(page, "kerncijfers-tabel", "Opgaven", 3) == f"{MIN}1"
    assert count(page, f"{KAART_B} path.stapeling-vlak") == len(
        api(
            base,
            f"/api/v1/gebieden/food-valley/stapeling?variant={variant['id']}",
            token=planner.token,
        )["features"]
    )

    # Swapped, the URL follows; opened anew from that URL, the page is the same.
    page.get_by_role("button", name="A en B omwisselen").click()
    page.wait_for_url(re.compile(r"a=variant"))
    browsing.wait_loaded()
    assert query(page) == {"a": [f"variant:{variant['id']}"], "b": ["huidig"]}
    expect(page.locator('[data-opgaven="toegevoegd"] tbody th')).to_have_text([weg])
    gedeeld = page.url
    page = browsing.open(gedeeld.removeprefix(base))
    expect(page.get_by_label("Situatie", exact=True).first).to_have_value(
        f"variant:{variant['id']}"
    )
    expect(page.locator('[data-opgaven="toegevoegd"] tbody th')).to_have_text([weg])

    # A horizon out of range is named next to its field.
    browsing.journal.expected_statuses.add(400)
    horizon = page.get_by_label("Horizon tot en met").first
    horizon.fill("1800")
    expect(page.locator("#vergelijk-a_horizon-fout")).to_be_visible()
    expect(horizon).to_have_attribute("aria-invalid", "true")
    horizon.fill("")
    expect(page.locator("#vergelijk-a_horizon-fout")).to_be_hidden()


def test_a_variant_needs_an_account(browsing: Browsing, variant: dict[str, Any]) -> None:
    browsing.journal.expected_statuses.add(401)
    page = browsing.open(f"{VERGELIJKEN}?a=huidig&b=variant:{variant['id']}")
    expect(page.locator("[data-status]")).to_contain_text("U bent niet ingelogd.")
    expect(page.locator("[data-verschillen]")).to_contain_text("Niet vergeleken")
    expect(page.locator("#vergelijk-form")).to_contain_text(
        "Varianten vergelijken kan na inloggen."
    )


def test_on_a_phone_the_maps_are_one_above_the_other(browsing: Browsing) -> None:
    browsing.page.set_viewport_size({"width": 390, "height": 844})
    page = browsing.open(VERGELIJKEN + HORIZONNEN)
    a = page.locator(KAART_A).bounding_box()
    b = page.locator(KAART_B).bounding_box()
    assert a and b
    assert a["y"] + a["height"] <= b["y"] + 1
    assert a["height"] > 120 and b["height"] > 120
    assert a["width"] == b["width"] and a["x"] + a["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_unknown_gebied(browsing: Browsing) -> None:
    browsing.journal.expected_statuses.add(404)
    response = browsing.page.goto(browsing.base + "/gebieden/bestaat-niet/vergelijken")
    assert response is not None and response.status == 404


def test_every_field_has_a_name(browsing: Browsing, planner: Account) -> None:
    page = browsing.open(VERGELIJKEN + HORIZONNEN)
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
          .filter((f) => !f.labels.length && !f.getAttribute('aria-label'))
          .map((f) => f.outerHTML)"""
    )
    assert unnamed == []


def test_the_filters_apply_to_both_sides_and_are_in_the_url(browsing: Browsing) -> None:
    base = browsing.base
    page = browsing.open(VERGELIJKEN + HORIZONNEN)
    sectie = page.locator("#filters-sectie")
    expect(sectie).to_contain_text("Deze filters gelden voor beide situaties, A en B")
    expect(page.locator("[data-filters]")).to_have_text("Filters voor A en B: geen (alle opgaven).")
    alle = api(base, VERGELIJKING + HORIZONNEN + "&limit=0")
    assert cell(page, "kerncijfers-tabel", "Opgaven", 2) == str(
        alle["verschillen"]["aantal_opgaven"]["b"]
    )

    # A thema with opgaven in both, but not all of them: the tables must change.
    per_thema = {t["thema"]: t for t in alle["verschillen"]["per_thema"]}
    thema = max(per_thema, key=lambda code: per_thema[code]["b_ha"])
    naam = page.evaluate("(code) => Gebiedsregie.pagina.themas.get(code).naam", thema)
    sectie.get_by_label(naam, exact=True).check()
    page.wait_for_url(re.compile(r"thema="))
    browsing.wait_loaded()
    assert query(page) == {
        "a": ["huidig"],
        "a_horizon": ["2030"],
        "b": ["huidig"],
        "b_horizon": ["2040"],
        "thema": [thema],
    }
    gefilterd = api(base, f"{VERGELIJKING}{HORIZONNEN}&thema={thema}&limit=0")
    d = gefilterd["verschillen"]
    assert d["aantal_opgaven"] != alle["verschillen"]["aantal_opgaven"]
    assert cell(page, "kerncijfers-tabel", "Opgaven", 1) == str(d["aantal_opgaven"]["a"])
    assert cell(page, "kerncijfers-tabel", "Opgaven", 2) == str(d["aantal_opgaven"]["b"])
    expect(page.locator("table.thema-tabel tbody tr")).to_have_count(len(d["per_thema"]))
    assert [t["thema"] for t in d["per_thema"]] == [thema]
    expect(page.locator("[data-filters]")).to_have_text(f"Filters voor A en B: thema: {naam}.")
    expect(page.locator("#kaartlabel-a")).to_have_text(
        "A · Huidige situatie, horizon t/m 2030, met filters"
    )
    # Both maps show the stapeling of their side with the filter.
    for kant, kaart, horizon in (("a", KAART_A, 2030), ("b", KAART_B, 2040)):
        vlakken = api(
            base, f"/api/v1/gebieden/food-valley/stapeling?horizon={horizon}&thema={thema}"
        )
        assert count(page, f"{kaart} path.stapeling-vlak.kant-{kant}") == len(vlakken["features"])

    # A status as well; then the URL opened anew is the same comparison.
    sectie.get_by_label("Status").select_option("planvorming")
    page.wait_for_url(re.compile(r"status=planvorming"))
    browsing.wait_loaded()
    assert query(page)["status"] == ["planvorming"] and query(page)["thema"] == [thema]
    beide = api(base, f"{VERGELIJKING}{HORIZONNEN}&thema={thema}&status=planvorming&limit=0")
    opgaven = beide["verschillen"]["aantal_opgaven"]
    assert cell(page, "kerncijfers-tabel", "Opgaven", 2) == str(opgaven["b"])
    expect(page.locator("[data-filters]")).to_contain_text("status: Planvorming")
    page = browsing.open(page.url.removeprefix(base))
    expect(sectie.get_by_label(naam, exact=True)).to_be_checked()
    expect(sectie.get_by_label("Status")).to_have_value("planvorming")
    assert cell(page, "kerncijfers-tabel", "Opgaven", 1) == str(opgaven["a"])
    assert cell(page, "kerncijfers-tabel", "Opgaven", 2) == str(opgaven["b"])
    # Swapping the situations keeps the filters.
    page.get_by_role("button", name="A en B omwisselen").click()
    page.wait_for_url(re.compile(r"a_horizon=2040"))
    browsing.wait_loaded()
    assert query(page)["thema"] == [thema] and query(page)["status"] == ["planvorming"]
    assert cell(page, "kerncijfers-tabel", "Opgaven", 1) == str(opgaven["b"])

    # Wiped: all opgaven again, and nothing of the filters in the URL.
    sectie.get_by_role("button", name="Filters wissen").click()
    page.wait_for_url(lambda url: "thema=" not in url)
    browsing.wait_loaded()
    assert "thema" not in query(page) and "status" not in query(page)
    assert cell(page, "kerncijfers-tabel", "Opgaven", 2) == str(
        alle["verschillen"]["aantal_opgaven"]["a"]
    )
