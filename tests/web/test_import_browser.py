"""Importing in the browser: the page for beheerders (/importeren) from file to report, and
Swagger UI's import form for a logged-in beheerder (CSRF, no made-up values)."""

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import geopandas
import pytest
from playwright.sync_api import Page, expect
from shapely import Point, Polygon, box
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.access import SESSIE_COOKIE
from gebiedsregie.auth.models import Rol
from tests.factories import TEST_SETTINGS, WACHTWOORD
from tests.web.conftest import Account, Browsing

SCREENSHOTS = os.environ.get("GEBIEDSREGIE_SCREENSHOTS")
BEHEERDER = "web-importeur"
EXTERN = "importtest-"  # the extern ids of what these tests import (removed afterwards)
# Features in Food Valley, east of Ede (RD): a layer without a titel field, as provinces have.
VORMEN = [
    box(173_000, 447_000, 174_000, 448_000),
    Polygon([(174_000, 447_000), (174_500, 447_500), (174_500, 447_000), (174_000, 447_500)]),
    box(175_000, 447_000, 175_800, 447_600),
    Point(174_200, 447_200),
]
RECORDS = [
    {"OBJECTID": f"{EXTERN}101", "THEMA": "natuur", "FASE": "verkenning", "OPMERKING": "Eerste"},
    {"OBJECTID": f"{EXTERN}102", "THEMA": "natuur", "FASE": "planvorming", "OPMERKING": "Vlinder"},
    {"OBJECTID": f"{EXTERN}103", "THEMA": "ruimtevaart", "FASE": None, "OPMERKING": None},
    {"OBJECTID": f"{EXTERN}104", "THEMA": "water-bodem", "FASE": None, "OPMERKING": "Put"},
]
LAAG = "Realisatie_verbeteren_NNN"


@pytest.fixture(scope="module")
def importeur(live_sessions: sessionmaker[Session]) -> Iterator[Account]:
    """A beheerder of the live app; what the tests import is removed afterwards, so the
    other browser tests see the seeded data only."""
    with live_sessions() as session:
        gebruiker = auth_service.create_gebruiker(
            session, BEHEERDER, Rol.BEHEERDER, WACHTWOORD, TEST_SETTINGS
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    yield Account(BEHEERDER, value)
    with live_sessions() as session:
        ids = session.scalars(
            text("SELECT id FROM opgave WHERE extern_id LIKE :prefix"), {"prefix": f"{EXTERN}%"}
        ).all()
        session.execute(text("DELETE FROM opgave WHERE id = ANY(:ids)"), {"ids": list(ids)})
        session.execute(
            text("DELETE FROM historie WHERE object_id = ANY(:ids)"), {"ids": list(ids)}
        )
        session.commit()


def log_in_as(browsing: Browsing, live_sessions: sessionmaker[Session], naam: str) -> None:
    with live_sessions() as session:
        gebruiker = auth_service.get_gebruiker(session, naam)
        value, _csrf = auth_service.create_sessie(session, gebruiker, TEST_SETTINGS)
    browsing.page.context.add_cookies(
        [{"name": SESSIE_COOKIE, "value": value, "url": browsing.base, "httpOnly": True}]
    )


@pytest.fixture
def beheerder(
    browsing: Browsing, importeur: Account, live_sessions: sessionmaker[Session]
) -> Account:
    """The browser is logged in as a beheerder."""
    log_in_as(browsing, live_sessions, importeur.naam)
    return importeur


def laagbestand(folder: Path) -> Path:
    path = folder / "realisatie.gpkg"
    frame = geopandas.GeoDataFrame(RECORDS, geometry=geopandas.GeoSeries(VORMEN, crs=28992))
    frame.to_crs(4258).to_file(path, layer=LAAG, driver="GPKG")
    return path


def shoot(page: Page, name: str) -> None:
    """A screenshot of the whole page (its column scrolls inside the window: make it tall)."""
    if not SCREENSHOTS:
        return
    size = page.viewport_size or {"width": 1400, "height": 900}
    inhoud = page.locator(".importeren")
    hoogte = inhoud.evaluate("e => e.scrollHeight") + 60 if inhoud.count() else size["height"]
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], hoogte)})
    page.screenshot(path=str(Path(SCREENSHOTS) / name))
    page.set_viewport_size(size)


