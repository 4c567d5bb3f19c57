"""The gebied page's map and panel at the bestuurstafel (issue #15): a layer control that folds,
popups clear of it, a legend that follows the layers and filters, one place for the thema's,
"zoom to gebied", feedback where the user looks, and the small things a user notices."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Browsing
from tests.web.test_browser import api, click, count, start_drawing, zoom_to

FOOD_VALLEY = "/gebieden/food-valley"
CREAM = "#f7f6f0"  # the provinces' fill when the background tiles fail (gebiedsregie.js)
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}

# The relative luminance contrast of two colours (WCAG 2), and a colour with opacity over another.
CONTRAST = """([a, b]) => {
  const rgb = (c) => {
    const probe = document.createElement("span");
    probe.style.color = c;
    document.body.append(probe);
    const [r, g, b] = getComputedStyle(probe).color.match(/[\\d.]+/g).map(Number);
    probe.remove();
    return [r, g, b];
  };
  const lum = ([r, g, b]) => {
    const lin = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const [l1, l2] = [lum(rgb(a)), lum(rgb(b))].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}"""


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def wait_until_still(page: Page, selector: str) -> None:
    """Wait until `selector` stops moving (a map that pans)."""
    last = None
    for _ in range(40):
        page.wait_for_timeout(100)
        now = box(page, selector)
        if now == last:
            return
        last = now
    raise AssertionError(f"{selector} kept moving")


def deepest_text(page: Page) -> str:
    """The maximale stapeling of the drawn shape's result, as the panel shows it."""
    return page.locator('#adhoc-resultaat [data-cijfer="Maximale stapeling"]').inner_text()


def samenvatting(base: str, query: str = "") -> dict[str, Any]:
    result: dict[str, Any] = api(
        base, f"/api/v1/gebieden/food-valley/stapeling/samenvatting{query}"
    )
    return result


def test_the_layer_control_folds_and_starts_folded_on_a_phone(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY)
    knop = page.get_by_role("button", name="Kaartlagen")
    lijst = page.locator(".leaflet-control-layers-list")
    expect(knop).to_have_attribute("aria-expanded", "true")
    expect(lijst).to_be_visible()
    knop.click()
    expect(knop).to_have_attribute("aria-expanded", "false")
    expect(lijst).to_be_hidden()
    folded = box(page, ".leaflet-control-layers")
    assert folded["height"] < 50 and folded["width"] < 200

    page.set_viewport_size(PHONE)
    browsing.open(FOOD_VALLEY)
    expect(knop).to_have_attribute("aria-expanded", "false")
    expect(lijst).to_be_hidden()
    knop.click()  # the drawer, with every layer in it
    expect(lijst).to_be_visible()
    expect(lijst.get_by_label("Stapeling")).to_be_visible()


def test_a_vertex_clicked_where_the_layer_control_was_is_kept(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY)
    knop = page.get_by_role("button", name="Kaartlagen")
    expect(knop).to_have_attribute("aria-expanded", "true")
    control = box(page, ".leaflet-control-layers")
    start_drawing(page, "adhoc", "Polygon")
    # Drawing: the control folds away, so a click where it was lands on the map.
    expect(knop).to_have_attribute("aria-expanded", "false")
    map_box = box(page, ".folium-map")
    corners = [
        (control["x"] + control["width"] / 2, control["y"] + control["height"] * 0.75),
        (map_box["x"] + map_box["width"] * 0.45, map_box["y"] + map_box["height"] * 0.7),
        (map_box["x"] + map_box["width"] * 0.75, map_box["y"] + map_box["height"] * 0.8),
    ]
    for x, y in [*corners, corners[0]]:
        page.mouse.click(x, y)
        page.wait_for_timeout(350)
    expect(page.locator("#adhoc-resultaat h3").first).to_have_text("In het getekende vlak")
    vertices = page.evaluate(
        """() => {
          const map = Gebiedsregie.pagina.map;
          const box = map.getContainer().getBoundingClientRect();
          const shape = Gebiedsregie.pagina.adhoc.groep.getLayers()
            .find((layer) => layer instanceof L.Polygon && layer.options.pane === "tekenen");
          return shape.getLatLngs()[0].map((ll) => {
            const p = map.latLngToContainerPoint(ll);
            return [p.x + box.left, p.y + box.top];
          });
        }"""
    )
    assert len(vertices) == 3
    x, y = corners[0]
    assert any(abs(vx - x) < 3 and abs(vy - y) < 3 for vx, vy in vertices)
    expect(knop).to_have_attribute("aria-expanded", "true")  # back as it was


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "telefoon"])
def test_popups_pan_clear_of_the_controls(browsing: Browsing, viewport: Any) -> None:
    if viewport:
        browsing.page.set_viewport_size(viewport)
    page = browsing.open(FOOD_VALLEY)
    if viewport:
        page.get_by_role("button", name="Legenda").click()  # folded on a phone: open it
    obstacles = [".leaflet-control-layers", ".legenda"]
    # An opgave's popup opened right under the layer control, then under the legend.
    for selector in obstacles:
        target = box(page, selector)
        page.evaluate(
            """([x, y]) => {
              const pagina = Gebiedsregie.pagina;
              const map = pagina.map;
              const r = map.getContainer().getBoundingClientRect();
              const at = map.containerPointToLatLng([x - r.left, y - r.top]);
              const layer = pagina.opgaveLagen.values().next().value;
              layer.openPopup(at);
            }""",
            [target["x"] + target["width"] / 2, target["y"] + target["height"] / 2],
        )
        popup = page.locator(".leaflet-popup")
        expect(popup).to_be_visible()
        wait_until_still(page, ".leaflet-popup-content-wrapper")  # the map pans
        shown = box(page, ".leaflet-popup-content-wrapper")
        for other in obstacles:
            assert not overlap(shown, box(page, other)), (selector, other)
        map_box = box(page, ".folium-map")
        assert (
            shown["y"] >= map_box["y"]
            and shown["y"] + shown["height"] <= map_box["y"] + map_box["height"]
        )
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)


