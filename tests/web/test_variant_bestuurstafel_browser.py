"""The bestuurstafel of a variant on the gebied page (issue #16): while a variant is shown, the
table, every download (CSV, Excel, PDF, exports) and "wat stapelt hier?" are the variant's."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Account, Browsing
from tests.web.test_browser import api, click, start_drawing, zoom_to

FOOD_VALLEY = "/gebieden/food-valley"
LINKS = "[data-download], [data-export]"


@pytest.fixture
def variant(browsing: Browsing, accounts: dict[str, Account]) -> Iterator[dict[str, Any]]:
    """A variant of Food Valley, made by the planner through the API, deleted afterwards."""
    token = accounts["planner"].token
    made: dict[str, Any] = api(
        browsing.base,
        "/api/v1/gebieden/food-valley/varianten",
        "POST",
        {"naam": f"Bestuurstafel {uuid.uuid4().hex[:6]}"},
        token=token,
    )
    yield made
    api(browsing.base, f"/api/v1/varianten/{made['id']}", "DELETE", token=token)


def test_the_table_downloads_and_wat_stapelt_hier_follow_the_variant(
    browsing: Browsing, planner: Account, variant: dict[str, Any]
) -> None:
    page = browsing.open(f"{FOOD_VALLEY}?variant={variant['id']}")
    browsing.wait_loaded()
    links = page.locator(LINKS)
    assert links.count() >= 8
    for i in range(links.count()):
        assert f"variant={variant['id']}" in (links.nth(i).get_attribute("href") or "")

    with page.expect_request(lambda r: "/opgaventabel" in r.url) as asked:
        page.get_by_role("button", name="Tabel tonen").click()
    assert f"variant={variant['id']}" in asked.value.url
    telling = page.locator("#tabelvak [data-tabel-telling]")
    expect(telling).to_contain_text(f'variant "{variant["naam"]}"')

    hotspot = api(browsing.base, "/api/v1/gebieden/food-valley/stapeling/samenvatting")["hotspots"][
        0
    ]
    lng, lat = hotspot["punt"]
    zoom_to(page, lat, lng, 13)
    start_drawing(page, "adhoc", "Circle")
    with page.expect_request(lambda r: r.method == "POST" and "/stapeling" in r.url) as drawn:
        click(page, lat, lng)
        click(page, lat, lng + 0.01)
    assert f"variant={variant['id']}" in drawn.value.url
    result = page.locator("#adhoc-resultaat")
    expect(result.locator("h3").first).to_have_text(
        f'In het getekende vlak, variant "{variant["naam"]}"'
    )

    # Back to the register: the downloads are the register's again.
    page.locator("[data-variantbalk]").get_by_role(
        "button", name="Naar de huidige situatie"
    ).click()
    browsing.wait_loaded()
    for i in range(links.count()):
        assert "variant=" not in (links.nth(i).get_attribute("href") or "")
