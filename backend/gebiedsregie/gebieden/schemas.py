"""Gebied input and output, as GeoJSON Features."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from shapely import Geometry as ShapelyGeometry

from gebiedsregie.crs import Crs
from gebiedsregie.gebieden.models import SLUG_PATTERN, Gebied, GebiedSoort
from gebiedsregie.geometry import area_ha, to_geojson
from gebiedsregie.schemas import Bron, FeatureCollectionMeta, Geometry, Melding, Naam, Tekst

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=80)]
Namen = Annotated[list[Naam], Field(max_length=500)]


class GebiedFields(BaseModel):
    """The properties of a gebied a client sends (POST, PUT)."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug | None = Field(None, description="Afgeleid van de naam als hij ontbreekt.")
    naam: Naam
    soort: GebiedSoort = GebiedSoort.EIGEN
    provincies: Namen | None = Field(
        None, description="Afgeleid van de geometrie als hij ontbreekt."
    )
    gemeenten: Namen | None = Field(
        None, description="Afgeleid van de geometrie als hij ontbreekt."
    )
    beschrijving: Tekst = ""
    bron: Bron = ""

    def replace_values(self) -> dict[str, Any]:
        """Return the values a replacement (PUT) sets: what is left out and derived
        (provincies, gemeenten) is derived anew, and a missing slug keeps the current one."""
        values = {
            k: v
            for k, v in self.model_dump().items()
            if v is not None or k in self.model_fields_set
        }
        if values.get("slug") is None:
            values.pop("slug", None)
        return values


class GebiedPatch(BaseModel):
    """A partial change of a gebied (PATCH, JSON merge patch of the properties)."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug | None = None
    naam: Naam | None = None
    soort: GebiedSoort | None = None
    provincies: Namen | None = None
    gemeenten: Namen | None = None
    beschrijving: Tekst | None = None
    bron: Bron | None = None


class GebiedProperties(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str
    soort: GebiedSoort
    provincies: list[str]
    gemeenten: list[str]
    beschrijving: str
    bron: str
    oppervlakte_ha: float = Field(description="Oppervlakte in hectare, berekend in RD New.")
    versie: int
    aangemaakt_op: datetime
    gewijzigd_op: datetime


class GebiedFeatureIn(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: GebiedFields


class GebiedFeature(BaseModel):
    type: Literal["Feature"]
    id: uuid.UUID
    geometry: Geometry
    properties: GebiedProperties
    meldingen: list[Melding] | None = None


class GebiedFeatureCollection(FeatureCollectionMeta):
    features: list[GebiedFeature]


def gebied_feature(gebied: Gebied, geom: ShapelyGeometry, crs: Crs) -> dict[str, Any]:
    """Return `gebied` as a GeoJSON Feature in `crs`; `geom` is its RD geometry."""
    return {
        "type": "Feature",
        "id": str(gebied.id),
        "geometry": to_geojson(geom, crs),
        "properties": {
            "id": str(gebied.id),
            "slug": gebied.slug,
            "naam": gebied.naam,
            "soort": gebied.soort,
            "provincies": list(gebied.provincies),
            "gemeenten": list(gebied.gemeenten),
            "beschrijving": gebied.beschrijving,
            "bron": gebied.bron,
            "oppervlakte_ha": area_ha(geom),
            "versie": gebied.versie,
            "aangemaakt_op": gebied.aangemaakt_op.isoformat(),
            "gewijzigd_op": gebied.gewijzigd_op.isoformat(),
        },
    }
