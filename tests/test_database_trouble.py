"""Database trouble: down, too busy or too slow is a quick 503 problem+json (never a hang or a
stack trace), /health says so, and the app recovers by itself when the database is back.

These tests run the app on its own engine (not the rolled-back test session), against the
test database, through a TCP proxy they can cut.
"""

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from gebiedsregie.app import create_app
from gebiedsregie.db import sqlalchemy_url
from gebiedsregie.settings import Settings
from tests.conftest import raw_engine

# Well within what a client waits; the driver's connect timeout is 5 s.
QUICK_S = 10


class Proxy:
    """A TCP forwarder to the database that can be cut (its connections closed, new ones
    refused) and restored, as a network failure or a database restart would."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.down.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv
            sock.close()
            with self.lock:
                self.open.discard(sock)

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            connections = list(self.open)
        self._close(*connections)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy(database_url: str) -> Iterator[Proxy]:
    url = make_url(sqlalchemy_url(database_url))
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy
    proxy.close()


def app_client(database_url: str, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(database_url=None, **settings), database_url))


def unavailable(response: Any, detail: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    problem = response.json()
    assert problem["status"] == 503 and problem["detail"] == detail
    assert "psycopg" not in response.text and "SELECT" not in response.text


def timed(call: Any) -> Any:
    start = time.monotonic()
    response = call()
    assert time.monotonic() - start < QUICK_S, "a quick answer, not a hang"
    return response


def test_database_down_is_503_and_the_app_recovers_without_restart(
    database_url: str, proxy: Proxy
) -> None:
    through_proxy = (
        make_url(sqlalchemy_url(database_url))
        .set(host="127.0.0.1", port=proxy.port)
        .render_as_string(hide_password=False)
    )
    with app_client(through_proxy) as client:
        assert client.get("/api/v1/themas").status_code == 200
        assert client.get("/health").json()["database"] == "ok"

        proxy.cut()
        for _ in range(2):  # the pooled connection is found dead, a new one is refused
            response = timed(lambda: client.get("/api/v1/themas"))
            unavailable(response, "De database is niet bereikbaar; probeer het later opnieuw.")
        health = timed(lambda: client.get("/health"))
        assert health.status_code == 503
        assert health.json()["database"] == "onbereikbaar"

        proxy.restore()
        assert client.get("/api/v1/themas").status_code == 200
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["database"] == "ok"


def test_no_free_connection_is_503(database_url: str) -> None:
    with app_client(
        database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout_s=0.3
    ) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        assert engine.pool.size() == 1
        with engine.connect():  # the pool's only connection, busy elsewhere
            response = timed(lambda: client.get("/api/v1/themas"))
            unavailable(response, "De database is te druk bezet; probeer het zo opnieuw.")
            # /health has a connection of its own: a full pool is no reason to restart.
            health = client.get("/health")
            assert health.status_code == 200 and health.json()["database"] == "ok"
        assert client.get("/api/v1/themas").status_code == 200


def test_a_statement_over_the_timeout_is_503(database_url: str) -> None:
    locker = raw_engine(database_url)
    try:
        with app_client(database_url, statement_timeout_ms=300) as client:
            with locker.begin() as conn:
                # A writer elsewhere holds the table: the app's query waits, then times out.
                conn.execute(text("LOCK TABLE thema IN ACCESS EXCLUSIVE MODE"))
                response = timed(lambda: client.get("/api/v1/themas"))
                unavailable(
                    response, "De database deed er te lang over; probeer het later opnieuw."
                )
            assert client.get("/api/v1/themas").status_code == 200
    finally:
        locker.dispose()
