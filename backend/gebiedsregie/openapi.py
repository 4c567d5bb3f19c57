"""OpenAPI documentation for routes whose bodies we parse ourselves (strict GeoJSON)."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

PROBLEM = {
    "description": "Probleem (RFC 9457), in het Nederlands, met de ongeldige velden.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
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


def geojson_body(model: type[BaseModel], patch: bool = False) -> dict[str, Any]:
    """Return `openapi_extra` documenting a GeoJSON Feature request body of `model`."""
    _BODY_MODELS[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
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
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
