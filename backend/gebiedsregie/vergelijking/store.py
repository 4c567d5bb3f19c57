"""Stored comparisons: found by gebied and key while the gebied's epoch is the one they were
computed at, kept only when nothing they were computed from changed meanwhile, and read back
a page at a time as GeoJSON Feature texts.

As `stapeling.store.keep`: a comparison is kept only if the gebied's epoch read before its
opgaven were read is still current when it is stored (checked under the same share lock).
The faces go in with COPY: at 80,000 faces an INSERT per row costs seconds.
"""

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Text, cast, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW, Crs
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.stapeling import store as stapeling_store
from gebiedsregie.stapeling.models import StapelingEpoch
from gebiedsregie.stapeling.samenvatting import Samenvatting
from gebiedsregie.vergelijking.models import Vergelijking, VergelijkingVlak
from gebiedsregie.vergelijking.overlay import Overlay, Overzicht, VerschilVlak

TEXT_BATCH = 2_000
COPY_BATCH = 5_000


@dataclass
class Stand:
    """A comparison to answer from: stored (faces in the database) or just computed."""

    samenvatting_a: Samenvatting
    samenvatting_b: Samenvatting
    overzicht: Overzicht
    vergelijking_id: uuid.UUID | None = None
    vlakken: list[VerschilVlak] | None = None  # when not stored
    berekend: bool = False  # the faces were computed for this request
    berekend_a: bool = False  # A's stapeling was (it was not stored)
    berekend_b: bool = False


def find(session: Session, gebied_id: uuid.UUID, sleutel: str) -> Stand | None:
    """Return the gebied's comparison under `sleutel` if computed at the current epoch,
    noting it was used; else None."""
    found = session.execute(
        select(
            Vergelijking.id,
            Vergelijking.samenvatting_a,
            Vergelijking.samenvatting_b,
            Vergelijking.overzicht,
        )
        .join(StapelingEpoch, StapelingEpoch.gebied_id == Vergelijking.gebied_id)
        .where(
            Vergelijking.gebied_id == gebied_id,
            Vergelijking.sleutel == sleutel,
            Vergelijking.epoch == StapelingEpoch.epoch,
        )
    ).one_or_none()
    if found is None:
        return None
    session.execute(
        update(Vergelijking)
        .where(
            Vergelijking.id == found.id,
            Vergelijking.gebruikt_op < func.now() - text("interval '1 minute'"),
        )
        .values(gebruikt_op=func.now())
    )
    session.commit()
    return Stand(found.samenvatting_a, found.samenvatting_b, found.overzicht, found.id)


def keep(
    session: Session,
    gebied_id: uuid.UUID,
    sleutel: str,
    read_at: int,
    computed: Stand,
    result: Overlay,
    bewaard_max: int,
) -> Stand:
    """Store the comparison under (gebied, sleutel) if the gebied's epoch is still `read_at`,
    replacing a stale one; commit. Answer from it either way."""
    if stapeling_store.epoch(session, gebied_id, lock=True) != read_at:
        session.commit()
        return computed  # changed while we computed: answer from what we read
    # Comparisons of an older epoch are never found again: this one's, and the gebied's.
    session.execute(
        delete(Vergelijking).where(
            Vergelijking.gebied_id == gebied_id,
            (Vergelijking.sleutel == sleutel) | (Vergelijking.epoch < read_at),
        )
    )
    row = Vergelijking(
        id=uuid.uuid4(),
        gebied_id=gebied_id,
        sleutel=sleutel,
        epoch=read_at,
        samenvatting_a=computed.samenvatting_a,
        samenvatting_b=computed.samenvatting_b,
        overzicht=result.overzicht,
        rekentijd_ms=result.rekentijd_ms,
    )
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        # Another request stored the same comparison first: answer ours, keep theirs.
        session.rollback()
        return computed
    _copy_faces(session, row.id, result.vlakken)
    _prune(session, bewaard_max)
    session.commit()
    computed.vergelijking_id = row.id
    return computed


def _prune(session: Session, bewaard_max: int) -> None:
    """Delete the least recently used comparisons beyond `bewaard_max`."""
    surplus = (
        select(Vergelijking.id)
        .order_by(Vergelijking.gebruikt_op.desc(), Vergelijking.berekend_op.desc())
        .offset(bewaard_max)
    )
    session.execute(delete(Vergelijking).where(Vergelijking.id.in_(surplus)))


