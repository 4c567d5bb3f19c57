"""The landelijke stapeling in tegels (issue #19): time per tegel, the speed-up from one to two
Dask workers, and how far the sum over tegels is from the stapeling of the whole.

Run:  .venv/bin/python benchmarks/landelijk.py [--opgaven 5000] [--tegel 10000] [--repeat 3]

Data: `synthetic.py` (seed 28992), the study area cut into tegels of `--tegel` metres.
- whole: `compute_faces` of the whole area in one thread, the reference; and (without
  slivers) the whole with the tegel borders drawn in (`tegels.with_borders`), which the sum
  over tegels must equal exactly;
- tegels in one process: `compute_tegel` one after the other (time per tegel);
- Dask: `run_tegels` on a LocalCluster of one, then two worker processes of one thread
  each, statistics only, taking turns run by run; medians of `--repeat` runs. The clusters
  are started before (not timed); each run sends the inputs to every worker (timed, as in a
  run of its own), and each worker indexes them on its first tegel.
Peak memory per worker is its peak resident size (VmHWM) after the runs.
"""

import argparse
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import shapely
from distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate

from gebiedsregie.landelijk.statistiek import Statistiek, of_faces, total
from gebiedsregie.landelijk.tegels import Raster, compute_tegel, tegels_for, with_borders
from gebiedsregie.landelijk.verdeeld import MemoryLoader, run_tegels
from gebiedsregie.stapeling.analysis import SLIVER_WIDTH_M, clip_inputs, compute_faces


def _max_rss_mb() -> float:
    """Peak resident size of this process (VmHWM: ru_maxrss would count the parent's, which a
    spawned worker inherits)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _differences(parts: Statistiek, whole: Statistiek) -> str:
    """The largest difference per depth (m²), relative, and relative where a depth holds at
    least 1% of the covered area."""
    diff = {k: abs(parts.per_diepte_m2.get(k, 0.0) - v) for k, v in whole.per_diepte_m2.items()}
    relative = {k: d / whole.per_diepte_m2[k] for k, d in diff.items()}
    large = [r for k, r in relative.items() if whole.per_diepte_m2[k] >= whole.bedekt_m2 / 100]
    return (
        f"per depth at most {max(diff.values()):.3f} m², relative {max(relative.values()):.1e} "
        f"({max(large):.1e} where a depth holds 1% or more)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--opgaven", type=int, default=5000)
    parser.add_argument("--tegel", type=float, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = generate(args.opgaven)
    opgaven = [
        (uuid.UUID(int=k + 1), t, shapely.to_wkb(g))
        for k, (g, t) in enumerate(zip(data.geoms, data.themas, strict=True))
    ]
    raster = Raster(args.tegel)
    tegels = tegels_for(data.area, raster)
    vertices = int(shapely.get_num_coordinates(data.geoms).sum())
    print(
        f"{args.opgaven} opgaven, {vertices:,} vertices, {len(tegels)} tegels of {args.tegel:g} m"
    )

    for width in (0.0, SLIVER_WIDTH_M):
        started = time.perf_counter()
        faces = compute_faces(data.geoms, data.area, sliver_width=width, workers=1)
        whole_s = time.perf_counter() - started
        whole = of_faces(faces, data.themas, data.area.area)
        per_tegel = []
        parts = []
        for tegel in tegels:
            loaded = MemoryLoader(opgaven)(tegel)
            result = compute_tegel(tegel, loaded, data.area, sliver_width=width, met_vlakken=False)
            per_tegel.append(result.rekentijd_s)
            parts.append(result.statistiek)
        summed = total(parts)
        print(
            f"sliver_width {width}: whole {whole_s:.2f} s ({len(faces)} faces); tegels "
            f"{sum(per_tegel):.2f} s, per tegel median {statistics.median(per_tegel):.3f} s, "
            f"max {max(per_tegel):.3f} s; difference {_differences(summed, whole)}; "
            f"sliver {whole.sliver_m2:.1f} m² whole, "
            f"{summed.sliver_m2:.1f} m² in tegels"
        )
        if width == 0.0:  # against the whole with the tegel borders drawn in: exact
            clipped, index = clip_inputs(data.geoms, data.area)
            drawn = compute_faces([with_borders(g, raster) for g in clipped], sliver_width=0.0)
            themas = [data.themas[k] for k in index.tolist()]
            print(f"  with the borders drawn: {_differences(summed, of_faces(drawn, themas, 0.0))}")
    print(f"peak RSS of this process {_max_rss_mb():.0f} MB")

    times: dict[int, list[float]] = {1: [], 2: []}
    busy: dict[int, list[float]] = {1: [], 2: []}  # the tegels' own time, summed
    clusters = {
        n: LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=":0") for n in (1, 2)
    }
    clients = {n: Client(cluster) for n, cluster in clusters.items()}
    try:
        loaders = {n: MemoryLoader(opgaven) for n in clients}
        for n, client in clients.items():  # warm up: imports on the workers
            run_tegels(client, tegels[:2], loaders[n], data.area)
        for _ in range(args.repeat):
            for n, client in clients.items():
                started = time.perf_counter()
                run = run_tegels(client, tegels, loaders[n], data.area)
                times[n].append(time.perf_counter() - started)
                busy[n].append(sum(r.rekentijd_s for r in run.resultaten))
                assert run.statistiek.aantal_tegels == len(tegels)
        rss = {n: client.run(_max_rss_mb) for n, client in clients.items()}
    finally:
        for client in clients.values():
            client.close()
        for cluster in clusters.values():
            cluster.close()
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(
        f"Dask 1 worker {one:.2f} s, 2 workers {two:.2f} s: speed-up {one / two:.2f} "
        f"(best runs {min(times[1]) / min(times[2]):.2f}); tegels' own time summed: "
        f"{statistics.median(busy[1]):.2f} s and {statistics.median(busy[2]):.2f} s"
    )
    for n, per_worker in rss.items():
        print(
            f"peak RSS per worker ({n}): " + ", ".join(f"{v:.0f} MB" for v in per_worker.values())
        )
    runs = {n: np.round(t, 2).tolist() for n, t in times.items()}
    print(f"runs: 1 worker {runs[1]}, 2 workers {runs[2]}")


if __name__ == "__main__":
    main()
