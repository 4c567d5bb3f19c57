"""Accounts on the map pages: logging in and out, tools for planners only, CSRF on writes,
and two planners editing the same opgave or gebied without losing a change (If-Match, 412)."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gebiedsregie.auth.access import SESSIE_COOKIE
from tests.factories import WACHTWOORD
from tests.web.conftest import Account, Browsing
from tests.web.test_browser import api, click, count, start_drawing, zoom_to

# A small square in Food Valley, clear of the voorbeeld opgaven's titles (CRS84).
VIERKANT = {
    "type": "Polygon",
    "coordinates": [[[5.61, 52.0], [5.63, 52.0], [5.63, 52.01], [5.61, 52.01], [5.61, 52.0]]],
}


def new_opgave(base: str, token: str, titel: str) -> dict[str, Any]:
    body = {
        "type": "Feature",
        "geometry": VIERKANT,
        "properties": {
            "titel": titel,
            "thema": "natuur",
            "trekker": "provincie",
            "status": "verkenning",
        },
    }
    created: dict[str, Any] = api(base, "/api/v1/opgaven", "POST", body, token=token)
    return created


def open_for_editing(page: Page, opgave_id: str) -> None:
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave_id)
    page.locator(".opgave-popup").get_by_role("button", name="Bewerken").click()


def test_logging_in_and_out_through_the_form(
    browsing: Browsing, accounts: dict[str, Account]
) -> None:
    account = accounts["inlogger"]
    browsing.journal.expected_statuses.add(401)  # the wrong password's answer
    page = browsing.open("/gebieden/food-valley")
    expect(page.locator("[data-tekenhint]")).to_be_visible()
    page.locator(".kop").get_by_role("link", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/inloggen\?volgende=/gebieden/food-valley$"))

    page.get_by_label("Gebruikersnaam").fill(account.naam)
    page.get_by_label("Wachtwoord").fill("niet het goede wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator("#inlogfout")).to_have_text(
        "Onbekende gebruikersnaam of onjuist wachtwoord."
    )
    expect(page.get_by_label("Gebruikersnaam")).to_have_value(account.naam)

    page.get_by_label("Wachtwoord").fill(WACHTWOORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(browsing.base + "/gebieden/food-valley")
    browsing.wait_loaded()
    expect(page.locator(".kop .gebruiker-naam")).to_have_text(f"{account.naam} (planner)")
    assert page.locator('meta[name="gebruiker-rol"]').get_attribute("content") == "planner"
    expect(page.locator('[data-teken="opgave"]')).to_have_count(3)
    expect(page.locator("[data-tekenhint]")).to_have_count(0)

    page.locator(".kop").get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(browsing.base + "/")
    browsing.wait_loaded()
    expect(page.locator(".kop").get_by_role("link", name="Inloggen")).to_be_visible()
    expect(page.locator(".kop .gebruiker-naam")).to_have_count(0)
    expect(page.locator('[data-teken="gebied"]')).to_have_count(0)
    expect(page.locator("[data-tekenhint]")).to_be_visible()
    # The session is over on the server too: back on the gebied page, still no tools.
    browsing.open("/gebieden/food-valley")
    expect(page.locator('[data-teken="opgave"]')).to_have_count(0)


@pytest.mark.parametrize("rol", ["anoniem", "lezer"])
def test_without_planner_rights_the_map_reads_but_draws_nothing(
    browsing: Browsing, log_in: Callable[[str], Account], rol: str
) -> None:
    if rol != "anoniem":
        log_in(rol)
    page = browsing.open("/")
    expect(page.locator('[data-teken="gebied"]')).to_have_count(0)
    expect(page.locator("#gebied-form")).to_have_count(0)
    expect(page.locator("[data-tekenhint]")).to_contain_text("Log in als planner om te tekenen")

    page = browsing.open("/gebieden/food-valley")
    assert count(page, "path.opgave") > 0 and count(page, "path.stapeling-vlak") > 0
    for selector in ('[data-teken="opgave"]', "#opgave-form", "#gebied-form", "#bewerken"):
        expect(page.locator(selector)).to_have_count(0)
    hint = page.locator("[data-tekenhint]")
    expect(hint).to_contain_text("Log in als planner om te tekenen")
    if rol == "lezer":
        expect(hint).to_contain_text("U bent ingelogd als lezer.")
        expect(page.locator(".kop .gebruiker-naam")).to_have_text("web-lezer (lezer)")
    link = hint.get_by_role("link", name="Inloggen")
    assert link.get_attribute("href") == "/inloggen?volgende=/gebieden/food-valley"
    # Popups show the opgave, without Bewerken or Verwijderen.
    opgave = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1")["features"][0]
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave["id"])
    expect(page.locator(".opgave-popup h3")).to_have_text(opgave["properties"]["titel"])
    for naam in ("Bewerken", "Verwijderen"):
        expect(page.locator(".opgave-popup").get_by_role("button", name=naam)).to_have_count(0)
    # Filters and "Wat stapelt hier?" work (a POST: logged in, it carries the CSRF token).
    page.locator('#filters input[name="thema"][value="natuur"]').check()
    page.wait_for_url(re.compile(r"thema=natuur"))
    browsing.wait_loaded()
    zoom_to(page, 52.03, 5.66, 12)
    start_drawing(page, "adhoc", "Circle")
    click(page, 52.03, 5.66)
    click(page, 52.03, 5.70)
    expect(page.locator("#adhoc-resultaat h3").first).to_have_text("In het getekende vlak")
    expect(page.locator("[data-adhoc-fout]")).to_be_hidden()


def test_a_write_without_the_csrf_token_is_refused(browsing: Browsing, planner: Account) -> None:
    browsing.journal.expected_statuses.add(403)
    page = browsing.open("/gebieden/food-valley")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert csrf
    titel = f"CSRF-proef {uuid.uuid4().hex[:6]}"
    body = {
        "type": "Feature",
        "geometry": VIERKANT,
        "properties": {
            "titel": titel,
            "thema": "natuur",
            "trekker": "rijk",
            "status": "verkenning",
        },
    }
    answers = page.evaluate(
        """async ({ body, csrf }) => {
          const send = async (extra) => {
            const response = await fetch("/api/v1/opgaven", {
              method: "POST",
              headers: { "Content-Type": "application/geo+json", ...extra },
              body: JSON.stringify(body),
            });
            return [response.status, await response.json()];
          };
          return [
            await send({}),
            await send({ "X-CSRF-Token": "verkeerd" }),
            await send({ "X-CSRF-Token": csrf }),
          ];
        }""",
        {"body": body, "csrf": csrf},
    )
    (missing, missing_body), (wrong, wrong_body), (right, created) = answers
    assert missing == wrong == 403
    assert "CSRF-token" in missing_body["detail"] and "CSRF-token" in wrong_body["detail"]
    assert right == 201  # the same request with the page's token
    stored = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
    assert [o["id"] for o in stored if o["properties"]["titel"] == titel] == [created["id"]]
    api(browsing.base, f"/api/v1/opgaven/{created['id']}", "DELETE", token=planner.token)


def test_a_conflicting_edit_is_shown_and_no_write_is_lost(
    browsing: Browsing, planner: Account, accounts: dict[str, Account]
) -> None:
    base = browsing.base
    collega = accounts["collega"]
    created = new_opgave(base, collega.token, f"Conflictproef {uuid.uuid4().hex[:6]}")
    opgave_url = f"/api/v1/opgaven/{created['id']}"
    browsing.journal.expected_statuses.add(412)
    page = browsing.open("/gebieden/food-valley")
    # The planner opens the opgave (versie 1) for editing...
    open_for_editing(page, created["id"])
    form = page.locator("#opgave-form")
    expect(form.get_by_label("Titel")).to_have_value(created["properties"]["titel"])
    # ...meanwhile a colleague changes it through the API...
    changed = {
        "type": "Feature",
        "properties": {"titel": "Door de collega", "status": "uitvoering"},
    }
    api(base, opgave_url, "PATCH", changed, token=collega.token, headers={"If-Match": '"1"'})
    # ...and then the planner saves.
    form.get_by_label("Titel").fill("Door de planner")
    form.get_by_label("Horizon (jaar)").fill("2040")
    form.get_by_role("button", name="Opslaan").click()

    melding = form.locator("[data-formfout]")
    expect(melding).to_contain_text("Deze opgave is intussen door iemand anders gewijzigd")
    expect(melding).to_contain_text("web-collega, versie 2")
    verschillen = melding.locator(".verschillen li")
    expect(verschillen).to_have_count(2)
    expect(verschillen.nth(0)).to_have_text('Titel: "Door de collega" (u: "Door de planner")')
    expect(verschillen.nth(1)).to_have_text("Status: Uitvoering")
    # Nothing the planner typed or drew is lost, and nothing of the colleague's overwritten.
    expect(form.get_by_label("Titel")).to_have_value("Door de planner")
    expect(form.get_by_label("Horizon (jaar)")).to_have_value("2040")
    assert count(page, ".leaflet-tekenen-pane path") == 1
    stored = api(base, opgave_url)
    assert stored["properties"]["titel"] == "Door de collega"
    assert stored["properties"]["versie"] == 2

    # The planner chooses the new versie; it replaces the edit.
    melding.get_by_role("button", name="Nieuwe versie laden").click()
    expect(form.get_by_label("Titel")).to_have_value("Door de collega")
    expect(form.get_by_label("Status")).to_have_value("uitvoering")
    expect(form.get_by_label("Horizon (jaar)")).to_have_value("")
    expect(melding).to_have_text("Versie 2 geladen. Breng uw wijziging opnieuw aan en sla op.")
    browsing.wait_loaded()
    # Applied again to the new versie, the change saves.
    form.get_by_label("Horizon (jaar)").fill("2040")
    form.get_by_role("button", name="Opslaan").click()
    expect(form).to_be_hidden()
    expect(page.locator("[data-status]")).to_contain_text('Opgave "Door de collega" opgeslagen')

    stored = api(base, opgave_url)
    assert stored["properties"]["titel"] == "Door de collega"
    assert stored["properties"]["status"] == "uitvoering"
    assert stored["properties"]["horizon"] == 2040
    assert stored["properties"]["versie"] == 3
    # The audit trail has every write, each by whom made it, each on the one before.
    historie = api(base, f"{opgave_url}/historie", token=planner.token)["wijzigingen"]
    assert [(h["versie"], h["actie"], h["door"]) for h in historie] == [
        (3, "gewijzigd", planner.naam),
        (2, "gewijzigd", collega.naam),
        (1, "aangemaakt", collega.naam),
    ]
    assert "horizon" in historie[0]["gewijzigde_velden"]
    assert "titel" not in historie[0]["gewijzigde_velden"]
    assert {"titel", "status"} <= set(historie[1]["gewijzigde_velden"])
    api(base, opgave_url, "DELETE", token=planner.token)


def test_an_opgave_deleted_or_changed_meanwhile(
    browsing: Browsing, planner: Account, accounts: dict[str, Account]
) -> None:
    base = browsing.base
    collega = accounts["collega"]
    weg = new_opgave(base, collega.token, f"Verdwijnt {uuid.uuid4().hex[:6]}")
    anders = new_opgave(base, collega.token, f"Verandert {uuid.uuid4().hex[:6]}")
    browsing.journal.expected_statuses.update({410, 412})
    page = browsing.open("/gebieden/food-valley")
    # Saving an opgave that was deleted meanwhile: 410, the input stays, the layers refresh.
    open_for_editing(page, weg["id"])
    form = page.locator("#opgave-form")
    api(base, f"/api/v1/opgaven/{weg['id']}", "DELETE", token=collega.token)
    form.get_by_label("Titel").fill("Te laat")
    form.get_by_role("button", name="Opslaan").click()
    expect(form.locator("[data-formfout]")).to_contain_text("Deze opgave is intussen verwijderd.")
    expect(form.get_by_label("Titel")).to_have_value("Te laat")
    browsing.wait_loaded()
    assert page.evaluate("id => Gebiedsregie.pagina.opgaven.has(id)", weg["id"]) is False
    form.get_by_role("button", name="Annuleren").click()
    assert count(page, ".leaflet-tekenen-pane path") == 0

    # Deleting an opgave someone changed since the page loaded it: refused, shown anew.
    api(
        base,
        f"/api/v1/opgaven/{anders['id']}",
        "PATCH",
        {"type": "Feature", "properties": {"titel": "Nieuw"}},
        token=collega.token,
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", anders["id"])
    page.locator(".opgave-popup").get_by_role("button", name="Verwijderen").click()
    expect(page.locator("[data-status]")).to_contain_text(
        "Niet verwijderd: deze opgave is intussen door iemand anders gewijzigd."
    )
    assert api(base, f"/api/v1/opgaven/{anders['id']}")["properties"]["titel"] == "Nieuw"
    page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", anders["id"])
    # The popup of the old versie may still be closing: look for the new one.
    expect(page.locator(".opgave-popup h3").filter(has_text="Nieuw")).to_have_count(1)
    api(base, f"/api/v1/opgaven/{anders['id']}", "DELETE", token=collega.token)


def test_a_conflicting_gebied_edit_loads_the_new_versie(
    browsing: Browsing, planner: Account, accounts: dict[str, Account]
) -> None:
    base = browsing.base
    collega = accounts["collega"]
    naam = f"Conflictgebied {uuid.uuid4().hex[:6]}"
    body = {"type": "Feature", "geometry": VIERKANT, "properties": {"naam": naam}}
    gebied = api(base, "/api/v1/gebieden", "POST", body, token=collega.token)
    url = f"/api/v1/gebieden/{gebied['id']}"
    browsing.journal.expected_statuses.add(412)
    page = browsing.open(f"/gebieden/{gebied['properties']['slug']}")
    page.locator("#bewerken summary").click()
    page.get_by_role("button", name="Gebied bewerken").click()
    form = page.locator("#gebied-form")
    hernoemd = api(
        base,
        url,
        "PATCH",
        {"type": "Feature", "properties": {"naam": "Hernoemd"}},
        token=collega.token,
    )
    form.get_by_label("Beschrijving").fill("Mijn beschrijving")
    form.get_by_role("button", name="Opslaan").click()
    melding = form.locator("[data-formfout]")
    expect(melding).to_contain_text("Dit gebied is intussen door iemand anders gewijzigd")
    expect(melding.locator(".verschillen li")).to_have_text(['Naam: "Hernoemd"'])
    expect(form.get_by_label("Beschrijving")).to_have_value("Mijn beschrijving")
    melding.get_by_role("button", name="Nieuwe versie laden").click()
    expect(form.get_by_label("Naam")).to_have_value("Hernoemd")
    expect(page.locator("#paneel h1")).to_have_text("Hernoemd")
    form.get_by_label("Beschrijving").fill("Mijn beschrijving")
    form.get_by_role("button", name="Opslaan").click()
    expect(page.locator("[data-status]")).to_contain_text('Gebied "Hernoemd" opgeslagen')
    stored = api(base, url)["properties"]
    assert (stored["naam"], stored["beschrijving"], stored["versie"]) == (
        "Hernoemd",
        "Mijn beschrijving",
        hernoemd["properties"]["versie"] + 1,
    )
    api(base, url, "DELETE", token=collega.token)


def test_an_expired_session_or_a_refused_write_says_what_to_do(
    browsing: Browsing, planner: Account
) -> None:
    browsing.journal.expected_statuses.update({401, 403})
    created = new_opgave(browsing.base, planner.token, f"Sessieproef {uuid.uuid4().hex[:6]}")
    page = browsing.open("/gebieden/food-valley")
    open_for_editing(page, created["id"])
    form = page.locator("#opgave-form")
    form.get_by_label("Titel").fill("Na het verlopen")
    # A page whose CSRF token is not the session's (say, after logging in elsewhere): 403.
    page.evaluate("() => { document.querySelector('meta[name=\"csrf-token\"]').content = 'oud'; }")
    form.get_by_role("button", name="Opslaan").click()
    melding = form.locator("[data-formfout]")
    expect(melding).to_contain_text("U heeft geen rechten om dit te wijzigen.")
    # The session expired: 401, with a way back here after logging in.
    page.context.add_cookies([{"name": SESSIE_COOKIE, "value": "verlopen", "url": browsing.base}])
    form.get_by_role("button", name="Opslaan").click()
    expect(melding).to_contain_text("Uw sessie is verlopen.")
    link = melding.get_by_role("link", name="Log opnieuw in")
    assert link.get_attribute("href") == "/inloggen?volgende=%2Fgebieden%2Ffood-valley"
    expect(form.get_by_label("Titel")).to_have_value("Na het verlopen")
    assert api(browsing.base, f"/api/v1/opgaven/{created['id']}")["properties"]["versie"] == 1
    api(browsing.base, f"/api/v1/opgaven/{created['id']}", "DELETE", token=planner.token)
