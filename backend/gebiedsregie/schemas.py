"""Schema pieces shared by the domain schemas: GeoJSON envelopes and common types."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

Naam = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tekst = Annotated[str, StringConstraints(max_length=10_000)]
Bron = Annotated[str, StringConstraints(max_length=2_000)]


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
