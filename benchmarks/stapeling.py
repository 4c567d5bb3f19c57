"""How fast is the stapeling? Ours against the PostGIS recipe and the naive geopandas approach.

Run:  .venv/bin/python benchmarks/stapeling.py [--sizes 100,1000,5000,20000] [--quick]

Everything runs in this one process (and one PostGIS), so the ratios compare like with like on
a shared, noisy machine: medians of repeated runs, each approach on the same synthetic data,
the approaches taking turns run by run.
Memory is the peak resident size of a fresh child process that does only our computation.
Uses DATABASE_URL, else the project's local PostGIS; it creates and drops its own database.
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import psycopg
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database
from synthetic import generate

from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.analysis import compute_faces
from gebiedsregie.stapeling.summary import summarize

ROOT = Path(__file__).resolve().parents[1]


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def ours(data: Any, workers: int) -> tuple[int, int]:
    faces = compute_faces(data.geoms, data.area, workers=workers)
    summarize(faces, data.themas, data.area.area, float((faces.aantal * faces.area).sum()))
    return len(faces), int(faces.aantal.max())


def ours_in_child(n: int, workers: int) -> dict[str, Any]:
    """Run ours once in a fresh process; return its time and peak memory."""
    code = (
        "import json,sys,time;sys.path.insert(0,'benchmarks');"
        "from synthetic import generate;from gebiedsregie.stapeling.analysis import "
        "compute_faces;"
        f"d=generate({n});t=time.perf_counter();"
        f"f=compute_faces(d.geoms,d.area,workers={workers});dt=time.perf_counter()-t;"
        # VmHWM, not ru_maxrss: that one keeps the size of the forked parent across exec.
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0];"
        "print(json.dumps({'s':dt,'faces':len(f),'rss_mb':int(hwm.split()[1])/1024}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def naive(data: Any) -> int:
    """What most users write: geopandas overlay(how="union"), one layer at a time."""
    layers = [
        gpd.GeoDataFrame({f"o{i}": [1]}, geometry=[g], crs=28992) for i, g in enumerate(data.geoms)
    ]
    result = layers[0]
    for layer in layers[1:]:
        result = gpd.overlay(result, layer, how="union", keep_geom_type=True)
    result = gpd.clip(result, data.area)
    counts = result.drop(columns="geometry").notna().sum(axis=1)
    return int(counts.max())


POSTGIS_RECIPE = """
WITH noded AS MATERIALIZED (SELECT ST_Union(ST_Boundary(geom)) AS g FROM bench_opgave),
faces AS MATERIALIZED (SELECT (ST_Dump(ST_Polygonize(g))).geom AS geom FROM noded),
points AS MATERIALIZED (SELECT geom, ST_PointOnSurface(geom) AS p FROM faces),
labelled AS (
    SELECT f.geom, count(o.id) AS aantal
    FROM points f JOIN bench_opgave o ON ST_Contains(o.geom, f.p)
    GROUP BY f.geom)
