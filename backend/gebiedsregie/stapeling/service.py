"""Stapeling per gebied (stored, never stale) and for ad-hoc areas (computed on the spot)."""

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from shapely import Geometry, MultiPolygon
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, RD_NEW, Crs
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.stapeling.analysis import Faces, compute_faces, default_workers
from gebiedsregie.stapeling.models import Stapeling, StapelingEpoch, StapelingVlak
from gebiedsregie.stapeling.summary import summarize

INSERT_BATCH = 2_000
TEXT_BATCH = 2_000
HOTSPOTS = 10
HOTSPOT_MIN_HA = 1.0  # smaller faces are no place to direct, however deep


@dataclass(frozen=True)
class StapelingFilter:
    """Which opgaven take part; empty means all."""

    themas: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    trekker: tuple[str, ...] = ()
    horizon: int | None = None

    @classmethod
    def of(
        cls,
        themas: Sequence[str] = (),
        status: Sequence[str] = (),
        trekker: Sequence[str] = (),
        horizon: int | None = None,
    ) -> "StapelingFilter":
        return cls(
            tuple(sorted(set(themas))),
            tuple(sorted(set(status))),
            tuple(sorted(set(trekker))),
            horizon,
        )

    def key(self) -> str:
        """A canonical text for the filter set: the cache key next to the gebied."""
        return json.dumps(self.as_dict(), sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "thema": list(self.themas),
            "status": list(self.status),
            "trekker": list(self.trekker),
            "horizon": self.horizon,
        }

    def opgaven_filter(self, area: Any) -> opgaven_service.OpgaveFilter:
        return opgaven_service.OpgaveFilter(
            themas=self.themas,
            status=self.status,
            trekker=self.trekker,
            horizon_tot=self.horizon,
            area=area,
        )


@dataclass
class Face:
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[uuid.UUID]
    oppervlakte_ha: float
    geom: Geometry | None  # RD; None when read back as text

    @property
    def aantal_themas(self) -> int:
        return len(self.themas)

    def feature_json(self, geometry: str) -> str:
        """Return this face as a GeoJSON Feature text, around its geometry's GeoJSON text."""
        properties = json.dumps(
            {
                "nr": self.nr,
                "aantal": self.aantal,
                "aantal_themas": self.aantal_themas,
                "themas": self.themas,
                "opgaven": [str(o) for o in self.opgaven],
                "oppervlakte_ha": self.oppervlakte_ha,
            },
            ensure_ascii=False,
        )
        return (
            f'{{"type": "Feature", "id": {self.nr}, "geometry": {geometry}, '
            f'"properties": {properties}}}'
        )


def feature_texts(faces: Sequence[Face], crs: Crs) -> Iterator[str]:
    """Yield GeoJSON Feature texts of faces that carry their RD geometry."""
    for start in range(0, len(faces), TEXT_BATCH):
        batch = faces[start : start + TEXT_BATCH]
        texts = geojson_texts([f.geom for f in batch], crs)
        yield from (f.feature_json(t) for f, t in zip(batch, texts, strict=True))


@dataclass
class Result:
    """A computed stapeling: faces (largest depth first) and the samenvatting."""

    faces: list[Face]
    samenvatting: dict[str, Any]
    rekentijd_ms: int = 0


def analyse(
    area: MultiPolygon,
    opgaven: list[tuple[uuid.UUID, str, bytes]],
    workers: int | None = None,
    context: dict[str, Any] | None = None,
) -> Result:
    """Compute the stapeling of `opgaven` (id, thema, RD WKB) inside `area` (RD); `context`
    (gebied, filters) goes into the log should the core's fallback fire."""
    started = time.perf_counter()
    ids = [o[0] for o in opgaven]
    themas = [o[1] for o in opgaven]
    geoms = shapely.from_wkb([o[2] for o in opgaven]) if opgaven else np.array([], dtype=object)
    faces = compute_faces(geoms, area, workers=workers or default_workers(), context=context)
    clipped_m2 = float((faces.aantal * faces.area).sum()) if len(faces) else 0.0
    summary = summarize(faces, themas, area.area, clipped_m2)
    result_faces = _ordered_faces(faces, ids, themas)
    summary["aantal_opgaven"] = len({i for f in result_faces for i in f.opgaven})
    summary["hotspots"] = [_hotspot(f) for f in hotspots(result_faces)]
    return Result(result_faces, summary, int((time.perf_counter() - started) * 1000))