def test_the_import_page_is_for_beheerders(
    browsing: Browsing, planner: Account, live_sessions: sessionmaker[Session], importeur: Account
) -> None:
    page = browsing.page
    browsing.journal.expected_statuses.add(403)
    response = page.goto(browsing.base + "/importeren")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("alleen met de rol beheerder")
    expect(page.locator(".kop").get_by_role("link", name="Importeren")).to_have_count(0)
    expect(page.locator("#import-form")).to_have_count(0)
    # Logged out, the page asks to log in first and comes back afterwards.
    page.context.clear_cookies()
    page.goto(browsing.base + "/importeren")
    assert page.url.endswith("/inloggen?volgende=/importeren")
    log_in_as(browsing, live_sessions, importeur.naam)
    page.goto(browsing.base + "/")
    page.locator(".kop").get_by_role("link", name="Importeren").click()
    page.wait_for_url(browsing.base + "/importeren")
    expect(page.get_by_role("heading", name="Importeren", exact=True)).to_be_visible()


def test_from_file_to_dry_run_to_import(
    browsing: Browsing, beheerder: Account, live_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    page = browsing.page
    page.goto(browsing.base + "/importeren")
    page.get_by_label("Bestand", exact=True).set_input_files(laagbestand(tmp_path))

    # The layer and its fields, with the mapping the import would take by name.
    velden = page.locator("[data-velden] tr")
    expect(velden).to_have_count(4)
    expect(page.locator("[data-laag-kenmerken]")).to_contain_text("EPSG:4258 (bestand)")
    expect(page.locator("[data-laag-kenmerken]")).to_contain_text("GeoPackage")
    expect(velden.filter(has_text="OPMERKING")).to_contain_text("Vlinder")
    expect(page.get_by_label("Laag", exact=True)).to_have_value(LAAG)
    expect(page.locator("#import-veld_titel")).to_have_value("-")  # the default titel
    expect(page.locator("#import-veld_status")).to_have_value("FASE")
    expect(page.locator("#import-veld_extern_id")).to_have_value("OBJECTID")
    expect(page.locator("#import-veld_beschrijving")).to_have_value("OPMERKING")
    expect(page.locator("#import-veld_trekker")).to_have_value("-")
    importeer = page.get_by_role("button", name="Importeren", exact=True)
    expect(importeer).to_be_disabled()

    page.get_by_role("button", name="Proefimport (niets opslaan)").click()
    rapport = page.locator("[data-rapport]")
    expect(rapport.get_by_role("heading")).to_contain_text("Rapport van de proefimport")
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        "Proefimport: importeren zou 2 opgaven opslaan."
    )
    expect(page.locator("[data-rapport-meldingen]")).to_contain_text("Geen titelveld gevonden")
    gebied = page.locator("[data-rapport-gebieden]").get_by_role("link", name="Food Valley")
    expect(gebied).to_have_attribute("href", "/gebieden/food-valley")
    # Refused features are shown first, with their reasons.
    regels = page.locator("[data-rapport-regels] tr")
    expect(regels).to_have_count(2)
    expect(regels.first).to_contain_text("onbekend thema 'ruimtevaart'")
    expect(regels.nth(1)).to_contain_text("buffer_m")
    page.get_by_label("Toon").select_option("")
    expect(regels).to_have_count(4)
    eerste = regels.first
    expect(eerste).to_contain_text(f"{LAAG} {EXTERN}101")
    expect(eerste).to_contain_text("Food Valley")
    expect(regels.nth(1)).to_contain_text("Hersteld")
    assert count_imported(live_sessions) == 0
    expect(importeer).to_be_enabled()
    shoot(page, "importeren.png")

    # The report as CSV, made in the browser.
    with page.expect_download() as download:
        page.get_by_role("button", name="Rapport downloaden (CSV)").click()
    assert download.value.suggested_filename == "importrapport-realisatie-proef.csv"
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert [r["status"] for r in rows] == ["geaccepteerd", "hersteld", "geweigerd", "geweigerd"]
    assert rows[0]["titel"] == f"{LAAG} {EXTERN}101"
    assert rows[0]["gebieden"] == "Food Valley"

    # Another choice than the dry run's: import waits for a new dry run.
    page.get_by_label("Buffer voor punten en lijnen (m)").fill("20")
    expect(importeer).to_be_disabled()
    page.get_by_role("button", name="Proefimport (niets opslaan)").click()
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        "Proefimport: importeren zou 3 opgaven opslaan."
    )
    expect(importeer).to_be_enabled()
    importeer.click()
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        "Import klaar: 3 opgaven opgeslagen."
    )
    expect(importeer).to_be_disabled()  # the same file twice would store nothing new
    assert count_imported(live_sessions) == 3
    with live_sessions() as session:
        titels = session.scalars(
            text("SELECT titel FROM opgave WHERE extern_id LIKE :p ORDER BY extern_id"),
            {"p": f"{EXTERN}%"},
        ).all()
    assert titels == [f"{LAAG} {EXTERN}101", f"{LAAG} {EXTERN}102", f"{LAAG} {EXTERN}104"]


