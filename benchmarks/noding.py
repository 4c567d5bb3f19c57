"""How fast is our noder? Snap rounding and face tracing in C against GEOS noding.

Run:  .venv/bin/python benchmarks/noding.py [--sizes 1000,5000] [--repeat 5]

The same clipped synthetic opgaven (`synthetic.py`) go through, taking turns run by run:
- GEOS: `union_all` of the boundaries (floating-point noding with its own validation, as
  ST_Union does in the PostGIS recipe and as our previous implementation did per tile),
  then `polygonize`;
- ours: `noding.node_and_trace` (snap rounding on the millimetre grid, faces traced, and
  the set of every face), with one and with two threads.
Medians of the runs; faces counted to show both found the same partition (ours merges
nothing here: slivers and equal neighbours are merged later, in `merging.py`).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate

from gebiedsregie.stapeling.analysis import SNAP_GRID_M, clip_inputs
from gebiedsregie.stapeling.noding import node_and_trace


def geos(geoms: np.ndarray) -> int:
    noded = shapely.union_all(shapely.boundary(geoms))
    return len(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))


def ours(geoms: np.ndarray, threads: int) -> int:
    return len(node_and_trace(geoms, SNAP_GRID_M, threads).traced.area)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        "| opgaven | vertices | GEOS faces | our faces | GEOS (s) | ours 1 thread (s) "
        "| ours 2 threads (s) | GEOS / ours |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = generate(n)
        geoms, _ = clip_inputs(data.geoms, data.area)
        vertices = int(shapely.get_num_coordinates(geoms).sum())
        times: dict[str, list[float]] = {"geos": [], "ours_1": [], "ours_2": []}
        faces: dict[str, int] = {}
        for _ in range(args.repeat):
            for name, fn in (
                ("geos", lambda geoms=geoms: geos(geoms)),
                ("ours_1", lambda geoms=geoms: ours(geoms, 1)),
                ("ours_2", lambda geoms=geoms: ours(geoms, 2)),
            ):
                started = time.perf_counter()
                faces[name] = fn()
                times[name].append(time.perf_counter() - started)
        med = {k: statistics.median(v) for k, v in times.items()}
        best = min(med["ours_1"], med["ours_2"])
        print(
            f"| {n:,} | {vertices:,} | {faces['geos']:,} | {faces['ours_1']:,} "
            f"| {med['geos']:.3f} | {med['ours_1']:.3f} | {med['ours_2']:.3f} "
            f"| {med['geos'] / best:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
