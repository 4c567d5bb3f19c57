"""Search by name: gemeenten, provinces, gebieden and opgaven in one indexed query.

A search reads the tables of two domains at once. It goes to them directly, not through their
services, so that the four kinds are ranked together in one statement (read-only, on the
indexes of `zoeken/models.py`).

Ranking: exact matches of the search form first, then prefix matches (in order of the form),
then similar names: those in which pg_trgm finds a word like the query (`<%`, at its default
word similarity of 0.6; 'Wagenigen' is 0.67 like Wageningen), the most similar first. Among
equals a provincie comes before a gemeente, a gebied and an opgave.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84
from gebiedsregie.gebieden.models import Gebied, Gemeente, Provincie
from gebiedsregie.gebieden.service import interior_intersects
from gebiedsregie.opgaven.models import Opgave, Thema
from gebiedsregie.zoeken.models import naam_vorm, zoekvorm

SOORTEN = ("provincie", "gemeente", "gebied", "opgave")  # the order among equal matches
# Trigrams say little about shorter forms: 'ed' shares a trigram with half the names.
MIN_FUZZY_LENGTH = 3
BBOX_DECIMALS = 8
MAX_GEBIEDEN_GENOEMD = 3
# As on the pages (web/pages.py): the search cannot import the web layer.
GEBIED_SOORTEN = {
    "voorbeeldgebied": "Voorbeeldgebied",
    "novex-gebied": "NOVEX-gebied",
    "deelgebied": "Deelgebied",
    "eigen": "Eigen gebied",
}


@dataclass(frozen=True)
class Resultaat:
    soort: str
    id: str
    naam: str
    toelichting: str
    bbox: list[float]
    url: str | None


def search_form(session: Session, q: str) -> str:
    """Return `q` as search compares it (see `zoeken/models.py`); empty if it has no letter
    or digit."""
    return session.scalar(select(zoekvorm(q))) or ""


@dataclass(frozen=True)
class _Soort:
    """One kind of result: where its names are, and what its rows carry besides."""

    naam: str
    sleutel: Any  # its id, as text
    naam_kolom: Any
    geom: Any
    live: tuple[Any, ...] = ()  # conditions: not deleted
    toelichting: Any = None  # a text column: provincie, soort of gebied, thema naam
    provincies: Any = None  # a text[] column
    slug: Any = None
    joins: tuple[tuple[Any, Any], ...] = ()


def _soorten() -> list[_Soort]:
    return [
        _Soort("provincie", Provincie.statcode, Provincie.naam, Provincie.geom),
        _Soort(
            "gemeente",
            Gemeente.statcode,
            Gemeente.naam,
            Gemeente.geom,
            toelichting=Gemeente.provincie,
        ),
        _Soort(
            "gebied",
            cast(Gebied.id, Text),
            Gebied.naam,
            Gebied.geom,
            live=(Gebied.verwijderd_op.is_(None),),
            toelichting=Gebied.soort,
            provincies=Gebied.provincies,
            slug=Gebied.slug,
        ),
        _Soort(
            "opgave",
            cast(Opgave.id, Text),
            Opgave.titel,
            Opgave.geom,
            live=(Opgave.verwijderd_op.is_(None),),
            toelichting=Thema.naam,
            joins=((Thema, Thema.code == Opgave.thema),),
        ),
    ]


def _or_null(column: Any, type_: Any) -> Any:
    return column if column is not None else cast(null(), type_)


def _select(soort: _Soort, tier: ColumnElement[int], score: ColumnElement[float]) -> Select[Any]:
    query = select(
        literal(soort.naam, Text).label("soort"),
        literal(SOORTEN.index(soort.naam), Integer).label("rang"),
        cast(soort.sleutel, Text).label("sleutel"),
        soort.naam_kolom.label("naam"),
        tier.label("tier"),
        cast(score, Float).label("score"),
        naam_vorm(soort.naam_kolom).label("vorm"),
        _or_null(soort.toelichting, Text).label("toelichting"),
        _or_null(soort.provincies, ARRAY(Text)).label("provincies"),
        _or_null(soort.slug, Text).label("slug"),
        soort.geom.label("geom"),
    )
    for target, on in soort.joins:
        query = query.join(target, on)
    return query.where(*soort.live)


def _candidates(soort: _Soort, q: str, limit: int) -> list[Select[Any]]:
    """At most `limit` exact or prefix matches, read from the B-tree in order, and the
    `limit` names with the most similar word, nearest first from the trigram index.

    The second may repeat the first (the caller keeps each once, at its best tier): leaving
    prefix matches out there would make the index walk past all of them, 5,000 for
    'woningbouw'. Its nearest `limit` hold enough others, for those rank after every prefix
    match anyway.
    """
    vorm = naam_vorm(soort.naam_kolom)  # in byte order: LIKE 'q%' reads a range of the B-tree
    prefix = vorm.like(f"{q}%")  # the form holds no % or _: nothing to escape
    tier = case((vorm == q, 0), (prefix, 1), else_=2)
    parts = [_select(soort, tier, literal(1.0)).where(prefix).order_by(vorm).limit(limit)]
    if len(q) >= MIN_FUZZY_LENGTH:
        # How well the query matches words of the name, plus how well the whole name: the
        # gemeente Wageningen comes before an opgave that mentions it ('Wagenigen').
        # Only the `limit` rows returned are scored (the select list comes after the scan).
        similar = func.word_similarity(q, vorm) + func.similarity(q, vorm)
        score = case((prefix, literal(1.0)), else_=similar)  # prefix matches: by their form
        parts.append(
            _select(soort, tier, score)
            .where(literal(q, Text).op("<%")(vorm))
            .order_by(literal(q, Text).op("<<->")(vorm))  # 1 - word similarity, from GiST
            .limit(limit)
        )
    return parts


def zoek(session: Session, q: str, limit: int) -> list[Resultaat]:
    """Return at most `limit` results for the search form `q`, best first."""
    return [_resultaat(row) for row in session.execute(statement(q, limit)).all()]


def statement(q: str, limit: int) -> Select[Any]:
    """Return the one query of a search: candidates of each kind from their indexes, ranked
    together; then, for the best `limit`, their bbox and the gebieden of an opgave."""
    parts = [p.subquery().select() for s in _soorten() for p in _candidates(s, q, limit)]
    found = union_all(*parts).subquery("found")
    once = (
        select(found)
        .distinct(found.c.soort, found.c.sleutel)
        .order_by(found.c.soort, found.c.sleutel, found.c.tier)
        .subquery("once")
    )
    order = (once.c.tier, once.c.score.desc(), once.c.rang, once.c.vorm, once.c.sleutel)
    top = select(once).order_by(*order).limit(limit).subquery("top")

    # The gebieden an opgave lies in, for its toelichting and its page.
    gebieden = (
        select(
            func.array_agg(aggregate_order_by(Gebied.naam, Gebied.naam)).label("namen"),
            func.array_agg(aggregate_order_by(Gebied.slug, Gebied.naam)).label("slugs"),
        )
        .where(
            top.c.soort == "opgave",
            Gebied.verwijderd_op.is_(None),
            interior_intersects(Gebied.geom, top.c.geom),
        )
        .lateral("gebieden")
    )
    # The shape itself transformed, not its RD envelope: that box is turned against the
    # meridians and would be up to 100 m too large in CRS84. At most `limit` shapes.
    envelope = func.Box2D(func.ST_Transform(top.c.geom, CRS84.epsg))
    return (
        select(
            top.c.soort,
            top.c.sleutel,
            top.c.naam,
            top.c.toelichting,
            top.c.provincies,
            top.c.slug,
            gebieden.c.namen,
            gebieden.c.slugs,
            func.ST_XMin(envelope),
            func.ST_YMin(envelope),
            func.ST_XMax(envelope),
            func.ST_YMax(envelope),
        )
        .select_from(top.outerjoin(gebieden, true()))
        .order_by(top.c.tier, top.c.score.desc(), top.c.rang, top.c.vorm, top.c.sleutel)
    )


def _resultaat(row: Any) -> Resultaat:
    soort, sleutel, naam, extra, provincies, slug, namen, slugs, *bbox = row
    url = None
    if soort == "provincie":
        toelichting = "Provincie"
    elif soort == "gemeente":
        toelichting = f"Gemeente in {extra}"
    elif soort == "gebied":
        label = GEBIED_SOORTEN.get(extra, "Gebied")
        toelichting = f"{label} in {_opsomming(provincies)}" if provincies else label
        url = f"/gebieden/{slug}"
    else:
        if namen:
            toelichting = f"Opgave ({extra}) in {_opsomming(namen)}"
            url = f"/gebieden/{slugs[0]}?opgave={uuid.UUID(sleutel)}"
        else:
            toelichting = f"Opgave ({extra}), buiten alle gebieden"
    return Resultaat(
        soort, sleutel, naam, toelichting, [round(v, BBOX_DECIMALS) for v in bbox], url
    )


def _opsomming(namen: list[str]) -> str:
    """A; A en B; A, B en C; A, B, C en 2 andere."""
    if len(namen) > MAX_GEBIEDEN_GENOEMD:
        rest = len(namen) - MAX_GEBIEDEN_GENOEMD
        return f"{', '.join(namen[:MAX_GEBIEDEN_GENOEMD])} en {rest} andere"
    return namen[0] if len(namen) == 1 else f"{', '.join(namen[:-1])} en {namen[-1]}"
