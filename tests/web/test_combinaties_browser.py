"""Koppelkansen en conflicten in the browser (issue #17): the gebied page's map mode colours the
faces by conflict, koppelkans, both or neither, with its legend and popups naming the pairs;
the page /combinaties shows the matrices and lets a beheerder change them (If-Match)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.access import SESSIE_COOKIE
from gebiedsregie.auth.models import Rol
from tests.factories import TEST_SETTINGS, WACHTWOORD
from tests.web.conftest import Account, Browsing
from tests.web.test_browser import api

SCREENSHOTS = Path("/tmp/gebiedsregie-screenshots")
FOOD_VALLEY = "/gebieden/food-valley"
KINDS = ("conflict", "beide", "koppelkans", "geen")


def _kind(properties: dict[str, Any]) -> str:
    conflict, koppel = bool(properties["conflicten"]), bool(properties["koppelkansen"])
    return (
        "beide"
        if conflict and koppel
        else "conflict"
        if conflict
        else "koppelkans"
        if koppel
        else "geen"
    )


def _put(base: str, token: str, body: dict[str, Any], versie: int) -> Any:
    """PUT the matrices through the API (with the ETag `versie`)."""
    request = Request(base + "/api/v1/combinaties", data=json.dumps(body).encode(), method="PUT")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("If-Match", f'"{versie}"')
    with urlopen(request) as response:
        return json.loads(response.read())


def _body(stand: dict[str, Any], **set_fields: Any) -> dict[str, Any]:
    return {
        "thema_thema": stand["thema_thema"],
        "thema_laag": stand["thema_laag"],
        "voorbeeld": stand["voorbeeld"],
        "toelichting": stand["toelichting"],
        **set_fields,
    }


@pytest.fixture(scope="module")
def beheerder(live_sessions: sessionmaker[Session]) -> Account:
    with live_sessions() as session:
        gebruiker = auth_service.create_gebruiker(
            session, "web-combinaties-beheerder", Rol.BEHEERDER, WACHTWOORD, TEST_SETTINGS
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    return Account(gebruiker.naam, value)


@pytest.fixture
def matrices_back(browsing: Browsing, beheerder: Account) -> Iterator[dict[str, Any]]:
    """The matrices as they were; put back afterwards, whatever the test changed."""
    before: dict[str, Any] = api(browsing.base, "/api/v1/combinaties")
    yield before
    now = api(browsing.base, "/api/v1/combinaties")
    if now["versie"] != before["versie"]:
        _put(browsing.base, beheerder.token, _body(before), now["versie"])


def _log_in(browsing: Browsing, live_sessions: sessionmaker[Session], naam: str) -> None:
    with live_sessions() as session:
        gebruiker = auth_service.get_gebruiker(session, naam)
        value, _csrf = auth_service.create_sessie(session, gebruiker, TEST_SETTINGS)
    browsing.page.context.add_cookies(
        [{"name": SESSIE_COOKIE, "value": value, "url": browsing.base, "httpOnly": True}]
    )


def shoot(page: Page, name: str) -> None:
    """A screenshot to look at (not compared)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_the_conflict_mode_colours_faces_by_kind(browsing: Browsing) -> None:
    page = browsing.open(f"{FOOD_VALLEY}?weergave=conflicten")
    expect(page.locator('[data-kaartweergave] input[value="conflicten"]')).to_be_checked()
    faces = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling")["features"]
    expected = {k: sum(1 for f in faces if _kind(f["properties"]) == k) for k in KINDS}
    assert expected["conflict"] + expected["beide"] > 0 and expected["koppelkans"] > 0
    for kind, n in expected.items():
        assert page.locator(f"path.combinatie-{kind}").count() == n, kind
    assert page.locator("path.stapeling-vlak").count() == 0  # the depths are off the map

    legend = page.locator(".legenda-combinaties")
    expect(legend).to_contain_text("Conflicten en koppelkansen (voorbeeld)")
    for label in ("Conflict", "Koppelkans", "Geen van beide"):
        expect(legend).to_contain_text(label)
    expect(page.locator(".legenda-diepten")).to_have_count(0)

    # The panel: hectares, the voorbeeld label, and the faces with most conflict.
    page.locator("#combinaties-sectie summary").click()
    shoot(page, "conflicten-gebied.png")
    samen = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")["combinaties"]
    section = page.locator("#combinaties-sectie")
    expect(section.locator("[data-voorbeeld]")).to_contain_text(
        "Voorbeeld; stel vast per provincie"
    )
    shown = section.locator('[data-cijfer="In conflict"]').inner_text()
    assert shown == f"{round(samen['conflict_ha']):,} ha".replace(",", ".")
    assert section.locator("[data-knelpunten] tbody tr").count() == min(
        10, len(samen["knelpunten"])
    )

    # A popup names the pairs and their reden (of the matrices).
    section.locator("[data-conflict-hotspots] button").first.click()
    popup = page.locator(".leaflet-popup .combinatie-popup")
    expect(popup).to_be_visible()
    spot = samen["hotspots"][0]
    expect(popup.locator(".conflicten")).to_be_visible()
    expect(popup.locator(".conflicten li")).to_have_count(len(spot["conflicten"]))
    expect(popup.locator(".conflicten .reden").first).not_to_be_empty()
    assert "\u2013" in popup.locator(".conflicten li strong").first.inner_text()
    shoot(page, "conflicten-kaart.png")

    # Back to the depths: the legend follows, the URL forgets the mode.
    page.keyboard.press("Escape")
    page.locator('[data-kaartweergave] input[value="stapeling"]').check()
    expect(page.locator(".legenda-diepten")).to_be_visible()
    expect(page.locator(".legenda-combinaties")).to_have_count(0)
    assert page.locator("path.combinatie-vlak").count() == 0
    assert "weergave" not in page.url


