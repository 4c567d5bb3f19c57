"""The map pages as HTML: what they link to, what they show, and how they escape."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.access import SESSIE_COOKIE
from gebiedsregie.auth.models import Rol
from gebiedsregie.settings import Settings
from tests.conftest import app_on
from tests.factories import TEST_SETTINGS, make_gebied, make_gebruiker, make_opgave

EXTERNAL_CSS = re.compile(r"""(url\(\s*['"]?(https?:)?//|@import)""")


class Links(HTMLParser):
    """Every URL a page makes the browser load: scripts, stylesheets, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.labels: set[str] = set()
        self.fields: list[tuple[str, str | None]] = []
        self.icons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.loaded.append(values["src"] or "")
        if tag == "link" and values.get("rel") in {"stylesheet", "icon", "preload"}:
            self.loaded.append(values.get("href") or "")
        if tag == "link" and values.get("rel") == "icon":
            self.icons.append(values.get("href") or "")
        if tag in {"img", "iframe", "embed", "source"} and values.get("src"):
            self.loaded.append(values["src"] or "")
        if tag == "label" and values.get("for"):
            self.labels.add(values["for"] or "")
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append((values.get("name") or "", values.get("id")))


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def log_in(client: TestClient, session: Session, rol: Rol) -> None:
    """Give the client's page requests the session cookie of a new gebruiker with `rol`."""
    gebruiker = make_gebruiker(session, f"pagina-{rol.value}", rol)
    value, _csrf = auth_service.create_sessie(session, gebruiker, TEST_SETTINGS)
    client.cookies.set(SESSIE_COOKIE, value)


def test_pages_load_nothing_from_elsewhere(client: TestClient, session: Session) -> None:
    make_gebied(session)
    for path in ("/", "/gebieden/proefgebied"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        links = parse(page.text)
        assert any("leaflet.js" in url for url in links.loaded)
        for url in links.loaded:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{path} loads {url} from elsewhere"
            assert client.get(url).status_code == 200, url
        for cdn in ("cdn.jsdelivr", "cdnjs", "unpkg", "code.jquery", "bootstrapcdn"):
            assert cdn not in page.text


def test_stylesheets_load_nothing_from_elsewhere(client: TestClient, session: Session) -> None:
    make_gebied(session)
    links = parse(client.get("/gebieden/proefgebied").text)
    for url in links.loaded:
        if ".css" in url:
            css = client.get(url).text
            assert not EXTERNAL_CSS.search(css), url


def test_every_form_field_has_a_label(client: TestClient, session: Session) -> None:
    make_gebied(session)
    log_in(client, session, Rol.PLANNER)  # with the drawing and editing forms
    for path in ("/", "/gebieden/proefgebied"):
        links = parse(client.get(path).text)
        assert links.fields
        for name, field_id in links.fields:
            if name == "thema" and field_id is None:
                continue  # the thema checkboxes sit inside their <label>
            assert field_id in links.labels, f"{path}: field {name} has no label"


def test_drawing_tools_are_for_planners_only(client: TestClient, session: Session) -> None:
    make_gebied(session)
    for rol in (None, Rol.LEZER, Rol.PLANNER, Rol.BEHEERDER):
        if rol is not None:
            log_in(client, session, rol)
        for path, tools in (
            ("/", 'data-teken="gebied"'),
            ("/gebieden/proefgebied", 'id="bewerken"'),
        ):
            html = client.get(path).text
            planner = rol in (Rol.PLANNER, Rol.BEHEERDER)
            assert (tools in html) is planner, (rol, path)
            assert ('id="gebied-form"' in html) is planner, (rol, path)
            hint = f'Log in als planner om te tekenen.\n  <a href="/inloggen?volgende={path}">'
            assert (hint in html) is not planner, (rol, path)
            assert (f'<meta name="gebruiker-rol" content="{rol or ""}">') in html


def test_overview_shows_a_card_per_gebied(client: TestClient, session: Session) -> None:
    make_gebied(session)
    make_opgave(session)
    make_opgave(session, titel="Tweede", extern_id="tweede")
    html = client.get("/").text
    assert '<a href="/gebieden/proefgebied">Proefgebied</a>' in html
    assert 'data-cijfer="aantal_opgaven">2<' in html
    assert 'data-cijfer="max_diepte">2<' in html


def test_gebied_page_and_unknown_gebied(client: TestClient, session: Session) -> None:
    make_gebied(session)
    page = client.get("/gebieden/proefgebied")
    assert "<h1>Proefgebied</h1>" in page.text
    # The data comes from the API as the page needs it, not inside the HTML.
    assert '"FeatureCollection"' not in page.text
    missing = client.get("/gebieden/bestaat-niet")
    assert missing.status_code == 404
    assert "Gebied niet gevonden" in missing.text


def test_user_text_is_escaped(client: TestClient, session: Session) -> None:
    make_gebied(session, naam='<script>alert(1)</script>" onmouseover="x', slug="xss")
    html = client.get("/gebieden/xss").text + client.get("/").text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '" onmouseover="x' not in html


def test_assets_are_cache_busted(client: TestClient, session: Session) -> None:
    make_gebied(session)
    links = parse(client.get("/gebieden/proefgebied").text)
    ours = [url for url in links.loaded if url.startswith("/static/js/")]
    assert ours and all("?v=" in url for url in ours)


def test_the_favicon_needs_no_login(
    session: Session, settings: Settings, database_url: str
) -> None:
    """Browsers ask /favicon.ico by themselves, logged in or not: never a 404 or a login page."""
    app = app_on(session, settings, database_url, anoniem_lezen=False)
    with TestClient(app) as anonymous:
        assert anonymous.get("/", follow_redirects=False).status_code == 303  # log in first
        icon = anonymous.get("/favicon.ico", follow_redirects=False)
        assert icon.status_code == 200
        assert icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.text.startswith("<svg")
        page_icon = parse(anonymous.get("/inloggen").text).icons
        assert page_icon and anonymous.get(page_icon[0]).status_code == 200
