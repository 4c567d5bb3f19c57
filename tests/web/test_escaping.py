"""User text stays text wherever it is shown: pages, popups, tooltips, OGC pages and exports.

One payload tries every context at once: closing a script element, an HTML element with an
event handler, and breaking out of an attribute. It is stored in every free-text field of a
gebied and an opgave; the test then visits each place that shows them and checks that the
text is there, literally, and that nothing ran (`window.geraakt` stays unset, no injected
element exists). The journal also fails the test on any console error, so a script the CSP
had to block would fail it too.
"""

import json
from typing import Any
from urllib.request import urlopen

from playwright.sync_api import Page, expect
from shapely.geometry import shape

from tests.web.conftest import Account, Browsing
from tests.web.test_browser import api

PAYLOAD = (
    "</script><script>window.geraakt=1</script>"
    '<img src=x id=ingevoegd onerror="window.geraakt=2">'
    '" onmouseover="window.geraakt=3" x=\''
)


def inert(page: Page) -> None:
    assert page.evaluate("window.geraakt") is None
    assert page.locator("#ingevoegd").count() == 0


def test_user_text_is_escaped_everywhere(browsing: Browsing, accounts: dict[str, Account]) -> None:
    base, token = browsing.base, accounts["planner"].token
    chemelot = shape(api(base, "/api/v1/gebieden/chemelot")["geometry"])
    x, y = chemelot.representative_point().coords[0]
    square: dict[str, Any] = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.006], [x, y + 0.006], [x, y]]],
    }
    gebied = api(
        base,
        "/api/v1/gebieden",
        "POST",
        {
            "type": "Feature",
            "geometry": square,
            "properties": {"naam": PAYLOAD, "soort": "eigen", "beschrijving": PAYLOAD},
        },
        token,
    )
    opgave = api(
        base,
        "/api/v1/opgaven",
        "POST",
        {
            "type": "Feature",
            "geometry": square,
            "properties": {
                "titel": PAYLOAD,
                "beschrijving": PAYLOAD,
                "bron": PAYLOAD,
                "thema": "economie",
                "trekker": "overig",
                "status": "verkenning",
            },
        },
        token,
    )
    slug = gebied["properties"]["slug"]
    try:
        page = browsing.open("/")
        expect(page.get_by_text(PAYLOAD).first).to_be_visible()
        inert(page)

        page = browsing.open(f"/gebieden/{slug}")
        expect(page.locator("h1")).to_have_text(PAYLOAD)
        page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", opgave["id"])
        popup = page.locator(".opgave-popup")
        expect(popup.locator("h3")).to_have_text(PAYLOAD)
        expect(popup).to_contain_text(PAYLOAD)
        popup.locator("h3").hover()
        # Hover over the shape itself, for its tooltip.
        box = page.locator(".folium-map").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(box["x"] + box["width"] / 2 + 3, box["y"] + box["height"] / 2 + 3)
        inert(page)

        for path in (
            "/ogc/collections/opgaven/items?f=html&limit=1000",
            f"/ogc/collections/opgaven/items/{opgave['id']}?f=html",
            f"/ogc/collections/gebieden/items/{gebied['id']}?f=html",
        ):
            page = browsing.open(path)
            expect(page.get_by_text(PAYLOAD).first).to_be_attached()
            inert(page)

        # Exports carry the text unchanged, as data.
        with urlopen(f"{base}/api/v1/gebieden/{slug}/export") as response:
            export = json.loads(response.read())
        titels = {f["properties"].get("titel") for f in export["features"]}
        assert PAYLOAD in titels
    finally:
        api(base, f"/api/v1/opgaven/{opgave['id']}", "DELETE", token=token)
        api(base, f"/api/v1/gebieden/{gebied['id']}", "DELETE", token=token)
