"""Who may do what: roles on every write, tokens, sessions with CSRF, the login page."""

import re
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from gebiedsregie.app import create_app
from gebiedsregie.auth import service
from gebiedsregie.auth.access import CSRF_HEADER, SESSIE_COOKIE
from gebiedsregie.auth.models import ApiToken, Rol
from gebiedsregie.auth.throttle import LoginThrottle, TooMany
from gebiedsregie.bounded import Budget
from gebiedsregie.db import get_session, get_session_factory
from gebiedsregie.settings import Settings
from tests.conftest import app_on
from tests.factories import (
    EDE,
    WACHTWOORD,
    feature,
    make_gebied,
    make_gebruiker,
    make_opgave,
    opgave_properties,
    token_headers,
)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Writes that are reads in disguise: an ad-hoc stapeling computes, it stores nothing.
READ_POSTS = {"/api/v1/stapeling"}


def make_client(session: Session, settings: Settings, database_url: str) -> TestClient:
    app = create_app(settings, database_url)
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def closed_client(session: Session, database_url: str) -> Iterator[TestClient]:
    """A client of an instance where reading needs an account too."""
    settings = Settings(database_url=None, anoniem_lezen=False)
    with make_client(session, settings, database_url) as client:
        yield client


def write_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every documented write of the API, as (method, path template)."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method.upper() in WRITE_METHODS and path not in READ_POSTS
    )


def test_every_write_endpoint_refuses_anonymous_and_lezer(
    anonymous_client: TestClient, session: Session
) -> None:
    routes = write_routes(anonymous_client)
    assert len(routes) >= 10  # gebieden, opgaven, import, herstel
    lezer = token_headers(session, Rol.LEZER)
    gebied, opgave = make_gebied(session), make_opgave(session)
    for method, path in routes:
        url = path.replace("{gebied_id}", str(gebied.id)).replace("{opgave_id}", str(opgave.id))
        # The OGC API's writes (Part 4): an opgave in the opgaven collection.
        url = url.replace("{collection_id}", "opgaven").replace("{feature_id}", str(opgave.id))
        anonymous = anonymous_client.request(method, url, json={})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        as_lezer = anonymous_client.request(method, url, json={}, headers=lezer)
        assert as_lezer.status_code == 403, (method, path, as_lezer.text)
        assert "rol" in as_lezer.json()["detail"]


def test_planner_writes_but_only_beheerder_imports_and_restores(
    anonymous_client: TestClient, session: Session
) -> None:
    planner = token_headers(session, Rol.PLANNER)
    created = anonymous_client.post(
        "/api/v1/opgaven", json=feature(EDE, **opgave_properties()), headers=planner
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    assert anonymous_client.delete(url, headers=planner).status_code == 204
    assert anonymous_client.post(f"{url}/herstel", headers=planner).status_code == 403
    imported = anonymous_client.post(
        "/api/v1/import", files={"bestand": ("x.geojson", b"{}")}, headers=planner
    )
    assert imported.status_code == 403
    beheerder = token_headers(session, Rol.BEHEERDER)
    assert anonymous_client.post(f"{url}/herstel", headers=beheerder).status_code == 200


def test_reading_is_open_or_closed_by_setting(
    anonymous_client: TestClient, closed_client: TestClient, session: Session
) -> None:
    make_gebied(session)
    assert anonymous_client.get("/api/v1/gebieden").status_code == 200
    assert anonymous_client.get("/ogc/collections").status_code == 200
    for path in ("/api/v1/gebieden", "/ogc/collections/opgaven/items", "/api/v1/themas"):
        refused = closed_client.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["content-type"] == "application/problem+json"
    lezer = token_headers(session, Rol.LEZER)
    assert closed_client.get("/api/v1/gebieden", headers=lezer).status_code == 200
    page = closed_client.get("/gebieden/proefgebied")
    assert page.status_code == 303
    assert page.headers["location"] == "/inloggen?volgende=/gebieden/proefgebied"
    # The audit trail names people: never for anonymous readers.
    assert anonymous_client.get("/api/v1/historie").status_code == 401


def test_tokens_expire_are_revoked_and_die_with_their_account(
    anonymous_client: TestClient, session: Session
) -> None:
    gebruiker = make_gebruiker(session, "bas", Rol.LEZER)
    token, value = service.create_token(session, gebruiker, 30, "script")
    headers = {"Authorization": f"Bearer {value}"}
    ik = anonymous_client.get("/api/v1/ik", headers=headers)
    assert ik.json() == {"naam": "bas", "rol": "lezer", "via": "token"}
    assert session.get(ApiToken, token.id).laatst_gebruikt_op is not None  # type: ignore[union-attr]
    assert token.hash != value and value not in token.hash  # only the hash is kept

    service.set_actief(session, "bas", False)
    assert anonymous_client.get("/api/v1/ik", headers=headers).status_code == 401
    service.set_actief(session, "bas", True)
    assert anonymous_client.get("/api/v1/ik", headers=headers).status_code == 200

    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(verloopt_op=service.now() - timedelta(seconds=1))
    )
    expired = anonymous_client.get("/api/v1/ik", headers=headers)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]

    _other, fresh = service.create_token(session, gebruiker, 30)
    service.revoke_token(session, str(_other.id)[:8])
    assert (
        anonymous_client.get("/api/v1/ik", headers={"Authorization": f"Bearer {fresh}"}).status_code
        == 401
    )
    # Credentials that are wrong are refused even where no account is needed.
    bogus = anonymous_client.get("/api/v1/gebieden", headers={"Authorization": "Bearer gr_nope"})
    assert bogus.status_code == 401


