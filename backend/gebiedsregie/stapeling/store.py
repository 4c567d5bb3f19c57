"""Stored stapelingen: one per gebied and key, never stale, at most `bewaard_max` filtered.

A write that can change a stored result deletes it in its own transaction and moves the
gebied's epoch (the triggers in `triggers.sql`). A result is kept only if the epoch read
before its opgaven were read is still current when it is stored: nothing computed from
outdated opgaven is ever kept.
"""

import uuid
from dataclasses import dataclass

from geoalchemy2.shape import from_shape
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, RD_NEW
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.stapeling.compute import Face, Result
from gebiedsregie.stapeling.filters import UNFILTERED
from gebiedsregie.stapeling.models import Stapeling, StapelingEpoch, StapelingVlak
from gebiedsregie.stapeling.samenvatting import Samenvatting

INSERT_BATCH = 2_000


@dataclass
class View:
    """A stapeling to answer from: stored (faces in the database) or just computed."""

    samenvatting: Samenvatting
    stapeling_id: uuid.UUID | None = None
    faces: list[Face] | None = None  # when not stored
    berekend: bool = False  # computed for this request


def find(session: Session, gebied_id: uuid.UUID, key: str) -> View | None:
    """Return the stored stapeling of the gebied under `key`, noting it was used, or None."""
    found = session.execute(
        select(Stapeling.id, Stapeling.samenvatting).where(
            Stapeling.gebied_id == gebied_id, Stapeling.filter_key == key
        )
    ).one_or_none()
    if found is None:
        return None
    _used(session, found.id)
    return View(found.samenvatting, stapeling_id=found.id)


def epoch(session: Session, gebied_id: uuid.UUID, lock: bool = False) -> int:
    """Return the gebied's epoch: it moves with every write that drops its stored results."""
    query = select(StapelingEpoch.epoch).where(StapelingEpoch.gebied_id == gebied_id)
    if lock:
        query = query.with_for_update(read=True)
    current = session.scalar(query)
    if current is None:  # a gebied from before migration 0002 cannot exist; be safe anyway
        session.execute(insert(StapelingEpoch).values(gebied_id=gebied_id))
        return 0
    return current


def keep(
    session: Session,
    gebied_id: uuid.UUID,
    key: str,
    read_at: int,
    result: Result,
    bewaard_max: int,
) -> View:
    """Store `result` under (gebied, key) if the gebied's epoch is still `read_at`, the epoch
    read before its opgaven; commit. Answer from it either way."""
    if epoch(session, gebied_id, lock=True) != read_at:
        session.commit()
        # Changed while we computed: answer from what we read, but do not keep it.
        return View(result.samenvatting, faces=result.faces, berekend=True)
    row = Stapeling(
        id=uuid.uuid4(),
        gebied_id=gebied_id,
        filter_key=key,
        epoch=read_at,
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
