"""OGC API Features Part 3 filtering: a CQL2 filter (text or JSON) as a SQLAlchemy WHERE.

cql2_parsing gives one canonical cql2-json tree for both encodings; the Translator here walks
it into GeoAlchemy2/SQLAlchemy expressions on a collection's typed queryables (the horizon as
a year interval, a referentielaag's typed JSONB attributes, a face's gebied from another
table), with geometry literals in `filter-crs` transformed to RD, and 400s that say what is
wrong. Everything becomes bound parameters; nothing is written into SQL text.

Three-valued logic throughout, as SQL has it: a comparison with a missing value is unknown,
and so is its NOT; only true selects a feature.
"""

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Double,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW, Crs
from gebiedsregie.ogc.collections import Collectie
from gebiedsregie.ogc.cql2_parsing import instant, is_number, literal_geometry, parse, refuse
from gebiedsregie.ogc.queryables import (
    BOOLEAN,
    DATE_TIME,
    GEOMETRY,
    INTEGER,
    NUMBER,
    STRING,
    STRING_ARRAY,
    YEAR,
    Queryable,
    queryables,
)

PART3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
CONFORMANCE = [
    f"{PART3}/queryables",
    f"{PART3}/filter",
    f"{PART3}/features-filter",
    f"{CQL2}/cql2-text",
    f"{CQL2}/cql2-json",
    f"{CQL2}/basic-cql2",
    f"{CQL2}/advanced-comparison-operators",
    f"{CQL2}/basic-spatial-functions",
    f"{CQL2}/basic-spatial-functions-plus",
    f"{CQL2}/spatial-functions",
]
FILTER_LANGS = ("cql2-text", "cql2-json", "cql-text")
NUMBERS = (INTEGER, NUMBER, YEAR)
WHOLE = (INTEGER, YEAR)
ARITHMETIC = {"+", "-", "*", "/", "%", "^", "div"}
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
SPATIAL = {
    "s_intersects": "ST_Intersects", "s_disjoint": "ST_Disjoint", "s_contains": "ST_Contains",
    "s_within": "ST_Within", "s_touches": "ST_Touches", "s_crosses": "ST_Crosses",
    "s_overlaps": "ST_Overlaps", "s_equals": "ST_Equals",
}  # fmt: skip
# Allen's relations on closed intervals [a0, a1] and [b0, b1] (CQL2 1.0, temporal functions).
TEMPORAL: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "t_after": lambda a0, a1, b0, b1: a0 > b1,
    "t_before": lambda a0, a1, b0, b1: a1 < b0,
    "t_contains": lambda a0, a1, b0, b1: and_(a0 < b0, a1 > b1),
    "t_disjoint": lambda a0, a1, b0, b1: or_(a1 < b0, a0 > b1),
    "t_during": lambda a0, a1, b0, b1: and_(a0 > b0, a1 < b1),
    "t_equals": lambda a0, a1, b0, b1: and_(a0 == b0, a1 == b1),
    "t_finishedby": lambda a0, a1, b0, b1: and_(a0 < b0, a1 == b1),
    "t_finishes": lambda a0, a1, b0, b1: and_(a0 > b0, a1 == b1),
    "t_intersects": lambda a0, a1, b0, b1: and_(a0 <= b1, a1 >= b0),
    "t_meets": lambda a0, a1, b0, b1: a1 == b0,
    "t_metby": lambda a0, a1, b0, b1: a0 == b1,
    "t_overlappedby": lambda a0, a1, b0, b1: and_(a0 > b0, a0 < b1, a1 > b1),
    "t_overlaps": lambda a0, a1, b0, b1: and_(a0 < b0, a1 > b0, a1 < b1),
    "t_startedby": lambda a0, a1, b0, b1: and_(a0 == b0, a1 > b1),
    "t_starts": lambda a0, a1, b0, b1: and_(a0 == b0, a1 < b1),
}
KIND_NAMES = {
    STRING: "tekst", INTEGER: "geheel getal", NUMBER: "getal", YEAR: "jaar (geheel getal)",
    BOOLEAN: "TRUE of FALSE", DATE_TIME: "tijdstip", GEOMETRY: "geometrie",
    STRING_ARRAY: "lijst van teksten", "interval": "interval", "list": "lijst",
}  # fmt: skip


def _compatible(kind: str, other: str) -> bool:
    if kind in NUMBERS:
        return other in NUMBERS
    if kind == STRING_ARRAY:
        return other == STRING
    return kind == other


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and "property" in node


