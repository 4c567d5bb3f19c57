"""Schema pieces shared by the domain schemas: GeoJSON envelopes and common types."""

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from pydantic_core import PydanticCustomError

from gebiedsregie.validation import DUTCH


def _refuse_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise PydanticCustomError(
            "nul_teken", "Mag geen NUL-teken (U+0000) bevatten.", {DUTCH: True}
        )
    return value


# Control characters (C0, DEL, C1) and the bidirectional overrides and isolates that can make
# a name read otherwise than it is stored (U+202A-202E, U+2066-2069).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_HIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _refuse_hidden(pattern: re.Pattern[str]) -> Any:
    def check(value: str | None) -> str | None:
        found = pattern.search(value) if value is not None else None
        if found is not None:
            raise PydanticCustomError(
                "verborgen_teken",
                "Mag geen stuurteken bevatten (gevonden: {teken}).",
                {DUTCH: True, "teken": f"U+{ord(found.group()):04X}"},
            )
        return value

    return AfterValidator(check)


# PostgreSQL text cannot hold NUL (U+0000): refused as invalid input (400), not a 500 there.
ZonderNul = AfterValidator(_refuse_nul)
Naam = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    ZonderNul,
    _refuse_hidden(_HIDDEN),
]
# A text may hold tabs and line breaks, nothing else invisible.
Tekst = Annotated[
    str, StringConstraints(max_length=10_000), ZonderNul, _refuse_hidden(_HIDDEN_IN_TEXT)
]
Bron = Annotated[str, StringConstraints(max_length=2_000), ZonderNul, _refuse_hidden(_HIDDEN)]
# For a short text that is no name, e.g. a search query parameter.
ZonderStuurtekens = _refuse_hidden(_HIDDEN)


class Geometry(BaseModel):
    """A GeoJSON Polygon or MultiPolygon (in CRS84 unless `Content-Crs` says RD New)."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]


class Melding(BaseModel):
    """A note on what the server did to the input, e.g. a repaired geometry."""

    code: str
    reason: str


class Link(BaseModel):
    href: str
    rel: str
    type: str


class FeatureCollectionMeta(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    numberMatched: int = Field(description="Aantal objecten dat aan de filters voldoet.")
    numberReturned: int
    links: list[Link]