def _ordered_faces(faces: Faces, ids: list[uuid.UUID], themas: list[str]) -> list[Face]:
    # Deepest first, then largest: face 0 is the first hotspot, and `min_aantal` is a prefix.
    area_ha = faces.area / 10_000
    aantal = faces.aantal
    order: Sequence[int] = np.lexsort((-area_ha, -aantal)).tolist() if len(faces) else []
    result = []
    for nr, i in enumerate(order):
        members = faces.members[i]
        result.append(
            Face(
                nr=nr,
                aantal=int(aantal[i]),
                themas=sorted({themas[m] for m in members}),
                opgaven=[ids[m] for m in members],
                oppervlakte_ha=round(float(area_ha[i]), 4),
                geom=faces.geoms[i],
            )
        )
    return result


def hotspots(faces: list[Face]) -> list[Face]:
    """Return the hotspots: the deepest, then largest faces of at least HOTSPOT_MIN_HA."""
    large = [f for f in faces if f.oppervlakte_ha >= HOTSPOT_MIN_HA] or faces
    return large[:HOTSPOTS]  # `faces` is ordered deepest, then largest, first


def _hotspot(face: Face) -> dict[str, Any]:
    point = shapely.point_on_surface(face.geom)
    return {
        "nr": face.nr,
        "aantal": face.aantal,
        "themas": face.themas,
        "opgaven": [str(o) for o in face.opgaven],
        "oppervlakte_ha": face.oppervlakte_ha,
        "punt_rd": [round(point.x, 3), round(point.y, 3)],
    }


def _epoch(session: Session, gebied_id: uuid.UUID, lock: bool = False) -> int:
    query = select(StapelingEpoch.epoch).where(StapelingEpoch.gebied_id == gebied_id)
    if lock:
        query = query.with_for_update(read=True)
    epoch = session.scalar(query)
    if epoch is None:  # a gebied from before migration 0002 cannot exist; be safe anyway
        session.execute(insert(StapelingEpoch).values(gebied_id=gebied_id))
        return 0
    return epoch


@dataclass
class View:
    """A stapeling to answer from: stored (faces in the database) or just computed."""

    samenvatting: dict[str, Any]
    stapeling_id: uuid.UUID | None = None
    faces: list[Face] | None = None  # when not stored
    berekend: bool = False  # computed for this request


UNFILTERED = StapelingFilter().key()


def _used(session: Session, stapeling_id: uuid.UUID) -> None:
    """Note that a stored result was read (at most once a minute: reads stay cheap)."""
    session.execute(
        update(Stapeling)
        .where(
            Stapeling.id == stapeling_id,
            Stapeling.gebruikt_op < func.now() - text("interval '1 minute'"),
        )
        .values(gebruikt_op=func.now())
    )
    session.commit()


def _prune(session: Session, bewaard_max: int) -> None:
    """Delete the least recently used filtered results beyond `bewaard_max`; the unfiltered
    result of every gebied stays."""
    surplus = (
        select(Stapeling.id)
        .where(Stapeling.filter_key != UNFILTERED)
        .order_by(Stapeling.gebruikt_op.desc(), Stapeling.berekend_op.desc())
        .offset(bewaard_max)
    )
    session.execute(delete(Stapeling).where(Stapeling.id.in_(surplus)))


