"""Structured logs: a request id on every line and in the response, JSON on request, one access
line per request, and nothing secret or personal in them."""

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from fastapi.testclient import TestClient

from gebiedsregie.db import get_session
from gebiedsregie.logs import configure_logging
from gebiedsregie.settings import Settings
from tests.web.conftest import free_port

HEX_ID = re.compile(r"[0-9a-f]{32}")
SECRETS = ("bearer-geheim-123", "koekje-geheim-456", "query-geheim-789", "body-geheim-000")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the app logs, as `gebiedsregie serve` would write it, in JSON."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    output = io.StringIO()
    configure_logging(Settings(database_url=None, log_format="json"), stream=output)
    yield output
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(output: io.StringIO) -> list[dict[str, Any]]:
    """Every line of `output` as JSON (a line that does not parse fails the test)."""
    return [json.loads(line) for line in output.getvalue().splitlines()]


def access_lines(output: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(output) if line["logger"] == "gebiedsregie.access"]


def test_json_lines_carry_the_request_id_of_the_response(
    client: TestClient, log_output: io.StringIO
) -> None:
    response = client.get("/api/v1/themas", headers={"X-Request-ID": "proxy-4711.a_b"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "proxy-4711.a_b"
    [access] = access_lines(log_output)
    assert access["request_id"] == "proxy-4711.a_b"
    assert access["level"] == "INFO"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/api/v1/themas", 200)
    assert isinstance(access["duur_ms"], float) and access["duur_ms"] >= 0
    assert access["message"].startswith("GET /api/v1/themas 200 ")
    when = datetime.fromisoformat(access["time"])
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60


def test_a_new_request_id_unless_a_valid_one_comes_in(
    client: TestClient, log_output: io.StringIO
) -> None:
    given = [None, "x" * 65, "met spatie", "ok;drop", ""]
    ids = []
    for incoming in given:
        headers = {} if incoming is None else {"X-Request-ID": incoming}
        response = client.get("/api/v1/themas", headers=headers)
        assert HEX_ID.fullmatch(response.headers["x-request-id"]), incoming
        ids.append(response.headers["x-request-id"])
    assert len(set(ids)) == len(given)
    assert [line["request_id"] for line in access_lines(log_output)] == ids
    # Errors, the app's own ones and the middleware's, have their id too.
    missing = client.get("/api/v1/opgaven/00000000-0000-0000-0000-000000000000")
    long_url = client.get("/api/v1/opgaven?" + "x" * 9_000)
    for response in (missing, long_url):
        assert HEX_ID.fullmatch(response.headers["x-request-id"])
    assert [(line["status"], line["request_id"]) for line in access_lines(log_output)[-2:]] == [
        (404, missing.headers["x-request-id"]),
        (414, long_url.headers["x-request-id"]),
    ]


def test_an_unexpected_error_is_logged_once_with_the_request_id(
    client: TestClient, log_output: io.StringIO
) -> None:
    def broken() -> Any:
        raise RuntimeError("kapot")

    client.app.dependency_overrides[get_session] = broken  # type: ignore[attr-defined]
    response = client.get("/api/v1/gebieden")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "kapot" not in response.text
    request_id = response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    errors = [line for line in lines(log_output) if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == request_id
    assert "RuntimeError: kapot" in errors[0]["exception"]
    [access] = access_lines(log_output)
    assert (access["status"], access["request_id"]) == (500, request_id)


def test_no_secrets_or_personal_data_in_the_log(
    client: TestClient, log_output: io.StringIO
) -> None:
    credentials = client.headers.get("authorization", "")
    client.get(
        f"/api/v1/themas?token={SECRETS[2]}",
        headers={"Authorization": f"Bearer {SECRETS[0]}", "Cookie": f"sessie={SECRETS[1]}"},
    )
    client.post(
        "/api/v1/opgaven",
        json={"type": "Feature", "properties": {"titel": SECRETS[3]}, "geometry": None},
    )
    # The server's lines: the test client (httpx) logs its own requests in this process.
    text = "\n".join(
        json.dumps(r) for r in lines(log_output) if not r["logger"].startswith("httpx")
    )
    assert [line["path"] for line in access_lines(log_output)] == [
        "/api/v1/themas",
        "/api/v1/opgaven",
    ]
    for secret in [*SECRETS, "Bearer", "sessie="]:
        assert secret not in text
    if credentials:  # the test client's own token
        assert credentials.split()[-1] not in text


def test_text_format_and_level() -> None:
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    output = io.StringIO()
    try:
        lower_case = Settings.model_validate({"database_url": None, "log_level": "warning"})
        configure_logging(lower_case, stream=output)
        assert root.level == logging.WARNING
        logging.getLogger("gebiedsregie.access").info("niet te zien")
        logging.getLogger("gebiedsregie").warning("wel te zien")
        [line] = output.getvalue().splitlines()
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 WARNING gebiedsregie \[-\] wel te zien",
            line,
        )
        # A second call replaces the handler, it does not add one.
        configure_logging(Settings(database_url=None), stream=output)
        assert sum(h.get_name() == "gebiedsregie" for h in root.handlers) == 1
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_serve_writes_json_lines_and_one_access_line(database_url: str, tmp_path: Path) -> None:
    """`gebiedsregie serve` with GEBIEDSREGIE_LOG_FORMAT=json: uvicorn's own lines are JSON
    too, and its access log is off (ours has the request id)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GEBIEDSREGIE_LOG_FORMAT": "json",
        "GEBIEDSREGIE_PORT": str(port),
    }
    stderr = tmp_path / "stderr"
    with stderr.open("w") as err:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gebiedsregie")), "serve", "--no-migrate"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urlopen(f"http://127.0.0.1:{port}/health") as response:
                        request_id = response.headers["X-Request-ID"]
                        break
                except OSError:
                    assert server.poll() is None, stderr.read_text()
                    assert time.monotonic() < deadline, "serve did not start"
                    time.sleep(0.2)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=15)
    records = [json.loads(line) for line in stderr.read_text().splitlines()]
    assert any(r["logger"].startswith("uvicorn") for r in records)  # "Uvicorn running on ..."
    access = [r for r in records if r.get("path") == "/health"]
    assert len(access) == 1 and access[0]["request_id"] == request_id
    assert not any("HTTP/1.1" in r["message"] for r in records)  # no uvicorn access line
