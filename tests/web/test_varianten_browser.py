"""Variants on the gebied page (issue #16): choosing one, making one, and editing it only through
the variant's own endpoints, with the register left as it is."""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Request, ViewportSize, expect
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from tests.factories import TEST_SETTINGS, WACHTWOORD
from tests.web.conftest import Account, Browsing
from tests.web.test_browser import HIER, api, count, draw_polygon, square, start_drawing, zoom_to

FOOD_VALLEY = "/gebieden/food-valley"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
VIERKANT = {
    "type": "Polygon",
    "coordinates": [[[5.61, 52.0], [5.63, 52.0], [5.63, 52.01], [5.61, 52.01], [5.61, 52.0]]],
}


@pytest.fixture(scope="module")
def beheerder_token(live_sessions: sessionmaker[Session]) -> str:
    """A beheerder of the live app (its API token): to clean up what a planner may not."""
    with live_sessions() as session:
        gebruiker = auth_service.create_gebruiker(
            session, "web-varianten-beheerder", Rol.BEHEERDER, WACHTWOORD, TEST_SETTINGS
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    return value


@pytest.fixture
def writes(browsing: Browsing) -> list[Request]:
    """Every write the page sends to the API."""
    seen: list[Request] = []
    browsing.page.on("request", lambda r: seen.append(r) if r.method in WRITES else None)
    return seen


@pytest.fixture
def variant(
    browsing: Browsing, accounts: dict[str, Account], beheerder_token: str
) -> Iterator[dict[str, Any]]:
    """A variant of Food Valley made by the planner through the API (the browser is not
    logged in by it), deleted afterwards by a beheerder, whatever its status then."""
    made: dict[str, Any] = api(
        browsing.base,
        "/api/v1/gebieden/food-valley/varianten",
        "POST",
        {"naam": f"Proef {uuid.uuid4().hex[:6]}", "beschrijving": "Voor de browsertest."},
        token=accounts["planner"].token,
    )
    yield made
    url = f"/api/v1/varianten/{made['id']}"
    # Only a variant that may be edited is deleted: a beheerder reopens it first.
    api(browsing.base, url, "PATCH", {"status": "concept"}, token=beheerder_token)
    api(browsing.base, url, "DELETE", token=beheerder_token)


def samenvatting(
    base: str, variant_id: str | None = None, token: str | None = None
) -> dict[str, Any]:
    """The samenvatting of the register, or of a variant (which needs a `token`)."""
    query = f"?variant={variant_id}" if variant_id else ""
    result: dict[str, Any] = api(
        base, f"/api/v1/gebieden/food-valley/stapeling/samenvatting{query}", token=token
    )
    return result


def variant_opgaven(base: str, token: str, variant_id: str) -> list[dict[str, Any]]:
    page = api(
        base, f"/api/v1/varianten/{variant_id}/opgaven?weggelaten=true&limit=1000", token=token
    )
    features: list[dict[str, Any]] = page["features"]
    return features


def register_writes(writes: list[Request]) -> list[str]:
    """The writes that reached the register's endpoints (anything but a variant's)."""
    return [
        f"{r.method} {r.url}"
        for r in writes
        if "/varianten" not in r.url and not r.url.endswith("/opgaven/ligging")
    ]


def shown_opgaven(page: Page) -> int:
    return int(page.locator('[data-samenvatting] [data-cijfer="Opgaven"]').inner_text())


def test_a_planner_makes_a_variant_leaves_out_and_draws_without_touching_the_register(
    browsing: Browsing, planner: Account, writes: list[Request], beheerder_token: str
) -> None:
    base = browsing.base
    register_before = api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
    aantal = samenvatting(base)["aantal_opgaven"]
    page = browsing.open(FOOD_VALLEY)
    kop_kleur = page.locator(".kop").evaluate("(k) => getComputedStyle(k).backgroundColor")
    expect(page.locator("[data-variantbalk]")).to_be_hidden()

    # Nieuwe variant: a small modal dialog, the focus in its first field.
    knop = page.get_by_role("button", name="Nieuwe variant")
    expect(knop).to_have_attribute("aria-haspopup", "dialog")
    knop.click()
    dialoog = page.get_by_role("dialog", name="Nieuwe variant")
    expect(dialoog).to_be_visible()
    expect(dialoog.get_by_label("Naam")).to_be_focused()
    page.keyboard.press("Escape")  # closes, and the focus goes back
    expect(dialoog).to_be_hidden()
    expect(knop).to_be_focused()
    knop.click()
    naam = f"Zonder beek {uuid.uuid4().hex[:6]}"
    dialoog.get_by_label("Naam").fill(naam)
    dialoog.get_by_label("Beschrijving").fill("Wat als het beekherstel niet doorgaat?")
    dialoog.get_by_role("button", name="Variant maken").click()
    expect(dialoog).to_be_hidden()
    page.wait_for_url(re.compile(r"variant="))
    browsing.wait_loaded()
    variant_id = page.evaluate("() => Gebiedsregie.pagina.variant.id")
    try:
        assert f"variant={variant_id}" in page.url
        # Clearly a variant: the banner, another accent, the choice in the selector.
        balk = page.locator("[data-variantbalk]")
        expect(balk).to_contain_text(f'Je bewerkt variant "{naam}"')
        expect(balk.locator(".variantstatus")).to_have_text("concept")
        assert (
            page.locator(".kop").evaluate("(k) => getComputedStyle(k).backgroundColor") != kop_kleur
        )
        keuze = page.get_by_label("Kaart, samenvatting en tabel tonen")
        expect(keuze).to_have_value(variant_id)
        expect(keuze.locator("option:checked")).to_have_text(f"{naam} (concept)")
        expect(page.locator("[data-variant-info] h2")).to_have_text(f'Variant "{naam}"')
        assert shown_opgaven(page) == aantal

        # Leave an opgave out from its popup: a PUT to the variant, the map and figures follow.
        weg = register_before[0]
        page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", weg["id"])
        popup = page.locator(".opgave-popup")
        expect(popup.locator(".variant-merk")).to_have_text("Als in de huidige situatie")
        expect(popup.get_by_role("button", name="Bewerken", exact=True)).to_have_count(0)
        with page.expect_request(lambda r: r.method == "PUT") as put:
            popup.get_by_role("button", name="Weglaten").click()
        assert put.value.url.endswith(f"/api/v1/varianten/{variant_id}/opgaven/{weg['id']}")
        assert put.value.post_data_json == {"weggelaten": True}
        expect(page.locator("[data-status]")).to_contain_text(
            f'Opgave "{weg["properties"]["titel"]}" weggelaten'
        )
        browsing.wait_loaded()
        assert samenvatting(base, variant_id, planner.token)["aantal_opgaven"] == aantal - 1
        expect(page.locator('[data-samenvatting] [data-cijfer="Opgaven"]')).to_have_text(
            str(aantal - 1)
        )
        assert count(page, "path.opgave") == aantal - 1
        assert count(page, "path.variant-weggelaten") == 1  # still drawn, as counting nowhere
        weggelaten = page.locator('[data-wijzigingen="weggelaten"] li')
        expect(weggelaten).to_have_count(1)
        expect(weggelaten).to_contain_text(weg["properties"]["titel"])
        expect(page.locator(".legenda")).to_contain_text("Weggelaten (telt niet mee)")

        # Draw a new opgave: it exists in the variant only.
        zoom_to(page, *HIER, 14)
        start_drawing(page, "opgave", "Polygon")
        draw_polygon(page, square(*HIER, 0.004))
        form = page.locator("#opgave-form")
        expect(form.locator("[data-formtitel]")).to_have_text(f'Nieuwe opgave in variant "{naam}"')
        titel = f"Alleen in variant {uuid.uuid4().hex[:6]}"
        form.get_by_label("Titel").fill(titel)
        form.get_by_label("Thema").select_option("natuur")
        with page.expect_request(lambda r: r.method == "POST" and "/varianten/" in r.url) as post:
            form.get_by_role("button", name="Opslaan").click()
        assert post.value.url.endswith(f"/api/v1/varianten/{variant_id}/opgaven")
        expect(form).to_be_hidden()
        expect(page.locator("[data-status]")).to_contain_text(
            f'Opgave "{titel}" opgeslagen in variant'
        )
        browsing.wait_loaded()
        in_variant = {
            o["properties"]["titel"]: o["properties"]["variant_wijziging"]
            for o in variant_opgaven(base, planner.token, variant_id)
        }
        assert in_variant[titel] == "nieuw"
        assert in_variant[weg["properties"]["titel"]] == "weggelaten"
        assert count(page, "path.variant-nieuw") == 1
        expect(page.locator('[data-wijzigingen="nieuw"] li')).to_contain_text(titel)

        # Terugzetten from the panel: the opgave counts again.
        weggelaten.get_by_role("button", name=f"Terugzetten: {weg['properties']['titel']}").click()
        expect(page.locator('[data-wijzigingen="weggelaten"]')).to_have_count(0)
        browsing.wait_loaded()
        assert count(page, "path.variant-weggelaten") == 0
        assert samenvatting(base, variant_id, planner.token)["aantal_opgaven"] == aantal + 1

        # Back to the register: as it was, nothing written to it.
        page.get_by_role("button", name="Naar de huidige situatie").click()
        browsing.wait_loaded()
        expect(page.locator("[data-variantbalk]")).to_be_hidden()
        assert "variant=" not in page.url
        expect(keuze).to_have_value("")
        assert count(page, "path.opgave") == aantal
        assert shown_opgaven(page) == aantal
        register_after = api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
        assert register_after == register_before
        assert samenvatting(base)["aantal_opgaven"] == aantal
        assert register_writes(writes) == []
    finally:
        api(base, f"/api/v1/varianten/{variant_id}", "DELETE", token=beheerder_token)


def test_a_changed_opgave_is_marked_and_the_table_shows_the_variant(
    browsing: Browsing, planner: Account, variant: dict[str, Any], writes: list[Request]
) -> None:
    base = browsing.base
    opgave = api(base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"][1]
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    expect(page.locator("[data-variantbalk]")).to_contain_text(
        f'Je bewerkt variant "{variant["naam"]}"'
    )
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave["id"])
    page.locator(".opgave-popup").get_by_role("button", name="Wijzigen in variant").click()
    form = page.locator("#opgave-form")
    expect(form.get_by_label("Titel")).to_have_value(opgave["properties"]["titel"])
    form.get_by_label("Horizon (jaar)").fill("2049")
    with page.expect_request(lambda r: r.method == "PUT") as put:
        form.get_by_role("button", name="Opslaan").click()
    assert put.value.url.endswith(f"/api/v1/varianten/{variant['id']}/opgaven/{opgave['id']}")
    assert "if-match" not in put.value.headers  # the first change of it: nothing to match
    expect(form).to_be_hidden()
    expect(page.locator("[data-status]")).to_contain_text("opgeslagen in variant")
    browsing.wait_loaded()
    assert count(page, "path.variant-gewijzigd") == 1
    expect(page.locator(".legenda")).to_contain_text("Gewijzigd in de variant")
    expect(page.locator('[data-wijzigingen="gewijzigd"] li')).to_contain_text(
        opgave["properties"]["titel"]
    )
    # The register's opgave is as it was.
    assert api(base, f"/api/v1/opgaven/{opgave['id']}")["properties"] == opgave["properties"]

    # The table is the variant's: its horizon, and what the variant does.
    page.get_by_role("button", name="Tabel tonen").click()
    vak = page.locator("#tabelvak")
    expect(vak.locator("[data-tabel-telling]")).to_contain_text(f'variant "{variant["naam"]}"')
    rij = vak.locator(f'tbody tr[data-opgave="{opgave["id"]}"]')
    expect(rij).to_contain_text("2049")
    expect(rij).to_contain_text("gewijzigd")
    expected = len(
        [
            o
            for o in variant_opgaven(base, planner.token, variant["id"])
            if o["properties"]["variant_wijziging"] != "weggelaten"
        ]
    )
    expect(vak.locator("tbody tr")).to_have_count(expected)

    # A second edit names the change's versie; Terugdraaien undoes the change.
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave["id"])
    popup = page.locator(".opgave-popup")
    expect(popup.locator(".variant-merk")).to_have_text("Gewijzigd in deze variant")
    with page.expect_request(lambda r: r.method == "DELETE") as delete:
        popup.get_by_role("button", name="Terugdraaien").click()
    assert delete.value.headers["if-match"] == '"1"'
    expect(page.locator("[data-status]")).to_contain_text("weer als in de huidige situatie")
    browsing.wait_loaded()
    assert count(page, "path.variant-gewijzigd") == 0
    expect(vak.locator(f'tbody tr[data-opgave="{opgave["id"]}"]')).not_to_contain_text("2049")
    assert register_writes(writes) == []


