"""What Natura 2000 adds to a seed: with and without the referentielagen, turn by turn.

    .venv/bin/python benchmarks/seed.py [--runs 7]

The test suite seeds a database per browser and fuzz session, and many tests seed inside their
rolled-back transaction, so a seed's cost is paid some twenty times a run. Measured here: the
first read of the Natura 2000 file (once per process: parse, project, check; kept after),
and a whole seed into an empty database with and without geodata/referentielagen.json,
alternating, each in a transaction that is rolled back (as the tests do). Prints medians.
Uses DATABASE_URL, else the project's local PostGIS; creates and drops its own database.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import shapely
from sqlalchemy.orm import Session

from gebiedsregie.cli import migrate
from gebiedsregie.db import make_engine
from gebiedsregie.referentielagen.seed import SPEC, bronobjecten
from gebiedsregie.seed import seed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database

GEODATA = Path(__file__).resolve().parents[1] / "geodata"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        zonder = Path(folder)
        for path in GEODATA.iterdir():
            if path.name != SPEC and path.is_file():
                (zonder / path.name).symlink_to(path)
        migrate(url)
        engine = make_engine(url)
        started = time.perf_counter()
        bron = bronobjecten(GEODATA / "natura2000.geojson.gz", "nr")
        cold = time.perf_counter() - started
        times: dict[str, list[float]] = {"zonder referentielagen": [], "met Natura 2000": []}
        for _ in range(args.runs):
            for label, geodata in zip(times, (zonder, GEODATA), strict=True):
                with engine.connect() as conn:
                    transaction = conn.begin()
                    with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                        started = time.perf_counter()
                        seed(session, geodata)
                        times[label].append(time.perf_counter() - started)
                    transaction.rollback()
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    vertices = sum(shapely.get_num_coordinates(o.geom) for o in bron.objecten)
    print(f"Natura 2000: {len(bron.objecten)} objecten, {vertices:,} vertices")
    print(f"first read (parse, project, check; once per process): {cold:.2f} s")
    for label, values in times.items():
        print(f"seed {label}: median {statistics.median(values):.2f} s (min {min(values):.2f})")


if __name__ == "__main__":
    main()
