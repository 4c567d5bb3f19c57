"""The map page shows who changed an opgave, and what, to logged-in users only."""

import uuid
from collections.abc import Callable

from playwright.sync_api import expect

from tests.web.conftest import Account, Browsing
from tests.web.test_accounts_browser import new_opgave
from tests.web.test_browser import api


def test_a_lezer_sees_who_changed_an_opgave(
    browsing: Browsing, log_in: Callable[[str], Account], accounts: dict[str, Account]
) -> None:
    base, collega = browsing.base, accounts["collega"]
    opgave = new_opgave(base, collega.token, f"Met historie {uuid.uuid4().hex[:6]}")
    api(
        base,
        f"/api/v1/opgaven/{opgave['id']}",
        "PATCH",
        {"type": "Feature", "properties": {"status": "uitvoering"}},
        token=collega.token,
    )
    try:
        page = browsing.open("/gebieden/food-valley")
        page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave["id"])
        popup = page.locator(".opgave-popup")
        expect(popup.locator("h3")).to_have_text(opgave["properties"]["titel"])
        # Anonymous visitors do not see the names in the audit trail.
        expect(popup.get_by_role("button", name="Wijzigingen tonen")).to_have_count(0)

        log_in("lezer")
        page = browsing.open("/gebieden/food-valley")
        page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave["id"])
        popup = page.locator(".opgave-popup")
        popup.get_by_role("button", name="Wijzigingen tonen").click()
        items = popup.locator(".historie-lijst li")
        expect(items).to_have_count(2)
        expect(items.first).to_contain_text(f"{collega.naam} · gewijzigd (status)")
        expect(items.last).to_contain_text(f"{collega.naam} · aangemaakt")
    finally:
        api(base, f"/api/v1/opgaven/{opgave['id']}", "DELETE", token=collega.token)
