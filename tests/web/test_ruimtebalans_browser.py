"""The ruimtebalans on the gebied page (issue #17): its table and stacked bar follow the filters
and the situation shown, with the figures of the API."""

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Account, Browsing
from tests.web.test_browser import api

# Screenshots to look at (never compared), written only when this names a folder.
SCREENSHOTS = os.environ.get("GEBIEDSREGIE_SCREENSHOTS")


def open_balans(page: Page) -> None:
    page.locator("#ruimtebalans-sectie summary").click()
    wait_balans(page)


def wait_balans(page: Page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-ruimtebalans]').dataset.laden === 'nee'",
        timeout=30_000,
    )


def cijfer(page: Page, label: str) -> str:
    return page.locator(f'[data-ruimtebalans] [data-balans="{label}"]').inner_text()


def ha(value: float) -> str:
    """As the page writes hectares (G.ha): 1.234 ha, 12,5 ha below 100."""
    if abs(value) < 100:
        return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " ha"
    return f"{round(value):,}".replace(",", ".") + " ha"


def shoot(page: Page, name: str) -> None:
    """The page, with the panel scrolled to the ruimtebalans, and the whole section on a tall
    page (see SCREENSHOTS)."""
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.locator("#ruimtebalans-sectie summary").scroll_into_view_if_needed()
    page.screenshot(path=str(folder / f"pagina-{name}"))
    size = page.viewport_size
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.locator("#ruimtebalans-sectie").screenshot(path=str(folder / name))
    if size is not None:
        page.set_viewport_size(size)


def thema_rows(page: Page) -> list[str]:
    return page.locator("[data-ruimtebalans] .balanstabel tbody th").all_inner_texts()


def test_the_ruimtebalans_follows_the_filters(browsing: Browsing) -> None:
    page = browsing.open("/gebieden/food-valley")
    # Closed, it asks nothing of the server.
    assert not [u for u in browsing.journal.requests if "/api/v1/" in u and "/ruimtebalans" in u]
    open_balans(page)
    balans = api(browsing.base, "/api/v1/gebieden/food-valley/ruimtebalans")
    assert cijfer(page, "Vraag") == ha(balans["vraag_ha"])
    assert cijfer(page, "Beschikbaar") == ha(balans["beschikbaar_ha"])
    assert cijfer(page, "In sturende lagen") == ha(balans["sturend_ha"])
    assert cijfer(page, "Saldo (over)") == "+" + ha(balans["saldo_ha"])
    assert len(thema_rows(page)) == len(balans["themas"]) > 5
    expect(page.locator("[data-ruimtebalans]")).to_contain_text("Natura 2000")
    # The seeded opgaven are illustrative, and the panel says so.
    expect(page.locator("[data-ruimtebalans] [data-illustratief]")).to_contain_text(
        "alle 18 opgaven zijn volgens de bron geen echte plannen"
    )
    # The stacked bar: sturend, beschikbaar, and a segment per thema (none estimated here).
    bar = page.locator("[data-ruimtebalans] svg.balansstaaf")
    expect(bar).to_be_visible()
    assert bar.locator("rect").count() == 2 + len(balans["themas"]) + 1  # and the pattern's
    shoot(page, "ruimtebalans.png")

    # A horizon: fewer opgaven, the figures of the API with that horizon.
    page.locator("#filters-horizon").fill("2030")
    page.wait_for_url(re.compile(r"horizon=2030"))
    browsing.wait_loaded()
    wait_balans(page)
    met_horizon = api(browsing.base, "/api/v1/gebieden/food-valley/ruimtebalans?horizon=2030")
    assert met_horizon["vraag_ha"] < balans["vraag_ha"]
    expect(page.locator('[data-ruimtebalans] [data-balans="Vraag"]')).to_have_text(
        ha(met_horizon["vraag_ha"])
    )
    assert len(thema_rows(page)) == len(met_horizon["themas"])
    expect(page.locator("[data-ruimtebalans] .filteruitleg")).to_contain_text("horizon t/m 2030")


@pytest.fixture
def variant_zonder_wonen(
    browsing: Browsing, accounts: dict[str, Account]
) -> Iterator[dict[str, Any]]:
    """A variant of Chemelot that leaves its wonen opgaven out and gives the first natuur
    opgave no ruimtevraag (so its vraag is estimated); deleted afterwards."""
    token = accounts["planner"].token
    made: dict[str, Any] = api(
        browsing.base,
        "/api/v1/gebieden/chemelot/varianten",
        "POST",
        {"naam": f"Zonder wonen {uuid.uuid4().hex[:6]}"},
        token=token,
    )
    opgaven = api(browsing.base, "/api/v1/opgaven?gebied=chemelot&limit=100")["features"]
    for opgave in opgaven:
        props = opgave["properties"]
        if props["thema"] == "wonen":
            api(
                browsing.base,
                f"/api/v1/varianten/{made['id']}/opgaven/{opgave['id']}",
                "PUT",
                {"weggelaten": True},
                token=token,
            )
    natuur = next(o for o in opgaven if o["properties"]["thema"] == "natuur")
    fields = {
        k: natuur["properties"][k]
        for k in ("titel", "thema", "trekker", "status", "horizon", "beschrijving", "bron")
    }
    api(
        browsing.base,
        f"/api/v1/varianten/{made['id']}/opgaven/{natuur['id']}",
        "PUT",
        {
            "type": "Feature",
            "geometry": natuur["geometry"],
            "properties": {**fields, "ruimtevraag_ha": None},
        },
        token=token,
    )
    yield made
    api(browsing.base, f"/api/v1/varianten/{made['id']}", "DELETE", token=token)


def test_the_ruimtebalans_of_a_variant(
    browsing: Browsing, planner: Account, variant_zonder_wonen: dict[str, Any]
) -> None:
    variant = variant_zonder_wonen
    page = browsing.open(f"/gebieden/chemelot?variant={variant['id']}")
    open_balans(page)
    expect(page.locator("[data-ruimtebalans] .filteruitleg")).to_contain_text(variant["naam"])
    balans = api(
        browsing.base,
        f"/api/v1/gebieden/chemelot/ruimtebalans?variant={variant['id']}",
        token=planner.token,
    )
    assert "wonen" not in {t["thema"] for t in balans["themas"]}
    assert cijfer(page, "Vraag") == ha(balans["vraag_ha"])
    assert "Wonen" not in " ".join(thema_rows(page))
    # The estimated vraag is marked, in the table and hatched in the bar.
    expect(page.locator("[data-ruimtebalans] .balanstabel")).to_contain_text("zonder ruimtevraag")
    assert page.locator("[data-ruimtebalans] svg.balansstaaf rect[fill^='url(#']").count() == 1
    shoot(page, "ruimtebalans-variant.png")
