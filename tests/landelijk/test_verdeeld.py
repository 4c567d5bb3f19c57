"""The tegels of an extent on Dask: a LocalCluster, a resumed run, a real cluster of separate
processes (one worker killed in the middle), each summing to the stapeling of the whole."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
from dask.system import CPU_COUNT
from distributed import Client
from pydantic import ValidationError
from shapely import Geometry, Polygon, box

from gebiedsregie.landelijk.statistiek import Statistiek, of_faces
from gebiedsregie.landelijk.tegels import Raster, TegelResultaat, tegels_for
from gebiedsregie.landelijk.verdeeld import MemoryLoader, connect, run_tegels
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.analysis import compute_faces
from gebiedsregie.stapeling.compute import Invoer
from tests.landelijk.langzaam import SlowLoader
from tests.landelijk.test_tegels import (
    _joined,
    _opgaven,
    _whole,
    _whole_faces,
    assert_equal_statistics,
    assert_within,
)
from tests.stapeling.test_analysis import _irregular

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")


def _case() -> tuple[list[Invoer], Raster, Geometry]:
    """Opgaven on whole metres and at 45° over a 6 x 6 grid of tegels, with an extent."""
    geoms: list[Geometry] = [box(0, 0, 40, 25), box(10, 5, 55, 50), box(-5, 30, 20, 58)]
    geoms += [Polygon([(30, 10), (50, 30), (30, 50), (10, 30)]), box(20, 20, 20.003, 45)]
    geoms += [box(x, y, x + 7, y + 7) for x, y in [(3, 3), (33, 17), (41, 41), (8, 44)]]
    return _opgaven(geoms), Raster(10.0), box(-2, -2, 58, 58)


def _expected(opgaven: list[Invoer], extent: Geometry) -> Statistiek:
    return of_faces(_whole(opgaven, extent), [o[1] for o in opgaven], extent.area)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A LocalCluster sized to the machine, as a run without a scheduler gets."""
    with connect(Settings(database_url=None, dask_scheduler=None)) as client:
        yield client


def test_the_scheduler_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEBIEDSREGIE_DASK_SCHEDULER", "tcp://dask-scheduler:8786")
    assert Settings().dask_scheduler == "tcp://dask-scheduler:8786"
    monkeypatch.setenv("GEBIEDSREGIE_DASK_SCHEDULER", "dask-scheduler")
    with pytest.raises(ValidationError, match="dask_scheduler"):
        Settings()
    monkeypatch.setenv("GEBIEDSREGIE_DASK_SCHEDULER", " ")  # set but empty: no cluster
    assert Settings().dask_scheduler is None


def test_a_run_on_a_local_cluster_is_the_whole(client: Client) -> None:
    assert len(client.scheduler_info()["workers"]) == CPU_COUNT  # a worker per core
    opgaven, raster, extent = _case()
    tegels = tegels_for(extent, raster)
    run = run_tegels(
        client, tegels, MemoryLoader(opgaven), extent, sliver_width=0.0, met_vlakken=True
    )
    assert sorted(r.key for r in run.resultaten) == sorted(t.key for t in tegels)
    assert run.overgeslagen == [] and run.fallbacks == 0
    expected = _expected(opgaven, extent)
    assert_equal_statistics(run.statistiek, expected)
    assert run.statistiek.gebied_m2 == pytest.approx(extent.area, rel=1e-9)
    assert run.statistiek.kerncijfers()["per_diepte"] == expected.kerncijfers()["per_diepte"]
    joined = _joined(run.resultaten, raster)
    mine = sorted(
        (tuple(o.int for o in s), round(float(g.area), 6))
        for s, g in zip(joined.opgaven, joined.geoms, strict=True)
    )
    theirs = [(s, round(a, 6)) for s, a in _whole_faces(_whole(opgaven, extent), opgaven)]
    assert mine == theirs