def test_the_register_changed_since_is_shown_and_followed(
    browsing: Browsing, planner: Account, variant: dict[str, Any]
) -> None:
    base = browsing.base
    nieuw = api(
        base,
        "/api/v1/opgaven",
        "POST",
        {
            "type": "Feature",
            "geometry": VIERKANT,
            "properties": {
                "titel": "Later in het register",
                "thema": "natuur",
                "trekker": "provincie",
                "status": "verkenning",
            },
        },
        token=planner.token,
    )
    try:
        page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
        expect(page.locator("[data-variantbalk]")).to_contain_text(
            "Het register is gewijzigd sinds deze variant is gemaakt (1 opgave)."
        )
        melding = page.locator("[data-register-gewijzigd]")
        expect(melding).to_contain_text("Later in het register nieuw in het gebied")
        # The variant did not change it: it follows the register.
        assert (
            count(page, "path.opgave")
            == samenvatting(base, variant["id"], planner.token)["aantal_opgaven"]
        )
        assert nieuw["id"] in page.evaluate("() => [...Gebiedsregie.pagina.opgaven.keys()]")
    finally:
        api(base, f"/api/v1/opgaven/{nieuw['id']}", method="DELETE", token=planner.token)


def test_a_rejected_variant_is_read_only(
    browsing: Browsing, planner: Account, variant: dict[str, Any], writes: list[Request]
) -> None:
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    status = page.get_by_label("Status van de variant")
    expect(status.locator("option")).to_have_text(["concept", "voorgelegd", "verworpen"])
    status.select_option("verworpen")
    with page.expect_request(lambda r: r.method == "PATCH") as patch:
        page.get_by_role("button", name="Status wijzigen").click()
    assert patch.value.headers["if-match"] == f'"{variant["versie"]}"'
    balk = page.locator("[data-variantbalk]")
    expect(balk).to_contain_text(f'Je bekijkt variant "{variant["naam"]}"')
    expect(balk).to_contain_text("verworpen, niet meer te bewerken")
    expect(
        page.get_by_label("Kaart, samenvatting en tabel tonen").locator("option:checked")
    ).to_have_text(f"{variant['naam']} (verworpen)")
    expect(page.locator("#bewerken")).to_be_hidden()
    expect(page.get_by_role("button", name="Variant verwijderen")).to_have_count(0)
    opgave = next(iter(page.evaluate("() => [...Gebiedsregie.pagina.opgaven.keys()]")))
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave)
    expect(page.locator(".opgave-popup .variant-merk")).to_be_visible()
    expect(page.locator(".opgave-popup button:not(.leaflet-popup-close-button)")).to_have_text(
        ["Wijzigingen tonen"]
    )
    assert [r.method for r in writes] == ["PATCH"]


