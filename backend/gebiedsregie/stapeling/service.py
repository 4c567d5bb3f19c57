"""The stapeling of a situation of a gebied: the stored one, or computed now and stored.

Reading the answer is `reads`; computing is `compute`; keeping it is `store`.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from gebiedsregie.combinaties import service as combinaties_service
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.stapeling import compute, store
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie, Situatie
from gebiedsregie.stapeling.store import View


def stored(
    session: Session, situatie: Situatie, flt: StapelingFilter, bewaard_max: int = 500
) -> View:
    """Return the stapeling of `situatie` for `flt`: the stored one, or computed and stored;
    at most `bewaard_max` filtered results are kept (`store.keep`).

    Commits: nothing is held while it computes.
    """
    gebied = situatie.gebied
    key = situatie.key(flt)
    found = store.find(session, gebied.id, key)
    if found is not None:
        return found
    # The epoch is read before the opgaven: a change after this read makes the store below
    # a no-op, so nothing computed from outdated opgaven is ever kept.
    read_at = store.epoch(session, gebied.id)
    opgaven = situatie.opgaven(session, flt)
    context = situatie.context(flt)
    area = gebieden_service.gebied_shape(gebied)
    # The matrices and lagen too: a change to them moves the epoch (combinaties/triggers.sql).
    combinaties = combinaties_service.invoer(session, area)
    gebied_id = gebied.id
    # Nothing is held while we compute: the epoch, read above, tells whether to keep it.
    session.commit()
    result = compute.analyse(area, opgaven, flt.as_dict(), context=context, combinaties=combinaties)
    return store.keep(session, gebied_id, key, read_at, result, bewaard_max)


def stored_id(
    session: Session, situatie: Situatie, flt: StapelingFilter, bewaard_max: int = 500
) -> uuid.UUID | None:
    """Return the id of the stored stapeling of `situatie` for `flt`, computing and storing it
    when missing; None only when its data changed while it was computed (see `stored`)."""
    view = stored(session, situatie, flt, bewaard_max)
    if view.stapeling_id is not None:
        return view.stapeling_id
    # Not kept: its data changed meanwhile, or another request stored the same result first.
    # That one is there now; without looking, a tile would lack it under a current ETag.
    again = store.find(session, situatie.gebied.id, situatie.key(flt))
    return again.stapeling_id if again is not None else None


def unfiltered(session: Session, gebieden: Sequence[Gebied]) -> dict[uuid.UUID, Gebied]:
    """Return the stored unfiltered stapelingen of the registers of `gebieden` (id -> gebied),
    computing and storing those that are missing. A gebied whose data changed while it was
    computed has none (its answer was not kept)."""
    found = {}
    for gebied in gebieden:
        stapeling_id = stored_id(session, HuidigeSituatie(gebied), StapelingFilter())
        if stapeling_id is not None:
            found[stapeling_id] = gebied
    return found