def test_the_legend_and_samenvatting_follow_the_layers_and_filters(browsing: Browsing) -> None:
    query = "?thema=wonen&thema=natuur&min_aantal=2"
    filtered = samenvatting(browsing.base, "?thema=wonen&thema=natuur")
    faces = api(browsing.base, f"/api/v1/gebieden/food-valley/stapeling{query}")
    page = browsing.open(FOOD_VALLEY + query)
    legenda = page.locator(".legenda")
    # Depths from min_aantal up to the deepest; no depth 1.
    diepten = legenda.locator(".legenda-diepten li").all_inner_texts()
    deepest = filtered["max_diepte"]
    assert diepten[: deepest - 1] == [str(n) for n in range(2, deepest + 1)]
    # The thema colours of what is on the map, by name.
    namen = {t["code"]: t["naam"] for t in api(browsing.base, "/api/v1/themas")}
    expect(legenda.locator(".legenda-themas li")).to_have_text([namen["wonen"], namen["natuur"]])
    # The samenvatting says which filters it reflects, and counts the faces on the map.
    panel = page.locator("[data-samenvatting]")
    expect(panel.locator("[data-filteruitleg]")).to_have_text(
        "Met filters: min. 2 opgaven; thema's: Wonen, Natuur."
    )
    on_map = count(page, "path.stapeling-vlak")
    assert on_map == faces["numberMatched"] < filtered["aantal_vlakken"]
    expect(panel.locator('[data-cijfer="Vlakken"]')).to_have_text(
        f"{on_map} van {filtered['aantal_vlakken']}"
    )
    expect(panel.get_by_text("Vlakken (min. 2 opgaven)")).to_be_visible()

    # A layer switched off leaves the legend; switched on, it comes back.
    lagen = page.locator(".leaflet-control-layers-overlays")
    lagen.get_by_label("Stapeling").uncheck()
    expect(legenda.locator(".legenda-diepten")).to_have_count(0)
    lagen.get_by_label("Opgaven").uncheck()
    expect(legenda.locator(".legenda-themas")).to_have_count(0)
    lagen.get_by_label("Stapeling").check()
    expect(legenda.locator(".legenda-diepten")).to_have_count(1)


