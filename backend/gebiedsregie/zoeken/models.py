"""The search index: names in their search form, indexed per kind of result.

`zoekvorm(text)` is a SQL function (migration 0008): lower case, without accents (unaccent),
every run of characters other than letters and digits one space, so 'Súdwest-Fryslân' and
'sudwest fryslan' have the same form. Each kind has two indexes on the form of its name:
trigrams (GiST, pg_trgm: nearest first) for similar names and typos, and a B-tree for exact
and prefix matches read in order. A function's result takes its argument's collation: given
the name in COLLATE "C", the form is in byte order, which `LIKE 'prefix%'` needs to read a
range of the B-tree.
"""

from typing import Any

from sqlalchemy import ColumnElement, Index, Text, func

from gebiedsregie.gebieden.models import NOT_DELETED, Gebied, Gemeente, Provincie
from gebiedsregie.opgaven.models import Opgave


def zoekvorm(value: Any) -> ColumnElement[str]:
    """Return the search form of a text (a query), in the database's collation."""
    return func.zoekvorm(value, type_=Text)


def naam_vorm(column: Any) -> ColumnElement[str]:
    """Return the search form of a name column in byte order, as the indexes hold it."""
    return zoekvorm(column.collate("C"))


def _indexes(table: str, column: Any, live_only: bool) -> tuple[Index, Index]:
    where: dict[str, Any] = {"postgresql_where": NOT_DELETED} if live_only else {}
    trigrams = Index(
        f"ix_{table}_zoekvorm_trgm",
        naam_vorm(column).label("zoekvorm"),
        postgresql_using="gist",
        postgresql_ops={"zoekvorm": "gist_trgm_ops(siglen=64)"},
        **where,
    )
    ordered = Index(f"ix_{table}_zoekvorm", naam_vorm(column), **where)
    return trigrams, ordered


INDEXES = (
    *_indexes("gemeente", Gemeente.naam, live_only=False),
    *_indexes("provincie", Provincie.naam, live_only=False),
    *_indexes("gebied", Gebied.naam, live_only=True),
    *_indexes("opgave", Opgave.titel, live_only=True),
)
