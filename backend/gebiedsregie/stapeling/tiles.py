"""Tiles: the inputs' boundaries split at tile borders, and the tiles' arrangements joined.

Many small noding problems beat one large one, and tiles can be solved in parallel (GEOS
and most of numpy release the GIL). The boundary *segments* are split where they cross a
tile border, at a point computed once, so the pieces on both sides share it exactly. Each
piece lies in one tile. A tile's arrangement is its pieces, noded, plus its own border: the
sides of its rectangle, split at those points. Two neighbouring tiles thus hold the same
border lines, which `join` uses to tell which faces meet across a border; they always carry
the same set there (no input boundary runs along a border), and are merged like any other
faces of one set (`analysis._merge`), by dropping the lines between them.

The borders are put half a millimetre off the storage grid and moved further if a vertex
lies on one, so no segment runs along a border. A segment is split from its
lexicographically smaller end, so that two inputs sharing an edge (in opposite directions)
split it at the same point.
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely

from gebiedsregie.stapeling.planar import Arrangement


@dataclass
class Tile:
    """One tile's work: boundary pieces to node, its rectangle, and its border lines."""

    points: np.ndarray  # coordinates, shared by all tiles
    index: np.ndarray | None  # the tile's pieces: their points (None: all), line by line
    piece_of: np.ndarray  # line index of each of those points
    rect: tuple[float, float, float, float]
    border: np.ndarray  # (lines, 2, 2): border lines, each from its smaller end

    @property
    def pieces(self) -> np.ndarray:
        """The coordinates of the tile's pieces, line by line."""
        return self.points if self.index is None else self.points[self.index]

    def release(self) -> None:
        """Let go of the pieces (once noded), so that their memory can go."""
        self.points = self.piece_of = np.empty((0, 2))
        self.index = None


def _borders(low: float, high: float, count: int, taken: np.ndarray) -> np.ndarray:
    """Return `count - 1` inner borders evenly between low and high, on no coordinate taken."""
    inner = np.linspace(low, high, count + 1)[1:-1].round(3) + 0.0005
    for i, value in enumerate(inner.tolist()):
        while (taken == value).any():
            value = float(np.nextafter(value + 1e-7, np.inf))
        inner[i] = value
    return inner


