"""The import page fills a referentielaag: "Importeren als: referentielaag", a new laag with
its naam, soort and kleur (made in the import's transaction: a dry run leaves none), then
the same laag replaced by the next file."""

from collections.abc import Iterator
from pathlib import Path

import geopandas
import pytest
from playwright.sync_api import Page, expect
from shapely import Point, box
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from tests.factories import TEST_SETTINGS, WACHTWOORD
from tests.web.conftest import Account, Browsing
from tests.web.test_import_browser import log_in_as, shoot

BEHEERDER = "web-laagimporteur"
NAAM = "Grondwaterbeschermingsgebieden (test)"
SLUG = "grondwaterbeschermingsgebieden-test"
# Three vlakken in Food Valley (RD), with the fields a source layer might have.
VLAKKEN = [
    box(173_000, 447_000, 174_000, 448_000),
    box(175_000, 447_000, 175_800, 447_600),
    box(176_000, 449_000, 176_500, 449_500),
]


@pytest.fixture(scope="module")
def laagimporteur(live_sessions: sessionmaker[Session]) -> Iterator[Account]:
    """A beheerder of the live app; the laag these tests make is removed afterwards."""
    with live_sessions() as session:
        gebruiker = auth_service.create_gebruiker(
            session, BEHEERDER, Rol.BEHEERDER, WACHTWOORD, TEST_SETTINGS
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    yield Account(BEHEERDER, value)
    with live_sessions() as session:
        ids = session.scalars(
            text("SELECT id FROM referentielaag WHERE slug LIKE :s"), {"s": f"{SLUG}%"}
        ).all()
        session.execute(text("DELETE FROM referentielaag WHERE id = ANY(:ids)"), {"ids": ids})
        session.execute(text("DELETE FROM historie WHERE object_id = ANY(:ids)"), {"ids": ids})
        session.commit()


def bestand(folder: Path, geoms: list[object], naam: str = "grondwater.geojson") -> Path:
    path = folder / naam
    records = [{"naam": f"Wingebied {i}", "code": f"GW{i}"} for i in range(1, len(geoms) + 1)]
    frame = geopandas.GeoDataFrame(records, geometry=geopandas.GeoSeries(geoms, crs=28992))
    frame.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def lagen(live_sessions: sessionmaker[Session]) -> list[tuple[str, str, str, int]]:
    with live_sessions() as session:
        rows = session.execute(
            text(
                "SELECT slug, soort, kleur, aantal_objecten FROM referentielaag "
                "WHERE slug LIKE :s AND verwijderd_op IS NULL"
            ),
            {"s": f"{SLUG}%"},
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def proef(page: Page) -> None:
    page.get_by_role("button", name="Proefimport (niets opslaan)").click()


def test_a_file_becomes_a_new_referentielaag(
    browsing: Browsing,
    laagimporteur: Account,
    live_sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    log_in_as(browsing, live_sessions, laagimporteur.naam)
    browsing.journal.expected_statuses.add(400)  # a new laag without its naam
    page = browsing.page
    page.goto(browsing.base + "/importeren")
    page.get_by_label("Bestand", exact=True).set_input_files(bestand(tmp_path, VLAKKEN))
    expect(page.locator("[data-velden] tr")).to_have_count(2)

    # As a referentielaag: the field mapping and fixed values give way to the laag's step.
    page.locator('input[name="doel"][value="referentielaag"]').check()
    expect(page.get_by_role("heading", name="Velden toewijzen")).to_be_hidden()
    expect(page.get_by_role("heading", name="Thema en vaste waarden")).to_be_hidden()
    stap = page.locator("section.stap[data-alleen-referentielaag]")
    expect(stap).to_be_visible()
    expect(stap.locator(".stapnr")).to_have_text("3")
    laatste = page.get_by_role("heading", name="Controleren en importeren").locator(".stapnr")
    expect(laatste).to_have_text("4")
    expect(page.locator("#import-referentielaag")).to_have_value("")  # a new laag
    expect(page.locator("#import-referentielaag")).to_contain_text("Natura 2000 (sturend")

    # Without a naam the API names the field.
    proef(page)
    expect(page.locator('[data-fout-voor="nieuwe_referentielaag.naam"]')).to_be_visible()
    page.get_by_role("textbox", name="Naam", exact=True).fill(NAAM)
    page.get_by_label("Soort").select_option("sturend")
    page.get_by_label("Kleur op de kaart").fill("#1565c0")
    page.get_by_label("Licentie en naamsvermelding").fill("CC0")
    proef(page)
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        f"Proefimport: importeren zou 3 objecten in {NAAM} (een nieuwe laag) zetten."
    )
    expect(page.locator("[data-rapport-regels] tr").first).to_contain_text("Wingebied 1")
    expect(page.locator("[data-rapport-gebieden]")).to_be_hidden()
    assert lagen(live_sessions) == []  # a dry run makes no laag
    shoot(page, "importeren-referentielaag.png")

    page.get_by_role("button", name="Importeren", exact=True).click()
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        f"Import klaar: {NAAM} heeft nu 3 objecten."
    )
    assert lagen(live_sessions) == [(SLUG, "sturend", "#1565c0", 3)]
    # The laag made is chosen now: the next file replaces its objecten.
    expect(page.locator("#import-referentielaag")).to_have_value(SLUG)
    expect(page.locator("[data-referentielaag-uitleg]")).to_contain_text("vervangt alle 3 objecten")
    expect(page.locator("[data-nieuwe-laag]")).to_be_hidden()

    # A point in the next file refuses it whole: the dry run says so, the laag stays.
    page.get_by_label("Bestand", exact=True).set_input_files(
        bestand(tmp_path, [VLAKKEN[0], Point(174_000, 448_000)], "met_punt.geojson")
    )
    expect(page.locator("[data-laag-meldingen]")).to_contain_text("alleen vlakken")
    proef(page)
    expect(page.locator("[data-rapport-uitkomst]")).to_contain_text(
        "1 features geweigerd; importeren zou niets opslaan"
    )
    page.get_by_label("Bestand", exact=True).set_input_files(
        bestand(tmp_path, VLAKKEN[:2], "twee.geojson")
    )
    expect(page.locator("[data-velden] tr")).to_have_count(2)
    proef(page)
    page.get_by_role("button", name="Importeren", exact=True).click()
    expect(page.locator("[data-rapport-uitkomst]")).to_have_text(
        f"Import klaar: {NAAM} heeft nu 2 objecten."
    )
    assert lagen(live_sessions) == [(SLUG, "sturend", "#1565c0", 2)]
