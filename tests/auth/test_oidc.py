"""OpenID Connect against a small provider of our own: discovery, JWKS, code flow with PKCE."""

import base64
import hashlib
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gebiedsregie.app import create_app
from gebiedsregie.auth import oidc
from gebiedsregie.auth.models import Gebruiker
from gebiedsregie.db import get_session, get_session_factory
from gebiedsregie.settings import Settings

CLIENT_ID = "gebiedsregie"
CLIENT_SECRET = "geheim-van-de-client"
ROLLEN = {"gr-lezers": "lezer", "gr-planners": "planner", "gr-beheer": "beheerder"}


@dataclass
class Provider:
    """An OIDC provider that issues codes the test asks for and signs tokens with its key."""

    url: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def sign(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "sleutel-1"})

    def issue_code(self, authorize_url: str, **claims: Any) -> tuple[str, str]:
        """Play the user who logs in at the provider: return (code, state) for our callback."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
        code = f"code-{len(self.codes)}"
        self.codes[code] = {"query": query, "claims": claims}
        return code, query["state"]


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, body: Any, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self._json(
                    {
                        "issuer": provider.url,
                        "authorization_endpoint": f"{provider.url}/authorize",
                        "token_endpoint": f"{provider.url}/token",
                        "jwks_uri": f"{provider.url}/jwks",
                    }
                )
            elif self.path == "/jwks":
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
                self._json({"keys": [{**jwk, "kid": "sleutel-1", "use": "sig", "alg": "RS256"}]})
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            provider.token_requests.append({**form, "auth": self.headers["Authorization"] or ""})
            issued = provider.codes.pop(form.get("code", ""), None)
            expected_auth = (
                "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            )
            if issued is None or self.headers["Authorization"] != expected_auth:
                self._json({"error": "invalid_grant"}, 400)
                return
            query = issued["query"]
            verifier = form.get("code_verifier", "").encode()
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            )
            if (
                challenge != query["code_challenge"]
                or form["redirect_uri"] != query["redirect_uri"]
            ):
                self._json({"error": "invalid_grant"}, 400)
                return
            claims = {"nonce": query["nonce"], **issued["claims"]}
            self._json({"id_token": provider.sign(**claims), "token_type": "Bearer"})

    return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    found = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def oidc_client(session: Session, database_url: str, provider: Provider) -> Iterator[TestClient]:
    settings = Settings(
        database_url=None,
        oidc_issuer=provider.url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_rollen=ROLLEN,
    )
    app = create_app(settings, database_url)
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def start(client: TestClient, volgende: str = "/") -> str:
    response = client.get("/auth/oidc/inloggen", params={"volgende": volgende})
    assert response.status_code == 303
    return response.headers["location"]


def test_code_flow_with_pkce_logs_in_and_maps_the_role(
    oidc_client: TestClient, provider: Provider, session: Session
) -> None:
    authorize = start(oidc_client, "/gebieden/food-valley")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert authorize.startswith(f"{provider.url}/authorize?")
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and "openid" in query["scope"]
    assert query["redirect_uri"] == "http://testserver/auth/oidc/terug"

    code, state = provider.issue_code(
        authorize, sub="u-123", preferred_username="Joke.Jansen", roles=["gr-planners", "x"]
    )
    done = oidc_client.get("/auth/oidc/terug", params={"code": code, "state": state})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/gebieden/food-valley"
    assert oidc_client.get("/api/v1/ik").json() == {
        "naam": "joke.jansen",
        "rol": "planner",
        "via": "sessie",
    }
    gebruiker = session.query(Gebruiker).filter_by(naam="joke.jansen").one()
    assert gebruiker.oidc_subject == f"{provider.url}|u-123"
    assert gebruiker.wachtwoord_hash is None
    assert provider.token_requests[-1]["grant_type"] == "authorization_code"

    # A state is good for one try only.
    again = oidc_client.get("/auth/oidc/terug", params={"code": code, "state": state})
    assert again.status_code == 401
    assert "onbekend of verlopen" in again.text


def test_the_role_follows_the_claim_at_every_login(
    oidc_client: TestClient, provider: Provider, session: Session
) -> None:
    for roles, expected in ((["gr-beheer", "gr-lezers"], "beheerder"), (["gr-lezers"], "lezer")):
        oidc_client.cookies.clear()
        code, state = provider.issue_code(start(oidc_client), sub="u-9", roles=roles)
        oidc_client.get("/auth/oidc/terug", params={"code": code, "state": state})
        assert oidc_client.get("/api/v1/ik").json()["rol"] == expected
    assert session.query(Gebruiker).filter_by(oidc_subject=f"{provider.url}|u-9").count() == 1


def test_refused_without_a_mapped_role_or_with_a_bad_token(
    oidc_client: TestClient, provider: Provider
) -> None:
    code, state = provider.issue_code(start(oidc_client), sub="u-1", roles=["iets-anders"])
    refused = oidc_client.get("/auth/oidc/terug", params={"code": code, "state": state})
    assert refused.status_code == 403
    assert "geen rol in Gebiedsregie" in refused.text

    # A code the provider refuses, and a callback the provider aborted.
    _code, state = provider.issue_code(start(oidc_client), sub="u-1", roles=["gr-lezers"])
    bad = oidc_client.get("/auth/oidc/terug", params={"code": "verzonnen", "state": state})
    assert bad.status_code == 401
    aborted = oidc_client.get("/auth/oidc/terug", params={"error": "access_denied"})
    assert aborted.status_code == 401
    assert oidc_client.get("/api/v1/ik").status_code == 401


def test_access_tokens_are_checked_against_the_jwks(
    oidc_client: TestClient, provider: Provider
) -> None:
    good = provider.sign(sub="svc-1", preferred_username="koppeling", roles=["gr-planners"])
    ik = oidc_client.get("/api/v1/ik", headers={"Authorization": f"Bearer {good}"})
    assert ik.json() == {"naam": "koppeling", "rol": "planner", "via": "oidc"}

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        jwt.decode(good, options={"verify_signature": False}),
        other_key,
        algorithm="RS256",
        headers={"kid": "sleutel-1"},
    )
    wrong_audience = provider.sign(sub="svc-1", aud="iets-anders", roles=["gr-planners"])
    expired = provider.sign(sub="svc-1", exp=int(time.time()) - 3600, roles=["gr-planners"])
    unsigned = jwt.encode({"sub": "svc-1", "roles": ["gr-beheer"]}, None, algorithm="none")
    for token in (forged, wrong_audience, expired, unsigned):
        refused = oidc_client.get("/api/v1/ik", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401, token


def test_nested_role_claims_as_keycloak_sends_them() -> None:
    settings = Settings(
        database_url=None,
        oidc_issuer="https://sso.provincie.example/realms/gr",
        oidc_client_id=CLIENT_ID,
        oidc_rol_claim="realm_access.roles",
        oidc_rollen={"planner": "planner"},
    )
    claims = {"realm_access": {"roles": ["offline_access", "planner"]}}
    assert oidc.rol_from_claims(claims, settings) == "planner"
    assert oidc.rol_from_claims({"realm_access": {"roles": "planner"}}, settings) == "planner"
    assert oidc.rol_from_claims({"realm_access": "planner"}, settings) is None
    assert oidc.rol_from_claims({"roles": ["planner"]}, settings) is None


def test_incomplete_oidc_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="oidc_client_id en oidc_rollen"):
        Settings(database_url=None, oidc_issuer="https://sso.example")
