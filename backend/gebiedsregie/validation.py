"""Request validation in Dutch: strict JSON bodies and pydantic errors as FieldErrors."""

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gebiedsregie.errors import FieldError, InvalidInput, PayloadTooLarge

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "Dit veld is verplicht.",
    "extra_forbidden": "Onbekend veld.",
    "string_type": "Moet tekst zijn.",
    "string_too_short": "Moet minstens {min_length} teken(s) bevatten.",
    "string_too_long": "Mag hoogstens {max_length} tekens bevatten.",
    "string_pattern_mismatch": "Heeft niet de juiste vorm ({pattern}).",
    "int_type": "Moet een geheel getal zijn.",
    "int_parsing": "Moet een geheel getal zijn.",
    "int_from_float": "Moet een geheel getal zijn.",
    "float_type": "Moet een getal zijn.",
    "float_parsing": "Moet een getal zijn.",
    "finite_number": "Moet een eindig getal zijn (geen NaN of Infinity).",
    "bool_type": "Moet true of false zijn.",
    "bool_parsing": "Moet true of false zijn.",
    "greater_than_equal": "Moet minstens {ge} zijn.",
    "greater_than": "Moet groter zijn dan {gt}.",
    "less_than_equal": "Mag hoogstens {le} zijn.",
    "less_than": "Moet kleiner zijn dan {lt}.",
    "enum": "Ongeldige waarde; kies uit: {expected}.",
    "literal_error": "Ongeldige waarde; verwacht: {expected}.",
    "list_type": "Moet een lijst zijn.",
    "too_long": "Mag hoogstens {max_length} elementen bevatten.",
    "dict_type": "Moet een object zijn.",
    "model_type": "Moet een object zijn.",
    "model_attributes_type": "Moet een object zijn.",
    "uuid_parsing": "Geen geldige UUID.",
    "uuid_type": "Geen geldige UUID.",
    "json_invalid": "Geen geldige JSON.",
}
# Marks our own pydantic errors (in their context), whose message is already Dutch.
DUTCH = "nl"
# Arrays and objects in a request body: a MultiPolygon Feature needs 6 (Feature, geometry,
# coordinates, polygon, ring, position), a FeatureCollection of them 8.
MAX_JSON_DEPTH = 32
# Parts of pydantic's `loc` that say where, not which field.
_LOCATION_PARTS = {"body", "query", "path", "header"}


def field_name(loc: Sequence[int | str], prefix: str = "") -> str:
    """Return a dotted field name for a pydantic location, e.g. `properties.gemeenten[2]`."""
    name = prefix
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif part not in _LOCATION_PARTS or name:
            name = f"{name}.{part}" if name else str(part)
    return name or "body"


def dutch_errors(errors: Iterable[Any], prefix: str = "") -> list[FieldError]:
    """Translate pydantic error dicts into FieldErrors with Dutch reasons."""
    result = []
    for error in errors:
        template = _MESSAGES.get(error["type"])
        context = dict(error.get("ctx") or {})
        if "expected" in context:
            context["expected"] = str(context["expected"]).replace(" or ", " of ")
        if context.get(DUTCH):
            reason = error["msg"]
        elif template is None:
            reason = "Ongeldige waarde."
        else:
            try:
                reason = template.format(**context)
            except (KeyError, IndexError):
                reason = template
        result.append(FieldError(field_name(error["loc"], prefix), reason, error["type"]))
    return result


def _reject_constant(name: str) -> float:
    raise ValueError(name)


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a body of `size` bytes when it is over the limit."""
    if size > max_bytes:
        raise PayloadTooLarge(
            f"Het verzoek is {size} bytes; het maximum is {max_bytes} bytes.",
            [FieldError("body", "Verzoek te groot.", "te_groot")],
        )


def json_depth(value: Any, stop_after: int) -> int:
    """Return how deeply `value` nests arrays and objects (a scalar is 0); the walk stops
    once it is deeper than `stop_after`."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level and depth <= stop_after:
        depth += 1
        # Level by level: a 100,000-vertex polygon takes some 30 ms.
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
    return depth


def _too_deep() -> InvalidInput:
    return InvalidInput(
        "De JSON in het verzoek is te diep genest.",
        [
            FieldError(
                "body",
                f"Mag hoogstens {MAX_JSON_DEPTH} niveaus van arrays en objecten diep zijn.",
                "te_diep",
            )
        ],
    )


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: with a key twice, which value counts would
    depend on the reader (here the last, elsewhere the first)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(f"De sleutel '{twice[:60]}' staat twee keer in één object.")
    return data


def parse_json(raw: bytes, max_bytes: int) -> Any:
    """Parse a request body strictly: UTF-8 JSON, no NaN/Infinity, within the size limit,
    at most MAX_JSON_DEPTH levels deep."""
    check_size(len(raw), max_bytes)
    if not raw.strip():
        raise InvalidInput(
            "Het verzoek heeft geen inhoud.",
            [FieldError("body", "Verwacht een GeoJSON-object.", "verplicht")],
        )
    try:
        data = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _too_deep() from None
    except _DuplicateKey as exc:
        raise InvalidInput(
            "De inhoud van het verzoek is geen eenduidige JSON.",
            [FieldError("body", str(exc), "dubbele_sleutel")],
        ) from None
    except ValueError as exc:
        if str(exc) in ("NaN", "Infinity", "-Infinity"):
            reason = f"{exc} is geen geldige JSON-waarde; gebruik een eindig getal."
            code = "niet_eindig"
        else:
            reason = f"Geen geldige JSON: {exc}."
            code = "json_invalid"
        raise InvalidInput(
            "De inhoud van het verzoek is geen geldige JSON.", [FieldError("body", reason, code)]
        ) from None
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise _too_deep()
    return data


def validate_model(model: type[M], data: Any, prefix: str, errors: list[FieldError]) -> M | None:
    """Validate `data` as `model`; on failure add Dutch FieldErrors and return None."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors.extend(dutch_errors(exc.errors(), prefix))
        return None


def clear_nulls(
    values: dict[str, Any], required: Sequence[str], empty: dict[str, Any]
) -> dict[str, Any]:
    """Apply merge-patch nulls: refuse them for required fields, else use the empty value."""
    errors = [
        FieldError(f"properties.{name}", "Mag niet leeg (null) zijn.", "verplicht")
        for name in required
        if name in values and values[name] is None
    ]
    if errors:
        raise InvalidInput("Verplicht veld leeggemaakt.", errors)
    return {k: (empty[k] if v is None and k in empty else v) for k, v in values.items()}