def count_imported(live_sessions: sessionmaker[Session]) -> int:
    with live_sessions() as session:
        found = session.scalar(
            text("SELECT count(*) FROM opgave WHERE extern_id LIKE :p"), {"p": f"{EXTERN}%"}
        )
    return int(found or 0)


def test_the_page_shows_refusals_of_the_file_at_the_file(
    browsing: Browsing, beheerder: Account, tmp_path: Path
) -> None:
    browsing.journal.expected_statuses.add(400)
    page = browsing.page
    page.goto(browsing.base + "/importeren")
    trojan = tmp_path / "plannen.gml"
    trojan.write_text("<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>")
    page.get_by_label("Bestand", exact=True).set_input_files(trojan)
    fout = page.locator('[data-fout-voor="bestand"]')
    expect(fout).to_contain_text("is geen GML")
    expect(page.locator("[data-stap]").first).to_be_hidden()


def test_the_csv_cannot_carry_a_formula(browsing: Browsing, beheerder: Account) -> None:
    page = browsing.page
    page.goto(browsing.base + "/importeren")
    cells = page.evaluate(
        """async () => {
          const { csvCel } = await import("/static/js/importrapport.js");
          return [csvCel("=HYPERLINK(\\"x\\")"), csvCel("+31"), csvCel("a;b"), csvCel("gewoon")];
        }"""
    )
    assert cells == ['"\'=HYPERLINK(""x"")"', "'+31", '"a;b"', "gewoon"]


def test_swagger_ui_imports_as_the_logged_in_beheerder(
    browsing: Browsing, beheerder: Account, tmp_path: Path
) -> None:
    page = browsing.page
    page.goto(browsing.base + "/api/v1/docs")
    operation = page.locator("#operations-uitwisseling-import_upload_api_v1_import_post")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    # Optional fields start empty: no "string" or 0 that Swagger UI would send.
    inputs = operation.locator(".parameters input[type=text], .parameters input:not([type])")
    assert inputs.count() >= 10
    for i in range(inputs.count()):
        expect(inputs.nth(i)).to_have_value("")
    operation.locator('tr[data-property-name="dry_run"] select').select_option("true")
    operation.locator('tr[data-property-name="bestand"] input[type=file]').set_input_files(
        laagbestand(tmp_path)
    )
    with page.expect_request(lambda r: r.url.endswith("/api/v1/import")) as sent:
        operation.get_by_role("button", name="Execute").click()
    assert sent.value.headers.get("x-csrf-token")
    status = operation.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text('"dry_run": true')