def _crossings(
    a: np.ndarray, b: np.ndarray, axis: int, borders: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return, per crossing of a segment a-b with a border line (x = v for axis 0, y = v for
    axis 1): the segment, its parameter from a, the point and the border; a < b."""
    low = np.minimum(a[:, axis], b[:, axis])
    high = np.maximum(a[:, axis], b[:, axis])
    first = np.searchsorted(borders, low, side="right")
    last = np.searchsorted(borders, high, side="left")
    count = np.maximum(last - first, 0)
    segment = np.repeat(np.arange(len(a)), count)
    border = first[segment] + np.arange(len(segment)) - np.repeat(np.cumsum(count) - count, count)
    value = borders[border]
    sa, sb = a[segment], b[segment]
    t = (value - sa[:, axis]) / (sb[:, axis] - sa[:, axis])
    other = 1 - axis
    point = np.empty((len(segment), 2))
    point[:, axis] = value
    point[:, other] = sa[:, other] + t * (sb[:, other] - sa[:, other])
    return segment, t, point, border


def _side(fixed: float, axis: int, low: float, high: float, points: np.ndarray) -> np.ndarray:
    """Return the lines of one side of a rectangle (x = fixed for axis 0), from low to high,
    split at `points` (their other coordinate), each line from its smaller end."""
    stops = np.unique(np.r_[low, points[(points >= low) & (points <= high)], high])
    line = np.empty((len(stops) - 1, 2, 2))
    line[:, :, axis] = fixed
    line[:, 0, 1 - axis], line[:, 1, 1 - axis] = stops[:-1], stops[1:]
    return line


def split(geoms: np.ndarray, vertices: int, tile_vertices: int) -> list[Tile]:
    """Return the tiles for `geoms`, about `tile_vertices` boundary vertices each."""
    rings = shapely.get_rings(shapely.get_parts(geoms))  # get_rings skips MultiPolygons
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    del rings
    k = max(1, math.ceil(math.sqrt(vertices / max(tile_vertices, 1))))
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    if k > 1:
        xs = _borders(minx, maxx, k, coords[:, 0])
        ys = _borders(miny, maxy, k, coords[:, 1])
        # Borders on the millimetre grid need an area some millimetres wide.
        for low, high, inner in ((minx, maxx, xs), (miny, maxy, ys)):
            if not (low < inner[0] and inner[-1] < high and (np.diff(inner) > 0).all()):
                k = 1
    if k == 1:
        whole = (minx - 1, miny - 1, maxx + 1, maxy + 1)
        return [Tile(coords, None, ring_of, whole, np.empty((0, 2, 2)))]

    # The tile of each vertex (none lies on a border); only segments between two tiles
    # cross a border.
    ring_of = ring_of.astype(np.int32)
    cell = (np.searchsorted(xs, coords[:, 0]) * k + np.searchsorted(ys, coords[:, 1])).astype(
        np.int32
    )
    seg = np.flatnonzero((ring_of[1:] == ring_of[:-1]) & (cell[1:] != cell[:-1]))
    # Those segments, each from its lexicographically smaller end.
    p, q = coords[seg], coords[seg + 1]
    flip = (q[:, 0] < p[:, 0]) | ((q[:, 0] == p[:, 0]) & (q[:, 1] < p[:, 1]))
    a = np.where(flip[:, None], q, p)
    b = np.where(flip[:, None], p, q)
    sx, tx, px, bx = _crossings(a, b, 0, xs)
    sy, ty, py, by = _crossings(a, b, 1, ys)
    cross_seg = np.concatenate([sx, sy])
    t = np.concatenate([tx, ty])
    t = np.where(flip[cross_seg], 1 - t, t)  # along the ring's direction
    # Insert the crossings after the vertex that starts their segment, in ring order.
    order = np.lexsort((t, cross_seg))
    at = seg[cross_seg[order]] + 1
    points = np.insert(coords, at, np.concatenate([px, py])[order], axis=0)
    ring = np.insert(ring_of, at, ring_of[at - 1])
    point_cell = np.insert(cell, at, -1)
    del coords, ring_of, cell, p, q, a, b

    # Each piece (two consecutive points of one ring) lies in one tile: that of a vertex at
    # either end, or, between two crossings, the tile its middle is in.
    piece = np.flatnonzero(ring[1:] == ring[:-1])
    tile = point_cell[piece]
    at_end = tile < 0
    tile[at_end] = point_cell[piece[at_end] + 1]
    both = piece[tile < 0]
    middle = (points[both] + points[both + 1]) / 2
    tile[tile < 0] = np.searchsorted(xs, middle[:, 0]) * k + np.searchsorted(ys, middle[:, 1])
    # Runs of consecutive pieces in one tile become one line.
    new_run = np.r_[True, (piece[1:] != piece[:-1] + 1) | (tile[1:] != tile[:-1])]
    run = np.cumsum(new_run) - 1
    run_start = piece[new_run]
    run_size = np.bincount(run) + 1  # points: pieces + 1
    run_tile = tile[new_run]
    del ring, point_cell, tile
    by_tile = np.argsort(run_tile, kind="stable")
    bounds = np.searchsorted(run_tile[by_tile], np.arange(k * k + 1))

    x_edges = np.r_[minx - 1, xs, maxx + 1]
    y_edges = np.r_[miny - 1, ys, maxy + 1]
    tiles = []
    for i in range(k):
        for j in range(k):
            runs = by_tile[bounds[i * k + j] : bounds[i * k + j + 1]]
            size = run_size[runs]
            offset = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
            index = np.repeat(run_start[runs], size) + offset
            x0, x1, y0, y1 = x_edges[i], x_edges[i + 1], y_edges[j], y_edges[j + 1]
            border = np.concatenate(
                [
                    _side(x0, 0, y0, y1, px[bx == i - 1, 1]),
                    _side(x1, 0, y0, y1, px[bx == i, 1]),
                    _side(y0, 1, x0, x1, py[by == j - 1, 0]),
                    _side(y1, 1, x0, x1, py[by == j, 0]),
                ]
            )
            tiles.append(
                Tile(
                    points,
                    index,
                    np.repeat(np.arange(len(runs), dtype=np.int32), size),
                    (float(x0), float(y0), float(x1), float(y1)),
                    border,
                )
            )
    return tiles


def node(tile: Tile, grid_size: float | None) -> Arrangement:
    """Return the tile's pieces noded (snap rounded to `grid_size` if given), then its
    border lines (already noded: they meet the pieces only at their ends)."""
    pieces = tile.pieces
    noded = (
        shapely.get_parts(
            shapely.union_all(
                shapely.linestrings(pieces, indices=tile.piece_of), grid_size=grid_size
            )
        )
        if len(pieces)
        else np.array([], dtype=object)
    )
    del pieces
    coords, line_of = shapely.get_coordinates(noded, return_index=True)
    lines = len(noded) + len(tile.border)
    coords = np.concatenate([coords, tile.border.reshape(-1, 2)])
    line_of = np.concatenate([line_of, np.repeat(np.arange(len(noded), lines), 2)])
    return Arrangement.from_coords(coords, line_of, lines)


def join(
    arrangements: list[Arrangement], lefts: list[np.ndarray], faces: list[int], borders: list[int]
) -> tuple[Arrangement, np.ndarray]:
    """Return the tiles' arrangements as one, and the face left of each half-edge in it.

    Faces are numbered on, tile after tile. Of the two copies of a border line, the first
    gets the faces on both sides and the second none (-1), so it drops out.
    """
    coord_offset = np.cumsum([0] + [len(a.coords) for a in arrangements])
    face_offset = np.cumsum([0, *faces])
    # Copied tile by tile, each tile's coordinates let go at once: half the peak memory.
    coords = np.empty((int(coord_offset[-1]), 2))
    for a, o in zip(arrangements, coord_offset, strict=False):
        coords[o : o + len(a.coords)] = a.coords
        a.coords = coords[o : o + len(a.coords)]
    arr = Arrangement(
        coords,
        np.concatenate([a.starts + o for a, o in zip(arrangements, coord_offset, strict=False)]),
        np.concatenate([a.ends + o for a, o in zip(arrangements, coord_offset, strict=False)]),
        np.concatenate([a.lengths() for a in arrangements]),
    )
    left = np.concatenate(
        [np.where(x >= 0, x + o, -1) for x, o in zip(lefts, face_offset, strict=False)]
    )
    line_offset = np.cumsum([0] + [len(a) for a in arrangements])
    border = np.concatenate(
        [np.arange(end - b, end) for end, b in zip(line_offset[1:], borders, strict=True)]
    )
    if len(border) == 0:
        return arr, left
    ends = np.column_stack([arr.coords[arr.starts[border]], arr.coords[arr.ends[border]]])
    order = np.lexsort(ends.T[::-1])
    ends, border = ends[order], border[order]
    twin = np.flatnonzero((ends[1:] == ends[:-1]).all(axis=1))
    first, second = border[twin], border[twin + 1]
    for side in (0, 1):
        left[2 * first + side] = np.maximum(left[2 * first + side], left[2 * second + side])
        left[2 * second + side] = -1
    return arr, left
