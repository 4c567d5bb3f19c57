"""Concurrent readers and writers on the same opgaven, then proof that no write was lost or
duplicated.

    .venv/bin/python benchmarks/load.py [--duur 30] [--writers 6] [--readers 4] [--hot 5]
        [--workers 2] [--zonder-trigger]

Seeds a fresh database with the voorbeeldgebieden, makes a planner with a bearer token for
each writer and a lezer for each reader, and starts the app in its own process (uvicorn with
WORKERS processes). Then, for DUUR seconds per phase:
- writers pick one of HOT opgaven at random (so they collide), GET it, and PATCH its
  `beschrijving` to `teller=<teller + 1> writer-<k>/seq-<n>`; on a 412 they GET it again
  and retry the same write (same marker, new request id);
- readers pick a hot opgave at random and GET, in turn, the list of its gebied's opgaven,
  the opgave, its gebied's stapeling samenvatting (recomputed after every write), a vector
  tile over it (zoom 10, 12 or 14), and its historie.
The hot opgaven come from the voorbeeldgebieden in turn (Food Valley, Zuidoost Drenthe,
Chemelot, Food Valley, ...): writes in one gebied take turns on its stapeling epoch
(migration 0002), writes anywhere on `laag_versie` (migration 0003).

Phase "if-match" sends `If-Match` with the versie just read; phase "zonder if-match"
(another set of HOT opgaven) sends none, so the last writer wins. With --zonder-trigger a
third phase repeats "if-match" with the statement trigger that bumps `laag_versie` (migration
0003) disabled in this throw-away database, to show what that serialization point costs.

Afterwards each phase is proven from the database, per hot opgave (see `prove`). Reports
requests/s and p50/p95/p99 latency (ms, seen by the client) per kind of request. Exits 1 if
a check fails or any request got a 5xx or no answer. Uses DATABASE_URL, else the project's
local PostGIS; it creates and drops its own database.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database, markdown_table
from load_clients import Client, Hot, Stats, Write, hot_candidates, reader, writer
from load_proof import LockSampler, historie_high_water, prove

from gebiedsregie.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
WACHTWOORD = "load-test-wachtwoord"


def make_app() -> Any:
    """The app for `uvicorn --factory` (several worker processes need an import string)."""
    from gebiedsregie.app import create_app
    from gebiedsregie.logs import configure_logging
    from gebiedsregie.settings import Settings

    settings = Settings()
    configure_logging(settings)
    return create_app(settings)


# --- set-up ---------------------------------------------------------------------------------


def prepare(url: str, writers: int, readers: int) -> tuple[list[str], list[str]]:
    """Migrate and seed; return the bearer tokens of the writers (planners) and readers."""
    from gebiedsregie.auth.models import Rol
    from gebiedsregie.auth.service import create_gebruiker, create_token, set_door
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.seed import seed
    from gebiedsregie.settings import Settings

    migrate(url)
    settings = Settings()
    engine = make_engine(url)
    tokens: dict[Rol, list[str]] = {Rol.PLANNER: [], Rol.LEZER: []}
    with make_sessionmaker(engine)() as session:
        set_door(session, "seed", None)
        seed(session, ROOT / "geodata")
        for rol, prefix, count in (
            (Rol.PLANNER, "writer", writers),
            (Rol.LEZER, "reader", readers),
        ):
            for k in range(1, count + 1):
                gebruiker = create_gebruiker(session, f"{prefix}-{k}", rol, WACHTWOORD, settings)
                tokens[rol].append(create_token(session, gebruiker, 1)[1])
    engine.dispose()
    return tokens[Rol.PLANNER], tokens[Rol.LEZER]


def serve(url: str, workers: int, log: Any) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "-m", "uvicorn", "--factory", "load:make_app",
         "--app-dir", str(Path(__file__).resolve().parent), "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env={**os.environ, "DATABASE_URL": url, "GEBIEDSREGIE_LOG_LEVEL": "WARNING"},
        stdout=log, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(port, None).call("GET", "/health").status == 200:
                return server, port
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("the app did not start")


# --- a phase --------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_phase(
    label: str, url: str, port: int, tokens: tuple[list[str], list[str]], hot: list[Hot],
    if_match: bool, duur: float,
) -> bool:  # fmt: skip
    """Run writers and readers for `duur` seconds, print what they saw and the proof; return
    whether everything held."""
    writer_tokens, reader_tokens = tokens
    ids = [h.id for h in hot]
    stop = threading.Event()
    stats = [Stats() for _ in writer_tokens + reader_tokens]
    writes: list[list[Write]] = [[] for _ in writer_tokens]
    threads = [
        threading.Thread(
            target=writer, args=(k + 1, port, t, ids, if_match, stop, stats[k], writes[k])
        )
        for k, t in enumerate(writer_tokens)
    ] + [
        threading.Thread(
            target=reader,
            args=(k + 1, port, t, hot, stop, stats[len(writer_tokens) + k]),
        )
        for k, t in enumerate(reader_tokens)
    ]
    since = historie_high_water(url)
    sampler = LockSampler(url)
    sampler.start()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(duur)
    stop.set()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    locks = sampler.finish()

    all_writes = [w for part in writes for w in part]
    rows = latency_rows(stats, wall)
    patches = sum(len(w.attempts) for w in all_writes)
    conflicts = sum(s == 412 for w in all_writes for _, s in w.attempts)
    succeeded = sum(w.succeeded for w in all_writes)
    reads = sum(len(v) for s in stats[len(writer_tokens) :] for v in s.ms.values())
    failures = sum(
        n
        for s in stats
        for c in s.statuses.values()
        for code, n in c.items()
        if code == 0 or code >= 500
    )
    unexpected = sum(
        n for s in stats for c in s.statuses.values() for code, n in c.items()
        if 400 <= code < 500 and code != 412
    )  # fmt: skip
    samenvattingen = sum(len(s.ms.get("GET samenvatting", [])) for s in stats)
    summary = {
        "phase": label,
        "s": round(wall, 1),
        "writes ok": succeeded,
        "writes/s": round(succeeded / wall, 1),
        "PATCHes": patches,
        "412": conflicts,
        "conflict rate": f"{conflicts / patches:.0%}" if patches else "-",
        "reads": reads,
        "reads/s": round(reads / wall, 1),
        "5xx or no answer": failures,
        "other 4xx": unexpected,
        "stale reads": sum(s.stale_reads for s in stats),
        "samenvatting computed": f"{sum(s.berekend for s in stats)}/{samenvattingen}",
        **locks,
    }
    proof = prove(url, ids, all_writes, if_match, since)
    proof.append(
        {
            "check": "ETag = properties.versie, PATCH answers what was sent",
            "result": "ok" if not sum(s.etag_mismatches for s in stats) else "FOUT",
            "detail": f"{sum(s.etag_mismatches for s in stats)} mismatches",
        }
    )
    ok = not failures and not unexpected and all(p["result"] != "FOUT" for p in proof)
    print(f"\n## {label}\n\n{markdown_table([summary])}\n\n{markdown_table(rows)}")
    print(f"\n{markdown_table(proof)}", flush=True)
    return ok


def latency_rows(stats: list[Stats], wall: float) -> list[dict[str, Any]]:
    merged: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    for s in stats:
        for kind, values in s.ms.items():
            merged[kind].extend(values)
            statuses[kind].update(s.statuses[kind])
    rows = []
    for kind in sorted(merged):
        values = sorted(merged[kind])
        rows.append(
            {
                "request": kind,
                "n": len(values),
                "req/s": round(len(values) / wall, 1),
                "p50 ms": round(statistics.median(values), 1),
                "p95 ms": round(percentile(values, 0.95), 1),
                "p99 ms": round(percentile(values, 0.99), 1),
                "statuses": ", ".join(f"{c}: {n}" for c, n in sorted(statuses[kind].items())),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duur", type=float, default=30, help="seconds per phase")
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--hot", type=int, default=5, help="opgaven the writers share")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--zonder-trigger", action="store_true", help="also a phase without it")
    args = parser.parse_args()

    ok = True
    with bench_database() as url, tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        tokens = prepare(url, args.writers, args.readers)
        print(f"seeded, {args.writers} planners, {args.readers} lezers in "
              f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
        server, port = serve(url, args.workers, log)
        try:
            candidates = hot_candidates(port)
            # (label, If-Match?, laag_versie trigger?)
            phases = [("if-match", True, True), ("zonder if-match", False, True)]
            if args.zonder_trigger:
                phases.append(("if-match, zonder laag_versie-trigger", True, False))
            if len(candidates) < args.hot * len(phases):
                raise SystemExit(f"{len(candidates)} opgaven: too few for --hot {args.hot}")
            for i, (label, if_match, trigger) in enumerate(phases):
                hot = candidates[i * args.hot : (i + 1) * args.hot]
                if not trigger:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute("ALTER TABLE opgave DISABLE TRIGGER laag_versie_bump")
                ok = run_phase(label, url, port, tokens, hot, if_match, args.duur) and ok
        finally:
            server.terminate()
            server.wait(timeout=20)
        log.seek(0)
        server_log = log.read().decode(errors="replace")
    errors = [line for line in server_log.splitlines() if "ERROR" in line or "Traceback" in line]
    if errors:
        ok = False
        print(f"\nserver log: {len(errors)} error lines, the first ones:")
        print("\n".join(errors[:10]))
    print(f"\n{'all checks hold' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
