"""Schema pieces shared by the domain schemas: GeoJSON envelopes and common types."""

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


# PostgreSQL text cannot hold NUL (U+0000): refused as invalid input (400), not a 500 there.
ZonderNul = AfterValidator(_refuse_nul)
Naam = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ZonderNul
]
Tekst = Annotated[str, StringConstraints(max_length=10_000), ZonderNul]
Bron = Annotated[str, StringConstraints(max_length=2_000), ZonderNul]


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
