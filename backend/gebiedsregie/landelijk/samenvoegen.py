"""Faces cut by tegel borders joined again: those with the same set that share a stretch of
a border, across columns (x) and then across rows (y), with `stapeling.tiling.join_across`.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from gebiedsregie.landelijk.tegels import Raster, TegelKey, TegelVlakken
from gebiedsregie.stapeling import tiling
from gebiedsregie.stapeling.merging import Members


@dataclass
class Vlakken:
    """Faces of a stapeling over tegels, joined across their borders."""

    geoms: np.ndarray
    opgaven: list[tuple[uuid.UUID, ...]]  # per face, the sorted ids covering it

    def __len__(self) -> int:
        return len(self.opgaven)


def join_faces(tegels: Iterable[tuple[TegelKey, TegelVlakken]], raster: Raster) -> Vlakken:
    """Return the faces of the tegels, those cut by a border joined where they carry the same
    set and share a stretch of it (not only a point): the faces of the whole area."""
    geoms, opgaven, rand, column, row = [], [], [], [], []
    for (i, j), vlakken in tegels:
        geoms.append(vlakken.geoms)
        opgaven += vlakken.opgaven
        rand.append(vlakken.rand)
        column.append(np.full(len(vlakken.geoms), i, dtype=np.int64))
        row.append(np.full(len(vlakken.geoms), j, dtype=np.int64))
    if not opgaven:
        return Vlakken(np.zeros(0, dtype=object), [])
    all_geoms = np.concatenate(geoms)
    on_border = np.concatenate(rand) != 0
    inside = np.flatnonzero(~on_border)
    cut = np.flatnonzero(on_border)
    if len(cut) == 0:
        return Vlakken(all_geoms, opgaven)
    # Sets as sorted positions among the sorted ids, as `Members` holds them.
    ids = sorted({o for k in cut.tolist() for o in opgaven[k]})
    position = {o: p for p, o in enumerate(ids)}
    members = Members.of([tuple(position[o] for o in opgaven[k]) for k in cut.tolist()])
    polygons = all_geoms[cut]
    polygons, members = _join(polygons, members, np.concatenate(column)[cut], raster)
    # Rows anew: a face joined across columns keeps its row, which its middle shows.
    bounds = shapely.bounds(polygons)
    rows = np.floor((bounds[:, 1] + bounds[:, 3]) / 2 / raster.size_m).astype(np.int64)
    swapped = shapely.transform(polygons, lambda xy: xy[:, ::-1])
    swapped, members = _join(swapped, members, rows, raster)
    polygons = shapely.transform(swapped, lambda xy: xy[:, ::-1])
    return Vlakken(
        np.concatenate([all_geoms[inside], polygons]),
        [opgaven[k] for k in inside.tolist()] + [tuple(ids[p] for p in s) for s in members],
    )


def _join(
    polygons: np.ndarray, members: Members, column: np.ndarray, raster: Raster
) -> tuple[np.ndarray, Members]:
    """Join across the x borders between consecutive columns (`column`: of each face)."""
    first, last = int(column.min()), int(column.max())
    borders = [raster.border_m(k) for k in range(first + 1, last + 1)]
    return tiling.join_across(polygons, members, column - first, borders)
