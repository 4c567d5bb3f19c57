"""Service-wide behaviour: health, OpenAPI, headers, problem+json for HTTP errors."""

import re

from fastapi.testclient import TestClient

from gebiedsregie import __version__
from gebiedsregie.app import create_app
from gebiedsregie.settings import Settings


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"].startswith("3.")


def test_health_says_when_the_database_is_down() -> None:
    # Port 9 (discard) on loopback: nothing listens there.
    app = create_app(Settings(database_url=None), "postgresql://nobody:x@127.0.0.1:9/nothing")
    with TestClient(app) as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.json()["database"] == "onbereikbaar"
        listing = client.get("/api/v1/themas")
        assert listing.status_code == 503
        assert listing.headers["content-type"] == "application/problem+json"
        assert "database" in listing.json()["detail"]
        assert "nobody" not in listing.text and "psycopg" not in listing.text


def test_api_version_header(client: TestClient) -> None:
    for path in ("/health", "/api/v1/themas", "/api/v1/bestaat-niet"):
        assert client.get(path).headers["api-version"] == __version__


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/themas",
        "/api/v1/gebieden",
        "/api/v1/gebieden/{gebied_id}",
        "/api/v1/opgaven",
        "/api/v1/opgaven/{opgave_id}",
    ):
        assert path in paths
    post = paths["/api/v1/opgaven"]["post"]
    schema_ref = post["requestBody"]["content"]["application/geo+json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    assert name in spec["components"]["schemas"]
    params = {p["name"] for p in paths["/api/v1/opgaven"]["get"]["parameters"]}
    assert {
        "crs",
        "bbox",
        "bbox-crs",
        "thema",
        "status",
        "trekker",
        "gebied",
        "limit",
        "offset",
    } <= params
    assert "Problem" in spec["components"]["schemas"]


def test_openapi_documents_the_problems_we_answer(client: TestClient) -> None:
    # Invalid input is a 400 problem, never FastAPI's 422; geo routes answer geo+json only.
    spec = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert list(responses["400"]["content"]) == ["application/problem+json"]
            if operation.get("security"):
                assert "401" in responses, (method, path)
    one = spec["paths"]["/api/v1/opgaven/{opgave_id}"]
    assert {"404", "410"} <= set(one["get"]["responses"])
    content = one["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/geo+json"]
    assert content["application/geo+json"]["schema"]["$ref"].endswith("/OpgaveFeature")


def test_http_errors_are_problems(client: TestClient) -> None:
    missing = client.get("/api/v1/bestaat-niet")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["title"] == "Niet gevonden"
    wrong = client.post("/api/v1/themas")
    assert wrong.status_code == 405
    assert wrong.json()["title"] == "Methode niet toegestaan"


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)=["\']([^"\']+)', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