SELECT count(*), max(aantal) FROM labelled
"""


def load(conn: psycopg.Connection, n: int) -> None:
    data = generate(n)
    clipped = shapely.intersection(data.geoms, data.area)
    conn.execute("DROP TABLE IF EXISTS bench_opgave")
    conn.execute("CREATE TABLE bench_opgave (id int PRIMARY KEY, geom geometry)")
    with conn.cursor().copy("COPY bench_opgave (id, geom) FROM STDIN") as copy:
        for i, geom in enumerate(clipped):
            copy.write_row((i, shapely.to_wkb(geom, hex=True)))
    conn.execute("UPDATE bench_opgave SET geom = ST_SetSRID(geom, 28992)")
    conn.execute("CREATE INDEX ON bench_opgave USING gist (geom)")
    conn.execute("ANALYZE bench_opgave")
    conn.commit()


def settle(conn: psycopg.Connection) -> None:
    """Let the database finish its background work (vacuum, analyze, checkpoint) before the
    timings: on two cores it would take time from whatever runs next, ours included."""
    conn.commit()
    conn.autocommit = True
    try:
        conn.execute("VACUUM ANALYZE")
        # A DATABASE_URL role may not checkpoint: the vacuum is most of it.
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")
    finally:
        conn.autocommit = False
    time.sleep(2)


def postgis(conn: psycopg.Connection) -> tuple[int, int]:
    row = conn.execute(POSTGIS_RECIPE).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def warm(url: str) -> dict[str, float]:
    """Median milliseconds of a stored (warm) stapeling of each seeded gebied, via the API."""
    from fastapi.testclient import TestClient

    from gebiedsregie.app import create_app
    from gebiedsregie.cli import migrate
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.seed import seed

    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed(session, ROOT / "geodata")
    engine.dispose()
    result: dict[str, float] = {}
    with TestClient(create_app(Settings(), url)) as client:
        for slug in ("food-valley", "zuidoost-drenthe", "chemelot"):
            for what in ("stapeling", "stapeling/samenvatting"):
                path = f"/api/v1/gebieden/{slug}/{what}"
                if what == "stapeling":  # the first request computes and stores
                    cold, response = median_time(lambda path=path: client.get(path), 1)
                    assert response.headers["gebiedsregie-stapeling"] == "berekend"
                    result[f"{slug} cold ms"] = round(cold * 1000, 1)
                hot, response = median_time(lambda path=path: client.get(path), 30)
                assert response.headers["gebiedsregie-stapeling"] == "opgeslagen"
                result[f"{slug} {what} warm ms"] = round(hot * 1000, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,5000,20000")
    parser.add_argument("--naive-sizes", default="100,300")
    parser.add_argument("--postgis-max", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    rows = []
    with bench_database() as url:
        if args.warm:
            print(json.dumps(warm(url), indent=1), flush=True)
        with psycopg.connect(url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.commit()
            settle(conn)
            for n in sorted(set(sizes) | {int(s) for s in args.naive_sizes.split(",")}):
                data = generate(n)
                vertices = int(shapely.get_num_coordinates(data.geoms).sum())
                # Small sizes take milliseconds, where the machine's noise is largest: more runs.
                repeat = {300: 11, 1000: 7, 5000: args.repeat}.get(
                    min((k for k in (300, 1000, 5000) if n <= k), default=0), 1
                )
                row: dict[str, Any] = {"n": n, "vertices": vertices}
                if n in sizes:
                    # The approaches take turns, run by run: on a shared machine whose load
                    # changes by the minute, each gets the same share of good and bad moments.
                    with_postgis = n <= args.postgis_max
                    if with_postgis:
                        load(conn, n)
                    settle(conn)
                    runs: dict[str, list[float]] = {"ours_1": [], "ours_2": [], "postgis": []}
                    for _ in range(repeat):
                        for name, fn in (
                            ("ours_1", lambda data=data: ours(data, 1)),
                            ("ours_2", lambda data=data: ours(data, 2)),
                            ("postgis", lambda: postgis(conn)),
                        ):
                            if name == "postgis" and not with_postgis:
                                continue
                            seconds, result = median_time(fn, 1)
                            runs[name].append(seconds)
                            if os.environ.get("BENCH_VERBOSE"):
                                print(name, round(seconds * 1000, 1), file=sys.stderr)
                            if name == "ours_1":
                                row["faces"], row["max"] = result
                            elif name == "postgis":
                                row["postgis_faces"] = result[0]
                    for name, times in runs.items():
                        if times:
                            row[name] = statistics.median(times)
                    child = ours_in_child(n, 2)
                    row["rss_mb"] = child["rss_mb"]
                if str(n) in args.naive_sizes.split(","):
                    row["naive"], _ = median_time(lambda data=data: naive(data), 1)
                rows.append(row)
                print(json.dumps(row), flush=True)
    print()
    print(table(rows))


def table(rows: list[dict[str, Any]]) -> str:
    def fmt(value: Any, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    lines = [
        "| opgaven | vertices | faces | max depth | ours 1 core (s) | ours 2 cores (s) "
        "| PostGIS recipe (s) | naive overlay (s) | PostGIS / ours | naive / ours "
        "| peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        best = (
            min(v for v in (r.get("ours_1"), r.get("ours_2")) if v is not None)
            if "ours_1" in r
            else None
        )
        pg = r.get("postgis")
        nv = r.get("naive")
        lines.append(
            f"| {r['n']:,} | {r['vertices']:,} | {r.get('faces', '-')} | {r.get('max', '-')} "
            f"| {fmt(r.get('ours_1'))} | {fmt(r.get('ours_2'))} | {fmt(pg)} | {fmt(nv)} "
            f"| {fmt(pg / best, 1) if pg and best else '-'} "
            f"| {fmt(nv / best, 0) if nv and best else '-'} "
            f"| {fmt(r.get('rss_mb'), 0)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
