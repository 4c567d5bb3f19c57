"""The running app for browser tests: its own seeded database, uvicorn in a thread, and
Debian's chromium driven by Playwright (never a downloaded browser)."""

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy.orm import Session, sessionmaker

from gebiedsregie.app import create_app
from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.access import SESSIE_COOKIE
from gebiedsregie.auth.models import Rol
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.settings import Settings
from tests.conftest import seeded_database
from tests.factories import TEST_SETTINGS, WACHTWOORD

CHROMIUM = Path(os.environ.get("GEBIEDSREGIE_CHROMIUM", "/usr/bin/chromium"))
# The flags a headless chromium needs in a closed sandbox (root, no GPU, no Google services).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TILE_HOSTS = re.compile(r"^https://(service\.pdok\.nl|tile\.openstreetmap\.org)/")
FAILED_STATUS = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
# The gebruikers of the live app (named web-<key>): a second planner changes things "meanwhile",
# and the login form test has one of its own, so its failed attempt blocks no one else.
LIVE_GEBRUIKERS = {
    "lezer": Rol.LEZER,
    "planner": Rol.PLANNER,
    "collega": Rol.PLANNER,
    "inlogger": Rol.PLANNER,
}
# A 1x1 transparent PNG, served instead of background tiles: tests never reach the internet.
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture(scope="session")
def live_database(fresh_database: tuple[str, str]) -> Iterator[str]:
    """A database of its own, seeded with the voorbeeldgebieden, for a running app."""
    with seeded_database(fresh_database, "web") as url:
        yield url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(live_database: str) -> Iterator[str]:
    """Serve the app in a thread of this process (the browser runs in its own)."""
    port = free_port()
    app = create_app(Settings(database_url=None), live_database)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start for the browser tests")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_sessions(live_database: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the live app's database (which commits: it is not the tests' rollback one)."""
    engine = make_engine(live_database)
    yield make_sessionmaker(engine)
    engine.dispose()


@dataclass(frozen=True)
class Account:
    """A gebruiker of the live app: password WACHTWOORD, and an API token."""

    naam: str
    token: str


@pytest.fixture(scope="session")
def accounts(live_sessions: sessionmaker[Session]) -> dict[str, Account]:
    """The LIVE_GEBRUIKERS, made by the auth service in the live database."""
    made = {}
    with live_sessions() as session:
        for key, rol in LIVE_GEBRUIKERS.items():
            gebruiker = auth_service.create_gebruiker(
                session, f"web-{key}", rol, WACHTWOORD, TEST_SETTINGS
            )
            _token, value = auth_service.create_token(session, gebruiker, 1)
            made[key] = Account(gebruiker.naam, value)
    return made


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Journal:
    """What a page did: JavaScript errors, and every URL it requested."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    # HTTP statuses a test provokes on purpose (chromium logs each as a console error).
    expected_statuses: set[int] = field(default_factory=set)

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # A background tile that cannot load is expected offline; the map must cope.
        if TILE_HOSTS.match(message.location.get("url", "")):
            return
        status = FAILED_STATUS.match(message.text)
        if status and int(status.group(1)) in self.expected_statuses:
            return
        self.errors.append(f"console: {message.text} ({message.location})")

    def request(self, request: Request) -> None:
        self.requests.append(request.url)


@dataclass
class Browsing:
    page: Page
    journal: Journal
    base: str

    def open(self, path: str) -> Page:
        """Go to `path` and wait until the page has loaded its data from the API."""
        self.page.goto(self.base + path)
        self.wait_loaded()
        return self.page

    def wait_loaded(self) -> None:
        try:
            # A function, not an expression: Playwright evals an expression on every poll,
            # which the pages' CSP (no 'unsafe-eval') rightly refuses.
            self.page.wait_for_function(
                "() => document.body.dataset.laden === 'nee'", timeout=30_000
            )
        except PlaywrightTimeout:
            raise AssertionError(f"page never finished loading: {self.journal.errors}") from None


@pytest.fixture
def browsing(browser: Browser, live_url: str, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    """A fresh browser context; tiles answer blank (or fail, with the marker `tiles_fail`)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="nl-NL")
    if request.node.get_closest_marker("tiles_fail"):
        context.route(TILE_HOSTS, lambda route: route.abort())
    else:
        context.route(
            TILE_HOSTS, lambda route: route.fulfill(body=BLANK_PNG, content_type="image/png")
        )
    page = context.new_page()
    journal = Journal()
    page.on("console", journal.console)
    page.on("pageerror", lambda exc: journal.errors.append(f"pageerror: {exc}"))
    page.on("request", journal.request)
    yield Browsing(page, journal, live_url)
    context.close()
    assert journal.errors == [], "JavaScript errors in the browser"


@pytest.fixture
def log_in(
    browsing: Browsing, accounts: dict[str, Account], live_sessions: sessionmaker[Session]
) -> Callable[[str], Account]:
    """Log the browser in as accounts[key]: a real session, as /inloggen starts one, in its
    cookie (test_accounts_browser.py goes through the form itself)."""

    def log_in_as(key: str) -> Account:
        account = accounts[key]
        with live_sessions() as session:
            gebruiker = auth_service.get_gebruiker(session, account.naam)
            value, _csrf = auth_service.create_sessie(session, gebruiker, TEST_SETTINGS)
        browsing.page.context.add_cookies(
            [
                {
                    "name": SESSIE_COOKIE,
                    "value": value,
                    "url": browsing.base,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        return account

    return log_in_as


@pytest.fixture
def planner(log_in: Callable[[str], Account]) -> Account:
    """The browser is logged in as a planner."""
    return log_in("planner")
