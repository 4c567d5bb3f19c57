"""Geometry repair with a budget: the costly GEOS work in a process of its own.

`make_valid` and `set_precision` cost far more than their input on near-degenerate shapes: a
spiral of 5,000 vertices whose turns lie half a millimetre apart took 11 s and 1 GB, and one
of 100,000 vertices more than 13 minutes and 8 GB. No vertex limit bounds that. So a shape
that needs repair (invalid, or made invalid by rounding to the grid) is repaired in a child
process with a memory limit (RLIMIT_AS), which is killed when its time is up: the server
process never does the work, and never grows by it. A child is forked from a small fork
server (multiprocessing's forkserver, started once), so starting one costs milliseconds;
valid shapes, the common case, never need one.
"""

import multiprocessing
import resource
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import shapely

from gebiedsregie.settings import Settings


@dataclass(frozen=True)
class Budget:
    """What one repair may take: wall-clock seconds and memory (MB) of its process."""

    seconds: float
    memory_mb: int


def repair_budget(settings: Settings) -> Budget:
    """Return the budget the settings give each repair."""
    return Budget(settings.repair_seconds, settings.repair_memory_mb)


class OverBudget(Exception):
    """The repair took longer or more memory than its budget, and was stopped."""


Repair = Callable[[shapely.Geometry], tuple[shapely.Geometry, str | None]]


def _child(repair: Repair, wkb: bytes, memory_mb: int, out: Connection) -> None:
    with open("/proc/self/status", encoding="ascii") as status:  # what is mapped already
        mapped = next(int(line.split()[1]) for line in status if line.startswith("VmSize"))
    limit = mapped * 1024 + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        geom, note = repair(shapely.from_wkb(wkb))
        out.send((shapely.to_wkb(geom), note))
    except MemoryError:
        out.send(None)
    finally:
        out.close()


def run(
    repair: Repair, geom: shapely.Geometry, budget: Budget
) -> tuple[shapely.Geometry, str | None]:
    """Return repair(geom), computed in a child process within `budget`, or raise OverBudget."""
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the geometry code once; each child is then a bare fork of it.
    context.set_forkserver_preload(["gebiedsregie.geometry"])
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(repair, shapely.to_wkb(geom), budget.memory_mb, send), daemon=True
    )
    child.start()
    send.close()
    try:
        if not receive.poll(budget.seconds):
            raise OverBudget(f"more than {budget.seconds:g} s")
        answer = receive.recv()
    except EOFError:  # the child died: out of memory where GEOS could not say so
        answer = None
    finally:
        child.kill()
        child.join()
        receive.close()
    if answer is None:
        raise OverBudget(f"more than {budget.memory_mb} MB")
    wkb, note = answer
    return shapely.from_wkb(wkb), note
