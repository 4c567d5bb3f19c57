"""An independent oracle for `filter`: random CQL2 trees over the opgaven's queryables, sent
as text or JSON, must select exactly the features a plain-Python evaluation (shapely for the
spatial functions, SQL's three-valued logic for missing values) selects from all features
fetched without a filter, with the same numberMatched."""

import json
import random
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from tests.factories import make_gebied, make_opgave

THEMAS = ["wonen", "natuur", "energie", "water-bodem"]
STATUSSEN = ["verkenning", "planvorming", "uitvoering"]
TREKKERS = ["rijk", "gemeente", "provincie"]
LETTERS = "abAB_%"  # titels of these letters: LIKE's wildcards also occur as characters
# A 6 x 4 grid of 500 m cells near Ede, in RD, where the opgaven and the literals lie.
X0, Y0, CELL = 174_000, 448_000, 500


def make_opgaven(session: Session) -> None:
    rng = random.Random(18)
    make_gebied(session, box(170_000, 445_000, 182_000, 457_000), slug="ede", naam="Ede")
    for nr in range(24):
        x, y = X0 + (nr % 6) * CELL, Y0 + (nr // 6) * CELL
        w, h = rng.choice([1, 2]) * CELL, rng.choice([1, 2]) * CELL
        make_opgave(
            session,
            box(x, y, x + w, y + h),
            titel="".join(rng.choice("abAB_%") for _ in range(rng.randint(1, 4))) + f" {nr}",
            thema=rng.choice(THEMAS),
            status=rng.choice(STATUSSEN),
            trekker=rng.choice(TREKKERS),
            horizon=rng.choice([None, 2025, 2030, 2031, 2035, 2040]),
            ruimtevraag_ha=rng.choice([None, 0.5, 3.0, 12.5, 40.0]),
        )
    session.commit()


# The tree: ("and"|"or", [children]), ("not", child), or a leaf tuple (see `leaves`).
Tree = tuple[Any, ...]

TEXT_PROPS = ["titel", "thema", "status", "trekker"]
NUMBER_PROPS = ["horizon", "ruimtevraag_ha"]
COMPARE = ["=", "<>", "<", "<=", ">", ">="]
TEMPORAL = ["t_intersects", "t_before", "t_after", "t_during", "t_disjoint", "t_equals",
            "t_contains", "t_meets", "t_metby", "t_overlaps", "t_overlappedby", "t_starts",
            "t_startedby", "t_finishes", "t_finishedby"]  # fmt: skip
SPATIAL = ["s_intersects", "s_within", "s_contains", "s_disjoint", "s_touches", "s_overlaps",
           "s_crosses", "s_equals"]  # fmt: skip

text_values = st.sampled_from(THEMAS + STATUSSEN + TREKKERS + ["a", "B", "b_", "m", ""])
numbers = st.sampled_from([2025, 2030, 2031, 2035, 2040, 0.5, 3, 12.5, 20, 40.0, 1999])
# A year is a whole number: horizon = 2030.5 is a 400 (test_filter.py), 2030.0 is 2030.
years = st.sampled_from([2025, 2030, 2031, 2035, 2040, 3, 20, 1999, 2030.0])
patterns = st.text(alphabet="abAB_%\\ 1", min_size=0, max_size=5).filter(
    lambda p: (len(p) - len(p.rstrip("\\"))) % 2 == 0
)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2041, 12, 31))
coordinates = st.integers(min_value=-2, max_value=14).map(lambda i: i * CELL // 2)


@st.composite
def rd_geometries(draw: st.DrawFn) -> shapely.Geometry:
    kind = draw(st.sampled_from(["point", "box", "line"]))
    x, y = X0 + draw(coordinates), Y0 + draw(coordinates)
    if kind == "point":
        return shapely.Point(x, y)
    dx, dy = draw(st.integers(1, 6)) * CELL // 2, draw(st.integers(1, 6)) * CELL // 2
    if kind == "box":
        return box(x, y, x + dx, y + dy)
    return shapely.LineString([(x, y), (x + dx, y + dy)])


@st.composite
def intervals(draw: st.DrawFn) -> tuple[date | None, date | None] | date:
    if draw(st.booleans()):
        return draw(days)
    start, end = draw(st.none() | days), draw(st.none() | days)
    if start and end and start > end:
        start, end = end, start
    return start, end


leaves = st.one_of(
    st.tuples(st.just("cmp"), st.sampled_from(TEXT_PROPS), st.sampled_from(COMPARE), text_values),
    st.tuples(st.just("cmp"), st.just("ruimtevraag_ha"), st.sampled_from(COMPARE), numbers),
    st.tuples(st.just("cmp"), st.just("horizon"), st.sampled_from(COMPARE), years),
    st.tuples(st.just("like"), st.sampled_from(["titel", "thema"]), patterns, st.booleans()),
    st.tuples(st.just("in"), st.sampled_from(TEXT_PROPS), st.lists(text_values, min_size=1,
                                                                 max_size=3), st.booleans()),
    st.tuples(st.just("in"), st.just("horizon"), st.lists(years, min_size=1, max_size=3),
              st.booleans()),
    st.tuples(st.just("between"), st.just("ruimtevraag_ha"), numbers, numbers, st.booleans()),
    st.tuples(st.just("between"), st.just("horizon"), years, years, st.booleans()),
    st.tuples(st.just("null"), st.sampled_from([*NUMBER_PROPS, "titel"]), st.booleans()),
    st.tuples(st.just("spatial"), st.sampled_from(SPATIAL), rd_geometries()),
    st.tuples(st.just("temporal"), st.sampled_from(TEMPORAL), intervals()),
)  # fmt: skip
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)),
        st.tuples(st.just("not"), children),
    ),
    max_leaves=6,
)


