"""Stored stapelingen: one per gebied and key, never stale, at most `bewaard_max` filtered.

A write that can change a stored result deletes it in its own transaction and moves the
gebied's epoch (the triggers in `triggers.sql`). A result is kept only if the epoch read
before its opgaven were read is still current when it is stored: nothing computed from
outdated opgaven is ever kept.

The faces go in with COPY, in the transaction that checked the epoch: at 5,000 opgaven
(67,728 faces) an INSERT of 2,000 rows at a time took most of half a minute.
"""

import json
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, RD_NEW
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.stapeling.compute import Face, Result
from gebiedsregie.stapeling.filters import UNFILTERED
from gebiedsregie.stapeling.models import Stapeling, StapelingEpoch
from gebiedsregie.stapeling.samenvatting import Samenvatting

COPY_BATCH = 5_000
# COPY's text format: these characters stand for themselves only when escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


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
    _copy_faces(session, row.id, result.faces)
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


def _text_array(items: Iterable[str]) -> str:
    """A text[] literal for COPY: every element quoted (a thema code is vocabulary, but
    a comma or brace in one must not split it)."""
    quoted = ('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items)
    return ("{" + ",".join(quoted) + "}").translate(_COPY_ESCAPES)


def _json(value: object | None) -> str:
    """A jsonb value for COPY (NULL as \\N)."""
    if value is None:
        return "\\N"
    return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)


def _rows(stapeling_id: uuid.UUID, batch: list[Face]) -> str:
    """The faces of `batch` as rows of COPY's text format."""
    geoms = np.array([f.geom for f in batch], dtype=object)
    # Binary WKB made hex in Python: five times faster than GEOS's hex writer.
    wkbs = shapely.to_wkb(geoms)
    # GeoJSON texts hold no tab, newline or backslash: nothing to escape.
    crs84, rd = geojson_texts(geoms, CRS84), geojson_texts(geoms, RD)
    return "".join(
        f"{stapeling_id}\t{f.nr}\t{f.aantal}\t{f.aantal_themas}\t{_text_array(f.themas)}\t"
        f"{{{','.join(map(str, f.opgaven))}}}\t{f.oppervlakte_ha!r}\t"
        f"SRID={RD_NEW};{wkb.hex()}\t{text_84}\t{text_rd}\t{_json(f.combinaties)}\n"
        for f, wkb, text_84, text_rd in zip(batch, wkbs, crs84, rd, strict=True)
    )


def _copy_faces(session: Session, stapeling_id: uuid.UUID, faces: list[Face]) -> None:
    """Write the faces with COPY, in the session's transaction (its own connection).

    A COPY per batch: the statement timeout then bounds sending a batch, not making the
    texts of all faces (67,728 of them took more than 30 s on a busy machine). The next
    batch's rows are made in a thread while PostgreSQL takes this one (the wait for it
    releases the GIL): the two took turns, 6.7 s and 4.4 s of 11 s at 5,000 opgaven.
    """
    driver = session.connection().connection.driver_connection
    assert driver is not None
    statement = (
        "COPY stapeling_vlak (stapeling_id, nr, aantal, aantal_themas, themas, opgaven, "
        "oppervlakte_ha, geom, geometrie_crs84, geometrie_rd, combinaties) FROM STDIN"
    )
    batches = [faces[i : i + COPY_BATCH] for i in range(0, len(faces), COPY_BATCH)]
    if not batches:
        return
    with driver.cursor() as cursor, ThreadPoolExecutor(1) as maker:
        made = maker.submit(_rows, stapeling_id, batches[0])
        for following in [*batches[1:], None]:
            rows = made.result()
            # One batch ahead, no more: the rows of all faces would take hundreds of MB.
            if following is not None:
                made = maker.submit(_rows, stapeling_id, following)
            with cursor.copy(statement) as copy:
                copy.write(rows)
