"""How fast does a real layer import, checked feature by feature, against a bare bulk load?

    .venv/bin/python benchmarks/import.py [--sizes 1000,10000] [--repeat 3]

Writes N synthetic opgaven (irregular shapes of 50-500 vertices, see synthetic.py) as a
GeoPackage in RD New and as GeoJSON in CRS84, then times in one run:
- ours: `import_file` (GDAL read in batches, reprojection, every API check, dedup, one
  transaction), as a dry run and for real;
- floor: geopandas `read_file` + `to_postgis` (no checks, no reprojection for the GeoPackage).
Memory is the growth of resident memory during the work, in a fresh child process per
case (module loading, about 300 MB of GDAL, PROJ and geopandas, does not count).
Uses DATABASE_URL, else the project's local PostGIS; it creates and drops its own database.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from common import bench_database, markdown_table
from synthetic import generate

from gebiedsregie.cli import migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.settings import Settings
from gebiedsregie.uitwisseling.service import ImportOpties, import_file

FASEN = ("verkenning", "planvorming", "besluitvorming", "uitvoering")


def write_files(n: int, folder: Path) -> dict[str, Path]:
    data = generate(n)
    frame = gpd.GeoDataFrame(
        {
            "naam": [f"Opgave {i}" for i in range(n)],
            "thema": data.themas,
            "fase": [FASEN[i % len(FASEN)] for i in range(n)],
            "jaar": [2030 + i % 20 for i in range(n)],
        },
        geometry=gpd.GeoSeries(data.geoms, crs=28992),
    )
    files = {"GeoPackage (RD)": folder / "laag.gpkg", "GeoJSON (CRS84)": folder / "laag.geojson"}
    frame.to_file(files["GeoPackage (RD)"], driver="GPKG")
    frame.to_crs(4326).to_file(files["GeoJSON (CRS84)"], driver="GeoJSON")
    return files


def median_time(
    fn: Callable[[], Any], repeat: int, before: Callable[[], Any] | None = None
) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        if before is not None:
            before()  # not timed
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ours(url: str, path: Path, dry_run: bool) -> dict[str, int]:
    settings = Settings(database_url=url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            report = import_file(session, path, path.name, ImportOpties(dry_run=dry_run), settings)
    finally:
        engine.dispose()
    return report["samenvatting"]


def empty(url: str, audit: bool = True) -> None:
    """Start from no opgaven and no historie; with `audit` off, the historie trigger sleeps."""
    engine = make_engine(url)
    state = "ENABLE" if audit else "DISABLE"
    try:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE opgave, historie"))
            conn.execute(text(f"ALTER TABLE opgave {state} TRIGGER historie_vastleggen"))
    finally:
        engine.dispose()


def floor(url: str, path: Path) -> int:
    engine = make_engine(url)
    try:
        frame = gpd.read_file(path).to_crs(28992)
        frame.to_postgis("bulk_floor", engine, if_exists="replace")
    finally:
        engine.dispose()
    return len(frame)


def peak_mb(url: str, path: Path, what: str) -> float:
    """Growth of resident memory during one import (or floor load) in a fresh child process.

    After the imports, the child resets the kernel's high-water mark (/proc/self/clear_refs)
    so module loading does not count; the figure is that mark minus the size before the work.
    """
    code = f"""
import sys, importlib
from pathlib import Path
sys.path.insert(0, "benchmarks")
m = importlib.import_module("import")
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
path = Path({str(path)!r})
m.ours({url!r}, path, False) if {what!r} == "ours" else m.floor({url!r}, path)
print(status("VmHWM") - before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return round(float(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rows = []
    with bench_database() as url:
        migrate(url)
        for n in [int(size) for size in args.sizes.split(",")]:
            rows.extend(run_size(url, n, args.repeat))
    print()
    print(markdown_table(rows))


def run_size(url: str, n: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(n, Path(tmp))
        for label, path in files.items():
            empty(url)
            dry, totals = median_time(lambda p=path: ours(url, p, True), repeat)
            real, _ = median_time(lambda p=path: ours(url, p, False), repeat, lambda: empty(url))
            unaudited, _ = median_time(
                lambda p=path: ours(url, p, False), repeat, lambda: empty(url, audit=False)
            )
            empty(url)
            bulk, _ = median_time(lambda p=path: floor(url, p), repeat)
            row = {
                "bestand": label,
                "MB": round(path.stat().st_size / 1e6, 1),
                "features": n,
                "geaccepteerd": totals["geaccepteerd"] + totals["hersteld"],
                "dry_run_s": round(dry, 2),
                "import_s": round(real, 2),
                "zonder_historie_s": round(unaudited, 2),
                "floor_s": round(bulk, 2),
                "ratio": round(real / bulk, 2),
                "features_per_s": round(n / real),
                "peak_mb_ours": peak_mb(url, path, "ours"),
                "peak_mb_floor": peak_mb(url, path, "floor"),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    main()