def stored(session: Session, gebied: Gebied, flt: StapelingFilter, bewaard_max: int = 500) -> View:
    """Return the stapeling of `gebied` for `flt`: the stored one, or computed and stored;
    at most `bewaard_max` filtered results are kept (see `_prune`)."""
    key = flt.key()
    found = session.execute(
        select(Stapeling.id, Stapeling.samenvatting).where(
            Stapeling.gebied_id == gebied.id, Stapeling.filter_key == key
        )
    ).one_or_none()
    if found is not None:
        _used(session, found.id)
        return View(found.samenvatting, stapeling_id=found.id)
    # The epoch is read before the opgaven: a change after this read makes the store below
    # a no-op, so nothing computed from outdated opgaven is ever kept.
    epoch = _epoch(session, gebied.id)
    opgaven = opgaven_service.geometries(
        session, flt.opgaven_filter(gebieden_service.gebied_geom_expr(str(gebied.id)))
    )
    context = {"gebied": str(gebied.id), "filters": flt.as_dict()}
    area = gebieden_service.gebied_shape(gebied)
    gebied_id = gebied.id
    # Nothing is held while we compute: the epoch, read above, tells whether to keep it.
    session.commit()
    result = analyse(area, opgaven, context=context)
    result.samenvatting["filters"] = flt.as_dict()
    if _epoch(session, gebied_id, lock=True) != epoch:
        session.commit()
        # Changed while we computed: answer from what we read, but do not keep it.
        return View(result.samenvatting, faces=result.faces, berekend=True)
    row = Stapeling(
        id=uuid.uuid4(),
        gebied_id=gebied_id,
        filter_key=key,
        epoch=epoch,
        samenvatting=result.samenvatting,
        rekentijd_ms=result.rekentijd_ms,
    )
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        # Another request stored the same stapeling first: answer ours, keep theirs.
        session.rollback()
        return View(result.samenvatting, faces=result.faces, berekend=True)
    _insert_faces(session, row.id, result.faces)
    _prune(session, bewaard_max)
    session.commit()
    return View(result.samenvatting, stapeling_id=row.id, berekend=True)


def _insert_faces(session: Session, stapeling_id: uuid.UUID, faces: list[Face]) -> None:
    for start in range(0, len(faces), INSERT_BATCH):
        batch = faces[start : start + INSERT_BATCH]
        geoms = [f.geom for f in batch]
        crs84, rd = geojson_texts(geoms, CRS84), geojson_texts(geoms, RD)
        rows = [
            {
                "stapeling_id": stapeling_id,
                "nr": f.nr,
                "aantal": f.aantal,
                "aantal_themas": f.aantal_themas,
                "themas": f.themas,
                "opgaven": f.opgaven,
                "oppervlakte_ha": f.oppervlakte_ha,
                "geom": from_shape(f.geom, srid=RD_NEW),
                "geometrie_crs84": text_84,
                "geometrie_rd": text_rd,
            }
            for f, text_84, text_rd in zip(batch, crs84, rd, strict=True)
        ]
        session.execute(insert(StapelingVlak), rows)


def count_faces(session: Session, view: View, min_aantal: int) -> int:
    """Return how many faces are at least `min_aantal` deep."""
    if view.faces is not None:
        return sum(1 for f in view.faces if f.aantal >= min_aantal)
    return (
        session.scalar(
            select(func.count())
            .select_from(StapelingVlak)
            .where(
                StapelingVlak.stapeling_id == view.stapeling_id, StapelingVlak.aantal >= min_aantal
            )
        )
        or 0
    )


def iter_features(
    session: Session,
    view: View,
    crs: Crs,
    min_aantal: int,
    offset: int = 0,
    limit: int | None = None,
    batch: int = 2_000,
) -> Iterator[str]:
    """Yield the faces at least `min_aantal` deep as GeoJSON Feature texts, in order.

    Stored faces are read in batches with their GeoJSON already written, so a warm read
    neither transforms nor serialises geometry.
    """
    if view.faces is not None:
        selected = [f for f in view.faces if f.aantal >= min_aantal]
        yield from feature_texts(selected[offset : None if limit is None else offset + limit], crs)
        return
    column = StapelingVlak.geometrie_rd if crs.epsg == RD_NEW else StapelingVlak.geometrie_crs84
    position, remaining = offset, limit
    while remaining is None or remaining > 0:
        size = batch if remaining is None else min(batch, remaining)
        rows = session.execute(
            select(
                StapelingVlak.nr,
                StapelingVlak.aantal,
                StapelingVlak.themas,
                StapelingVlak.opgaven,
                StapelingVlak.oppervlakte_ha,
                column,
            )
            .where(
                StapelingVlak.stapeling_id == view.stapeling_id, StapelingVlak.aantal >= min_aantal
            )
            .order_by(StapelingVlak.nr)
            .offset(position)
            .limit(size)
        ).all()
        for r in rows:
            yield Face(r[0], r[1], list(r[2]), list(r[3]), r[4], None).feature_json(r[5])
        if len(rows) < size:
            return
        position += len(rows)
        if remaining is not None:
            remaining -= len(rows)


