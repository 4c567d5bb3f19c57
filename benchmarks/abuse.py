"""Load under abuse: do ordinary readers and /health stay served while heavy ad-hoc
stapelingen and a login flood hammer the app?

    .venv/bin/python benchmarks/abuse.py [--duur 60] [--n 100000] [--workers 1] [--heavy 12]
        [--logins 30] [--budget-mb 1024]

Seeds a fresh database with the voorbeeldgebieden, one planner with a bearer token, and N
synthetic opgaven (20-60 vertices, spread over the RD extent of the Netherlands, COPY as in
ogc.py), and starts the app in its own process (uvicorn, as load.py does). Then, for DUUR
seconds at once:
- HEAVY (12) anonymous clients POST /api/v1/stapeling with a drawn comb of about 2,000
  vertices over the busiest part of the data (RD, Content-Crs), waiting after a 503 for
  Retry-After but at most 1 s; and one planner (bearer token) POSTs the same comb every 5 s;
- LOGINS (30) clients GET /inloggen and POST a wrong password for a random name, without
  pause (these and the heavy ones run in a process of their own, off the readers' clock);
- 4 ordinary readers (anonymous, keep-alive) GET in turn: the gebieden, a page of opgaven,
  Food Valley's samenvatting, a page of OGC items, and tiles over Food Valley (zoom 10,
  12, 14);
- /health is polled every 0.5 s.
Meanwhile the memory of the server and its child processes (Pss and VmRSS, see
MemorySampler) is read from /proc. Prints, per kind of request, the count, the statuses (a
503 named by the limit that gave it) and p50/p95/p99/max latency. Exits 1 if /health ever
failed, if an ordinary read's p95 was 1 s or more (per endpoint), if any request got no
answer or a 5xx other than a 503 with Retry-After, or if the server and its children took
more than BUDGET_MB (Pss). Uses DATABASE_URL, else the project's local PostGIS; it creates and
drops its own database.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.prepared import prep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abuse_clients import (
    RD_HEADER,
    MemorySampler,
    Record,
    abusers,
    comb,
    health,
    reader,
    run_threads,
)
from common import bench_database, copy_opgaven, markdown_table
from load import percentile, prepare, serve
from load_clients import Client, tile_paths
from synthetic import ORIGIN, generate

from gebiedsregie.geometry import NL_OUTLINE

CENTRE = (155_000.0, 463_000.0)  # RD New: the middle of the Netherlands' extent
COMB_M = 5_000.0  # the comb's box: side in metres
TEETH = 500  # 4 vertices each
READERS = 4


def load_opgaven(url: str, n: int) -> np.ndarray:
    """Insert n synthetic opgaven with COPY (as ogc.py does); return their geometries (RD)."""
    data = generate(n, vertices=(20, 60))
    # generate() puts its square's corner in the middle of the country: centre it there, so
    # the opgaven cover the RD extent of the Netherlands (sea and borders included).
    side = data.area.bounds[2] - data.area.bounds[0]
    shift = np.array([CENTRE[0] - ORIGIN[0] - side / 2, CENTRE[1] - ORIGIN[1] - side / 2])
    geoms = shapely.transform(data.geoms, lambda xy: xy + shift)
    copy_opgaven(url, geoms, data.themas)
    return geoms


def busy_comb(geoms: np.ndarray) -> shapely.Polygon:
    """The comb over the square of COMB_M, inside the Netherlands, with the most centroids."""
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    cells, counts = np.unique((centres // COMB_M).astype(int), axis=0, return_counts=True)
    with NL_OUTLINE.open(encoding="utf-8") as f:
        nederland = prep(shape(json.load(f)["features"][0]["geometry"]))
    for i in np.argsort(-counts):
        x, y = cells[i] * COMB_M
        polygon = comb((x, y, x + COMB_M, y + COMB_M), TEETH)
        if nederland.contains(polygon):
            print(f"comb over ({x:.0f}, {y:.0f}): {counts[i]} centroids in its square")
            return polygon
    raise RuntimeError("no square inside the Netherlands")


def reader_paths(port: int) -> list[tuple[str, str]]:
    gebied = Client(port, None).call("GET", "/api/v1/gebieden/food-valley").json()
    tiles = [(f"GET tile z{z}", p) for z, p in zip((10, 12, 14), tile_paths(gebied), strict=True)]
    return [
        ("GET gebieden", "/api/v1/gebieden"),
        ("GET opgaven", "/api/v1/opgaven?limit=50"),
        ("GET samenvatting", "/api/v1/gebieden/food-valley/stapeling/samenvatting"),
        ("GET ogc items", "/ogc/collections/opgaven/items?limit=20"),
        *tiles,
    ]


def row(kind: str, records: list[Record]) -> dict[str, Any]:
    ms = sorted(r[2] for r in records)
    statuses = Counter(r[1] for r in records)
    return {
        "request": kind,
        "n": len(ms),
        "statuses": ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())),
        "p50 ms": round(statistics.median(ms)),
        "p95 ms": round(percentile(ms, 0.95)),
        "p99 ms": round(percentile(ms, 0.99)),
        "max ms": round(ms[-1]),
    }


def report(records: list[Record], readers: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The table, and what failed."""
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record[0]].append(record)
    rows = [row(kind, by_kind[kind]) for kind in readers if by_kind[kind]]
    rows.append(row("all ordinary reads", [r for k in readers for r in by_kind[k]]))
    rows += [row(kind, by_kind[kind]) for kind in sorted(set(by_kind) - set(readers))]
    failures = [f"{r['request']}: p95 {r['p95 ms']} ms" for r in rows if r["request"] in
                readers and r["p95 ms"] >= 1000]  # fmt: skip
    failures += [f"/health answered {s}" for _, s, _ in by_kind["GET /health"] if s != "200"]
    bad = Counter(
        f"{kind}: {s}" for kind, s, _ in records
        if s == "0" or s == "503 no Retry-After" or (s.startswith("5") and not s.startswith("503"))
    )  # fmt: skip
    failures += [f"{what} ({n}x)" for what, n in bad.items()]
    return rows, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duur", type=float, default=60, help="seconds")
    parser.add_argument("--n", type=int, default=100_000, help="synthetic opgaven")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--heavy", type=int, default=12, help="anonymous stapelers (0: no planner)")
    parser.add_argument("--logins", type=int, default=30, help="login flood clients")
    parser.add_argument("--budget-mb", type=int, default=1024, help="server's memory (Pss)")
    args = parser.parse_args()

    with bench_database() as url, tempfile.TemporaryFile() as log:
        begin = time.perf_counter()
        token = prepare(url, 1, 0)[0][0]
        polygon = busy_comb(load_opgaven(url, args.n))
        body = mapping(polygon)
        print(f"seeded {args.n} opgaven in {time.perf_counter() - begin:.1f} s", flush=True)
        server, port = serve(url, args.workers, log)
        sampler = MemorySampler(server.pid)
        sampler.start()
        try:
            once = Client(port, token).call("POST", "/api/v1/stapeling", body, RD_HEADER)
            faces = once.json()["numberMatched"] if once.status == 200 else once.body[:300]
            print(f"one stapeling of the comb ({len(polygon.exterior.coords) - 1} vertices), "
                  f"alone: {once.status} in {once.ms:.0f} ms, {faces!r} faces")  # fmt: skip
            paths = reader_paths(port)
            for kind, path in paths:  # warm: the first samenvatting is computed and stored
                answer = Client(port, None).call("GET", path)
                print(f"  first {kind}: {answer.status} in {answer.ms:.0f} ms", flush=True)
            start = time.monotonic() + 5  # the abusers' process needs a moment to start
            deadline = start + args.duur
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                future = pool.submit(
                    abusers, port, token, body, start, args.duur, args.heavy, args.logins
                )
                time.sleep(max(0.0, start - time.monotonic()))
                load_before = os.getloadavg()
                jobs = [partial(reader, port, paths, k, deadline) for k in range(READERS)]
                records = run_threads([*jobs, partial(health, port, deadline)])
                records += future.result(timeout=args.duur + 300)
            load_after = os.getloadavg()
        finally:
            sampler.stop.set()
            server.terminate()
            server.wait(timeout=30)
        log.seek(0)
        server_log = log.read().decode(errors="replace").splitlines()

    rows, failures = report(records, [kind for kind, _ in paths])
    print(f"\n{markdown_table(rows)}\n")
    pss_mb = sampler.peak_pss_kb / 1024
    print(f"server ({args.workers} worker(s)) and its children, peak: Pss {pss_mb:.0f} MB, "
          f"VmRSS summed {sampler.peak_rss_kb / 1024:.0f} MB "
          f"(VmHWM {sampler.hwm_kb / 1024:.0f} MB); the server process alone: "
          f"VmRSS {sampler.peak_own_kb / 1024:.0f} MB")  # fmt: skip
    if pss_mb > args.budget_mb:
        failures.append(f"memory: Pss {pss_mb:.0f} MB, budget {args.budget_mb} MB")
    print("load average before / after: " + " / ".join(
        ", ".join(f"{v:.2f}" for v in la) for la in (load_before, load_after)))  # fmt: skip
    errors = Counter(line.split("] ", 1)[-1][:120] for line in server_log if "ERROR" in line)
    for message, n in errors.most_common(8):
        print(f"server log, {n}x: {message}")
    print("\n" + ("\n".join(f"FAILED: {f}" for f in failures) if failures else "all targets met"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