class Translator:
    """Turns one filter's cql2-json tree into a WHERE on a collection's queryables."""

    def __init__(self, fields: dict[str, Queryable], crs: Crs) -> None:
        self.fields = fields
        self.crs = crs

    # Operands -----------------------------------------------------------------------------

    def field(self, node: Any) -> Queryable:
        name = node["property"]
        if name not in self.fields:
            allowed = ", ".join(sorted(self.fields))
            raise refuse(f"Onbekende eigenschap '{name}'; te gebruiken zijn: {allowed}.")
        return self.fields[name]

    def kind(self, node: Any) -> str:
        if isinstance(node, bool):
            return BOOLEAN
        if is_number(node):
            if not math.isfinite(node):
                raise refuse("Een getal in een filter is eindig.")
            return NUMBER
        if isinstance(node, str):
            if "\x00" in node:  # cql2-json's "\u0000"
                raise refuse("Een tekst in een filter bevat geen NUL-teken.")
            return STRING
        if isinstance(node, list):
            return "list"
        if not isinstance(node, dict):
            raise refuse("NULL is geen waarde om mee te vergelijken; gebruik IS NULL.")
        if "property" in node:
            return self.field(node).kind
        if "op" in node:
            if node["op"] in ARITHMETIC:
                raise refuse("Rekenen (+, -, *, /) in een filter wordt niet ondersteund.")
            raise refuse(f"De functie {str(node['op']).upper()} wordt hier niet ondersteund.")
        if "date" in node or "timestamp" in node:
            instant(node)
            return DATE_TIME
        if "interval" in node:
            return "interval"
        if "type" in node or "bbox" in node:
            return GEOMETRY
        raise refuse(f"Onbekende waarde in het filter: {node!r}.")

    def scalar(self, node: Any, kind: str, ordered: bool = False) -> Any:
        """The SQL expression of a property or literal (`kind` is what it is compared as).

        Texts are ordered by code point (COLLATE "C"), not by the database's locale; only
        for <, >, BETWEEN: equality and LIKE do not depend on it, and a collation of their
        own would keep them from the indexes (thema, status, trekker)."""
        collate = kind == STRING and ordered
        if _is_property(node):
            column = self.field(node).column
            return column.collate("C") if collate else column
        if isinstance(node, bool):
            return literal(node, Boolean)
        if is_number(node):  # whole numbers for whole queryables (pair() checked that)
            if kind in WHOLE and abs(node) < 2**63:
                return literal(int(node), BigInteger)
            return literal(float(node), Double)
        if isinstance(node, str):
            return literal(node, String).collate("C") if collate else literal(node, String)
        value = instant(node)
        if isinstance(value, datetime):
            return literal(_utc(value), DateTime(timezone=True))
        if isinstance(value, date):  # a date as a timestamp: its first moment, UTC
            return literal(datetime.combine(value, time(), UTC), DateTime(timezone=True))
        raise refuse(f"Waarde {node!r} is hier niet te gebruiken.")  # pragma: no cover

    def pair(self, lhs: Any, rhs: Any, what: str) -> str:
        """Check that two operands compare; return the kind to compare them as."""
        left, right = self.kind(lhs), self.kind(rhs)
        if GEOMETRY in (left, right):
            raise refuse(f"Een geometrie in {what}: gebruik S_INTERSECTS en dergelijke.")
        if not _compatible(left, right) and not _compatible(right, left):
            name = next((n["property"] for n in (lhs, rhs) if _is_property(n)), "waarde")
            raise refuse(
                f"Typen passen niet in {what}: '{name}' is een {KIND_NAMES[left]}, vergeleken "
                f"met een {KIND_NAMES[right]}."
            )
        for prop, value, kind in ((lhs, rhs, left), (rhs, lhs, right)):
            if kind in WHOLE and is_number(value) and not float(value).is_integer():
                name = prop["property"]
                raise refuse(f"'{name}' is een {KIND_NAMES[kind]}; {value:g} is dat niet.")
        if STRING in (left, right):
            return STRING
        return left if _is_property(lhs) else right

    # Predicates ---------------------------------------------------------------------------

    def translate(self, node: Any) -> ColumnElement[bool]:
        if isinstance(node, bool):
            return true() if node else false()
        if _is_property(node):
            raise refuse(f"'{node['property']}' alleen is geen voorwaarde; vergelijk het.")
        if not isinstance(node, dict) or not isinstance(node.get("op"), str):
            raise refuse(f"Dit deel van het filter is geen voorwaarde: {str(node)[:80]}.")
        op, args = node["op"].lower(), node.get("args")
        if not isinstance(args, list):
            raise refuse(f"{op.upper()} heeft een lijst argumenten (args).")
        if op in ("and", "or"):
            if len(args) < 2:
                raise refuse("AND en OR verbinden twee of meer voorwaarden.")
            parts = [self.translate(n) for n in args]
            return and_(*parts) if op == "and" else or_(*parts)
        if op == "not":  # NOT NOT ... as a count, without recursion
            negations = 0
            while isinstance(node, dict) and node.get("op") == "not":
                node, negations = _args(node, 1, "NOT")[0], negations + 1
            inner = self.translate(node)
            return not_(inner) if negations % 2 else inner
        if op in COMPARISONS:
            return self.comparison(op, *_args(node, 2, op))
        if op == "like":
            return self.like(*_args(node, 2, "LIKE"))
        if op == "in":
            return self.in_(*_args(node, 2, "IN"))
        if op == "between":
            return self.between(*_args(node, 3, "BETWEEN"))
        if op == "isnull":
            (operand,) = _args(node, 1, "IS NULL")
            if not _is_property(operand):
                raise refuse("IS NULL gaat over een eigenschap.")
            return self.field(operand).column.is_(None)
        if op in SPATIAL:
            return self.spatial(SPATIAL[op], *_args(node, 2, op.upper()))
        if op in TEMPORAL:
            return self.temporal(op, *_args(node, 2, op.upper()))
        if op.startswith("t_"):
            raise refuse(f"Onbekende tijdfunctie {op.upper()}.")
        self.kind(node)  # arithmetic, CASEI and other functions
        raise refuse(f"Dit deel van het filter wordt niet ondersteund: {op}.")  # pragma: no cover

    def comparison(self, op: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        kind = self.pair(lhs, rhs, "een vergelijking")
        if STRING_ARRAY in (self.kind(lhs), self.kind(rhs)):
            return self.array_any(lhs, rhs, op == "=")
        if kind in ("interval", "list"):
            raise refuse(f"Een {KIND_NAMES[kind]} vergelijk je niet met {op}.")
        ordered = op not in ("=", "<>")
        return COMPARISONS[op](self.scalar(lhs, kind, ordered), self.scalar(rhs, kind, ordered))

    def array_any(self, lhs: Any, rhs: Any, equal: bool) -> ColumnElement[bool]:
        array, value = (lhs, rhs) if _is_property(lhs) else (rhs, lhs)
        if not equal or not isinstance(value, str) or not _is_property(array):
            name = array.get("property") if isinstance(array, dict) else array
            raise refuse(f"'{name}' is een lijst: vergelijk alleen met = of IN en tekst.")
        return self.field(array).column.any_() == literal(value, String)

    def like(self, lhs: Any, pattern: Any) -> ColumnElement[bool]:
        if self.kind(lhs) != STRING or not isinstance(pattern, str):
            raise refuse("LIKE vergelijkt een tekst met een patroon (tekst).")
        if "\x00" in pattern:
            raise refuse("Een tekst in een filter bevat geen NUL-teken.")
        # CQL2: % any characters, _ one, \ escapes; so does SQL LIKE with ESCAPE '\'.
        if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
            raise refuse("Een LIKE-patroon eindigt niet op een losse \\.")
        return self.scalar(lhs, STRING).like(literal(pattern, String), escape="\\")

    def in_(self, lhs: Any, options: Any) -> ColumnElement[bool]:
        if not _is_property(lhs) or not isinstance(options, list):
            raise refuse("IN vergelijkt een eigenschap met een lijst.")
        if not options:
            return false()
        kind = next(iter({self.pair(lhs, o, "IN") for o in options}))
        queryable = self.field(lhs)
        if queryable.kind == STRING_ARRAY:
            return or_(*(queryable.column.any_() == literal(o, String) for o in options))
        column = self.scalar(lhs, kind)
        return or_(*(column == self.scalar(o, kind) for o in options))

    def between(self, value: Any, low: Any, high: Any) -> ColumnElement[bool]:
        kind = self.pair(value, low, "BETWEEN")
        self.pair(value, high, "BETWEEN")
        if kind not in (*NUMBERS, DATE_TIME, STRING):
            raise refuse(f"BETWEEN gaat niet over een {KIND_NAMES.get(kind, kind)}.")
        # As >= AND <=, the same (NULLs too): PostgreSQL's BETWEEN takes no COLLATE on its
        # lower bound.
        column = self.scalar(value, kind, True)
        return and_(column >= self.scalar(low, kind, True), column <= self.scalar(high, kind, True))

    # Spatial ------------------------------------------------------------------------------

    def geometry(self, node: Any) -> Any:
        if _is_property(node):
            if self.field(node).kind != GEOMETRY:
                raise refuse(f"'{node['property']}' is geen geometrie.")
            return self.field(node).column
        if not isinstance(node, dict) or not ("bbox" in node or "type" in node):
            raise refuse("Een ruimtelijke functie vergelijkt geometrieën (WKT, GeoJSON, BBOX).")
        return func.ST_GeomFromWKB(literal(literal_geometry(node, self.crs).wkb), RD_NEW)

    def spatial(self, function: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        if self.kind(lhs) != GEOMETRY or self.kind(rhs) != GEOMETRY:
            raise refuse("Een ruimtelijke functie vergelijkt twee geometrieën.")
        a, b = self.geometry(lhs), self.geometry(rhs)
        if function == "ST_Disjoint":  # as NOT ST_Intersects, which the spatial index serves
            return not_(func.ST_Intersects(a, b))
        return getattr(func, function)(a, b)

    # Temporal -----------------------------------------------------------------------------

    def interval(self, node: Any) -> tuple[Any, Any]:
        """A temporal operand as its first and last day (SQL dates)."""
        if _is_property(node):
            queryable = self.field(node)
            if queryable.kind != YEAR:
                raise refuse(f"'{node['property']}' is geen tijdseigenschap; de horizon wel.")
            return queryable.interval()
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise refuse("Een INTERVAL heeft twee tijden (of '..').")
            start, end = instant(ends[0]), instant(ends[1])
            if start is not None and end is not None and _utc_day(start) > _utc_day(end):
                raise refuse("Een INTERVAL begint niet na zijn eind.")
            return _day(start, "-infinity"), _day(end, "infinity")
        if isinstance(node, dict) and ("date" in node or "timestamp" in node):
            day = _day(instant(node), "")
            return day, day
        raise refuse("Een tijdfunctie vergelijkt de horizon met een DATE, TIMESTAMP of INTERVAL.")

    def temporal(self, op: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        a0, a1 = self.interval(lhs)
        b0, b1 = self.interval(rhs)
        return TEMPORAL[op](a0, a1, b0, b1)


def _args(node: dict[str, Any], count: int, name: str) -> list[Any]:
    args: list[Any] = node["args"]
    if len(args) != count:
        raise refuse(f"{name} heeft {count} argument{'en' if count > 1 else ''}.")
    return args


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_day(value: date) -> date:
    return _utc(value).date() if isinstance(value, datetime) else value


def _day(value: date | None, open_end: str) -> Any:
    if value is None:  # '..': PostgreSQL's infinite dates keep NULL a NULL
        return cast(literal(open_end, String), Date)
    return literal(_utc_day(value), Date)


def gdal_items_path(paths: dict[str, Any], base: str) -> dict[str, Any]:
    """The items GET once more, as GDAL's OAPIF driver (to 3.12 at least) looks for it: under
    /collections/{collectionId}/items relative to the landing page, with `filter-lang`
    naming cql-text; only there does it find which parameters filter, and then sends an
    attribute filter to the server. A path of its own with its own server, no operationId."""
    items = paths.get("/ogc/collections/{collection_id}/items", {}).get("get")
    if items is None:  # pragma: no cover - the route is always there
        return {}
    operation = {k: v for k, v in items.items() if k != "operationId"}
    operation["parameters"] = [
        {**p, "name": "collectionId"} if p.get("name") == "collection_id" else p
        for p in items.get("parameters", [])
    ]
    operation["summary"] = "Features (het pad zoals GDAL het zoekt)"
    return {"/collections/{collectionId}/items": {"servers": [{"url": base}], "get": operation}}


def where(
    session: Session,
    collectie: Collectie,
    text: str | None,
    lang: str | None,
    crs: Crs,
) -> ColumnElement[bool] | None:
    """Return the WHERE clause of a `filter` on the collection (None without one)."""
    if text is None:
        if lang is not None and lang not in FILTER_LANGS:
            parse("", lang)  # still refuse an unknown filter-lang
        return None
    tree = parse(text, lang)
    return Translator(queryables(session, collectie), crs).translate(tree)
