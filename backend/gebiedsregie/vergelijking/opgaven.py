"""Which opgaven differ between two situations: added, left out, changed (with the fields).

An opgave is known by its key in the situations (the register id, or a variant-only opgave's
own id). It is added when only B has it (in the gebied, through B's filters and horizon),
left out when only A has it, and changed when the two versions differ in a field or in their
geometry (compared byte for byte, as the overlay tells versions apart). Shapes are read only
for the opgaven that may differ: two sides showing the same row have the same shape.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.varianten import situatie as varianten_situatie

# Compared in this order; `geometrie` stands for the shape.
VELDEN = (
    "titel",
    "thema",
    "trekker",
    "status",
    "horizon",
    "ruimtevraag_ha",
    "beschrijving",
    "bron",
)
GEOMETRIE = "geometrie"


@dataclass(frozen=True)
class Versie:
    """An opgave as one situation has it, without its shape."""

    titel: str
    thema: str
    trekker: str
    status: str
    horizon: int | None
    ruimtevraag_ha: float | None
    beschrijving: str
    bron: str
    herkomst: uuid.UUID | None  # the variant whose version it is; None: the register's row


@dataclass(frozen=True)
class Vorm:
    """An opgave's shape as one situation has it: its area and a digest of its geometry."""

    oppervlakte_ha: float
    digest: str


class VersieJson(TypedDict):
    titel: str
    thema: str
    trekker: str
    status: str
    horizon: int | None
    ruimtevraag_ha: float | None
    oppervlakte_ha: float


class OpgaveVerschil(TypedDict):
    id: str
    titel: str  # B's, or A's when B has none
    thema: str
    velden: list[str]  # the fields that differ (changed only)
    a: VersieJson | None
    b: VersieJson | None


class OpgavenVerschil(TypedDict):
    toegevoegd: list[OpgaveVerschil]
    weggelaten: list[OpgaveVerschil]
    gewijzigd: list[OpgaveVerschil]


def _situatie(
    session: Session, gebied: Gebied, variant_id: uuid.UUID | None, flt: StapelingFilter
) -> Any:
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    # The situation's query, as the stapeling reads it (see varianten/situatie.py).
    return varianten_situatie.subquery(session, gebied, variant_id, flt.opgaven_filter(area))


def versies(
    session: Session, gebied: Gebied, variant_id: uuid.UUID | None, flt: StapelingFilter
) -> dict[uuid.UUID, Versie]:
    """Return the opgaven of a situation in `gebied` that `flt` lets through, by key: the
    register when `variant_id` is None, else that variant (the set `opgaven_van` gives)."""
    sub = _situatie(session, gebied, variant_id, flt)
    rows = session.execute(select(sub.c.sleutel, sub.c.wijziging, *(sub.c[n] for n in VELDEN)))
    return {
        row[0]: Versie(
            **dict(zip(VELDEN, row[2:], strict=True)),
            herkomst=variant_id if row[1] is not None else None,
        )
        for row in rows
    }


def vormen(
    session: Session,
    gebied: Gebied,
    variant_id: uuid.UUID | None,
    flt: StapelingFilter,
    keys: Collection[uuid.UUID],
) -> dict[uuid.UUID, Vorm]:
    """Return the shapes of the opgaven `keys` of the situation (as `versies`)."""
    if not keys:
        return {}
    sub = _situatie(session, gebied, variant_id, flt)
    rows = session.execute(
        select(
            sub.c.sleutel, func.ST_Area(sub.c.geom), func.md5(func.ST_AsBinary(sub.c.geom))
        ).where(sub.c.sleutel.in_(list(keys)))
    )
    return {row[0]: Vorm(round(float(row[1]) / 10_000, 4), row[2]) for row in rows}


def te_meten(
    a: dict[uuid.UUID, Versie], b: dict[uuid.UUID, Versie]
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Return the keys whose shapes A and B must read: those in one situation only, and those
    in both that differ in a field or come from different rows (the same row, the register's
    or one variant's, is the same shape)."""
    both = {k for k in a.keys() & b.keys() if a[k] != b[k]}
    return (a.keys() - b.keys()) | both, (b.keys() - a.keys()) | both


def _json(versie: Versie | None, vorm: Vorm | None) -> VersieJson | None:
    if versie is None or vorm is None:
        return None
    return {
        "titel": versie.titel,
        "thema": versie.thema,
        "trekker": versie.trekker,
        "status": versie.status,
        "horizon": versie.horizon,
        "ruimtevraag_ha": versie.ruimtevraag_ha,
        "oppervlakte_ha": vorm.oppervlakte_ha,
    }


def verschillende(
    a: dict[uuid.UUID, Versie],
    b: dict[uuid.UUID, Versie],
    vorm_a: dict[uuid.UUID, Vorm],
    vorm_b: dict[uuid.UUID, Vorm],
) -> OpgavenVerschil:
    """Return the opgaven only B has, only A has, and both have but differently (in a field,
    or in shape); each list by titel, then id. The shapes are those `te_meten` names."""
    result: dict[str, list[OpgaveVerschil]] = {"toegevoegd": [], "weggelaten": [], "gewijzigd": []}
    for key in a.keys() | b.keys():
        old, new = a.get(key), b.get(key)
        velden = []
        if old is not None and new is not None:
            velden = [name for name in VELDEN if getattr(old, name) != getattr(new, name)]
            shapes = vorm_a.get(key), vorm_b.get(key)  # None: gone since (a write meanwhile)
            if old.herkomst != new.herkomst and (None in shapes or shapes[0] != shapes[1]):
                velden.append(GEOMETRIE)
            if not velden:
                continue
        shown = new or old
        assert shown is not None
        soort = "toegevoegd" if old is None else "weggelaten" if new is None else "gewijzigd"
        result[soort].append(
            {
                "id": str(key),
                "titel": shown.titel,
                "thema": shown.thema,
                "velden": velden,
                "a": _json(old, vorm_a.get(key)),
                "b": _json(new, vorm_b.get(key)),
            }
        )
    for items in result.values():
        items.sort(key=lambda item: (item["titel"], item["id"]))
    return {
        "toegevoegd": result["toegevoegd"],
        "weggelaten": result["weggelaten"],
        "gewijzigd": result["gewijzigd"],
    }
