"""Heavy work with a budget: done in a child process that is stopped when it is over.

Some work costs far more than its input says. `make_valid` and `set_precision` on a spiral of
5,000 vertices whose turns lie half a millimetre apart took 11 s and 1 GB, and one of 100,000
vertices more than 13 minutes and 8 GB; an ad-hoc stapeling of a drawn comb takes seconds of
CPU; an argon2id hash takes 64 MiB and 0.4 s by design. Such work runs here in a child process
- with a memory limit (RLIMIT_AS), and killed when its time is up: the server process never
  does the work, and never grows by it;
- at a lower CPU priority (nice NICE): while it runs, ordinary requests of the server
  process get the cores first, and it gets what they leave.
A child is forked from a small fork server (multiprocessing's forkserver, started once, with
the modules in PRELOAD imported), so starting one costs milliseconds. Records the work logs
at WARNING or above are sent back and logged by the caller, with its request id.
"""

import logging
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from gebiedsregie.settings import Settings

NICE = 10  # a CPU weight of 110 against the server's 1024
# What the fork server imports once, so a child does not: every caller's module.
PRELOAD = [
    "gebiedsregie.geometry",
    "gebiedsregie.stapeling.adhoc",
    "gebiedsregie.vergelijking.berekening",
    "gebiedsregie.auth.service",
    "gebiedsregie.rapport.figuren",  # matplotlib and WeasyPrint: 57 MB, 1-1.5 s per report
    "gebiedsregie.rapport.pdf",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """What one piece of work may take: wall-clock seconds and memory (MB) of its process."""

    seconds: float
    memory_mb: int


def repair_budget(settings: Settings) -> Budget:
    """Return the budget the settings give each geometry repair."""
    return Budget(settings.repair_seconds, settings.repair_memory_mb)


class OverBudget(Exception):
    """The work took longer or more memory than its budget, and was stopped."""


@dataclass
class _Raised:
    error: BaseException


class _OutOfMemory:
    """What a child sends when its work ran out of memory."""


class _Collect(logging.Handler):
    """Keeps the child's records, made picklable (message formatted, traceback as text)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


def _child(fn: Callable[..., Any], args: tuple[Any, ...], memory_mb: int, out: Connection) -> None:
    with open("/proc/self/status", encoding="ascii") as status:  # what is mapped already
        mapped = next(int(line.split()[1]) for line in status if line.startswith("VmSize"))
    limit = mapped * 1024 + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.nice(NICE)
    collect = _Collect()
    logging.getLogger().addHandler(collect)
    try:
        value: Any = fn(*args)
    except MemoryError:
        value = _OutOfMemory()
    except Exception as exc:  # handed to the caller, who raises it
        # GEOS reports C++'s std::bad_alloc as a GEOSException with that text.
        value = _OutOfMemory() if "bad_alloc" in str(exc) else _Raised(exc)
    try:
        out.send((value, collect.records))
    except Exception as exc:  # an error that does not pickle
        out.send((_Raised(RuntimeError(repr(exc))), collect.records))
    finally:
        out.close()


_start_lock = threading.Lock()


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    with _start_lock:  # the preload is read when the fork server starts, on first use
        context.set_forkserver_preload(PRELOAD)
    return context


def run(fn: Callable[..., T], *args: Any, budget: Budget) -> T:
    """Return fn(*args), computed in a child process within `budget`, or raise OverBudget.

    `fn` and `args` are pickled: fn must be a module-level function. An exception of fn is
    raised here.
    """
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(fn, args, budget.memory_mb, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(budget.seconds):
            raise OverBudget(f"more than {budget.seconds:g} s")
        answer = receive.recv()
    except EOFError:  # the child died: out of memory where the library could not say so
        answer = (_OutOfMemory(), [])
    finally:
        child.kill()
        child.join()
        receive.close()
    value, records = answer
    for record in records:
        logging.getLogger(record.name).handle(record)
    if isinstance(value, _OutOfMemory):
        raise OverBudget(f"more than {budget.memory_mb} MB")
    if isinstance(value, _Raised):
        raise value.error
    return value


def _nothing() -> bool:
    return True


def warm() -> None:
    """Start the fork server (it imports PRELOAD, about a second) with a child that does
    nothing, so that the first real work does not wait for it."""
    run(_nothing, budget=Budget(seconds=60.0, memory_mb=256))