def test_a_lezer_reads_the_matrices(browsing: Browsing, log_in: Any) -> None:
    log_in("lezer")
    page = browsing.open("/combinaties")
    stand = api(browsing.base, "/api/v1/combinaties")
    themas = len(stand["themas"])
    assert page.locator('[data-matrix="thema"] button.cel').count() == themas * themas
    assert page.locator('[data-matrix="laag"] button.cel').count() == themas * len(stand["lagen"])
    expect(page.locator("[data-alleen-lezen]")).to_be_visible()
    expect(page.locator("#cel-form")).to_have_count(0)
    page.locator('[data-cel="t|natuur|wonen"]').first.click()
    expect(page.locator("[data-cel-reden]")).to_contain_text("conflict")


def test_a_beheerder_changes_a_cell(
    browsing: Browsing,
    beheerder: Account,
    live_sessions: sessionmaker[Session],
    matrices_back: dict[str, Any],
) -> None:
    _log_in(browsing, live_sessions, beheerder.naam)
    page = browsing.open("/combinaties")
    expect(page.locator("[data-voorbeeld]")).to_be_visible()
    cel = page.locator('[data-cel="t|natuur|wonen"]').first
    expect(cel).to_have_class("cel waarde-conflict")
    cel.click()
    page.locator('#cel-form input[value="koppelkans"]').check()
    page.locator("#cel-form input[name=reden]").fill("Natuurinclusief bouwen aan de rand.")
    page.locator("#cel-form button[type=submit]").click()
    # Both halves of the square show the pair, changed and not yet saved.
    expect(page.locator('[data-cel="t|natuur|wonen"].gewijzigd.waarde-koppelkans')).to_have_count(2)
    expect(page.locator("[data-wijzigingen]")).to_contain_text("1 cel gewijzigd")
    shoot(page, "combinaties-beheer.png")

    page.locator("[data-opslaan]").click()
    expect(page.locator("#opslaan-form [data-formfout]")).to_contain_text("Opgeslagen als versie")
    stand = api(browsing.base, "/api/v1/combinaties")
    assert stand["versie"] == matrices_back["versie"] + 1
    cells = {(c["thema_a"], c["thema_b"]): c for c in stand["thema_thema"]}
    assert cells[("natuur", "wonen")]["waarde"] == "koppelkans"
    expect(page.locator('[data-cel="t|natuur|wonen"].gewijzigd')).to_have_count(0)

    # Someone else saves meanwhile: the page says so and keeps the edit (412).
    _put(
        browsing.base,
        beheerder.token,
        _body(stand, toelichting="Door een collega."),
        stand["versie"],
    )
    browsing.journal.expected_statuses.add(412)
    page.locator('[data-cel="t|energie|wonen"]').first.click()
    page.locator('#cel-form input[value="neutraal"]').check()
    page.locator("#cel-form button[type=submit]").click()
    page.locator("[data-opslaan]").click()
    refusal = page.locator("#opslaan-form [data-formfout]")
    expect(refusal).to_contain_text("Intussen heeft iemand anders")
    expect(page.locator('[data-cel="t|energie|wonen"].gewijzigd')).to_have_count(2)
    refusal.locator("button").click()
    expect(page.locator("[data-versie]")).to_contain_text(f"Versie {stand['versie'] + 1}")


def test_the_matrices_page_needs_no_login_to_read(browsing: Browsing) -> None:
    page = browsing.open("/combinaties")
    expect(page.locator("[data-alleen-lezen]")).to_contain_text("inloggen")
    try:
        urlopen(Request(browsing.base + "/api/v1/combinaties", method="PUT", data=b"{}"))
    except HTTPError as error:
        assert error.code in (401, 428)
