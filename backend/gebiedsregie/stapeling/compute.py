"""Computing a stapeling: an area and opgaven in, faces and their samenvatting out.

No session and no storage: `service` reads the inputs and keeps the result (`store`); an
ad-hoc stapeling runs `analyse` in a child process (`adhoc`).
"""

import itertools
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import Geometry, MultiPolygon

from gebiedsregie.combinaties.analysis import Invoer as CombinatieInvoer
from gebiedsregie.combinaties.analysis import combineer
from gebiedsregie.combinaties.samenvatting import Combinaties, VlakCombinaties
from gebiedsregie.stapeling.analysis import Faces, compute_faces, default_workers
from gebiedsregie.stapeling.samenvatting import FilterWaarden, Hotspot, Kerncijfers, Samenvatting
from gebiedsregie.stapeling.summary import summarize

HOTSPOTS = 10
HOTSPOT_MIN_HA = 1.0  # smaller faces are no place to direct, however deep

# An opgave as the computation takes it: id, thema, RD geometry as WKB.
Invoer = tuple[uuid.UUID, str, bytes]


@dataclass
class Face:
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[uuid.UUID]
    oppervlakte_ha: float
    geom: Geometry | None  # RD; None when read back as text
    combinaties: VlakCombinaties | None = None  # its conflicten, koppelkansen and lagen

    @property
    def aantal_themas(self) -> int:
        return len(self.themas)


@dataclass
class Result:
    """A computed stapeling: faces (largest depth first) and the samenvatting."""

    faces: list[Face]
    samenvatting: Samenvatting
    rekentijd_ms: int = 0


def analyse(
    area: MultiPolygon,
    opgaven: list[Invoer],
    filters: FilterWaarden,
    workers: int | None = None,
    context: dict[str, Any] | None = None,
    combinaties: CombinatieInvoer | None = None,
) -> Result:
    """Compute the stapeling of `opgaven` inside `area` (RD) for `filters` (noted in the
    samenvatting); `context` (gebied, filters) goes into the log should the core's fallback
    fire. With `combinaties` (the matrices, the lagen clipped to `area`), each face and the
    samenvatting get their koppelkansen and conflicten."""
    started = time.perf_counter()
    faces, kerncijfers = _compute(area, opgaven, workers, context)
    ids, themas = [o[0] for o in opgaven], [o[1] for o in opgaven]
    order = _order(faces)
    result_faces = [_face(faces, i, nr, ids, themas) for nr, i in enumerate(order)]
    deel = None
    if combinaties is not None:
        per_vlak, deel = _combinaties(faces, order, opgaven, combinaties)
        for face, vlak in zip(result_faces, per_vlak, strict=True):
            face.combinaties = vlak
    samenvatting: Samenvatting = {
        **kerncijfers,
        "aantal_opgaven": len({i for f in result_faces for i in f.opgaven}),
        "hotspots": [_hotspot(f) for f in hotspots(result_faces)],
        "filters": filters,
        "combinaties": deel,
    }
    return Result(result_faces, samenvatting, int((time.perf_counter() - started) * 1000))


def samenvatting(
    area: MultiPolygon,
    opgaven: list[Invoer],
    filters: FilterWaarden,
    workers: int | None = None,
    context: dict[str, Any] | None = None,
    combinaties: CombinatieInvoer | None = None,
) -> Samenvatting:
    """Return the samenvatting `analyse` gives, without making every face (at 5,000 opgaven,
    70,000 of them cost a second): only the hotspots'."""
    faces, kerncijfers = _compute(area, opgaven, workers, context)
    ids, themas = [o[0] for o in opgaven], [o[1] for o in opgaven]
    order = _order(faces)
    # As `hotspots` picks them: by position, on the faces' rounded areas.
    large = (
        nr
        for nr, i in enumerate(order)
        if round(float(faces.area[i] / 10_000), 4) >= HOTSPOT_MIN_HA
    )
    spots = list(itertools.islice(large, HOTSPOTS)) or list(range(min(HOTSPOTS, len(order))))
    members = np.unique(faces.members.flat) if len(faces) else np.array([], dtype=np.int64)
    return {
        **kerncijfers,
        "aantal_opgaven": len({ids[m] for m in members.tolist()}),
        "hotspots": [_hotspot(_face(faces, order[nr], nr, ids, themas)) for nr in spots],
        "filters": filters,
        "combinaties": (
            _combinaties(faces, order, opgaven, combinaties)[1] if combinaties is not None else None
        ),
    }


def _compute(
    area: MultiPolygon,
    opgaven: list[Invoer],
    workers: int | None,
    context: dict[str, Any] | None,
) -> tuple[Faces, Kerncijfers]:
    themas = [o[1] for o in opgaven]
    geoms = shapely.from_wkb([o[2] for o in opgaven]) if opgaven else np.array([], dtype=object)
    faces = compute_faces(geoms, area, workers=workers or default_workers(), context=context)
    clipped_m2 = float((faces.aantal * faces.area).sum()) if len(faces) else 0.0
    return faces, summarize(faces, themas, area.area, clipped_m2)


def _combinaties(
    faces: Faces, order: list[int], opgaven: list[Invoer], invoer: CombinatieInvoer
) -> tuple[list[VlakCombinaties | None], Combinaties]:
    """The combinaties of the faces in `order` (that of the result) and of the whole."""
    index = np.asarray(order, dtype=np.int64)
    members = faces.members.take(index)
    return combineer(
        faces.geoms[index],
        members.start,
        members.flat,
        [o[1] for o in opgaven],
        [str(o[0]) for o in opgaven],
        invoer,
    )


def _order(faces: Faces) -> list[int]:
    # Deepest first, then largest: face 0 is the first hotspot, and `min_aantal` is a prefix.
    if not len(faces):
        return []
    order: list[int] = np.lexsort((-faces.area / 10_000, -faces.aantal)).tolist()
    return order


def _face(faces: Faces, i: int, nr: int, ids: list[uuid.UUID], themas: list[str]) -> Face:
    members = faces.members[i]
    return Face(
        nr=nr,
        aantal=int(faces.aantal[i]),
        themas=sorted({themas[m] for m in members}),
        opgaven=[ids[m] for m in members],
        oppervlakte_ha=round(float(faces.area[i] / 10_000), 4),
        geom=faces.geoms[i],
    )


def hotspots(faces: list[Face]) -> list[Face]:
    """Return the hotspots: the deepest, then largest faces of at least HOTSPOT_MIN_HA."""
    large = [f for f in faces if f.oppervlakte_ha >= HOTSPOT_MIN_HA] or faces
    return large[:HOTSPOTS]  # `faces` is ordered deepest, then largest, first


def _hotspot(face: Face) -> Hotspot:
    point = shapely.point_on_surface(face.geom)
    return {
        "nr": face.nr,
        "aantal": face.aantal,
        "themas": face.themas,
        "opgaven": [str(o) for o in face.opgaven],
        "oppervlakte_ha": face.oppervlakte_ha,
        "punt_rd": [round(point.x, 3), round(point.y, 3)],
    }
