"""The tegels of an extent on Dask (`dask.distributed`): one task per tegel, each loading its
own opgaven, the results gathered as they finish and summed.

Dask schedules the tasks, and recomputes those of a worker that dies (a tegel's task is
pure: the same inputs give the same result); nothing here schedules. A run is resumable:
tegels already done (their statistics given) are skipped and counted in the sum.
"""

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from distributed import Client, LocalCluster, as_completed
from shapely import Geometry

from gebiedsregie.landelijk.statistiek import Statistiek, total
from gebiedsregie.landelijk.tegels import Tegel, TegelKey, TegelResultaat, compute_tegel
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.analysis import SLIVER_WIDTH_M
from gebiedsregie.stapeling.compute import Invoer

log = logging.getLogger(__name__)

# Loads a tegel's opgaven (at least those meeting it) on the worker that computes it.
Loader = Callable[[Tegel], Sequence[Invoer]]
# Stores a tegel's result, on the worker that computed it (idempotently).
Writer = Callable[[TegelResultaat], None]


class MemoryLoader:
    """Opgaven held in memory, selected per tegel by their bounding boxes (for tests and
    benchmarks; reading them from PostGIS comes with the run's storage). Sent to each worker
    once; the index is built there, on first use."""

    def __init__(self, opgaven: Sequence[Invoer]) -> None:
        self.opgaven = list(opgaven)
        self._tree: shapely.STRtree | None = None

    def __call__(self, tegel: Tegel) -> list[Invoer]:
        if self._tree is None:
            self._tree = shapely.STRtree(shapely.from_wkb([o[2] for o in self.opgaven]))
        hits = np.sort(self._tree.query(tegel.box))
        return [self.opgaven[k] for k in hits.tolist()]

    def __getstate__(self) -> dict[str, Any]:
        return {"opgaven": self.opgaven, "_tree": None}


@contextmanager
def connect(settings: Settings) -> Iterator[Client]:
    """Yield a client of the scheduler in `settings.dask_scheduler`; without one, of a
    LocalCluster sized to the machine (a worker process per core, one thread each: the
    stapeling of a tegel runs in one thread), closed afterwards."""
    if settings.dask_scheduler:
        with Client(settings.dask_scheduler, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


@dataclass
class Run:
    """A run over tegels: the sum over all of them, and what this run computed."""

    statistiek: Statistiek  # over every tegel asked for, computed now or done before
    resultaten: list[TegelResultaat] = field(default_factory=list)  # computed now
    overgeslagen: list[TegelKey] = field(default_factory=list)  # done before
    fallbacks: int = 0  # tegels where the core's fallback fired (a defect; logged)


def _task(
    tegel: Tegel,
    loader: Loader,
    extent_wkb: bytes | None,
    sliver_width: float,
    met_vlakken: bool,
    writer: Writer | None = None,
) -> TegelResultaat:
    extent = shapely.from_wkb(extent_wkb) if extent_wkb is not None else None
    result = compute_tegel(
        tegel, loader(tegel), extent, sliver_width=sliver_width, met_vlakken=met_vlakken
    )
    if writer is not None:
        writer(result)
    return result


def run_tegels(
    client: Client,
    tegels: Sequence[Tegel],
    loader: Loader,
    extent: Geometry | None = None,
    *,
    done: Mapping[TegelKey, Statistiek] | None = None,
    sliver_width: float = SLIVER_WIDTH_M,
    met_vlakken: bool = False,
    on_result: Callable[[TegelResultaat], None] | None = None,
    writer: Writer | None = None,
) -> Run:
    """Compute the tegels not yet `done` on `client`, one task each, and sum them with those.

    Parameters
    ----------
    client : distributed.Client
    tegels : sequence of Tegel
        The tegels of the run (`tegels.tegels_for`).
    loader : callable
        Returns a tegel's opgaven; sent to every worker once, called there. It must pickle.
    extent : Polygon or MultiPolygon, optional
        The run's area: inputs are clipped to it in each tegel.
    done : mapping of tegel key to Statistiek, optional
        Tegels finished before (a resumed run): not computed again, their statistics summed.
    met_vlakken : bool
        Gather each tegel's faces too (a whole country's do not fit in one process).
    on_result : callable, optional
        Called with each tegel's result as it arrives (progress).
    writer : callable, optional
        Stores each tegel's result on the worker that computed it; it must pickle.

    Returns
    -------
    Run
    """
    done = done or {}
    todo = [t for t in tegels if t.key not in done]
    skipped = [t.key for t in tegels if t.key in done]
    results: list[TegelResultaat] = []
    if todo:
        # Sent once to every worker, not with each task: a province's outline is megabytes.
        extent_wkb = None if extent is None else shapely.to_wkb(extent)
        shared = client.scatter([loader, extent_wkb, writer], broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = client.map(
            _task,
            todo,
            loader=shared[0],
            extent_wkb=shared[1],
            sliver_width=sliver_width,
            met_vlakken=met_vlakken,
            writer=shared[2],
            key=[f"landelijk-{token}-{t.key[0]}_{t.key[1]}" for t in todo],
        )
        try:
            # On this client's loop: by default as_completed takes the newest client's, and
            # with two clients in a process it then gathers on another thread's comms.
            for _, result in as_completed(futures, with_results=True, loop=client.loop):
                results.append(result)
                if on_result is not None:
                    on_result(result)
        finally:
            client.cancel([*futures, *shared])
    fallbacks = sum(r.fallback for r in results)
    if fallbacks:
        log.error("landelijke stapeling: the core's fallback fired in %d tegels", fallbacks)
    statistiek = total([*(done[k] for k in skipped), *(r.statistiek for r in results)])
    results.sort(key=lambda r: (r.key[1], r.key[0]))
    return Run(statistiek, results, skipped, fallbacks)