def login(client: TestClient, naam: str, wachtwoord: str, volgende: str = "/") -> TestClient:
    form = client.get("/inloggen", params={"volgende": volgende})
    assert form.status_code == 200
    assert form.headers["cache-control"] == "no-store"
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    return client.post(  # type: ignore[return-value]
        "/inloggen",
        data={"naam": naam, "wachtwoord": wachtwoord, "csrf": csrf[1], "volgende": volgende},
    )


def test_login_sets_a_session_and_writes_need_its_csrf_token(
    anonymous_client: TestClient, session: Session
) -> None:
    make_gebruiker(session, "carla", Rol.PLANNER)
    client = anonymous_client
    client.follow_redirects = False
    done = login(client, "Carla", WACHTWOORD, "/gebieden/proefgebied")
    assert done.status_code == 303
    assert done.headers["location"] == "/gebieden/proefgebied"
    cookie = done.headers["set-cookie"]
    assert f"{SESSIE_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie

    page = client.get("/")
    assert "carla" in page.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert csrf is not None and len(csrf[1]) >= 32
    assert '<meta name="gebruiker-rol" content="planner">' in page.text
    assert client.get("/api/v1/ik").json()["via"] == "sessie"

    body = feature(EDE, **opgave_properties())
    without = client.post("/api/v1/opgaven", json=body)
    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    wrong = client.post("/api/v1/opgaven", json=body, headers={CSRF_HEADER: "x" * 43})
    assert wrong.status_code == 403
    right = client.post("/api/v1/opgaven", json=body, headers={CSRF_HEADER: csrf[1]})
    assert right.status_code == 201, right.text
    history = client.get(right.headers["location"] + "/historie").json()
    assert history["wijzigingen"][0]["door"] == "carla"

    # Logging out needs the page's token too; then the session is gone.
    assert client.post("/uitloggen", data={"csrf": "nee"}).status_code == 303
    client.cookies.set(SESSIE_COOKIE, done.cookies[SESSIE_COOKIE])
    assert client.get("/api/v1/ik").status_code == 200
    assert client.post("/uitloggen", data={"csrf": csrf[1]}).status_code == 303
    client.cookies.set(SESSIE_COOKIE, done.cookies[SESSIE_COOKIE])
    assert client.get("/api/v1/ik").status_code == 401
    assert client.get("/").status_code == 200  # a stale cookie on a page is just no one
    assert client.get("/api/v1/gebieden").status_code == 200  # and on a read of the API
    stale_write = client.post("/api/v1/opgaven", json=body, headers={CSRF_HEADER: csrf[1]})
    assert stale_write.status_code == 401
    assert "sessie is verlopen" in stale_write.json()["detail"]


