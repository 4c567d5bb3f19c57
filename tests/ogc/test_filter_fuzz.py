"""Hostile and random filters: whatever the text or JSON, the answer is rows or a 400
(InvalidInput naming the parameter), never another exception, in the translator and in the
database alike; and what the translator accepts is valid CQL2 by cql2's own JSON Schema
(`Expr.validate()`, too slow to call per request)."""

import json
from typing import Any

import cql2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, ETRS89, RD, Crs
from gebiedsregie.errors import InvalidInput
from gebiedsregie.ogc import cql2_parsing
from gebiedsregie.ogc.filtering import Translator
from gebiedsregie.ogc.queryables import Queryable, _opgave_queryables, _stapeling_queryables
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.stapeling.models import StapelingVlak

OPGAVE = {q.name: q for q in _opgave_queryables(None)}
STAPELING = {q.name: q for q in _stapeling_queryables()}
TOKENS = [
    "thema", "horizon", "titel", "geometry", "themas", "aangemaakt_op", "ruimtevraag_ha",
    "aantal", "=", "<>", "<", ">=", "AND", "OR", "NOT", "(", ")", ",", "'wonen'", "'a%'",
    "2030", "-1.5", "1e400", "99999999999999999999999", "LIKE", "IN", "BETWEEN", "IS", "NULL",
    "TRUE", "S_INTERSECTS", "S_WITHIN", "S_EQUALS", "S_CONTAINS", "POINT(5 52)",
    "POLYGON((5 52, 6 52, 6 53, 5 52))", "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",
    "LINESTRING(5 52, 5 52)", "BBOX(5,52,6,53)", "BBOX(1,2,3)", "T_INTERSECTS", "T_DISJOINT",
    "T_BEFORE", "DATE('2030-01-01')", "TIMESTAMP('2030-01-01T00:00:00Z')",
    "INTERVAL('..','..')", "INTERVAL('2030-01-01','2029-01-01')", "CASEI", "A_CONTAINS", "+",
    "*", '"thema"', "'", "\\", "POINT EMPTY", "GEOMETRYCOLLECTION(POINT(5 52))",
    "MULTIPOINT((5 52),(6 53))", "SRID=4326;POINT(5 52)", "INCLUDE", "EXCLUDE",
    "DATE('2030-02-30')", "POINT(5 52 1)", "horizon T_AFTER", "'\x00'",
]  # fmt: skip
NAMES = ["thema", "horizon", "geometry", "themas", "wonen", "..", "2030-01-01", "and",
         "s_intersects", "t_before", "Polygon", "Point", "between", "like", "\x00"]  # fmt: skip
KEYS = ["op", "args", "property", "type", "coordinates", "bbox", "interval", "date",
        "timestamp", "function", "name", "arguments", "lower"]  # fmt: skip
OPS = ["=", "<", "and", "or", "not", "like", "in", "between", "isNull", "s_intersects",
       "s_within", "t_intersects", "t_after", "casei", "a_contains", "+"]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.sampled_from(NAMES),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=3)
    ),
    max_leaves=15,
)
CRSES = st.sampled_from([CRS84, ETRS89, RD])


def attempt(session: Session, text: str, lang: str, crs: Crs) -> None:
    for fields, table in ((OPGAVE, Opgave), (STAPELING, StapelingVlak)):
        try:
            where = Translator(fields, crs).translate(cql2_parsing.parse(text, lang))
        except InvalidInput as exc:
            assert exc.errors and exc.errors[0].name == "filter"
            continue
        with session.begin_nested():  # a database error must not end the test's transaction
            session.scalar(select(func.count()).select_from(table).where(where))
        if text.strip().upper() not in ("INCLUDE", "EXCLUDE"):  # ECQL's, read as TRUE, FALSE
            expr = cql2.parse_text(text) if lang == "cql2-text" else cql2.parse_json(text)
            expr.validate()


SLOW = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SLOW
@given(tokens=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12), crs=CRSES)
def test_random_cql2_text(session: Session, tokens: list[str], crs: Crs) -> None:
    attempt(session, " ".join(tokens), "cql2-text", crs)


@SLOW
@given(value=json_values, op=st.sampled_from(OPS), crs=CRSES)
def test_random_cql2_json(session: Session, value: Any, op: str, crs: Crs) -> None:
    args = value if isinstance(value, list) else [value]
    for document in (value, {"op": op, "args": args},
                     {"op": op, "args": [{"property": "horizon"}, value]}):  # fmt: skip
        attempt(session, json.dumps(document), "cql2-json", crs)


def test_queryables_are_typed() -> None:
    assert all(isinstance(q, Queryable) and q.kind for q in [*OPGAVE.values(), *STAPELING.values()])
