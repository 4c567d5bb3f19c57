"""Hostile input and what every response carries: limits as Dutch problem+json, security
headers, the Content-Security-Policy of the pages, CORS."""

import json
import re
from collections.abc import Iterator
from contextlib import nullcontext
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gebiedsregie.app import create_app
from gebiedsregie.db import get_session, get_session_factory
from gebiedsregie.middleware import MAX_URL_BYTES, TILE_HOSTS, UPLOAD_OVERHEAD
from gebiedsregie.settings import Settings
from gebiedsregie.validation import MAX_JSON_DEPTH, json_depth
from gebiedsregie.web.elements import OSM_TILES, PDOK_BRT
from tests.conftest import app_on
from tests.factories import feature, make_gebied, make_opgave, opgave_properties
from tests.ogc.test_tiles import ede_tile, get_tile

SQUARE = [[5.70, 52.03], [5.71, 52.03], [5.71, 52.04], [5.70, 52.04], [5.70, 52.03]]
ORIGIN = "https://kaart.provincie.example"


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of `response`, checked: status, media type, a Dutch detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def only_error(body: dict[str, Any]) -> dict[str, str]:
    assert len(body["errors"]) == 1, body
    error: dict[str, str] = body["errors"][0]
    return error


# Security headers


def test_every_response_carries_the_security_headers(client: TestClient, session: Session) -> None:
    make_gebied(session)
    for path in (
        "/api/v1/themas",
        "/api/v1/bestaat-niet",
        "/ogc/collections",
        "/",
        "/gebieden/proefgebied",
        "/api/v1/docs",
        "/static/swagger-ui/swagger-ui.css",
        "/health",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert headers["api-version"], path
        assert "strict-transport-security" not in headers, path  # plain HTTP


def test_hsts_only_over_https(client: TestClient) -> None:
    response = client.get("https://testserver/api/v1/themas")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_api_responses_are_not_stored(client: TestClient) -> None:
    for path in (
        "/api/v1/themas",
        "/api/v1/opgaven/00000000-0000-0000-0000-000000000000",
        "/api/v1/openapi.json",
        "/ogc/collections",
        "/ogc/collections/opgaven/items",
    ):
        assert client.get(path).headers["cache-control"] == "no-store", path


def test_tiles_keep_their_own_caching(client: TestClient, session: Session) -> None:
    make_opgave(session)
    tile = get_tile(client, "opgaven", ede_tile())
    assert tile.status_code == 200
    assert tile.headers["cache-control"] == "no-cache" and tile.headers["etag"]
    again = get_tile(client, "opgaven", ede_tile(), headers={"If-None-Match": tile.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "no-cache"


class InlineScripts(HTMLParser):
    """The nonce of every inline <script> of a page (None when it has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.nonces: list[str | None] = []
        self.styled: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.nonces.append(values.get("nonce"))
        if tag == "style" or "style" in values:
            self.styled.append(tag)


def csp_of(response: Any) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(
    ("path", "scripts"),
    [
        ("/", 1),  # the map
        ("/gebieden/proefgebied", 1),
        ("/api/v1/docs", 0),  # Swagger UI's set-up is js/swagger.js
        ("/ogc?f=html", 0),
        ("/ogc/collections/opgaven/items?f=html", 1),
        ("/ogc/api?f=html", 0),
    ],
)
def test_pages_have_a_strict_csp_whose_nonce_their_scripts_carry(
    client: TestClient, session: Session, path: str, scripts: int
) -> None:
    make_gebied(session)
    make_opgave(session)
    response = client.get(path)
    assert response.status_code == 200
    csp = csp_of(response)
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{20,})'", csp["script-src"][1])
    assert nonce is not None
    assert csp["script-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]
    assert csp["style-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]
    assert csp["default-src"] == ["'self'"] and csp["connect-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    header = response.headers["content-security-policy"]
    assert "unsafe-eval" not in header and "unsafe-inline" not in header
    page = InlineScripts()
    page.feed(response.text)
    assert page.nonces == [nonce.group(1)] * scripts
    assert page.styled == []  # no <style> and no style attributes: style-src allows none
    # A nonce is for one response only.
    assert csp_of(client.get(path))["script-src"] != csp["script-src"]


def test_other_responses_may_load_nothing(client: TestClient) -> None:
    for path in ("/api/v1/themas", "/health", "/static/swagger-ui/swagger-ui.css"):
        csp = client.get(path).headers["content-security-policy"]
        assert csp == "default-src 'none'; frame-ancestors 'none'", path


def test_csp_allows_the_background_tiles() -> None:
    for template in (PDOK_BRT, OSM_TILES):
        parts = urlsplit(template)
        assert f"{parts.scheme}://{parts.netloc}" in TILE_HOSTS


# CORS


def test_cors_is_off_unless_configured(client: TestClient) -> None:
    response = client.get("/api/v1/themas", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/v1/opgaven", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.fixture
def cors_client(session: Session, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=None, cors_origins=[ORIGIN]), database_url)
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)
    with TestClient(app) as client:
        yield client


def test_cors_for_the_configured_origins(cors_client: TestClient) -> None:
    response = cors_client.get("/api/v1/themas", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert exposed >= {"etag", "content-crs", "location", "api-version", "x-request-id"}

    asked = "content-type, content-crs, if-match, authorization, x-csrf-token"
    preflight = cors_client.options(
        "/api/v1/opgaven/00000000-0000-0000-0000-000000000000",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": asked,
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert allowed >= {h.strip() for h in asked.split(",")}
    assert preflight.headers["x-frame-options"] == "DENY"

    other = cors_client.get("/api/v1/themas", headers={"Origin": "https://elders.example"})
    assert "access-control-allow-origin" not in other.headers
    refused = cors_client.options(
        "/api/v1/opgaven",
        headers={"Origin": "https://elders.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in refused.headers


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEBIEDSREGIE_CORS_ORIGINS", json.dumps([ORIGIN, "http://localhost:5173"]))
    assert Settings(database_url=None).cors_origins == [ORIGIN, "http://localhost:5173"]


# Limits


def test_a_url_over_8_kib_is_414(client: TestClient) -> None:
    query = "&".join(["thema=wonen"] * (MAX_URL_BYTES // 10))
    body = problem_of(client.get(f"/api/v1/opgaven?{query}"), 414)
    assert "De URL is" in body["detail"] and "het maximum is 8192 bytes" in body["detail"]
    error = only_error(body)
    assert error["name"] == "url" and error["code"] == "te_lang"
    # Just under the limit is fine.
    fits = "&".join(["thema=wonen"] * ((MAX_URL_BYTES - 100) // 12))
    assert client.get(f"/api/v1/opgaven?{fits}").status_code == 200


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def test_json_nested_too_deep_is_refused(client: TestClient) -> None:
    body = feature({"type": "Polygon", "coordinates": [SQUARE]}, **opgave_properties())
    body["properties"]["beschrijving"] = nested(40)
    response = client.post("/api/v1/opgaven", json=body)
    problem = problem_of(response, 400)
    assert problem["detail"] == "De JSON in het verzoek is te diep genest."
    error = only_error(problem)
    assert error["name"] == "body" and error["code"] == "te_diep"
    assert f"hoogstens {MAX_JSON_DEPTH} niveaus" in error["reason"]


def test_json_deeper_than_python_can_parse_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/opgaven",
        content=b"[" * 200_000 + b"]" * 200_000,
        headers={"Content-Type": "application/json"},
    )
    error = only_error(problem_of(response, 400))
    assert error["name"] == "body" and error["code"] == "te_diep"


def test_a_multipolygon_feature_collection_is_well_within_the_depth() -> None:
    multipolygon = {"type": "MultiPolygon", "coordinates": [[SQUARE]]}
    collection = {"type": "FeatureCollection", "features": [feature(multipolygon, titel="x")]}
    assert json_depth(collection, MAX_JSON_DEPTH) == 8
    assert json_depth(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH) == MAX_JSON_DEPTH
    assert json_depth(nested(1000), MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1  # stops early
    assert json_depth("tekst", MAX_JSON_DEPTH) == 0


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("/api/v1/opgaven", "titel", 200),
        ("/api/v1/opgaven", "beschrijving", 10_000),
        ("/api/v1/opgaven", "bron", 2_000),
        ("/api/v1/opgaven", "extern_id", 200),
        ("/api/v1/gebieden", "naam", 200),
        ("/api/v1/gebieden", "beschrijving", 10_000),
        ("/api/v1/gebieden", "bron", 2_000),
    ],
)
def test_long_strings_are_refused(client: TestClient, path: str, field: str, limit: int) -> None:
    properties = opgave_properties() if path.endswith("opgaven") else {"naam": "Proef"}
    geometry = {"type": "Polygon", "coordinates": [SQUARE]}
    properties[field] = "a" * limit
    fits = client.post(path, json=feature(geometry, **properties))
    assert fits.status_code == 201, fits.text
    properties[field] = "a" * (limit + 1)
    if field == "naam":
        properties["slug"] = "een-andere"
    problem = problem_of(client.post(path, json=feature(geometry, **properties)), 400)
    error = only_error(problem)
    assert error["name"] == f"properties.{field}"
    assert error["reason"] == f"Mag hoogstens {limit} tekens bevatten."


def chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A body of `size` bytes, sent chunked (no Content-Length)."""
    while size > 0:
        yield b" " * min(chunk, size)
        size -= chunk


def test_a_chunked_body_over_the_limit_is_413(client: TestClient, settings: Settings) -> None:
    settings.max_body_bytes = 2_000
    response = client.post(
        "/api/v1/opgaven",
        content=chunks(5_000, 1_000),
        headers={"Content-Type": "application/json"},
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    problem = problem_of(response, 413)
    assert problem["detail"] == "Het verzoek is groter dan het maximum van 2000 bytes."
    error = only_error(problem)
    assert error["name"] == "body" and error["code"] == "te_groot"


def test_a_declared_body_over_the_limit_is_413_before_it_is_read(
    client: TestClient, settings: Settings
) -> None:
    settings.max_body_bytes = 2_000
    response = client.post(
        "/api/v1/stapeling", content=b" " * 5_000, headers={"Content-Type": "application/json"}
    )
    problem = problem_of(response, 413)
    assert problem["detail"] == "Het verzoek is 5000 bytes; het maximum is 2000 bytes."
    assert only_error(problem)["name"] == "body"


def multipart(path: Path, boundary: str = "grens4711") -> tuple[bytes, str]:
    """A multipart form with the file as `bestand` and dry_run, and its content type."""
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="dry_run"\r\n\r\ntrue\r\n'
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="bestand"; filename="{path.name}"\r\n'
            "Content-Type: application/geo+json\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_the_import_keeps_its_own_larger_limit(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    settings.max_body_bytes = 2_000
    path = tmp_path / "laag.geojson"
    geometry = {"type": "Polygon", "coordinates": [SQUARE]}
    features = [
        feature(geometry, **opgave_properties(titel=f"Opgave {i}", beschrijving="x" * 500))
        for i in range(5)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    body, content_type = multipart(path)
    assert len(body) > settings.max_body_bytes

    imported = client.post(
        "/api/v1/import",
        content=iter([body[:1_000], body[1_000:]]),
        headers={"Content-Type": content_type},
    )
    assert imported.request.headers.get("transfer-encoding") == "chunked"
    assert imported.status_code == 200, imported.text
    assert imported.json()["samenvatting"]["geaccepteerd"] == 5

    # Over max_upload_bytes (plus room for the form), the chunked upload is cut off.
    settings.max_upload_bytes = 1_024
    response = client.post(
        "/api/v1/import",
        content=chunks(1_024 + UPLOAD_OVERHEAD + 1),
        headers={"Content-Type": content_type},
    )
    problem = problem_of(response, 413)
    assert str(1_024 + UPLOAD_OVERHEAD) in problem["detail"]
    assert only_error(problem)["name"] == "body"


def _links(body: Any) -> list[str]:
    return [link["href"] for link in body["links"]]


def test_links_follow_the_host_header_unless_a_public_url_is_set(
    settings: Settings, session: Session, database_url: str
) -> None:
    forged = {"Host": "evil.example"}
    for public_url, expected in (
        (None, "http://evil.example/"),
        ("https://gebiedsregie.provincie.nl", "https://gebiedsregie.provincie.nl/"),
    ):
        app = app_on(session, settings, database_url, public_url=public_url)
        with TestClient(app) as client:
            response = client.get("/ogc", headers=forged)
            assert response.status_code == 200, response.text
            links = _links(response.json())
            assert links and all(href.startswith(expected) for href in links), links


def test_a_public_url_must_be_a_url() -> None:
    with pytest.raises(ValueError, match="public_url"):
        Settings(database_url=None, public_url="javascript:alert(1)")


def test_a_body_that_stops_coming_gets_a_408(
    settings: Settings, session: Session, database_url: str
) -> None:
    # A real server on localhost: a client sends the headers and one byte of a 100-byte
    # body, then waits (a slowloris). The server answers 408 after body_timeout_s.
    import socket
    import threading
    import time

    import uvicorn

    app = app_on(session, settings, database_url, body_timeout_s=1.0)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(
                b"POST /api/v1/stapeling HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
            started = time.monotonic()
            answer = conn.recv(4096)
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"te_traag" in answer and 0.9 < waited < 5
    finally:
        server.should_exit = True
        thread.join(timeout=10)