def test_a_long_dry_run_shows_its_progress(
    browsing: Browsing, beheerder: Account, tmp_path: Path
) -> None:
    """8,000 features take a few seconds to check: the page says how many are done, of how
    many, and for how long it has been busy."""
    squares = [
        box(
            170_000 + 50 * (i % 60),
            445_000 + 50 * (i // 60),
            170_040 + 50 * (i % 60),
            445_040 + 50 * (i // 60),
        )
        for i in range(8_000)
    ]
    records = [{"naam": f"Vak {i}", "thema": "natuur"} for i in range(8_000)]
    path = tmp_path / "vakken.gpkg"
    geopandas.GeoDataFrame(records, geometry=geopandas.GeoSeries(squares, crs=28992)).to_file(
        path, driver="GPKG"
    )
    page = browsing.page
    page.goto(browsing.base + "/importeren")
    page.get_by_label("Bestand", exact=True).set_input_files(path)
    expect(page.locator("[data-laag-kenmerken]")).to_contain_text("8.000")
    # Every text the progress line shows, however briefly: a fast run passes some by.
    page.evaluate(
        """() => {
            const tekst = document.querySelector("[data-voortgang-tekst]");
            const balk = document.querySelector("[data-voortgang-balk]");
            window.getoond = [];
            window.balk = [];
            new MutationObserver(() => {
                window.getoond.push(tekst.textContent);
                window.balk.push(balk.value);
            })
                .observe(tekst, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.get_by_role("button", name="Proefimport (niets opslaan)").click()
    voortgang = page.locator("[data-voortgang-tekst]")
    expect(voortgang).to_contain_text("Proefimport bezig (0:")
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        "Proefimport: importeren zou 8.000 opgaven opslaan.", timeout=90_000
    )
    getoond: list[str] = page.evaluate("window.getoond")
    # The line ends saying the run is done, never "bezig" beside the report.
    klaar = re.fullmatch(r"Proefimport klaar \((\d+):(\d\d)\)", getoond[-1])
    assert klaar, getoond[-5:]
    seconden = 60 * int(klaar[1]) + int(klaar[2])
    counted = re.compile(
        r"Proefimport bezig \(\d+:\d\d\): \d\.000 van 8\.000 features gecontroleerd"
    )
    balk: list[float] = page.evaluate("window.balk")
    counts = [b for t, b in zip(getoond, balk, strict=True) if counted.fullmatch(t)]
    # The page polls each second; a run of 5 s or more shows at least one count, with the bar.
    assert counts or seconden < 5, getoond
    assert all(b > 0 for b in counts), counts
    expect(page.locator("[data-voortgang]")).to_be_hidden()
    expect(page.locator("[data-blad-tekst]")).to_have_text("1\u201350 van 8.000 · pagina 1 van 160")
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("[data-rapport-regels] tr").first).to_contain_text("Vak 50")


def test_a_file_without_crs_and_a_file_with_more_layers(
    browsing: Browsing, beheerder: Account, tmp_path: Path
) -> None:
    page = browsing.page
    page.goto(browsing.base + "/importeren")
    records = [{**r, "OBJECTID": f"{EXTERN}2{i:02d}"} for i, r in enumerate(RECORDS)]
    frame = geopandas.GeoDataFrame(records, geometry=geopandas.GeoSeries(VORMEN, crs=28992))
    collection = json.loads(frame.to_json(drop_id=True))
    collection.pop("crs", None)
    zonder = tmp_path / "zonder-crs.geojson"
    zonder.write_text(json.dumps(collection))
    bestand = page.get_by_label("Bestand", exact=True)
    bestand.set_input_files(zonder)
    # RD metres in a GeoJSON that names no CRS: the page says so and proposes RD New.
    expect(page.locator("[data-laag-meldingen]")).to_contain_text("lijken RD New")
    expect(page.get_by_label("CRS (alleen als het bestand er geen noemt)")).to_have_value(
        "EPSG:28992"
    )
    page.get_by_role("button", name="Proefimport (niets opslaan)").click()
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        "Proefimport: importeren zou 2 opgaven opslaan."
    )
    page.get_by_label("Toon").select_option("")
    # A GeoJSON's layer is named after the file, as the user uploaded it.
    expect(page.locator("[data-rapport-regels] tr").first).to_contain_text(
        f"zonder-crs {EXTERN}200"
    )

    twee = tmp_path / "twee.gpkg"
    frame.to_file(twee, layer="plannen", driver="GPKG")
    eigen = [{"NAAM_PLAN": f"Plan {i}", "CODE": f"P-{i}"} for i in range(4)]
    geopandas.GeoDataFrame(eigen, geometry=frame.geometry).to_file(
        twee, layer="eigen", driver="GPKG"
    )
    bestand.set_input_files(twee)
    expect(page.locator("[data-rapport]")).to_be_hidden()  # the report was of another file
    laag = page.get_by_label("Laag", exact=True)
    expect(laag.locator("option")).to_have_text(["plannen", "eigen"])
    expect(page.locator("[data-velden]")).to_contain_text("OPMERKING")
    laag.select_option("eigen")
    expect(page.locator("[data-velden]")).to_contain_text("NAAM_PLAN")
    expect(page.locator("[data-velden]")).not_to_contain_text("OPMERKING")
    expect(page.locator("#import-veld_thema")).to_have_value("-")
    # No thema: the dry run says which field to fill in, next to it.
    browsing.journal.expected_statuses.add(400)
    page.get_by_role("button", name="Proefimport (niets opslaan)").click()
    expect(page.locator('[data-fout-voor="thema"]')).to_contain_text("Geen thema")
    page.get_by_label("Thema voor het hele bestand").select_option("natuur")
    page.locator("#import-veld_titel").select_option("NAAM_PLAN")
    page.get_by_role("button", name="Proefimport (niets opslaan)").click()
    regels = page.locator("[data-rapport-regels] tr")
    expect(regels).to_have_count(1)  # the refused one: the point
    expect(regels.first).to_contain_text("Plan 3")
