"""Fuzzing the API with schemathesis: no 5xx, and no answer that contradicts the OpenAPI
document (status codes, content types, bodies and headers as documented).

Measured: `time .venv/bin/pytest tests/fuzz -q` takes 1 min 36 s to 1 min 58 s on a 2-core
machine (35 operations, 24 of them also anonymously; the app runs in-process, over ASGI).

Every operation of /api/v1/openapi.json is fuzzed, twice: its reads anonymously on the seeded
data, then everything as a beheerder (a bearer token), who also writes, deletes and restores.
Per operation: schemathesis's boundary and negative cases for each parameter, then
EXAMPLES generated cases, valid and invalid. Nothing is left out:
- the import (multipart): random files and form fields must be refused with a 400 like any
  other bad input (a real file is the import tests' job);
- the OGC resources' HTML forms (f=html) and the vector tiles: their status codes and media
  types are checked; their bodies have no schema to check against.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gebiedsregie.app import create_app
from gebiedsregie.settings import Settings

OPENAPI = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Generated cases per operation, besides schemathesis's own boundary cases ("coverage"
# phase). More for a deeper run by hand: GEBIEDSREGIE_FUZZ_EXAMPLES=200.
EXAMPLES = int(os.environ.get("GEBIEDSREGIE_FUZZ_EXAMPLES", "50"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a stapeling or an export takes its time, rightly
    derandomize=True,  # the same cases on every run: CI is reproducible
    database=None,
    # Our hooks map part of the generated data onto seeded objects; that is not a problem.
    suppress_health_check=list(HealthCheck),
)
# Real values for parameters that name objects, filled in from the seeded database for the
# module's tests: random ids alone would hardly ever get past a 404.
SEEDED: dict[str, list[Any]] = {}
FEATURE_BODIES = {"/api/v1/gebieden", "/api/v1/gebieden/{gebied_id}", "/api/v1/opgaven",
                  "/api/v1/opgaven/{opgave_id}"}  # fmt: skip

# The schema is read at import, from an app that never connects (the OpenAPI document needs no
# database); the tests call `fuzz_app`, the same app on a seeded database. (schemathesis 4.32's
# `pytest.from_fixture` cannot run under pytest 9.2: it sets `Function._nodeid`, which is gone.)
schema = schemathesis.openapi.from_asgi(
    OPENAPI,
    create_app(Settings(database_url=None), "postgresql://localhost/ongebruikt"),
    config=schemathesis.Config.from_dict(
        {
            # Values that broke the API before, mixed into a tenth of the generated strings and
            # numbers: NUL (PostgreSQL refuses it in text), numbers past bigint and double.
            "dictionaries": {
                "teksten": {"values": ["\x00", "food-valley\x00", "-1e308,-1e308,1e308,1e308"]},
                "gehele": {"values": [2**31, 2**63, 10**20, -(2**63) - 1]},
                "getallen": {"values": [1e308, -1e308, 1e-320]},
            },
            "generation": {
                "dictionaries": {
                    "string": {"dictionary": "teksten", "probability": 0.1},
                    "integer": {"dictionary": "gehele", "probability": 0.1},
                    "number": {"dictionary": "getallen", "probability": 0.1},
                }
            },
        }
    ),
)


@pytest.fixture(scope="module", autouse=True)
def _seeded(seeded_values: dict[str, list[Any]]) -> Iterator[None]:
    SEEDED.update(seeded_values)
    yield
    SEEDED.clear()


def _sometimes(value: Any, other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(value), other)


@schema.hook("flatmap_path_parameters")
def seeded_objects(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> Any:
    """Half of the cases name a seeded object."""
    names = [n for n in path_parameters or {} if SEEDED.get(n)]
    if not path_parameters or not names:
        return st.just(path_parameters)
    real = {name: st.sampled_from(SEEDED[name]) for name in names}
    return _sometimes(
        path_parameters, st.fixed_dictionaries(real).map(lambda r: {**path_parameters, **r})
    )


@schema.hook("flatmap_query")
def seeded_filters(context: schemathesis.HookContext, query: dict[str, Any] | None) -> Any:
    """Half of the cases filter on a seeded gebied or an existing thema."""
    names = [n for n in ("gebied", "thema") if query and n in query and SEEDED.get(n)]
    if not query or not names:
        return st.just(query)
    real = {n: st.sampled_from(SEEDED[n]) for n in names}
    return _sometimes(query, st.fixed_dictionaries(real).map(lambda r: {**query, **r}))


def _polygon() -> st.SearchStrategy[dict[str, Any]]:
    """A small rectangle around Ede, in CRS84: a geometry the API accepts."""
    corner = st.tuples(st.floats(5.55, 5.75), st.floats(52.0, 52.1))
    size = st.tuples(st.floats(0.0005, 0.05), st.floats(0.0005, 0.05))

    def ring(c: tuple[float, float], s: tuple[float, float]) -> dict[str, Any]:
        (x, y), (w, h) = c, s
        box = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
        return {"type": "Polygon", "coordinates": [box]}

    return st.builds(ring, corner, size)


@schema.hook("flatmap_body")
def valid_geometries(context: schemathesis.HookContext, body: Any) -> Any:
    """Half of the Feature bodies get a valid geometry (and an existing thema), so that
    creating and changing objects is fuzzed too, not only their refusal."""
    path = context.operation.path if context.operation else ""
    if path == "/api/v1/stapeling":
        return _sometimes(body, _polygon())
    if path not in FEATURE_BODIES or not isinstance(body, dict):
        return st.just(body)
    properties = body.get("properties")
    themas = SEEDED.get("thema") if path.startswith("/api/v1/opgaven") else None

    def valid(geometry: dict[str, Any], thema: str | None) -> dict[str, Any]:
        fixed = {**body, "geometry": geometry}
        if thema and isinstance(properties, dict):
            fixed["properties"] = {**properties, "thema": thema}
        return fixed

    thema = st.sampled_from(themas) if themas else st.none()
    return _sometimes(body, st.builds(valid, _polygon(), thema))


def _reads(ctx: Any) -> bool:
    return ctx.operation.method.upper() == "GET" or ctx.operation.path == "/api/v1/stapeling"


# First the reads, anonymously, on the seeded data as it is; then every operation as beheerder,
# who may change and delete it.
@schema.include(_reads).parametrize()
@FUZZ_SETTINGS
def test_anoniem(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    case.call_and_validate(app=fuzz_app, checks=CHECKS)


# Not the start of a landelijke run: it computes the whole country in the background
# (tests/landelijk/test_runs.py drives it).
@schema.exclude(path="/api/v1/stapeling/runs", method="POST").parametrize()
@FUZZ_SETTINGS
def test_beheerder(case: schemathesis.Case, fuzz_app: FastAPI, beheerder_token: str) -> None:
    case.call_and_validate(
        app=fuzz_app, headers={"Authorization": f"Bearer {beheerder_token}"}, checks=CHECKS
    )
