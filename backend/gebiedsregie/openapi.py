"""OpenAPI documentation for routes whose bodies we parse ourselves (strict GeoJSON)."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

PROBLEM = {
    "description": "Probleem (RFC 9457), in het Nederlands, met de ongeldige velden.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
GEOJSON = "application/geo+json"
JSON = "application/json"
# Path parameters that name a gebied, opgave or variant, which may have been deleted (soft: 410).
OBJECT_PARAMETERS = ("{gebied_id}", "{opgave_id}", "{feature_id}", "{variant_id}")
_BODY_MODELS: dict[str, type[BaseModel]] = {}


class InvalidParam(BaseModel):
    name: str
    code: str
    reason: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[InvalidParam] | None = None


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """Return a reference to `model` in the components, where it will be put."""
    _BODY_MODELS[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def geojson_body(model: type[BaseModel], patch: bool = False) -> dict[str, Any]:
    """Return `openapi_extra` documenting a GeoJSON Feature request body of `model`."""
    ref = schema_ref(model)
    types = ["application/geo+json", "application/json"]
    if patch:
        types.append("application/merge-patch+json")
    return {"requestBody": {"required": True, "content": {t: {"schema": ref} for t in types}}}


def geojson_responses(status: int = 200, write: bool = False) -> dict[int | str, dict[str, Any]]:
    """Return `responses` saying a route answers GeoJSON, or a problem.

    A write may also be refused for who asks (401, 403) or for what changed meanwhile.
    """
    responses: dict[int | str, dict[str, Any]] = {
        status: {"content": {"application/geo+json": {}}},
        400: PROBLEM,
        404: PROBLEM,
    }
    if write:
        responses.update(write_responses())
    return responses


def write_responses() -> dict[int | str, dict[str, Any]]:
    """Return the problems a write may answer besides invalid input."""
    return {
        401: PROBLEM,
        403: PROBLEM,
        409: PROBLEM,
        410: PROBLEM,
        412: PROBLEM,
        428: PROBLEM,
    }


def install_openapi(app: FastAPI, version: str) -> None:
    """Generate the schema once, with the body models and Problem in its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        models: list[type[BaseModel]] = [Problem, InvalidParam, *_BODY_MODELS.values()]
        for model in models:
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        _document_problems(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problem(description: str) -> dict[str, Any]:
    return {**PROBLEM, "description": description}


def _document_problems(schema: dict[str, Any]) -> None:
    """Document, on every operation, the answers that FastAPI cannot see in its signature.

    - Invalid input is a 400 problem (app.py's handler), never FastAPI's 422.
    - Credentials are read on every operation that declares them: wrong ones are a 401, and
      the database behind them can be down (503). A write may also be refused (403).
    - A path that names an object may name none (404) or a deleted one (410). A URL may be
      too long (414); a JSON body too large (413) or of another media type (415).
    - Our geo routes answer `application/geo+json` only: the response model that FastAPI
      documents under `application/json` belongs there.
    """
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None or "requestBody" in operation:
                responses.setdefault("400", PROBLEM)
            if operation.get("security"):
                responses.setdefault("401", _problem("Niet (geldig) aangemeld."))
                if method != "get":
                    responses.setdefault("403", _problem("Geen toegang met deze rol."))
                responses.setdefault("503", _problem("De database is niet bereikbaar."))
            if operation.get("parameters"):
                responses.setdefault("414", _problem("URL te lang."))
            if "{" in path:
                responses.setdefault("404", _problem("Bestaat niet."))
            if any(name in path for name in OBJECT_PARAMETERS):
                responses.setdefault("410", _problem("Verwijderd."))
            body = operation.get("requestBody", {}).get("content", {})
            if any(t.endswith("json") for t in body):
                responses.setdefault("413", _problem("Verzoek te groot."))
                responses.setdefault("415", _problem("Mediatype niet ondersteund."))
            for response in responses.values():
                content = response.get("content", {})
                if GEOJSON in content and JSON in content:
                    model = content.pop(JSON).get("schema")
                    if model and "schema" not in content[GEOJSON]:
                        content[GEOJSON]["schema"] = model
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
