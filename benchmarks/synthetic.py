"""Realistic synthetic opgaven for benchmarks: irregular shapes, clustered into hotspots.

Shapes have 50-500 vertices and 5-2,000 ha (log-uniform); a quarter of them cluster around a
few hotspot centres, so that depth there exceeds 10 while the average depth is about 3.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import Polygon

THEMAS = (
    "wonen",
    "energie",
    "landbouw",
    "natuur",
    "water-bodem",
    "bereikbaarheid",
    "economie",
    "leefbaarheid",
)
ORIGIN = (150_000.0, 420_000.0)  # RD New, the middle of the country


@dataclass
class Synthetic:
    geoms: np.ndarray  # shapely Polygons, RD New
    themas: list[str]
    area: Polygon  # the study area, as a gebied would be


def irregular(
    rng: np.random.Generator, cx: float, cy: float, area_m2: float, vertices: int
) -> Polygon:
    """Return a smooth, star-shaped, irregular polygon of about `area_m2`."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    # A few low harmonics make lobes; a little noise makes the edge hand-drawn.
    radius = np.ones(vertices)
    for k in range(2, 6):
        radius += rng.uniform(0, 0.25 / k * 2) * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    radius += rng.normal(0, 0.01, vertices)
    radius = np.clip(radius, 0.3, None)
    ring = np.column_stack([np.cos(angles) * radius, np.sin(angles) * radius])
    polygon = shapely.make_valid(Polygon(ring))
    polygon = (
        max(shapely.get_parts(polygon), key=lambda p: p.area)
        if polygon.geom_type != "Polygon"
        else polygon
    )
    scale = np.sqrt(area_m2 / polygon.area)
    return shapely.affinity.affine_transform(polygon, [scale, 0, 0, scale, cx, cy])


def generate(
    n: int, seed: int = 28992, depth: float = 3.0, vertices: tuple[int, int] = (50, 500)
) -> Synthetic:
    """Return `n` synthetic opgaven in a square area sized for about `depth` average depth."""
    rng = np.random.default_rng(seed)
    areas = np.exp(rng.uniform(np.log(5e4), np.log(2e7), n))  # 5 - 2,000 ha
    side = float(np.sqrt(areas.sum() / depth))
    hotspots = rng.uniform(0.1 * side, 0.9 * side, (max(1, n // 100), 2))
    geoms, themas = [], []
    for i in range(n):
        if rng.random() < 0.25:
            cx, cy = hotspots[rng.integers(len(hotspots))] + rng.normal(0, side * 0.02, 2)
        else:
            cx, cy = rng.uniform(0, side, 2)
        count = int(rng.integers(vertices[0], vertices[1] + 1))
        geoms.append(irregular(rng, ORIGIN[0] + cx, ORIGIN[1] + cy, areas[i], count))
        themas.append(THEMAS[int(rng.integers(len(THEMAS)))])
    area = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + side, ORIGIN[1] + side)
    return Synthetic(np.array(geoms, dtype=object), themas, area)