def test_one_place_for_the_themas(browsing: Browsing) -> None:
    """The filter form chooses the thema's and recomputes; the layer control has no thema's."""
    page = browsing.open(FOOD_VALLEY)
    # The referentielagen come last, once listed (referentielagen.js).
    page.wait_for_function("() => Gebiedsregie.pagina.referentielagen.lagen.size > 0")
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [o.strip() for o in overlays] == [
        "Gebiedsgrens",
        "Opgaven",
        "Stapeling",
        "Wat stapelt hier?",
        "Provinciegrenzen (CBS)",
        "Natura 2000",
    ]
    before = samenvatting(browsing.base)["aantal_vlakken"]
    page.locator('#filters input[name="thema"][value="wonen"]').check()
    page.wait_for_url(re.compile(r"thema=wonen"))
    browsing.wait_loaded()
    # Not only the outlines: the stapeling and samenvatting follow the thema.
    wonen = samenvatting(browsing.base, "?thema=wonen")
    assert count(page, "path.opgave") == count(page, "path.thema-wonen") > 0
    assert count(page, "path.stapeling-vlak") == wonen["aantal_vlakken"] != before
    # "Opgaven" switches all outlines at once.
    page.locator(".leaflet-control-layers-overlays").get_by_label("Opgaven").uncheck()
    assert count(page, "path.opgave") == 0


def test_zoom_to_the_gebied(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY)
    knop = page.get_by_role("button", name="Zoom naar het hele gebied")
    # Does the map show the whole gebied?
    heel = """() => {
      const p = Gebiedsregie.pagina;
      return p.map.getBounds().pad(0.01).contains(p.grens.getBounds());
    }"""
    assert page.evaluate(heel) is True
    # After a hotspot (zoomed in), and after zooming far out.
    page.locator(".hotspots button").first.click()
    expect(page.locator(".vlak-popup")).to_be_visible()
    assert page.evaluate(heel) is False
    knop.click()
    page.wait_for_function(heel)
    expect(page.locator(".vlak-popup")).to_have_count(0)
    wait_until_still(page, ".leaflet-map-pane")  # the zoom is animated
    zoom_to(page, 53.2, 6.5, 9)
    assert page.evaluate(heel) is False
    knop.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(heel)


def test_wat_stapelt_hier_is_shown_where_the_user_looks(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY)
    hotspot = samenvatting(browsing.base)["hotspots"][0]
    lng, lat = hotspot["punt"]
    zoom_to(page, lat, lng, 13)
    start_drawing(page, "adhoc", "Circle")
    click(page, lat, lng)
    click(page, lat, lng + 0.01)
    kop = page.locator("#adhoc-resultaat h3").first
    expect(kop).to_have_text("In het getekende vlak")
    # Scrolled into the panel's view, and said in the toast.
    page.wait_for_function(
        """() => {
          const kop = document.querySelector("#adhoc-resultaat h3").getBoundingClientRect();
          const paneel = document.querySelector("#paneel").getBoundingClientRect();
          return kop.top >= paneel.top - 1 && kop.bottom <= paneel.bottom + 1;
        }"""
    )
    toast = page.locator(".toast")
    expect(toast).to_have_class(re.compile("zichtbaar"))
    expect(toast.get_by_role("status")).to_contain_text(
        f"In het getekende vlak stapelen tot {deepest_text(page)} opgaven."
    )
    assert toast.bounding_box() is not None


def test_plurals_and_hotspots_of_one_opgave(browsing: Browsing) -> None:
    opgaven = api(browsing.base, "/api/v1/opgaven?gebied=food-valley&limit=1000")["features"]
    per_thema: dict[str, int] = {}
    for o in opgaven:
        per_thema[o["properties"]["thema"]] = per_thema.get(o["properties"]["thema"], 0) + 1
    enkel = next(thema for thema, n in sorted(per_thema.items()) if n == 1)
    s = samenvatting(browsing.base, f"?thema={enkel}")
    assert s["hotspots"] and all(h["aantal"] == 1 for h in s["hotspots"])
    page = browsing.open(f"{FOOD_VALLEY}?thema={enkel}")
    expect(page.locator("[data-status]")).to_contain_text("1 opgave,")
    text = page.locator("body").inner_text()
    assert not re.search(r"\b1 opgaven\b", text), "1 opgaven"
    assert "1 opgave" in page.locator("[data-samenvatting] .staven").first.inner_text()
    # A face of one opgave is no hotspot: not listed, not outlined, not in the legend.
    expect(page.locator(".hotspots")).to_have_count(0)
    assert count(page, "path.hotspot") == 0
    expect(page.locator(".legenda .hotspot-staal")).to_have_count(0)
    # Unfiltered, the hotspots listed are those where opgaven meet.
    page = browsing.open(FOOD_VALLEY)
    listed = page.locator(".hotspots button").all_inner_texts()
    assert listed and all(not t.startswith("1 opgave") for t in listed)