def test_login_refusals_and_lockout(anonymous_client: TestClient, session: Session) -> None:
    make_gebruiker(session, "dirk", Rol.LEZER)
    client = anonymous_client
    client.follow_redirects = False
    unknown = login(client, "niemand", WACHTWOORD)
    wrong = login(client, "dirk", "fout wachtwoord hier")
    assert unknown.status_code == wrong.status_code == 401
    assert "Onbekende gebruikersnaam of onjuist wachtwoord" in wrong.text
    assert "dirk" in wrong.text  # the name stays filled in
    # Without the form's own token (a cross-site post), nothing is tried.
    forged = client.post("/inloggen", data={"naam": "dirk", "wachtwoord": WACHTWOORD})
    assert forged.status_code == 400
    for _ in range(4):
        login(client, "dirk", "fout wachtwoord hier")
    # The fifth failure blocks the name from this address, even for the right password,
    # with the answer an unknown name gets (which says nothing of whether it exists).
    blocked = login(client, "dirk", WACHTWOORD)
    assert blocked.status_code == 401 and "Onbekende gebruikersnaam" in blocked.text
    assert "geblokkeerd" not in blocked.text
    # From elsewhere the real dirk still gets in: an attacker cannot lock him out.
    elsewhere = TestClient(client.app, client=("192.0.2.7", 50000), follow_redirects=False)
    with elsewhere:
        assert login(elsewhere, "dirk", WACHTWOORD).status_code == 303


def test_login_flood_is_throttled_per_address(
    settings: Settings, session: Session, database_url: str
) -> None:
    make_gebruiker(session, "dirk", Rol.LEZER)
    app = app_on(session, settings, database_url, login_per_adres=3)
    with TestClient(app, follow_redirects=False) as client:
        answers = [login(client, f"naam{i}", "fout wachtwoord hier") for i in range(4)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0
        assert "Te veel inlogpogingen" in answers[-1].text


def test_a_password_check_past_its_budget_answers_busy(
    anonymous_client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_gebruiker(session, "dirk", Rol.LEZER)
    anonymous_client.follow_redirects = False
    assert login(anonymous_client, "dirk", WACHTWOORD).status_code == 303  # in a child
    monkeypatch.setattr(service, "HASH", Budget(seconds=0.001, memory_mb=256))
    busy = login(anonymous_client, "dirk", WACHTWOORD)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert "veel ingelogd" in busy.text


def test_the_throttle_limits_hashes_at_once_and_forgets_blocks() -> None:
    clock = [0.0]
    throttle = LoginThrottle(10, 60.0, 2, 900.0, tegelijk=1, clock=lambda: clock[0])
    with throttle.attempt("a"):
        with pytest.raises(TooMany) as busy:
            throttle.attempt("b").__enter__()
        assert busy.value.busy
    throttle.failed("a", "dirk")
    throttle.failed("a", "dirk")
    assert throttle.blocked("a", "dirk") and not throttle.blocked("b", "dirk")
    clock[0] = 901.0
    assert not throttle.blocked("a", "dirk")


@pytest.mark.parametrize(
    "volgende", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(
    anonymous_client: TestClient, session: Session, volgende: str
) -> None:
    make_gebruiker(session, "eva", Rol.LEZER)
    anonymous_client.follow_redirects = False
    done = login(anonymous_client, "eva", WACHTWOORD, volgende)
    assert done.status_code == 303
    assert done.headers["location"] == "/"


def test_names_and_passwords_are_checked(session: Session) -> None:
    from gebiedsregie.errors import Conflict, InvalidInput

    settings = Settings(database_url=None)
    with pytest.raises(InvalidInput) as short:
        service.create_gebruiker(session, "fien", Rol.LEZER, "kort", settings)
    assert short.value.errors[0].name == "wachtwoord"
    with pytest.raises(InvalidInput) as bad:
        service.create_gebruiker(session, "<script>", Rol.LEZER, WACHTWOORD, settings)
    assert bad.value.errors[0].name == "naam"
    gebruiker = service.create_gebruiker(session, "Fien", Rol.LEZER, WACHTWOORD, settings)
    assert gebruiker.naam == "fien"
    assert gebruiker.wachtwoord_hash is not None
    assert gebruiker.wachtwoord_hash.startswith("$argon2id$")
    with pytest.raises(Conflict):
        service.create_gebruiker(session, "fien", Rol.LEZER, WACHTWOORD, settings)
