"""Stored comparisons: found by gebied and key while the gebied's epoch is the one they were
computed at, kept only when nothing they were computed from changed meanwhile, and read back
a page at a time as GeoJSON Feature texts.

As `stapeling.store.keep`: a comparison is kept only if the gebied's epoch read before its
opgaven were read is still current when it is stored (checked under the same share lock).
The faces go in with COPY: at 80,000 faces an INSERT per row costs seconds. They are read
back with their text written by PostgreSQL as far as it can (see `iter_features`).
"""

import dataclasses
import itertools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import shapely
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW, Crs
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.stapeling import store as stapeling_store
from gebiedsregie.stapeling.merging import Members
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
    overlay: Overlay | None = None  # when computed for this request
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
    bewaard_max: int,
) -> Stand:
    """Store the comparison `computed` (with its overlay) under (gebied, sleutel) if the
    gebied's epoch is still `read_at`, replacing a stale one; commit. Answer from it: from the
    stored faces when kept (`iter_features`), else from the computed ones."""
    result = computed.overlay
    assert result is not None
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
    _copy_faces(session, row.id, result)
    _prune(session, bewaard_max)
    session.commit()
    return dataclasses.replace(computed, vergelijking_id=row.id)


def _prune(session: Session, bewaard_max: int) -> None:
    """Delete the least recently used comparisons beyond `bewaard_max`."""
    surplus = (
        select(Vergelijking.id)
        .order_by(Vergelijking.gebruikt_op.desc(), Vergelijking.berekend_op.desc())
        .offset(bewaard_max)
    )
    session.execute(delete(Vergelijking).where(Vergelijking.id.in_(surplus)))


def _sets(ids: list[str], members: Members) -> list[str]:
    """Per face, its keys joined by `,` (in the order `members` holds them)."""
    flat = [ids[m] for m in members.flat.tolist()]
    return [",".join(flat[i:j]) for i, j in itertools.pairwise(members.start.tolist())]


def _copy_faces(session: Session, vergelijking_id: uuid.UUID, result: Overlay) -> None:
    """Write the faces with COPY, in the session's transaction (its own connection)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    statement = (
        "COPY vergelijking_vlak (vergelijking_id, nr, aantal_a, aantal_b, opgaven_a, opgaven_b, "
        "oppervlakte_ha, geom) FROM STDIN"
    )
    sets_a, sets_b = _sets(result.keys, result.members_a), _sets(result.keys, result.members_b)
    count_a, count_b = result.members_a.counts().tolist(), result.members_b.counts().tolist()
    with driver.cursor() as cursor:
        for start in range(0, len(result), COPY_BATCH):
            faces = range(start, min(start + COPY_BATCH, len(result)))
            # Binary WKB made hex in Python: five times faster than GEOS's hex writer.
            lines = [
                f"{vergelijking_id}\t{nr}\t{count_a[nr]}\t{count_b[nr]}\t{{{sets_a[nr]}}}\t"
                f"{{{sets_b[nr]}}}\t{result.oppervlakte_ha[nr]!r}\t"
                f"SRID={RD_NEW};{result.wkb[nr].hex()}\n"
                for nr in faces
            ]
            # A COPY per batch, as in stapeling.store: the statement timeout bounds one batch.
            with cursor.copy(statement) as copy:
                copy.write("".join(lines))


def _ids_json(joined: str) -> str:
    """A JSON list of ids given joined by '", "' (an id needs no escaping)."""
    return f'["{joined}"]' if joined else "[]"


def _feature(
    nr: int, aantal_a: int, aantal_b: int, ids_a: str, ids_b: str, ha: float, geometry: str
) -> str:
    """A difference face as a GeoJSON Feature text: what json.dumps makes of it (tested),
    written directly (at 80,000 faces json.dumps cost a second)."""
    return (
        f'{{"type": "Feature", "id": {nr}, "geometry": {geometry}, "properties": {{"nr": {nr}, '
        f'"aantal_a": {aantal_a}, "aantal_b": {aantal_b}, "verschil": {aantal_b - aantal_a}, '
        f'"gewijzigd": {"true" if ids_a != ids_b else "false"}, '
        f'"opgaven_a": {_ids_json(ids_a)}, "opgaven_b": {_ids_json(ids_b)}, '
        f'"oppervlakte_ha": {ha!r}}}}}'
    )


def feature_json(vlak: VerschilVlak, geometry: str) -> str:
    """Return a difference face as a GeoJSON Feature text, around its geometry's text."""
    return _feature(
        vlak.nr,
        vlak.aantal_a,
        vlak.aantal_b,
        '", "'.join(vlak.opgaven_a),
        '", "'.join(vlak.opgaven_b),
        vlak.oppervlakte_ha,
        geometry,
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
    """Yield the faces (only the changed ones if asked) as GeoJSON Feature texts, by nr.

    Stored faces are read from the database, also just after they were computed: there
    PostgreSQL writes an RD page's text, five times as fast as we do (see `_stored`). Should
    they be gone before the read began (replaced by another request's, pruned), the computed
    faces are read if this request has them; else the stream breaks off (RuntimeError).
    """
    end = count_faces(stand, alleen_gewijzigd)
    stop = end if limit is None else min(end, offset + limit)
    if stop <= offset:
        return
    if stand.vergelijking_id is not None:
        stored = _stored(session, stand.vergelijking_id, crs, offset, stop)
        first = next(stored, None)
        if first is not None or stand.overlay is None:
            read = 0
            for feature in itertools.chain([first] if first is not None else [], stored):
                read += 1
                yield feature
            if read != stop - offset:
                raise RuntimeError(f"vergelijking {stand.vergelijking_id}: {read} faces read")
            return
    assert stand.overlay is not None
    for start in range(offset, stop, TEXT_BATCH):
        batch = stand.overlay.vlakken_van(start, min(start + TEXT_BATCH, stop))
        yield from feature_texts(batch, crs)


def _stored(
    session: Session, vergelijking_id: uuid.UUID, crs: Crs, offset: int, stop: int
) -> Iterator[str]:
    """The stored faces `offset` up to `stop` as Feature texts, read in one query (one
    snapshot: all of them, or none when the comparison was gone when it began) in batches.

    In RD PostgreSQL writes their geometry's text: the faces lie on the millimetre grid (snap
    rounding), so its text is `geojson_texts`' (tested). Another CRS is transformed here, as
    everywhere (PROJ in PostGIS may pick another transformation than pyproj does).
    """
    face = VergelijkingVlak
    in_rd = crs.epsg == RD_NEW
    geometry = (
        func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(face.geom), crs.decimals, 0)
        if in_rd
        else func.ST_AsBinary(face.geom)
    )
    rows = session.execute(
        select(
            face.nr,
            face.aantal_a,
            face.aantal_b,
            func.array_to_string(face.opgaven_a, '", "'),
            func.array_to_string(face.opgaven_b, '", "'),
            face.oppervlakte_ha,
            geometry,
        )
        .where(face.vergelijking_id == vergelijking_id, face.nr >= offset, face.nr < stop)
        .order_by(face.nr)
        .execution_options(yield_per=TEXT_BATCH)
    )
    for batch in rows.partitions():
        if in_rd:
            texts = [r[6] for r in batch]
        else:
            texts = geojson_texts(shapely.from_wkb([bytes(r[6]) for r in batch]), crs)
        for r, geometry_text in zip(batch, texts, strict=True):
            yield _feature(r[0], r[1], r[2], r[3], r[4], r[5], geometry_text)
