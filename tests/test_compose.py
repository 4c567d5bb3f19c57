"""docker-compose.yml's Dask services (#19), without Docker: they run the app's image, agree
on the scheduler's address, their commands parse with the installed Dask, and those commands
started here answer the healthchecks the compose file gives them."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from gebiedsregie.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return dict(compose["services"])


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_dask_services_run_the_apps_image(services: dict[str, Any]) -> None:
    image = services["app"]["image"]
    for name in ("dask-scheduler", "dask-worker"):
        service = services[name]
        assert service["image"] == image
        assert "build" not in service  # built once, by app
        assert "profiles" not in service  # they run whenever the app, which uses them, does
        assert service["restart"] == "unless-stopped"
        assert service["command"][:2] == ["dask", name.removeprefix("dask-")]


def test_app_and_workers_agree_on_the_scheduler(services: dict[str, Any]) -> None:
    address = services["app"]["environment"]["GEBIEDSREGIE_DASK_SCHEDULER"]
    assert Settings(database_url=None, dask_scheduler=address).dask_scheduler == address
    port = _option(services["dask-scheduler"]["command"], "--port")
    assert address == f"tcp://dask-scheduler:{port}"
    worker = services["dask-worker"]["command"]
    assert worker[2] == address
    assert _option(worker, "--nthreads") == "1"
    assert _option(worker, "--nworkers") == "1"
    assert _option(worker, "--memory-limit") == "1GiB"  # the bound per worker
    # Workers reach the app's database.
    url = services["app"]["environment"]["DATABASE_URL"]
    assert services["dask-worker"]["environment"]["DATABASE_URL"] == url
    assert set(services["dask-worker"]["depends_on"]) == {"db", "dask-scheduler"}


def test_nothing_of_dask_is_published_beyond_localhost(services: dict[str, Any]) -> None:
    for name in ("dask-scheduler", "dask-worker"):
        for port in services[name].get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_their_healthchecks_replace_the_images(services: dict[str, Any]) -> None:
    # The image's HEALTHCHECK asks :8000, where only the app listens.
    for name, port in (("dask-scheduler", "8787"), ("dask-worker", "8788")):
        check = services[name]["healthcheck"]
        assert check["test"][:3] == ["CMD", "python", "-c"]
        assert f"127.0.0.1:{port}/health" in check["test"][3]
        assert _option(services[name]["command"], "--dashboard-address") == f":{port}"


def test_the_commands_parse_with_the_installed_dask(services: dict[str, Any]) -> None:
    commands = {e.name: e for e in entry_points(group="dask_cli")}  # `dask scheduler`, ...
    for name in ("dask-scheduler", "dask-worker"):
        _, sub, *args = services[name]["command"]
        main = commands[sub].load()
        with main.make_context(f"dask {sub}", list(args)) as context:
            assert isinstance(context, click.Context)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(check: list[str], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if subprocess.run([sys.executable, *check[2:]], capture_output=True).returncode == 0:
            return True
        time.sleep(0.5)
    return False


def test_the_services_commands_answer_their_healthchecks(
    services: dict[str, Any], tmp_path: Path
) -> None:
    # The compose commands and healthchecks, on free ports of this machine's loopback.
    ports = {"8786": str(_free_port()), "8787": str(_free_port()), "8788": str(_free_port())}

    def here(text: str) -> str:
        for port, free in ports.items():
            if text == port:  # --port 8786
                return free
            if text == f":{port}":  # --dashboard-address :8787
                return f"127.0.0.1:{free}"
            for host in ("127.0.0.1", "dask-scheduler"):
                text = text.replace(f"{host}:{port}", f"127.0.0.1:{free}")
        return text

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name in ("dask-scheduler", "dask-worker"):
            with (tmp_path / f"{name}.log").open("wb") as log:
                args = [str(DASK), *(here(a) for a in services[name]["command"][1:])]
                if name == "dask-scheduler":
                    args += ["--host", "127.0.0.1", "--idle-timeout", "120"]
                processes.append(
                    subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
                )
            check = [here(part) for part in services[name]["healthcheck"]["test"]]
            assert _healthy(check, time.monotonic() + 60), (tmp_path / f"{name}.log").read_text()
        identity = f"http://127.0.0.1:{ports['8787']}/json/identity.json"
        deadline = time.monotonic() + 30
        while json.load(urllib.request.urlopen(identity))["n_workers"] < 1:
            assert time.monotonic() < deadline, "the worker never joined the scheduler"
            time.sleep(0.5)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
