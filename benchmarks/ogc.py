"""OGC API Features items and vector tiles at 100,000 opgaven, against the same SQL by hand.

    .venv/bin/python benchmarks/ogc.py [--n 100000] [--requests 300] [--clients 4]

Loads N synthetic opgaven (irregular shapes of 20-60 vertices, 5-2,000 ha; see
synthetic.py) into a fresh database, starts the app in its own process, and in one run
measures, with CLIENTS concurrent keep-alive clients:
- items: a bbox page (2 km x 2 km, limit 100) in CRS84 and in RD, with numberMatched;
- tiles: WebMercatorQuad tiles at zoom 10, 12 and 14 over the data;
and the floor: the same queries written by hand in SQL (psycopg, one connection per
client), which is what the app can at best approach. Reports p50/p95 latency (ms) and
throughput (requests/s). Uses DATABASE_URL, else the project's local PostGIS; it creates and
drops its own database.
"""

import argparse
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import psycopg
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database, copy_opgaven, markdown_table
from synthetic import generate

from gebiedsregie.cli import migrate

ROOT = Path(__file__).resolve().parents[1]
TO_WGS84 = Transformer.from_crs(28992, 4326, always_xy=True)
TO_MERCATOR = Transformer.from_crs(28992, 3857, always_xy=True)


def load(url: str, n: int) -> shapely.Polygon:
    """Insert n opgaven with COPY; return their extent (RD)."""
    data = generate(n, vertices=(20, 60))
    copy_opgaven(url, data.geoms, data.themas)
    return shapely.box(*shapely.total_bounds(data.geoms))


def bboxes(extent: shapely.Polygon, count: int, rng: np.random.Generator) -> list[tuple]:
    minx, miny, maxx, maxy = extent.bounds
    xs = rng.uniform(minx, maxx - 2_000, count)
    ys = rng.uniform(miny, maxy - 2_000, count)
    return [(x, y, x + 2_000, y + 2_000) for x, y in zip(xs, ys, strict=True)]


