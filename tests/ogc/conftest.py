"""The running app for the tests with real OGC clients: a separate process, because GDAL
holds the GIL while it waits for HTTP answers (a server thread here would never answer)."""

import os
import subprocess
import time
from collections.abc import Iterator
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from tests.conftest import ROOT
from tests.web.conftest import free_port, live_database  # noqa: F401 - shared fixture


@pytest.fixture(scope="session")
def live_process_url(live_database: str) -> Iterator[str]:  # noqa: F811
    port = free_port()
    env = {**os.environ, "DATABASE_URL": live_database}
    command = [
        str(ROOT / ".venv" / "bin" / "gebiedsregie"),
        "serve",
        "--no-migrate",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urlopen(f"{url}/health"):
                break
        except (URLError, ConnectionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the app did not start for the OGC client tests") from None
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)