def test_a_lezer_sees_variants_and_anonymous_users_are_told_to_log_in(
    browsing: Browsing, log_in: Any, variant: dict[str, Any]
) -> None:
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    # Anonymous: the register, and why.
    balk = page.locator("[data-variantbalk]")
    expect(balk).to_contain_text("een variant is alleen te zien na inloggen")
    expect(balk.get_by_role("link", name="Inloggen")).to_be_visible()
    expect(page.locator("body")).not_to_have_class(re.compile("in-variant"))
    expect(page.locator("#situatie")).to_contain_text(
        "Varianten bekijken en maken kan na inloggen."
    )
    expect(page.get_by_role("link", name="Vergelijk 2030 met 2040")).to_be_visible()

    log_in("lezer")
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    expect(page.locator("[data-variantbalk]")).to_contain_text(
        f'Je bekijkt variant "{variant["naam"]}"'
    )
    expect(page.locator("[data-variantbalk]")).to_contain_text("alleen lezen")
    expect(page.get_by_role("button", name="Nieuwe variant")).to_have_count(0)
    expect(page.get_by_label("Status van de variant")).to_have_count(0)
    # The selector goes back to the register.
    page.get_by_label("Kaart, samenvatting en tabel tonen").select_option("")
    page.wait_for_url(re.compile(r"^(?!.*variant=)"))
    browsing.wait_loaded()
    expect(page.locator("[data-variantbalk]")).to_be_hidden()
    expect(page.locator("body")).not_to_have_class(re.compile("in-variant"))


