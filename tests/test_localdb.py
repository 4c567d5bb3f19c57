"""The local cluster and the DATABASE_URL switch."""

import os
import subprocess
from pathlib import Path

import psycopg

from gebiedsregie.localdb import LocalCluster, database_url
from gebiedsregie.settings import Settings
from tests.conftest import ROOT


def test_database_url_wins_and_starts_nothing(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://elders:5432/db", home=tmp_path)
    assert database_url(settings) == "postgresql://elders:5432/db"
    assert not (tmp_path / "var").exists()


def test_local_cluster_runs_postgis(database_url: str) -> None:
    if not os.environ.get("DATABASE_URL"):
        cluster = LocalCluster(Settings(database_url=None))
        status = cluster.status()
        assert status.running and status.port == cluster.port
        assert f":{cluster.port}/" in database_url
        cluster.start()  # starting a running cluster is harmless
        assert cluster.status().running
        # Another port configured while it runs: connections still go where it runs.
        elsewhere = LocalCluster(Settings(database_url=None, local_db_port=cluster.port + 7))
        assert elsewhere.port == cluster.port and elsewhere.url() == cluster.url()
    with psycopg.connect(database_url) as conn:
        version = conn.execute("SELECT postgis_lib_version()").fetchone()
    assert version is not None and version[0].startswith("3.")


def test_cli_db_status() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gebiedsregie"), "db", "status"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert "PostGIS" in result.stdout or "DATABASE_URL" in result.stderr
