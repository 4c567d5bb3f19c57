"""The ruimtebalans of a situation of a gebied (the register or a variant), for a filter set.

Reads the situation's opgaven with their ruimtevraag and the sturende lagen inside the gebied,
then computes (`compute`). Not stored: it is a few overlays of the opgaven of one gebied, and
their number is bounded as for the opgaventabel.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.errors import FieldError, PayloadTooLarge
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import LaagSoort
from gebiedsregie.ruimtebalans.compute import Balans, OpgaveVraag, SturendeLaag, compute_balans
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.samenvatting import FilterWaarden
from gebiedsregie.stapeling.situatie import Situatie
from gebiedsregie.varianten import situatie as varianten_situatie
from gebiedsregie.varianten.stapeling import VariantRef, VariantSituatie

# A bron saying so marks an opgave as no real plan, as the report has it (rapport/inhoud.py).
ILLUSTRATIEF = "illustratief"


@dataclass(frozen=True)
class Ruimtebalans:
    """A balans with what it is of."""

    gebied: dict[str, str]  # id, slug, naam
    variant: VariantRef | None  # None: the register
    filters: FilterWaarden
    balans: Balans
    aantal_illustratief: int = 0  # opgaven whose bron says they are illustrative


def ruimtebalans(
    session: Session, situatie: Situatie, flt: StapelingFilter, max_opgaven: int
) -> Ruimtebalans:
    """Return the ruimtebalans of `situatie` for `flt`: the opgaven the stapeling takes (their
    interior meets the gebied), against the gebied minus its sturende lagen.
    PayloadTooLarge past `max_opgaven` opgaven.

    Commits (it reads only): nothing is held while it computes.
    """
    gebied = situatie.gebied
    variant = situatie.variant if isinstance(situatie, VariantSituatie) else None
    variant_id = variant.id if variant is not None else None
    opgaven_filter = flt.opgaven_filter(gebieden_service.gebied_geom_expr(str(gebied.id)))
    matched = varianten_situatie.tel_opgaven_van(session, gebied, variant_id, opgaven_filter)
    if matched > max_opgaven:
        raise PayloadTooLarge(
            f"In dit gebied liggen met deze filters {matched} opgaven; een ruimtebalans "
            f"rekent er hoogstens {max_opgaven}. Filter op thema, status, trekker of horizon.",
            [FieldError("gebied_id", "Te veel opgaven voor één ruimtebalans.", "te_veel_opgaven")],
        )
    opgaven, illustratief = _opgaven(session, gebied, variant_id, opgaven_filter)
    gebied_rd = gebieden_service.gebied_shape(gebied)
    lagen = [
        SturendeLaag(
            laag.slug,
            laag.naam,
            laag.kleur,
            referentielagen_service.union_binnen(session, [laag], gebied_rd),
        )
        for laag in referentielagen_service.list_lagen(session, LaagSoort.STUREND.value)
    ]
    volgorde = [t.code for t in opgaven_service.list_themas(session)]
    ref = {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam}
    session.commit()
    balans = compute_balans(gebied_rd, opgaven, lagen, volgorde)
    return Ruimtebalans(ref, variant, flt.as_dict(), balans, illustratief)


def _opgaven(
    session: Session,
    gebied: Any,
    variant_id: uuid.UUID | None,
    opgaven_filter: opgaven_service.OpgaveFilter,
) -> tuple[list[OpgaveVraag], int]:
    """The situation's opgaven meeting the gebied, as the variant has them (or the register),
    and how many of them are illustrative."""
    sub = varianten_situatie.subquery(session, gebied, variant_id, opgaven_filter)
    rows = session.execute(
        select(
            sub.c.thema, sub.c.ruimtevraag_ha, func.ST_AsBinary(sub.c.geom), sub.c.bron
        ).order_by(sub.c.sleutel)
    ).all()
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else []
    opgaven = [OpgaveVraag(r[0], r[1], geom) for r, geom in zip(rows, geoms, strict=True)]
    return opgaven, sum(1 for r in rows if ILLUSTRATIEF in (r[3] or "").lower())


@dataclass(frozen=True)
class Vraag:
    """The vraag of a situation alone (no lagen): what the samenvatting shows beside its
    ruimtedruk by zoekgebied."""

    vraag_ha: float
    aantal_geschat: int  # opgaven without ruimtevraag_ha: their area inside the gebied counts
    ruimtedruk_vraag: float | None  # vraag_ha / gebied_ha


def vraag(session: Session, situatie: Situatie, flt: StapelingFilter) -> Vraag:
    """Return the vraag of `situatie` for `flt`, as `ruimtebalans` counts it, in one query."""
    gebied = situatie.gebied
    variant = situatie.variant if isinstance(situatie, VariantSituatie) else None
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    sub = varianten_situatie.subquery(
        session, gebied, variant.id if variant is not None else None, flt.opgaven_filter(area)
    )
    inside_ha = func.ST_Area(func.ST_Intersection(sub.c.geom, area)) / 10_000
    row = session.execute(
        select(
            func.coalesce(func.sum(func.coalesce(sub.c.ruimtevraag_ha, inside_ha)), 0.0),
            func.count().filter(sub.c.ruimtevraag_ha.is_(None)),
            func.ST_Area(area) / 10_000,
        )
    ).one()
    vraag_ha, geschat, gebied_ha = float(row[0]), int(row[1]), float(row[2])
    druk = round(vraag_ha / gebied_ha, 4) if gebied_ha > 0 else None
    return Vraag(round(vraag_ha, 4), geschat, druk)