def test_a_resumed_run_skips_the_tegels_done(client: Client) -> None:
    opgaven, raster, extent = _case()
    tegels = tegels_for(extent, raster)
    first: list[TegelResultaat] = []
    run_tegels(
        client, tegels[:14], MemoryLoader(opgaven), extent, sliver_width=0.0, on_result=first.append
    )
    assert len(first) == 14
    done = {r.key: r.statistiek for r in first}
    seen: list[TegelResultaat] = []
    run = run_tegels(
        client,
        tegels,
        MemoryLoader(opgaven),
        extent,
        done=done,
        sliver_width=0.0,
        on_result=seen.append,
    )
    assert sorted(run.overgeslagen) == sorted(done)
    assert sorted(r.key for r in seen) == sorted(t.key for t in tegels[14:])
    assert all(r.vlakken is None for r in seen)  # the statistics only, unless asked
    assert run.statistiek.aantal_tegels == len(tegels)
    assert_equal_statistics(run.statistiek, _expected(opgaven, extent))
    nothing = run_tegels(
        client,
        tegels,
        MemoryLoader(opgaven),
        extent,
        done={**done, **{r.key: r.statistiek for r in seen}},
    )
    assert nothing.resultaten == [] and nothing.statistiek.aantal_tegels == len(tegels)


def test_a_run_on_irregular_opgaven(client: Client) -> None:
    geoms = _irregular(np.random.default_rng(1919), 40)
    opgaven = _opgaven(geoms)
    extent = shapely.box(*shapely.total_bounds(geoms))
    raster = Raster(1000.0)
    run = run_tegels(client, tegels_for(extent, raster), MemoryLoader(opgaven))  # no extent
    whole = compute_faces(geoms)
    expected = of_faces(whole, [o[1] for o in opgaven], 0.0)
    # Off the grid, a crossing with a border is rounded to the grid; and a sliver cut by a
    # border is kept in its tegels, where the whole absorbs it.
    moved = sum(g.length for g in geoms) * raster.grid + whole.sliver_m2
    assert_within(run.statistiek.per_diepte_m2, expected.per_diepte_m2, moved)


# --- a real cluster ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the workers import tests.landelijk.langzaam
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(DASK), *args], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )


def test_a_real_cluster_survives_a_worker_killed_in_the_middle(tmp_path: Path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        scheduler = "scheduler --host 127.0.0.1 --no-dashboard --dashboard-address :0"
        processes.append(
            _start(
                [*scheduler.split(), "--port", str(port), "--idle-timeout", "120"],
                tmp_path / "s.log",
            )
        )
        worker = "--nthreads 1 --no-nanny --no-dashboard --death-timeout 60 --memory-limit 1GB"
        for name in ("w1", "w2"):
            directory = ["--local-directory", str(tmp_path / name)]
            processes.append(
                _start(
                    ["worker", address, "--name", name, *worker.split(), *directory],
                    tmp_path / f"{name}.log",
                )
            )
        opgaven, raster, extent = _case()
        tegels = tegels_for(extent, raster)
        settings = Settings(database_url=None, dask_scheduler=address)
        killed: list[str] = []

        def kill_one(result: TegelResultaat) -> None:
            if not killed:  # w1 then holds a tegel (0.1 s each): Dask must give it to w2
                processes[1].kill()
                killed.append(str(result.key))

        with connect(settings) as client:  # waits up to 30 s for the scheduler to listen
            client.wait_for_workers(2, timeout=60)
            run = run_tegels(
                client, tegels, SlowLoader(opgaven), extent, sliver_width=0.0, on_result=kill_one
            )
            workers = len(client.scheduler_info()["workers"])
        assert killed and processes[1].wait(10) != 0
        assert workers == 1
        assert sorted(r.key for r in run.resultaten) == sorted(t.key for t in tegels)
        assert_equal_statistics(run.statistiek, _expected(opgaven, extent))
    finally:
        for process in processes:
            process.kill()
            process.wait(10)
