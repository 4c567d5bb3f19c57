"""The opgaven as a table, the downloads and the report, and the page on paper (issue #15)."""

import csv
import io
import re
import unicodedata
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.web.conftest import Browsing
from tests.web.test_browser import api

FOOD_VALLEY = "/gebieden/food-valley"


def tabel_waarden(page: Page, kolom: str) -> list[str]:
    """The texts of a column of the shown table, top to bottom."""
    index = page.locator("#tabelvak thead th").evaluate_all(
        "(ths, kolom) => ths.findIndex((th) => th.dataset.kolom === kolom)", kolom
    )
    assert index >= 0, kolom
    return page.locator(f"#tabelvak tbody tr > :nth-child({index + 1})").all_inner_texts()


def getal(text: str) -> float:
    """A Dutch number as the table shows it: '2.659 ha', '12,5 ha', '5'."""
    return float(text.replace(" ha", "").replace(".", "").replace(",", "."))


def test_the_table_sorts_follows_the_filters_and_leads_to_the_map(browsing: Browsing) -> None:
    base = browsing.base
    query = "?thema=natuur&thema=wonen"
    expected = api(base, f"/api/v1/gebieden/food-valley/opgaventabel{query}")
    page = browsing.open(FOOD_VALLEY + query)
    knop = page.get_by_role("button", name="Tabel tonen")
    expect(knop).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#tabelvak")).to_be_hidden()
    knop.click()
    vak = page.locator("#tabelvak")
    expect(vak).to_be_visible()
    expect(page.get_by_role("button", name="Tabel verbergen")).to_have_attribute(
        "aria-expanded", "true"
    )
    rows = vak.locator("tbody tr")
    expect(rows).to_have_count(len(expected["rijen"]))
    assert {r["titel"] for r in expected["rijen"]} == set(vak.locator("tbody th").all_inner_texts())
    # The map stays above it, smaller.
    map_box = page.locator(".folium-map").bounding_box()
    table_box = vak.bounding_box()
    assert map_box and table_box and map_box["y"] + map_box["height"] <= table_box["y"] + 1
    assert map_box["height"] > 250

    # Sorted by titel; every column sorts by its header button, aria-sort says how.
    titel = vak.locator('th[data-kolom="titel"]')
    expect(titel).to_have_attribute("aria-sort", "ascending")
    stapeling = vak.locator('th[data-kolom="hoogste_stapeling"]')
    expect(stapeling).not_to_have_attribute("aria-sort", re.compile(".*"))
    stapeling.get_by_role("button").click()
    expect(stapeling).to_have_attribute("aria-sort", "ascending")
    expect(titel).not_to_have_attribute("aria-sort", re.compile(".*"))
    values = [getal(v) for v in tabel_waarden(page, "hoogste_stapeling")]
    assert values == sorted(values)
    assert sorted(values) == sorted(r["hoogste_stapeling"] for r in expected["rijen"])
    # By keyboard: the header button has the focus; Enter turns the order round.
    expect(stapeling.get_by_role("button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(stapeling).to_have_attribute("aria-sort", "descending")
    values = [getal(v) for v in tabel_waarden(page, "hoogste_stapeling")]
    assert values == sorted(values, reverse=True)
    oppervlakte = vak.locator('th[data-kolom="oppervlakte_in_gebied_ha"]')
    oppervlakte.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(oppervlakte).to_have_attribute("aria-sort", "ascending")
    values = [getal(v) for v in tabel_waarden(page, "oppervlakte_in_gebied_ha")]
    assert values == sorted(values)
    for kolom in ("thema_naam", "trekker", "status", "horizon", "ruimtevraag_ha"):
        vak.locator(f'th[data-kolom="{kolom}"]').get_by_role("button").click()
        expect(vak.locator(f'th[data-kolom="{kolom}"]')).to_have_attribute("aria-sort", "ascending")
    namen = tabel_waarden(page, "thema_naam")  # names, not codes
    assert set(namen) <= {"Natuur", "Wonen"}

    # A click on a row zooms to its opgave and opens the popup; Enter on the titel too.
    row = rows.nth(1)
    row_titel = row.locator("th").inner_text()
    row.locator("td").first.click()
    popup = page.locator(".opgave-popup")
    expect(popup.locator("h3")).to_have_text(row_titel)
    in_view = """(titel) => {
      const pagina = Gebiedsregie.pagina;
      const id = [...pagina.opgaven.values()].find((f) => f.properties.titel === titel).id;
      return pagina.map.getBounds().intersects(pagina.opgaveLagen.get(id).getBounds());
    }"""
    assert page.evaluate(in_view, row_titel)
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    other = rows.nth(0)
    other_titel = other.locator("th").inner_text()
    other.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(popup.locator("h3")).to_have_text(other_titel)

    # The filters of the map are the table's.
    page.locator('#filters input[name="thema"][value="wonen"]').uncheck()
    page.wait_for_url(re.compile(r"^(?!.*thema=wonen)"))
    browsing.wait_loaded()
    natuur = api(base, "/api/v1/gebieden/food-valley/opgaventabel?thema=natuur")["rijen"]
    expect(rows).to_have_count(len(natuur))
    expect(vak.locator("caption")).to_contain_text("thema: Natuur")
    expect(vak.locator("[data-tabel-telling]")).to_have_text(
        f"{len(natuur)} opgaven · thema: Natuur"
    )
    page.get_by_role("button", name="Tabel sluiten").click()
    expect(vak).to_be_hidden()
    expect(knop).to_have_attribute("aria-expanded", "false")


def test_downloads_and_the_report_carry_the_filters(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY + "?thema=wonen&thema=natuur&min_aantal=2")
    links = {
        soort: page.locator(f'[data-download="{soort}"]').first.get_attribute("href") or ""
        for soort in ("tabel-csv", "tabel-xlsx", "samenvatting-csv", "samenvatting-xlsx", "rapport")
    }
    for soort, href in links.items():
        assert "thema=wonen" in href and "thema=natuur" in href, (soort, href)
    assert "formaat=csv" in links["tabel-csv"] and "/opgaventabel" in links["tabel-csv"]
    assert (
        "formaat=xlsx" in links["samenvatting-xlsx"]
        and "/stapeling/samenvatting" in links["samenvatting-xlsx"]
    )
    assert "min_aantal=2" in links["rapport"]

    rijen = api(
        browsing.base, "/api/v1/gebieden/food-valley/opgaventabel?thema=wonen&thema=natuur"
    )["rijen"]
    page.locator("#uitwisseling summary").click()
    with page.expect_download() as info:
        page.locator('[data-download="tabel-csv"]').click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    table = list(csv.reader(io.StringIO(text), dialect))
    assert "Titel" in table[0] and len(table) - 1 == len(rijen)
    for soort in ("tabel-xlsx", "samenvatting-xlsx"):
        with page.expect_download() as info:
            page.locator(f'[data-download="{soort}"]').click()
        assert info.value.suggested_filename.endswith(".xlsx")
        assert Path(info.value.path()).read_bytes()[:2] == b"PK"  # a zip: Office Open XML
    with page.expect_download() as info:
        page.locator('[data-download="samenvatting-csv"]').click()
    assert info.value.suggested_filename.endswith(".csv")

    # The report: the button at the top of the panel.
    with page.expect_download(timeout=60_000) as info:
        page.locator(".paneelknoppen").get_by_role("link", name="Rapport (PDF)").click()
    assert info.value.suggested_filename.endswith(".pdf")
    reader = PdfReader(info.value.path())
    assert 2 <= len(reader.pages) <= 6
    assert "Food Valley" in reader.pages[0].extract_text()


def test_printing_gives_the_map_the_samenvatting_and_the_table(browsing: Browsing) -> None:
    page = browsing.open(FOOD_VALLEY + "?thema=wonen&thema=natuur")
    page.get_by_role("button", name="Tabel tonen").click()
    expect(page.locator("#tabelvak tbody tr").first).to_be_visible()
    # Folded on the screen; on paper the samenvatting is there all the same.
    page.locator("#samenvatting-sectie summary").click()
    zoom = "() => Gebiedsregie.pagina.map.setView([52.0, 5.6], 14, { animate: false })"
    page.evaluate(zoom)
    page.emulate_media(media="print")
    for hidden in (
        ".kop",
        "#zoekveld",
        "#filters",
        ".leaflet-control-layers",
        ".leaflet-control-zoom",
        ".zoom-gebied",
        ".paneelknoppen",
        "#uitwisseling",
        ".toast",
    ):
        expect(page.locator(hidden).first).to_be_hidden()
    for shown in (".folium-map", ".legenda", "[data-samenvatting] .kerncijfers", "#tabelvak table"):
        expect(page.locator(shown).first).to_be_visible()
    # The map on paper: the whole gebied, at the map's print size.
    page.wait_for_function(
        """() => {
          const p = Gebiedsregie.pagina;
          return p.map.getBounds().pad(0.02).contains(p.grens.getBounds());
        }"""
    )
    map_box = page.locator(".folium-map").bounding_box()
    assert map_box and map_box["height"] > 400
    assert page.locator("path.stapeling-vlak").count() > 0

    pdf = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    # (NFKC: the PDF writes "fi" as a ligature.)
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))
    for present in (
        "Food Valley",
        "Samenvatting",
        "Maximale stapeling",
        "Oppervlakte per thema",
        "Met filters: thema's: Wonen, Natuur.",
        "Opgaven in Food Valley",
        "Hoogste",
        "Stapeling (aantal opgaven)",
    ):
        assert present in text, present
    for absent in (
        "Filters wissen",
        "Kaartlagen",
        "Inloggen",
        "Tabel sluiten",
        "Tabel verbergen",
        "Veelhoek",
        "Rapport (PDF)",
        "Zoek gemeente",
        "Sorteer met de kolomkoppen",
    ):
        assert absent not in text, absent
    # Back on the screen: as it was.
    page.emulate_media(media="screen")
    expect(page.locator(".kop")).to_be_visible()
    page.wait_for_function("() => Gebiedsregie.pagina.map.getZoom() === 14")
    expect(page.locator("#samenvatting-sectie")).not_to_have_attribute("open", "")
