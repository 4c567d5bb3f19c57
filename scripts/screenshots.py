"""Refresh the screenshots in docs/screenshots: the pages as the README shows them, at desktop
(1280 x 800) and phone (390 x 844) size.

The app runs as for the browser tests (tests/web/conftest.py): on a database of its own,
seeded with the voorbeeldgebieden, served in a thread, photographed by Debian's chromium.
The background tiles fail on purpose, so the pictures never depend on the internet: the
provinces stand in for the background, as they do offline.

    .venv/bin/python scripts/screenshots.py [DIR]     (DIR: docs/screenshots)
"""

import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' helpers: the same database and browser set-up

import pypdfium2  # noqa: E402
import uvicorn  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from gebiedsregie.app import create_app  # noqa: E402
from gebiedsregie.settings import Settings  # noqa: E402
from tests.conftest import seeded_database, server_url, url_for  # noqa: E402
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, TILE_HOSTS, free_port  # noqa: E402

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LOADED = "() => document.body.dataset.laden === 'nee'"


@contextmanager
def running_app() -> Iterator[str]:
    """The app on a fresh, seeded database; yields its base URL."""
    admin = url_for(server_url(), "postgres")
    with seeded_database((admin, admin), "screenshots") as database:
        port = free_port()
        app = create_app(Settings(database_url=None), database)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def quiet(page: Page) -> None:
    """No toast in the picture (it says what was just loaded), the map at rest."""
    page.evaluate("() => Gebiedsregie.toast && Gebiedsregie.toast('')")
    page.wait_for_timeout(400)


def samenvatting(page: Page) -> None:
    """The charts and the thema x thema matrix."""
    page.locator("[data-samenvatting] .heatmap").evaluate(
        "(h) => h.scrollIntoView({ block: 'end' })"
    )
    quiet(page)


def tabel(page: Page) -> None:
    page.get_by_role("button", name="Tabel tonen").click()
    page.locator("#tabelvak tbody tr").first.wait_for()
    page.locator('th[data-kolom="hoogste_stapeling"] button').click()
    page.locator('th[data-kolom="hoogste_stapeling"] button').click()
    page.locator("#tabelvak tbody tr").first.locator("td").first.click()
    page.locator(".opgave-popup").wait_for()
    quiet(page)


def zoeken(page: Page) -> None:
    page.get_by_role("combobox", name="Zoek een gemeente, provincie, gebied of opgave").fill(
        "wagen"
    )
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("ArrowDown")
    quiet(page)


def telefoon_lagen(page: Page) -> None:
    page.get_by_role("button", name="Kaartlagen").click()
    quiet(page)


# name, path, viewport, what to do before the picture
SHOTS: list[tuple[str, str, dict[str, int], Callable[[Page], None]]] = [
    ("overzicht.png", "/", DESKTOP, quiet),
    ("overzicht-telefoon.png", "/", PHONE, quiet),
    ("gebied.png", "/gebieden/food-valley", DESKTOP, quiet),
    ("gebied-rd.png", "/gebieden/zuidoost-drenthe?kaart=rd", DESKTOP, quiet),
    ("gebied-telefoon.png", "/gebieden/zuidoost-drenthe", PHONE, quiet),
    ("lagen-telefoon.png", "/gebieden/zuidoost-drenthe", PHONE, telefoon_lagen),
    ("samenvatting.png", "/gebieden/food-valley", DESKTOP, samenvatting),
    ("tabel.png", "/gebieden/zuidoost-drenthe", DESKTOP, tabel),
    ("zoeken.png", "/gebieden/food-valley", DESKTOP, zoeken),
    (
        "vergelijken.png",
        "/gebieden/food-valley/vergelijken?a=huidig&a_horizon=2030&b=huidig&b_horizon=2040",
        DESKTOP,
        quiet,
    ),
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with running_app() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, path, viewport, before in SHOTS:
            context = browser.new_context(viewport=viewport, locale="nl-NL")
            context.route(TILE_HOSTS, lambda route: route.abort())
            page = context.new_page()
            page.goto(base + path)
            page.wait_for_function(LOADED, timeout=30_000)
            before(page)
            page.screenshot(path=str(out / name))
            print(out / name)
            if name == "gebied.png":  # and the same page on paper (Ctrl+P), page 1
                page.emulate_media(media="print")
                page.wait_for_timeout(300)
                pdf = pypdfium2.PdfDocument(io.BytesIO(page.pdf(format="A4")))
                pdf[0].render(scale=1.4).to_pil().save(out / "afdruk.png")
                print(out / "afdruk.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
