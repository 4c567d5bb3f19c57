"""Where does our stapeling core break down? Ours against GEOS snap rounding on hard inputs.

Run:  .venv/bin/python benchmarks/worst_cases.py [--cases cluster,fan] [--runs 3] [--timeout 600]

Pure: no database. On each case (generated deterministically, polygons valid, RD New metres
around (155000, 463000)), taking turns run by run:
- *ours*: `compute_faces(geoms, clip, workers=2)`: noding, faces, their sets, slivers merged;
- *GEOS*: snap rounding on the same millimetre grid, `polygonize(get_parts(union_all(
  boundary(geoms), grid_size=0.001)))`, after the same clip (`intersection`) where the case
  has one. GEOS does not label the faces (no sets, no slivers merged, uncovered holes kept as
  faces), so it does less work than ours, and its face count differs from ours by design.

Every run is a fresh process (this script with `--child`) that loads the case from a file,
so its peak memory is its own `VmHWM` (not `ru_maxrss`, which keeps a forked parent's size);
"input MB" is its resident size once the case is loaded. Depths (mean weighted by area, and
maximum) are those of our faces. A run that outlives `--timeout` is
killed and reported as a timeout. Times are medians over `--runs`; the memory cases
(square5000, faces1m, density20000) run once.
"""

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import Geometry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate, irregular

from gebiedsregie.stapeling.analysis import Faces, compute_faces

ROOT = Path(__file__).resolve().parents[1]
X0, Y0 = 155_000.0, 463_000.0  # RD New, near Amersfoort
GRID = 0.001
MEMORY_CASES = ("square5000", "faces1m", "density20000")
Case = tuple[np.ndarray, Geometry | None]  # the polygons, and the clip (or None)


def around(geoms: list[Geometry], side: float) -> Geometry:
    """Return a square of `side` metres centred on the bounds of `geoms`."""
    x1, y1, x2, y2 = shapely.total_bounds(geoms)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return shapely.box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)


def blobs(
    seed: int, n: int, vertices: int, square: float, areas: tuple[float, float]
) -> list[Geometry]:
    """Return `n` irregular polygons of `vertices` vertices, all inside a `square` m square."""
    rng = np.random.default_rng(seed)
    geoms = []
    for _ in range(n):
        area = float(np.exp(rng.uniform(*np.log(areas))))
        # Shapes reach at most 1.5 equal-area radii from their centre: keep them inside.
        margin = 1.6 * np.sqrt(area / np.pi)
        cx, cy = rng.uniform(margin, square - margin, 2)
        geoms.append(irregular(rng, X0 + cx, Y0 + cy, area, vertices))
    inside = shapely.box(X0, Y0, X0 + square, Y0 + square)
    assert shapely.contains(inside, geoms).all(), "a polygon left its square"
    return geoms


def cluster(box: bool) -> Case:
    geoms = blobs(1, 300, 200, 300.0, (500.0, 8_000.0))
    return np.array([*geoms, around(geoms, 30_000.0)] if box else geoms, dtype=object), None


def dense() -> Case:
    geoms = blobs(2, 50, 2_000, 200.0, (500.0, 5_000.0))
    return np.array([*geoms, around(geoms, 30_000.0)], dtype=object), None


def fan(n: int = 20_000, r: float = 1_000.0) -> Case:
    """`n` thin triangles apex-p_i-p_{i+1} around one shared apex, vertices on the mm grid."""
    theta = 2 * np.pi * np.arange(n + 1) / n
    rim = np.round(np.column_stack([X0 + r * np.cos(theta), Y0 + r * np.sin(theta)]), 3)
    apex = np.broadcast_to([X0, Y0], (n, 2))
    rings = np.stack([apex, rim[:-1], rim[1:], apex], axis=1)
    return shapely.polygons(rings), None


def identical(n: int = 200) -> Case:
    shape = irregular(np.random.default_rng(4), X0, Y0, 1e6, 500)
    return shapely.polygons(np.repeat([shapely.get_coordinates(shape)], n, axis=0)), None