# Rendering as CQL2 text and as CQL2 JSON -------------------------------------------------


def _lit(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _temporal_text(value: Any) -> str:
    if isinstance(value, date):
        return f"DATE('{value.isoformat()}')"
    start, end = (v.isoformat() if v else ".." for v in value)
    return f"INTERVAL('{start}', '{end}')"


def to_text(tree: Tree) -> str:
    """CQL2 text with as few parentheses as the precedence allows (NOT, then AND, then OR),
    so that the parser's precedence is tested too."""
    kind = tree[0]
    if kind in ("and", "or"):
        # Inside AND an OR needs parentheses; inside OR an AND does not.
        parts = [
            f"({to_text(t)})" if kind == "and" and t[0] == "or" else to_text(t) for t in tree[1]
        ]
        return f" {kind.upper()} ".join(parts)
    if kind == "not":
        inner = to_text(tree[1])
        return f"NOT ({inner})" if tree[1][0] in ("and", "or") else f"NOT {inner}"
    if kind == "cmp":
        return f"{tree[1]} {tree[2]} {_lit(tree[3])}"
    if kind == "like":
        return f"{tree[1]} {'NOT ' if tree[3] else ''}LIKE '{tree[2]}'"
    if kind == "in":
        return f"{tree[1]} {'NOT ' if tree[3] else ''}IN ({', '.join(map(_lit, tree[2]))})"
    if kind == "between":
        return f"{tree[1]} {'NOT ' if tree[4] else ''}BETWEEN {tree[2]!r} AND {tree[3]!r}"
    if kind == "null":
        return f"{tree[1]} IS {'NOT ' if tree[2] else ''}NULL"
    if kind == "spatial":
        return f"{tree[1].upper()}(geometry, {tree[2].wkt})"
    return f"{tree[1].upper()}(horizon, {_temporal_text(tree[2])})"


def _temporal_json(value: Any) -> Any:
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return {"interval": [v.isoformat() if v else ".." for v in value]}


def _not(condition: Any, negate: bool) -> Any:
    return {"op": "not", "args": [condition]} if negate else condition


def to_json(tree: Tree) -> Any:
    kind, prop = tree[0], {"property": tree[1]} if isinstance(tree[1], str) else None
    if kind in ("and", "or"):
        return {"op": kind, "args": [to_json(t) for t in tree[1]]}
    if kind == "not":
        return {"op": "not", "args": [to_json(tree[1])]}
    if kind == "cmp":
        return {"op": tree[2], "args": [prop, tree[3]]}
    if kind == "like":
        return _not({"op": "like", "args": [prop, tree[2]]}, tree[3])
    if kind == "in":
        return _not({"op": "in", "args": [prop, list(tree[2])]}, tree[3])
    if kind == "between":
        return _not({"op": "between", "args": [prop, tree[2], tree[3]]}, tree[4])
    if kind == "null":
        return _not({"op": "isNull", "args": [prop]}, tree[2])
    if kind == "spatial":
        geometry = json.loads(shapely.to_geojson(tree[2]))
        return {"op": tree[1], "args": [{"property": "geometry"}, geometry]}
    return {"op": tree[1], "args": [{"property": "horizon"}, _temporal_json(tree[2])]}


# The oracle: Kleene logic, None for unknown --------------------------------------------


@dataclass
class Feature:
    id: str
    properties: dict[str, Any]
    geom: shapely.Geometry


def _and(values: list[bool | None]) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _or(values: list[bool | None]) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def _negate(value: bool | None, negate: bool = True) -> bool | None:
    return value if value is None or not negate else not value


def _like(value: str, pattern: str) -> bool:
    regex, chars = "", iter(pattern)
    for char in chars:
        if char == "\\":
            regex += re.escape(next(chars))
        else:
            regex += {"%": ".*", "_": "."}.get(char, re.escape(char))
    return re.fullmatch(regex, value, re.DOTALL) is not None


OPS = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip
ALLEN = {
    "t_after": lambda a0, a1, b0, b1: a0 > b1,
    "t_before": lambda a0, a1, b0, b1: a1 < b0,
    "t_contains": lambda a0, a1, b0, b1: a0 < b0 and a1 > b1,
    "t_disjoint": lambda a0, a1, b0, b1: a1 < b0 or a0 > b1,
    "t_during": lambda a0, a1, b0, b1: a0 > b0 and a1 < b1,
    "t_equals": lambda a0, a1, b0, b1: a0 == b0 and a1 == b1,
    "t_finishedby": lambda a0, a1, b0, b1: a0 < b0 and a1 == b1,
    "t_finishes": lambda a0, a1, b0, b1: a0 > b0 and a1 == b1,
    "t_intersects": lambda a0, a1, b0, b1: a0 <= b1 and a1 >= b0,
    "t_meets": lambda a0, a1, b0, b1: a1 == b0,
    "t_metby": lambda a0, a1, b0, b1: a0 == b1,
    "t_overlappedby": lambda a0, a1, b0, b1: b0 < a0 < b1 < a1,
    "t_overlaps": lambda a0, a1, b0, b1: a0 < b0 < a1 < b1,
    "t_startedby": lambda a0, a1, b0, b1: a0 == b0 and a1 > b1,
    "t_starts": lambda a0, a1, b0, b1: a0 == b0 and a1 < b1,
}
SHAPELY = {
    "s_intersects": shapely.intersects, "s_within": shapely.within,
    "s_contains": shapely.contains, "s_disjoint": shapely.disjoint,
    "s_touches": shapely.touches, "s_overlaps": shapely.overlaps,
    "s_crosses": shapely.crosses, "s_equals": shapely.equals,
}  # fmt: skip


def evaluate(tree: Tree, feature: Feature) -> bool | None:
    kind, props = tree[0], feature.properties
    if kind == "and":
        return _and([evaluate(t, feature) for t in tree[1]])
    if kind == "or":
        return _or([evaluate(t, feature) for t in tree[1]])
    if kind == "not":
        return _negate(evaluate(tree[1], feature))
    value = props.get(tree[1]) if isinstance(tree[1], str) else None
    if kind == "null":
        return (value is not None) if tree[2] else (value is None)
    if kind == "spatial":
        return bool(SHAPELY[tree[1]](feature.geom, tree[2]))
    if kind == "temporal":
        horizon = props["horizon"]
        if horizon is None:
            return None
        other = tree[2]
        b0, b1 = (other, other) if isinstance(other, date) else other
        b0, b1 = b0 or date.min, b1 or date.max
        return ALLEN[tree[1]](date(horizon, 1, 1), date(horizon, 12, 31), b0, b1)
    if value is None:
        return None
    if kind == "cmp":
        return bool(OPS[tree[2]](value, tree[3]))
    if kind == "like":
        return _negate(_like(value, tree[2]), tree[3])
    if kind == "in":
        return _negate(value in tree[2], tree[3])
    return _negate(tree[2] <= value <= tree[3], tree[4])  # between


def all_features(client: TestClient) -> list[Feature]:
    params: dict[str, Any] = {"limit": 1_000, "crs": "http://www.opengis.net/def/crs/EPSG/0/28992"}
    body = client.get("/ogc/collections/opgaven/items", params=params).json()
    return [Feature(f["id"], f["properties"], shape(f["geometry"])) for f in body["features"]]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees, as_json=st.booleans(), limit=st.sampled_from([5, 100]))
def test_filters_select_what_the_oracle_selects(
    client: TestClient, session: Session, tree: Tree, as_json: bool, limit: int
) -> None:
    if not all_features(client):  # once per test: the data stays for every example
        make_opgaven(session)
    features = all_features(client)
    assert len(features) == 24
    expected = {f.id for f in features if evaluate(tree, f) is True}
    params: dict[str, Any] = {"limit": limit, "filter-crs": "EPSG:28992"}
    if as_json:
        params |= {"filter": json.dumps(to_json(tree)), "filter-lang": "cql2-json"}
    else:
        params["filter"] = to_text(tree)
    response = client.get("/ogc/collections/opgaven/items", params=params)
    assert response.status_code == 200, (params["filter"], response.text)
    body = response.json()
    assert body["numberMatched"] == len(expected), params["filter"]
    found = {f["id"] for f in body["features"]}
    if limit >= len(expected):
        assert found == expected, params["filter"]
    else:
        assert found <= expected and len(found) == limit, params["filter"]