def _array(ids: list[str]) -> str:
    return "{" + ",".join(ids) + "}"


def _copy_faces(session: Session, vergelijking_id: uuid.UUID, vlakken: list[VerschilVlak]) -> None:
    """Write the faces with COPY, in the session's transaction (its own connection)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    statement = (
        "COPY vergelijking_vlak (vergelijking_id, nr, aantal_a, aantal_b, opgaven_a, opgaven_b, "
        "oppervlakte_ha, geom) FROM STDIN"
    )
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(vlakken), COPY_BATCH):
            batch = vlakken[start : start + COPY_BATCH]
            # Binary WKB made hex in Python: five times faster than GEOS's hex writer.
            wkbs = shapely.to_wkb(np.array([v.geom for v in batch], dtype=object))
            lines = [
                f"{vergelijking_id}\t{v.nr}\t{v.aantal_a}\t{v.aantal_b}\t{{{','.join(v.opgaven_a)}}}\t"
                f"{{{','.join(v.opgaven_b)}}}\t{v.oppervlakte_ha!r}\tSRID={RD_NEW};{wkb.hex()}\n"
                for v, wkb in zip(batch, wkbs, strict=True)
            ]
            copy.write("".join(lines))


def feature_json(vlak: VerschilVlak, geometry: str) -> str:
    """Return a difference face as a GeoJSON Feature text, around its geometry's text."""
    properties = json.dumps(
        {
            "nr": vlak.nr,
            "aantal_a": vlak.aantal_a,
            "aantal_b": vlak.aantal_b,
            "verschil": vlak.verschil,
            "gewijzigd": vlak.gewijzigd,
            "opgaven_a": vlak.opgaven_a,
            "opgaven_b": vlak.opgaven_b,
            "oppervlakte_ha": vlak.oppervlakte_ha,
        },
        ensure_ascii=False,
    )
    return (
        f'{{"type": "Feature", "id": {vlak.nr}, "geometry": {geometry}, '
        f'"properties": {properties}}}'
    )


def feature_texts(vlakken: Sequence[VerschilVlak], crs: Crs) -> Iterator[str]:
    """Yield GeoJSON Feature texts of faces that carry their RD geometry."""
    for start in range(0, len(vlakken), TEXT_BATCH):
        batch = vlakken[start : start + TEXT_BATCH]
        texts = geojson_texts([v.geom for v in batch], crs)
        yield from (feature_json(v, t) for v, t in zip(batch, texts, strict=True))


def count_faces(stand: Stand, alleen_gewijzigd: bool) -> int:
    """Return how many faces there are (the changed ones: they come first)."""
    overzicht = stand.overzicht
    return overzicht["gewijzigde_vlakken"] if alleen_gewijzigd else overzicht["aantal_vlakken"]


def iter_features(
    session: Session,
    stand: Stand,
    crs: Crs,
    alleen_gewijzigd: bool,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[str]:
    """Yield the faces (only the changed ones if asked) as GeoJSON Feature texts, by nr."""
    end = count_faces(stand, alleen_gewijzigd)
    stop = end if limit is None else min(end, offset + limit)
    if stand.vlakken is not None:
        yield from feature_texts(stand.vlakken[offset:stop], crs)
        return
    # Faces are numbered 0, 1, ...: a page is a range of nr, read in batches.
    for start in range(offset, stop, TEXT_BATCH):
        rows = session.execute(
            select(
                VergelijkingVlak.nr,
                cast(VergelijkingVlak.opgaven_a, ARRAY(Text)),
                cast(VergelijkingVlak.opgaven_b, ARRAY(Text)),
                VergelijkingVlak.oppervlakte_ha,
                func.ST_AsBinary(VergelijkingVlak.geom),
            )
            .where(
                VergelijkingVlak.vergelijking_id == stand.vergelijking_id,
                VergelijkingVlak.nr >= start,
                VergelijkingVlak.nr < min(start + TEXT_BATCH, stop),
            )
            .order_by(VergelijkingVlak.nr)
        ).all()
        geoms = shapely.from_wkb([bytes(r[4]) for r in rows])
        vlakken = [
            VerschilVlak(r[0], list(r[1]), list(r[2]), r[3], g)
            for r, g in zip(rows, geoms, strict=True)
        ]
        yield from feature_texts(vlakken, crs)