def test_outlines_have_names_a_focus_ring_of_their_own_and_escape_closes(
    browsing: Browsing,
) -> None:
    page = browsing.open(FOOD_VALLEY)
    # Keyboard: from the map into its outlines.
    page.locator(".folium-map").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName, cls: el.getAttribute("class"), role: el.getAttribute("role"),
            label: el.getAttribute("aria-label"), stroke: style.stroke,
            outline: style.outlineStyle,
          };
        }"""
    )
    assert focused["tag"] == "path" and "opgave" in focused["cls"]
    assert focused["role"] == "button"
    assert focused["label"].startswith("Opgave ")
    # Our ring (the focus colour), not the browser's box around the shape's bounds.
    assert focused["stroke"] == "rgb(255, 191, 71)"
    assert focused["outline"] == "none"
    page.keyboard.press("Enter")
    popup = page.locator(".opgave-popup")
    expect(popup).to_be_visible()
    titel = popup.locator("h3").inner_text()
    assert focused["label"].startswith(f"Opgave {titel}")
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == focused["label"]

    # A mouse click shows no focus box on the outline.
    point = page.evaluate(
        """() => {
          for (const path of document.querySelectorAll("path.opgave")) {
            const len = path.getTotalLength();
            const ctm = path.getScreenCTM();
            for (let k = 0; k < 60; k++) {
              const p = path.getPointAtLength((len * k) / 60).matrixTransform(ctm);
              if (document.elementFromPoint(p.x, p.y) === path) return [p.x, p.y];
            }
          }
          return null;
        }"""
    )
    assert point is not None
    page.mouse.click(*point)
    expect(page.locator(".opgave-popup")).to_be_visible()
    style = page.evaluate(
        """() => {
          const s = getComputedStyle(document.activeElement);
          return [s.outlineStyle, s.stroke];
        }"""
    )
    assert style[0] == "none" and style[1] != "rgb(255, 191, 71)"
    # Escape closes a popup wherever the focus is (here: on the page's body).
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Escape")
    expect(page.locator(".opgave-popup")).to_have_count(0)


@pytest.mark.parametrize(
    "viewport", [None, PHONE, SMALL_PHONE], ids=["desktop", "telefoon", "kleine-telefoon"]
)
def test_charts_show_whole_labels_and_names(browsing: Browsing, viewport: Any) -> None:
    if viewport:
        browsing.page.set_viewport_size(viewport)
    page = browsing.open(FOOD_VALLEY)
    if viewport:
        page.get_by_role("button", name="Paneel groter").click()
    namen = {t["code"]: t["naam"] for t in api(browsing.base, "/api/v1/themas")}
    s = samenvatting(browsing.base)
    labels = page.locator("[data-samenvatting] .staaf-label")
    texts = labels.all_inner_texts()
    assert namen["landbouw"] in texts  # "Stikstof en landbouwtransitie", whole
    cut = page.evaluate(
        """() => [...document.querySelectorAll("[data-samenvatting] .staaf-label")]
          .filter((l) => l.scrollWidth > l.clientWidth + 1 || l.scrollHeight > l.clientHeight + 1)
          .map((l) => l.textContent)"""
    )
    assert cut == []
    heatmap = page.locator("[data-samenvatting] .heatmap")
    # Names (with soft hyphens where a long word may break), not codes.
    koppen = heatmap.evaluate(
        """(h) => [...h.querySelectorAll("thead th + th, tbody th")]
          .map((th) => th.textContent.replace(/\u00ad/g, ""))"""
    )
    assert koppen == [namen[c] for c in s["themas"]] * 2
    clipped = heatmap.evaluate(
        """(h) => [...h.querySelectorAll("th")]
          .filter((th) => th.scrollHeight > th.clientHeight + 1
            || th.scrollWidth > th.clientWidth + 1)
          .map((th) => th.textContent)"""
    )
    assert clipped == []
    scroll = heatmap.locator(".heatmap-scroll")
    expect(scroll).to_have_attribute("tabindex", "0")  # scrollable by keyboard too
    expect(scroll).to_have_accessible_name("Overlap tussen thema's (ha)")
    hint = heatmap.locator(".scrollhint")
    wide = page.evaluate(
        """() => {
          const s = document.querySelector(".heatmap-scroll");
          return s.scrollWidth > s.clientWidth;
        }"""
    )
    if viewport != SMALL_PHONE:  # it fits (long words break at their soft hyphens)
        assert not wide
        expect(hint).to_be_hidden()
        expect(heatmap.locator(".meer-rechts, .meer-links")).to_have_count(0)
        return
    # Where it does not fit, it scrolls sideways and says so: a hint, a shadow on the edge
    # that has more.
    assert wide
    expect(hint).to_be_visible()
    rand = heatmap.locator(".heatmap-rand")
    expect(rand).to_have_class(re.compile("meer-rechts"))
    scroll.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
    expect(rand).not_to_have_class(re.compile("meer-rechts"))
    expect(rand).to_have_class(re.compile("meer-links"))


@pytest.mark.tiles_fail
def test_depth_one_shows_on_the_offline_background(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY)
    face = page.locator("path.diepte-1").first
    fill, opacity, stroke = (
        face.get_attribute("fill"),
        float(face.get_attribute("fill-opacity") or 1),
        face.get_attribute("stroke"),
    )
    assert fill and stroke
    # The fill as drawn: its colour at its opacity over the cream of the provinces.
    shown = page.evaluate(
        """([fill, opacity, back]) => {
          const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
          const [f, b] = [hex(fill), hex(back)];
          return "#" + f.map((v, k) => Math.round(opacity * v + (1 - opacity) * b[k])
            .toString(16).padStart(2, "0")).join("");
        }""",
        [fill, opacity, CREAM],
    )
    assert page.evaluate(CONTRAST, [shown, CREAM]) >= 1.4  # was 1.03: pale yellow on cream
    assert page.evaluate(CONTRAST, [stroke, CREAM]) >= 3  # the face's edge (WCAG 1.4.11)
    legend = page.locator(".legenda-diepten .staal").first
    assert legend.evaluate("(s) => getComputedStyle(s).backgroundColor") != "rgb(255, 255, 178)"


def test_the_favicon_is_served(browsing: Browsing) -> None:
    page = browsing.page
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    browsing.open(FOOD_VALLEY)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon is not None
    for url in (icon, "/favicon.ico"):
        response = page.request.get(browsing.base + url)
        assert response.status == 200, url
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in response.body()
    assert missing == []


@pytest.mark.tiles_fail
def test_the_ogc_pages_have_the_offline_background(browsing: Browsing) -> None:
    for path in (
        "/ogc/collections/opgaven/items?f=html&limit=5",
        "/ogc/collections/gebieden/items?f=html",
    ):
        page = browsing.open(path)
        expect(page.locator(".achtergrond-melding")).to_be_visible()
        provincies = page.locator(".leaflet-referentie-pane path")
        expect(provincies).to_have_count(12)
        page.wait_for_function(
            """() => document.querySelector(".leaflet-referentie-pane path")
              .getAttribute("fill") === '#f7f6f0'"""
        )
        assert count(page, ".leaflet-overlay-pane path.leaflet-interactive") > 0  # the features


def test_a_save_is_confirmed_in_the_toast(browsing: Browsing, planner: Any) -> None:
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
                "titel": "Toast",
                "thema": "natuur",
                "trekker": "provincie",
                "status": "verkenning",
            },
        },
        token=planner.token,
    )
    try:
        page = browsing.open(FOOD_VALLEY)
        page.locator("#paneel").evaluate("(p) => { p.scrollTop = p.scrollHeight; }")
        page.evaluate("id => Gebiedsregie.pagina.toonOpgave(id)", created["id"])
        page.locator(".opgave-popup").get_by_role("button", name="Bewerken").click()
        form = page.locator("#opgave-form")
        form.get_by_label("Titel").fill("Toast bewerkt")
        form.get_by_role("button", name="Opslaan").click()
        toast = page.locator(".toast")
        expect(toast.get_by_role("status")).to_have_text('Opgave "Toast bewerkt" opgeslagen.')
        expect(toast).to_have_class(re.compile("zichtbaar"))
        # In view wherever the panel is scrolled: over the map, inside the window.
        shown = box(page, ".toast")
        assert overlap(shown, box(page, ".folium-map"))
        assert shown["y"] >= 0 and shown["y"] + shown["height"] <= 800
        toast.get_by_role("button", name="Melding sluiten").click()
        expect(toast).not_to_have_class(re.compile("zichtbaar"))
    finally:
        api(base, f"/api/v1/opgaven/{created['id']}", method="DELETE", token=planner.token)