def tiles(extent: shapely.Polygon, z: int, count: int, rng: np.random.Generator) -> list[tuple]:
    x0, y0 = TO_MERCATOR.transform(extent.bounds[0], extent.bounds[1])
    x1, y1 = TO_MERCATOR.transform(extent.bounds[2], extent.bounds[3])
    size = 2 * math.pi * 6378137 / 2**z
    origin = math.pi * 6378137
    cols = range(int((x0 + origin) // size), int((x1 + origin) // size) + 1)
    rows = range(int((origin - y1) // size), int((origin - y0) // size) + 1)
    return [(z, int(rng.choice(cols)), int(rng.choice(rows))) for _ in range(count)]


def timed(jobs: list[Any], clients: int, make: Callable[[], Callable[[Any], None]]) -> dict:
    """Run `jobs` over `clients` workers, each with its own connection; latencies in ms."""
    per_worker = [jobs[i::clients] for i in range(clients)]

    def work(batch: list[Any]) -> list[float]:
        run = make()
        latencies = []
        for job in batch:
            start = time.perf_counter()
            run(job)
            latencies.append((time.perf_counter() - start) * 1000)
        return latencies

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [ms for part in pool.map(work, per_worker) for ms in part]
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "req_s": round(len(latencies) / wall, 1),
    }


def http_client(port: int) -> Callable[[], Callable[[str], None]]:
    def make() -> Callable[[str], None]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def get(path: str) -> None:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status in (200, 204), (response.status, path)

        return get

    return make


ITEMS_SQL = """
SELECT id, titel, thema, trekker, status, horizon,
       ST_AsGeoJSON(CASE WHEN %(srid)s = 4326 THEN ST_Transform(geom, 4326) ELSE geom END,
                    %(decimals)s)
FROM opgave WHERE ST_Intersects(geom, ST_MakeEnvelope(%(a)s, %(b)s, %(c)s, %(d)s, 28992))
ORDER BY titel, id LIMIT 100
"""
COUNT_SQL = """
SELECT count(*) FROM opgave
WHERE ST_Intersects(geom, ST_MakeEnvelope(%(a)s, %(b)s, %(c)s, %(d)s, 28992))
"""
TILE_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
mvt AS (
  SELECT ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(o.geom, %(tol)s), 3857),
                      bounds.env, 4096, 64, true) AS geom,
         o.id::text, o.titel, o.thema, o.status
  FROM opgave o, bounds
  WHERE o.geom && ST_Transform(bounds.env, 28992)
)
SELECT ST_AsMVT(mvt, 'opgaven') FROM mvt WHERE geom IS NOT NULL
"""


def sql_client(url: str, kind: str) -> Callable[[], Callable[[Any], None]]:
    def make() -> Callable[[Any], None]:
        conn = psycopg.connect(url, autocommit=True)

        def run(job: Any) -> None:
            if kind == "tiles":
                z, x, y = job
                tol = 2 * math.pi * 6378137 / 2**z / 4096
                conn.execute(TILE_SQL, {"z": z, "x": x, "y": y, "tol": tol}).fetchone()
                return
            box, srid = job
            params = dict(zip("abcd", box, strict=True))
            conn.execute(COUNT_SQL, params).fetchone()
            conn.execute(
                ITEMS_SQL, {**params, "srid": srid, "decimals": 8 if srid == 4326 else 3}
            ).fetchall()

        return run

    return make


def serve(url: str) -> tuple[subprocess.Popen[bytes], int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gebiedsregie"), "serve", "--no-migrate", "--port", str(port),
         "--log-level", "warning"],
        env={**os.environ, "DATABASE_URL": url},
    )  # fmt: skip
    for _ in range(300):
        try:
            http_client(port)()("/health")
            return server, port
        except (OSError, AssertionError):
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("app did not start")


Measure = Callable[[str, int, shapely.Polygon, int, int], list[dict[str, Any]]]


def run(measure: Measure, requests: int, clients: int) -> None:
    """Load --n opgaven into a database of their own, serve the app, and print `measure`'s
    rows as a table (the OGC benchmarks share this)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--clients", type=int, default=clients)
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    with bench_database() as url:
        migrate(url)
        start = time.perf_counter()
        extent = load(url, args.n)
        print(f"loaded {args.n} opgaven in {time.perf_counter() - start:.1f} s", flush=True)
        server, port = serve(url)
        try:
            rows = measure(url, port, extent, args.requests, args.clients)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print()
    print(markdown_table(rows))


def main() -> None:
    run(measure, requests=300, clients=4)


def measure(
    url: str, port: int, extent: shapely.Polygon, requests: int, clients: int
) -> list[dict[str, Any]]:
    """Time every case through the app and through SQL by hand."""
    rows = []
    rng = np.random.default_rng(28992)
    boxes = bboxes(extent, requests, rng)
    cases: list[tuple[str, list[Any], list[Any]]] = []
    for label, srid, crs in (("items CRS84", 4326, None), ("items RD", 28992, "rd")):
        paths = []
        for box in boxes:
            lon0, lat0 = TO_WGS84.transform(box[0], box[1])
            lon1, lat1 = TO_WGS84.transform(box[2], box[3])
            if crs:
                query = {"bbox": ",".join(map(str, box)), "bbox-crs": "EPSG:28992",
                         "crs": "EPSG:28992", "limit": 100}  # fmt: skip
            else:
                query = {"bbox": f"{lon0},{lat0},{lon1},{lat1}", "limit": 100}
            paths.append(f"/ogc/collections/opgaven/items?{urlencode(query)}")
        cases.append((label, paths, [(box, srid) for box in boxes]))
    for z in (10, 12, 14):
        jobs = tiles(extent, z, requests, rng)
        paths = [
            f"/ogc/collections/opgaven/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt" for z, x, y in jobs
        ]
        cases.append((f"tiles z{z}", paths, jobs))
    for label, paths, jobs in cases:
        http_client(port)()(paths[0])  # warm the app's caches of this kind once
        ours = timed(paths, clients, http_client(port))
        floor = timed(jobs, clients, sql_client(url, "tiles" if "tiles" in label else "items"))
        row = {
            "case": label,
            "p50_ms": ours["p50_ms"],
            "p95_ms": ours["p95_ms"],
            "req_s": ours["req_s"],
            "sql_p50_ms": floor["p50_ms"],
            "sql_p95_ms": floor["p95_ms"],
            "sql_req_s": floor["req_s"],
            "p50_ratio": round(ours["p50_ms"] / floor["p50_ms"], 2),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    main()