def test_the_filters_keep_the_variant_in_the_url(
    browsing: Browsing, planner: Account, variant: dict[str, Any]
) -> None:
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    page.locator('#filters input[name="thema"][value="natuur"]').check()
    page.wait_for_url(re.compile(r"thema=natuur"))
    browsing.wait_loaded()
    assert f"variant={variant['id']}" in page.url
    expected = api(
        browsing.base,
        f"/api/v1/gebieden/food-valley/stapeling/samenvatting?variant={variant['id']}&thema=natuur",
        token=planner.token,
    )
    expect(page.locator('[data-samenvatting] [data-cijfer="Opgaven"]')).to_have_text(
        str(expected["aantal_opgaven"])
    )
    # Vergelijken, from the banner: the register against this variant.
    link = page.locator("[data-variantbalk]").get_by_role("link", name="Vergelijken")
    assert link.get_attribute("href") == (
        f"/gebieden/food-valley/vergelijken?a=huidig&b=variant%3A{variant['id']}"
    )


def test_the_banner_on_a_phone(
    browsing: Browsing, planner: Account, variant: dict[str, Any]
) -> None:
    viewport: ViewportSize = {"width": 390, "height": 844}
    browsing.page.set_viewport_size(viewport)
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    balk = page.locator("[data-variantbalk]")
    expect(balk).to_be_visible()
    banner = balk.bounding_box()
    kaart = page.locator(".folium-map").bounding_box()
    assert banner and kaart
    assert banner["y"] + banner["height"] <= kaart["y"] + 1  # above the map, not over it
    assert banner["x"] >= 0 and banner["x"] + banner["width"] <= viewport["width"]
    assert kaart["height"] > 200