def stored_faces(
    session: Session,
    gebieden: Sequence[Gebied],
    crs: Crs,
    min_aantal: int = 1,
    bbox_rd: Geometry | None = None,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[tuple[str, Face, str]], int]:
    """A page of the unfiltered stapeling faces of `gebieden` (computed where missing).

    Returns (gebied slug, face, GeoJSON geometry text in `crs`) by gebied and nr, and how
    many match.
    """
    key = StapelingFilter().key()
    slugs = {}
    for gebied in gebieden:
        view = stored(session, gebied, StapelingFilter())
        if view.stapeling_id is not None:
            slugs[view.stapeling_id] = gebied.slug
    conditions = [
        StapelingVlak.stapeling_id.in_(list(slugs)),
        StapelingVlak.aantal >= min_aantal,
    ]
    if bbox_rd is not None:
        conditions.append(
            func.ST_Intersects(StapelingVlak.geom, func.ST_GeomFromWKB(bbox_rd.wkb, RD_NEW))
        )
    matched = session.scalar(select(func.count()).where(*conditions)) or 0
    stored_text = {CRS84.uri: StapelingVlak.geometrie_crs84, RD.uri: StapelingVlak.geometrie_rd}
    geometry = stored_text.get(crs.uri, func.ST_AsBinary(StapelingVlak.geom))
    rows = session.execute(
        select(
            StapelingVlak.stapeling_id,
            StapelingVlak.nr,
            StapelingVlak.aantal,
            StapelingVlak.themas,
            StapelingVlak.opgaven,
            StapelingVlak.oppervlakte_ha,
            geometry,
        )
        .join(Stapeling, Stapeling.id == StapelingVlak.stapeling_id)
        .where(*conditions, Stapeling.filter_key == key)
        .order_by(Stapeling.gebied_id, StapelingVlak.nr)
        .limit(limit)
        .offset(offset)
    ).all()
    texts = [r[6] for r in rows]
    if crs.uri not in stored_text:  # another CRS: transform the RD geometry now
        texts = geojson_texts(shapely.from_wkb([bytes(t) for t in texts]), crs)
    return [
        (slugs[r[0]], Face(r[1], r[2], list(r[3]), list(r[4]), r[5], None), text)
        for r, text in zip(rows, texts, strict=True)
    ], matched


def faces_with_geometry(session: Session, view: View) -> list[Face]:
    """Return all faces of `view`, in order, each with its RD geometry (for exports)."""
    if view.faces is not None:
        return list(view.faces)
    rows = session.execute(
        select(
            StapelingVlak.nr,
            StapelingVlak.aantal,
            StapelingVlak.themas,
            StapelingVlak.opgaven,
            StapelingVlak.oppervlakte_ha,
            func.ST_AsBinary(StapelingVlak.geom),
        )
        .where(StapelingVlak.stapeling_id == view.stapeling_id)
        .order_by(StapelingVlak.nr)
    ).all()
    geoms = shapely.from_wkb([bytes(r[5]) for r in rows])
    return [
        Face(r[0], r[1], list(r[2]), list(r[3]), r[4], g) for r, g in zip(rows, geoms, strict=True)
    ]


def hoogste_per_opgave(session: Session, view: View) -> dict[uuid.UUID, int]:
    """Return, per opgave of `view`, the depth of the deepest face it is part of."""
    if view.faces is not None:
        deepest: dict[uuid.UUID, int] = {}
        for face in view.faces:
            for opgave in face.opgaven:
                deepest[opgave] = max(deepest.get(opgave, 0), face.aantal)
        return deepest
    member = func.unnest(StapelingVlak.opgaven).label("opgave")
    faces = (
        select(member, StapelingVlak.aantal)
        .where(StapelingVlak.stapeling_id == view.stapeling_id)
        .subquery()
    )
    rows = session.execute(
        select(faces.c.opgave, func.max(faces.c.aantal)).group_by(faces.c.opgave)
    ).all()
    return {opgave: int(aantal) for opgave, aantal in rows}
