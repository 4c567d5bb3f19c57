"""Reading a stapeling to answer from (`store.View`): its faces counted, paged and written as
GeoJSON Feature texts (with their conflicten, koppelkansen and lagen); a page of stored faces
over several stapelingen (OGC API); all faces with their geometry (exports, report); per
opgave its deepest face (opgaventabel)."""

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence

import shapely
from shapely import Geometry
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from gebiedsregie.combinaties.samenvatting import VlakCombinaties
from gebiedsregie.crs import CRS84, RD, RD_NEW, Crs
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.stapeling.compute import Face
from gebiedsregie.stapeling.models import Stapeling, StapelingVlak
from gebiedsregie.stapeling.store import View

TEXT_BATCH = 2_000
GEEN_COMBINATIES: VlakCombinaties = {"conflicten": [], "koppelkansen": [], "lagen": []}


def feature_json(face: Face, geometry: str) -> str:
    """Return `face` as a GeoJSON Feature text, around its geometry's GeoJSON text."""
    properties = json.dumps(
        {
            "nr": face.nr,
            "aantal": face.aantal,
            "aantal_themas": face.aantal_themas,
            "themas": face.themas,
            "opgaven": [str(o) for o in face.opgaven],
            "oppervlakte_ha": face.oppervlakte_ha,
            **(face.combinaties or GEEN_COMBINATIES),
        },
        ensure_ascii=False,
    )
    return (
        f'{{"type": "Feature", "id": {face.nr}, "geometry": {geometry}, '
        f'"properties": {properties}}}'
    )


def feature_texts(faces: Sequence[Face], crs: Crs) -> Iterator[str]:
    """Yield GeoJSON Feature texts of faces that carry their RD geometry."""
    for start in range(0, len(faces), TEXT_BATCH):
        batch = faces[start : start + TEXT_BATCH]
        texts = geojson_texts([f.geom for f in batch], crs)
        yield from (feature_json(f, t) for f, t in zip(batch, texts, strict=True))


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
                StapelingVlak.combinaties,
            )
            .where(
                StapelingVlak.stapeling_id == view.stapeling_id, StapelingVlak.aantal >= min_aantal
            )
            .order_by(StapelingVlak.nr)
            .offset(position)
            .limit(size)
        ).all()
        for r in rows:
            face = Face(r[0], r[1], list(r[2]), list(r[3]), r[4], None, r[6])
            yield feature_json(face, r[5])
        if len(rows) < size:
            return
        position += len(rows)
        if remaining is not None:
            remaining -= len(rows)


def stored_faces(
    session: Session,
    stapelingen: Mapping[uuid.UUID, str],
    crs: Crs,
    min_aantal: int = 1,
    bbox_rd: Geometry | None = None,
    limit: int = 10,
    offset: int = 0,
    where: ColumnElement[bool] | None = None,
) -> tuple[list[tuple[str, Face, str]], int]:
    """A page of the faces of the stored `stapelingen` (id -> gebied slug).

    Returns (gebied slug, face, GeoJSON geometry text in `crs`) by gebied and nr, and how
    many match (`where`: one more condition on the stapeling_vlak table).
    """
    conditions = [
        StapelingVlak.stapeling_id.in_(list(stapelingen)),
        StapelingVlak.aantal >= min_aantal,
    ]
    if where is not None:
        conditions.append(where)
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
        .where(*conditions)
        .order_by(Stapeling.gebied_id, StapelingVlak.nr)
        .limit(limit)
        .offset(offset)
    ).all()
    texts = [r[6] for r in rows]
    if crs.uri not in stored_text:  # another CRS: transform the RD geometry now
        texts = geojson_texts(shapely.from_wkb([bytes(t) for t in texts]), crs)
    return [
        (stapelingen[r[0]], Face(r[1], r[2], list(r[3]), list(r[4]), r[5], None), text)
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
            StapelingVlak.combinaties,
        )
        .where(StapelingVlak.stapeling_id == view.stapeling_id)
        .order_by(StapelingVlak.nr)
    ).all()
    geoms = shapely.from_wkb([bytes(r[5]) for r in rows])
    return [
        Face(r[0], r[1], list(r[2]), list(r[3]), r[4], g, r[6])
        for r, g in zip(rows, geoms, strict=True)
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
