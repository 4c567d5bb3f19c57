"""Opgave and thema input and output, as GeoJSON Features."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from shapely import Geometry as ShapelyGeometry

from gebiedsregie.crs import Crs
from gebiedsregie.geometry import area_ha, to_geojson, to_geojsons
from gebiedsregie.opgaven.models import HORIZON_MAX, HORIZON_MIN, Opgave, Status, Trekker
from gebiedsregie.schemas import (
    Bron,
    FeatureCollectionMeta,
    Geometry,
    Melding,
    Naam,
    Tekst,
    ZonderNul,
)

Horizon = Annotated[
    int, Field(strict=True, ge=HORIZON_MIN, le=HORIZON_MAX, description="Streefjaar.")
]
# Query parameters of every list of opgaven (the API, the stapeling, the tiles).
ThemaQuery = Annotated[list[str] | None, Query(description="Themacode; herhaalbaar.")]
StatusQuery = Annotated[list[Status] | None, Query(description="Status; herhaalbaar.")]
TrekkerQuery = Annotated[list[Trekker] | None, Query(description="Trekker; herhaalbaar.")]
HorizonTotQuery = Annotated[
    int | None,
    Query(
        ge=HORIZON_MIN,
        le=HORIZON_MAX,
        description="Alleen opgaven met horizon tot en met dit jaar.",
    ),
]
BuitenGebiedenQuery = Annotated[
    bool | None,
    Query(
        description="true: alleen opgaven die in geen enkel gebied liggen (die op geen "
        "gebiedskaart staan); false: alleen opgaven in minstens één gebied."
    ),
]
Hectare = Annotated[float, Field(ge=0, allow_inf_nan=False, description="Ruimtevraag in ha.")]
ThemaCode = Annotated[str, StringConstraints(min_length=1, max_length=40), ZonderNul]
ExternId = Annotated[str, StringConstraints(min_length=1, max_length=200), ZonderNul]


class OpgaveFields(BaseModel):
    """The properties of an opgave a client sends (POST, PUT)."""

    model_config = ConfigDict(extra="forbid")

    titel: Naam
    thema: ThemaCode
    beschrijving: Tekst = ""
    trekker: Trekker
    status: Status
    horizon: Horizon | None = None
    ruimtevraag_ha: Hectare | None = None
    bron: Bron = ""
    extern_id: ExternId | None = None


class OpgavePatch(BaseModel):
    """A partial change of an opgave (PATCH, JSON merge patch of the properties)."""

    model_config = ConfigDict(extra="forbid")

    titel: Naam | None = None
    thema: ThemaCode | None = None
    beschrijving: Tekst | None = None
    trekker: Trekker | None = None
    status: Status | None = None
    horizon: Horizon | None = None
    ruimtevraag_ha: Hectare | None = None
    bron: Bron | None = None
    extern_id: ExternId | None = None


class OpgaveProperties(BaseModel):
    id: uuid.UUID
    titel: str
    thema: str
    beschrijving: str
    trekker: Trekker
    status: Status
    horizon: int | None
    ruimtevraag_ha: float | None
    bron: str
    extern_id: str | None
    oppervlakte_ha: float = Field(description="Oppervlakte in hectare, berekend in RD New.")
    gebieden: list[str] = Field(description="Slugs van de gebieden die de opgave raakt.")
    versie: int
    aangemaakt_op: datetime
    gewijzigd_op: datetime


class OpgaveFeatureIn(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: OpgaveFields


class OpgaveFeature(BaseModel):
    type: Literal["Feature"]
    id: uuid.UUID
    geometry: Geometry
    properties: OpgaveProperties
    meldingen: list[Melding] | None = None


class OpgaveFeatureCollection(FeatureCollectionMeta):
    features: list[OpgaveFeature]


class GebiedAandeelRead(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str
    aandeel_binnen: float = Field(
        ge=0, le=1, description="Deel van de oppervlakte van de opgave binnen dit gebied."
    )


class LiggingRead(BaseModel):
    """Where a geometry would lie among the gebieden (nothing is stored)."""

    gebieden: list[GebiedAandeelRead] = Field(description="De gebieden die zij raakt, op naam.")
    aandeel_buiten: float = Field(
        ge=0, le=1, description="Deel van de oppervlakte buiten alle gebieden samen."
    )
    meldingen: list[Melding] = Field(
        description="buiten_gebieden, deels_buiten_gebied, geometrie_hersteld."
    )


class ThemaRead(BaseModel):
    code: str
    naam: str
    kleur: str = Field(description="Kleur op de kaart, #rrggbb.")
    beschrijving: str


def opgave_feature(
    opgave: Opgave, geom: ShapelyGeometry, gebieden: list[str], crs: Crs
) -> dict[str, Any]:
    """Return `opgave` as a GeoJSON Feature in `crs`; `geom` is its RD geometry."""
    return _feature(opgave, geom, to_geojson(geom, crs), gebieden)


def opgave_features(
    opgaven: list[Opgave],
    shapes: list[ShapelyGeometry],
    gebieden: dict[uuid.UUID, list[str]],
    crs: Crs,
) -> list[dict[str, Any]]:
    """Return opgaven as GeoJSON Features in `crs` (as `opgave_feature`, one transformation
    for all); `shapes` are their RD geometries, `gebieden` the slugs each one meets."""
    geometries = to_geojsons(shapes, crs)
    return [
        _feature(o, shape, geometry, gebieden[o.id])
        for o, shape, geometry in zip(opgaven, shapes, geometries, strict=True)
    ]


def _feature(
    opgave: Opgave, geom: ShapelyGeometry, geometry: dict[str, Any], gebieden: list[str]
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(opgave.id),
        "geometry": geometry,
        "properties": {
            "id": str(opgave.id),
            "titel": opgave.titel,
            "thema": opgave.thema,
            "beschrijving": opgave.beschrijving,
            "trekker": opgave.trekker,
            "status": opgave.status,
            "horizon": opgave.horizon,
            "ruimtevraag_ha": opgave.ruimtevraag_ha,
            "bron": opgave.bron,
            "extern_id": opgave.extern_id,
            "oppervlakte_ha": area_ha(geom),
            "gebieden": gebieden,
            "versie": opgave.versie,
            "aangemaakt_op": opgave.aangemaakt_op.isoformat(),
            "gewijzigd_op": opgave.gewijzigd_op.isoformat(),
        },
    }
