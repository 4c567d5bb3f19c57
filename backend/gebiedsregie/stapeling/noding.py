"""Snap-rounded noding and face tracing in C (`_noder.c`): inputs in, arrangement and faces out.

The C part rounds every vertex to the grid and nodes the boundaries with Hobby's snap
rounding, which is consistent by construction: no floating-point noding to validate, and
no fallback. Boundaries move by at most half a grid cell diagonally (0.71 grid units); on
the storage grid (millimetres) that moves nothing stored. It then traces the rings of the
faces; the shells and holes are put together here (`planar.faces_of_rings`).
"""

import numpy as np
import shapely

from gebiedsregie.stapeling import _noder
from gebiedsregie.stapeling.planar import Arrangement, Rings, Traced, faces_of_rings


def node_and_trace(geoms: np.ndarray, grid: float) -> tuple[Arrangement, Traced]:
    """Return the noded boundaries of `geoms` (Polygons and MultiPolygons) as an arrangement,
    snap rounded to `grid` (coordinate units), and its bounded faces.

    Examples
    --------
    >>> from shapely import box
    >>> arr, traced = node_and_trace(np.array([box(0, 0, 2, 2), box(1, 0, 3, 2)]), 0.001)
    >>> sorted(traced.area.tolist())
    [2.0, 2.0, 2.0]
    """
    rings = shapely.get_rings(shapely.get_parts(geoms))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    del rings
    out = _noder.node(
        np.ascontiguousarray(coords, dtype=np.float64), ring_of.astype(np.int64), 1.0 / grid
    )
    del coords, ring_of
    coords, ring_xy, area = (np.frombuffer(out[i]) for i in (0, 2, 4))
    line_of, ring_size, half_ring = (np.frombuffer(out[i], dtype=np.int64) for i in (1, 3, 6))
    pinched = np.frombuffer(out[5], dtype=np.uint8).astype(bool)
    count = int(out[7])
    arr = Arrangement.from_coords(coords.reshape(-1, 2), line_of, count)
    xy = ring_xy.reshape(-1, 2)
    ring_of_xy = np.repeat(np.arange(len(ring_size)), ring_size)
    half = np.flatnonzero(half_ring >= 0)
    traced = Rings(
        rings=shapely.linearrings(xy, indices=ring_of_xy),
        xy=xy,
        ring_of_xy=ring_of_xy,
        ring_of_half=half_ring[half],
        half=half,
        ccw=area > 0,
        pinched=pinched,
    )
    return arr, faces_of_rings(traced, count)