def parcels(per_side: int = 45) -> Case:
    """About 10,000 parcels (Voronoi cells of jittered points, 0.5-5 ha) in five rotated
    blocks of a 60 km square, sharing boundaries on the mm grid, under three province-wide
    claims of a few thousand vertices."""
    rng = np.random.default_rng(5)
    side = 60_000.0
    geoms: list[Geometry] = []
    # Five blocks in five of the nine cells of a 3 x 3 layout (so they do not overlap), each
    # with its own parcel size: 0.8 to 4 ha on average.
    spacings = rng.permutation(np.linspace(90.0, 200.0, 5))
    for cell, spacing in zip(rng.choice(9, 5, replace=False), spacings, strict=True):
        width = per_side * spacing
        grid = np.stack(np.meshgrid(np.arange(per_side), np.arange(per_side)), -1)
        points = (grid.reshape(-1, 2) + 0.5 + rng.uniform(-0.35, 0.35, (per_side**2, 2))) * spacing
        angle = rng.uniform(0, np.pi / 2)
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        centre = (np.array([cell % 3, cell // 3]) - 1) * side / 3 + [X0, Y0]
        corners = np.array([[0, 0], [width, 0], [width, width], [0, width]])
        block = shapely.Polygon((corners - width / 2) @ turn.T + centre)
        points = (points - width / 2) @ turn.T + centre
        voronoi = shapely.voronoi_polygons(shapely.multipoints(points))
        cells = shapely.intersection(shapely.get_parts(voronoi), block)
        geoms.extend(shapely.set_precision(cells, GRID))
    for _ in range(3):
        cx, cy = rng.normal(0, 3_000, 2)
        area = rng.uniform(0.5, 0.8) * side * side
        vertices = int(rng.integers(2_000, 5_000))
        geoms.append(shapely.set_precision(irregular(rng, X0 + cx, Y0 + cy, area, vertices), GRID))
    return np.array(geoms, dtype=object), None


def square5000(
    n: int = 5_000, side: float = 30_000.0, vertices: tuple[int, int] = (50, 500)
) -> Case:
    """`synthetic.generate(n)`'s opgaven in one square of `side` metres, and that square as the
    clip (mean depth about 18 inside it, 357,000 faces: not the 13 and a million we guessed).
    With 500-2,000 vertices each (`faces1m`), their wobbly edges cross often: 1.15 million
    faces."""
    areas = np.exp(np.random.default_rng(28992).uniform(np.log(5e4), np.log(2e7), n))
    # generate draws these areas first
    data = generate(n, depth=float(areas.sum()) / side**2, vertices=vertices)
    return data.geoms, data.area


def density(n: int) -> Case:
    data = generate(n)
    return data.geoms, data.area


CASES: dict[str, Callable[[], Case]] = {
    "cluster": lambda: cluster(False),
    "cluster+box": lambda: cluster(True),
    "dense": dense,
    "fan": fan,
    "identical": identical,
    "parcels": parcels,
    "square5000": square5000,
    "faces1m": lambda: square5000(vertices=(500, 2_000)),
    "density20000": lambda: density(20_000),
}


def geos(geoms: np.ndarray, clip: Geometry | None) -> int:
    if clip is not None:
        parts = shapely.get_parts(shapely.intersection(geoms, clip))
        geoms = parts[shapely.get_type_id(parts) == 3]  # polygons; drop touching lines
    noded = shapely.union_all(shapely.boundary(geoms), grid_size=GRID)
    return len(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))


def ours(geoms: np.ndarray, clip: Geometry | None) -> Faces:
    return compute_faces(geoms, clip, workers=2)


def status_mb(key: str) -> float:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(key))
    return int(line.split()[1]) / 1024


def child(approach: str, path: str) -> None:
    """Run one approach once on the case in `path`; print its time, faces and memory."""
    with open(path, "rb") as f:
        wkb, clip_wkb = pickle.load(f)
    geoms = shapely.from_wkb(wkb)
    clip = None if clip_wkb is None else shapely.from_wkb(clip_wkb)
    del wkb
    input_mb = status_mb("VmRSS")
    started = time.perf_counter()
    result = ours(geoms, clip) if approach == "ours" else geos(geoms, clip)
    seconds = time.perf_counter() - started
    out = {"s": seconds, "mb": status_mb("VmHWM"), "in": input_mb}
    if isinstance(result, Faces):  # depth weighted by area, and the deepest face
        out |= {"faces": len(result.geoms), "max": int(result.aantal.max(initial=0))}
        out["depth"] = float((result.aantal * result.area).sum() / result.area.sum())
    else:
        out["faces"] = result
    print(json.dumps(out))


def run_child(approach: str, path: str, timeout: float) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", approach, path]
    try:
        out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child
        return {"error": "timeout"}
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return {"error": f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(name: str, runs: int, timeout: float, workdir: str) -> dict[str, Any]:
    started = time.perf_counter()
    geoms, clip = CASES[name]()
    assert shapely.is_valid(geoms).all(), f"{name}: invalid input"
    path = os.path.join(workdir, f"{name}.pickle")
    with open(path, "wb") as f:
        pickle.dump((shapely.to_wkb(geoms), None if clip is None else shapely.to_wkb(clip)), f)
    row: dict[str, Any] = {
        "case": name,
        "polygons": len(geoms),
        "vertices": int(shapely.get_num_coordinates(geoms).sum()),
    }
    del geoms
    print(f"{name}: generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results: dict[str, list[dict[str, Any]]] = {"ours": [], "geos": []}
    for _ in range(1 if name in MEMORY_CASES else runs):
        for approach in ("ours", "geos"):  # taking turns: both see the same machine load
            done = results[approach]
            if done and "error" in done[-1]:
                continue  # one timeout or failure is enough
            done.append(run_child(approach, path, timeout))
            print(f"{name} {approach}: {json.dumps(done[-1])}", file=sys.stderr, flush=True)
    for approach, done in results.items():
        good = [r for r in done if "error" not in r]
        failed = [r["error"] for r in done if "error" in r]
        row[approach] = {
            "s": statistics.median(r["s"] for r in good) if good else None,
            "error": failed[0] if failed else None,
            "faces": good[-1]["faces"] if good else None,
            "mb": max((r["mb"] for r in good), default=None),
            "in": good[-1]["in"] if good else None,
            "depth": good[-1].get("depth") if good else None,
            "max": good[-1].get("max") if good else None,
        }
    os.remove(path)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    def num(value: float | None, digits: int = 0) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    def secs(r: dict[str, Any]) -> str:
        if r["error"] or r["s"] is None:
            return r["error"] or "-"
        return f"{r['s']:.2f}" if r["s"] < 10 else f"{r['s']:.1f}"

    lines = [
        "| case | polygons | vertices | our faces | GEOS faces | ours (s) | GEOS (s) "
        "| GEOS / ours | ours peak MB | GEOS peak MB | input MB | depth mean / max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        o, g = row["ours"], row["geos"]
        both = not o["error"] and not g["error"] and o["s"] and g["s"]
        lines.append(
            f"| {row['case']} | {row['polygons']:,} | {row['vertices']:,} "
            f"| {num(o['faces'])} | {num(g['faces'])} | {secs(o)} | {secs(g)} "
            f"| {num(g['s'] / o['s'], 2) if both else '-'} | {num(o['mb'])} | {num(g['mb'])} "
            f"| {num(o['in'] or g['in'])} | {num(o['depth'], 1)} / {num(o['max'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--child", nargs=2, metavar=("APPROACH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    names = args.cases.split(",")
    unknown = set(names) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}; known: {', '.join(CASES)}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="worst_cases_") as workdir:
        for name in names:
            rows.append(measure(name, args.runs, args.timeout, workdir))
    print(table(rows))


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
