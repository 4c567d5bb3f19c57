"""Variant input and output: variants as JSON, their opgaven as GeoJSON Features."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gebiedsregie.crs import Crs
from gebiedsregie.geometry import area_ha, to_geojsons
from gebiedsregie.openapi import geojson_body
from gebiedsregie.opgaven.models import Status, Trekker
from gebiedsregie.opgaven.schemas import Hectare, Horizon, ThemaCode
from gebiedsregie.schemas import Bron, FeatureCollectionMeta, Geometry, Link, Melding, Naam, Tekst
from gebiedsregie.varianten.models import VariantStatus, Wijziging
from gebiedsregie.varianten.situatie import Effectief

# Properties of our own answers that a client may send back; ignored on input.
READ_ONLY = frozenset(
    {"extern_id", "variant_wijziging", "register_versie", "register_gewijzigd", "wijziging_versie"}
)


class VariantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    naam: Naam
    beschrijving: Tekst = ""


class VariantPatch(BaseModel):
    """A partial change of a variant (JSON merge patch)."""

    model_config = ConfigDict(extra="forbid")

    naam: Naam | None = None
    beschrijving: Tekst | None = None
    status: VariantStatus | None = Field(
        None, description="Alleen een beheerder stelt vast (vastgesteld)."
    )


class VariantOpgaveFields(BaseModel):
    """The properties of an opgave in a variant (as of a register opgave, without extern_id)."""

    model_config = ConfigDict(extra="forbid")

    titel: Naam
    thema: ThemaCode
    beschrijving: Tekst = ""
    trekker: Trekker
    status: Status
    horizon: Horizon | None = None
    ruimtevraag_ha: Hectare | None = None
    bron: Bron = ""


class VariantOpgaveFeatureIn(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: VariantOpgaveFields


class Weglaten(BaseModel):
    """Leave a register opgave out of the variant."""

    model_config = ConfigDict(extra="forbid")

    weggelaten: Literal[True]


class GebiedRef(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str


class Doorvoering(BaseModel):
    op: datetime
    door: str


class Aantallen(BaseModel):
    weggelaten: int
    gewijzigd: int
    nieuw: int


class VariantRead(BaseModel):
    id: uuid.UUID
    gebied: GebiedRef
    naam: str
    beschrijving: str
    status: VariantStatus
    auteur: str
    aangemaakt_op: datetime
    gewijzigd_op: datetime
    versie: int = Field(description="De ETag van de variant zelf (naam, beschrijving, status).")
    inhoud_versie: int = Field(description="Telt elke wijziging van haar opgaven.")
    inhoud_gewijzigd_op: datetime | None
    doorgevoerd: Doorvoering | None
    aantallen: Aantallen
    links: list[Link]


class RegisterWijzigingRead(BaseModel):
    opgave_id: uuid.UUID
    titel: str
    wat: Literal["gewijzigd", "nieuw", "verwijderd", "hersteld"]
    velden: list[str] | None = Field(
        description="Velden die verschillen (`geometrie` voor de vorm); null: onbekend."
    )
    versie: int | None = Field(description="De versie in het register nu.")


class RegisterSindsAanmaak(RegisterWijzigingRead):
    in_variant: Wijziging | None = Field(description="Wat de variant met deze opgave doet.")


class RegisterGewijzigd(BaseModel):
    sinds: datetime
    opgaven: list[RegisterSindsAanmaak]


class WijzigingRead(BaseModel):
    opgave_id: uuid.UUID
    soort: Wijziging
    titel: str
    versie: int = Field(description="ETag van de wijziging (If-Match bij PUT en DELETE).")
    register_versie: int | None
    aangemaakt_op: datetime
    gewijzigd_op: datetime
    register_sindsdien: RegisterWijzigingRead | None = Field(
        description="Hoe het register deze opgave sinds de wijziging veranderde."
    )


class VariantDetail(VariantRead):
    wijzigingen: list[WijzigingRead]
    register_gewijzigd: RegisterGewijzigd


class VariantenPage(BaseModel):
    numberMatched: int
    numberReturned: int
    links: list[Link]
    varianten: list[VariantRead]


class DoorgevoerdRead(BaseModel):
    aangemaakt: list[uuid.UUID]
    gewijzigd: list[uuid.UUID]
    verwijderd: list[uuid.UUID]


class DoorvoerenRead(BaseModel):
    variant: VariantDetail
    doorgevoerd: DoorgevoerdRead


class VariantOpgaveProperties(BaseModel):
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
    oppervlakte_ha: float
    variant_wijziging: Literal["gewijzigd", "nieuw", "weggelaten"] | None
    register_versie: int | None = Field(
        description="De versie in het register die getoond wordt, of waarop de wijziging "
        "gemaakt is; null voor een opgave die alleen in de variant bestaat."
    )
    register_gewijzigd: bool = Field(
        description="Het register veranderde deze opgave sinds de wijziging."
    )
    wijziging_versie: int | None = Field(
        description="ETag van de wijziging (If-Match bij PUT en DELETE); null: ongewijzigd."
    )
    aangemaakt_op: datetime
    gewijzigd_op: datetime


class VariantOpgaveFeature(BaseModel):
    type: Literal["Feature"]
    id: uuid.UUID
    geometry: Geometry
    properties: VariantOpgaveProperties
    meldingen: list[Melding] | None = None


class VariantOpgaveCollection(FeatureCollectionMeta):
    features: list[VariantOpgaveFeature]


def opgave_features(
    opgaven: list[Effectief], crs: Crs, verschuiving: int = 0
) -> list[dict[str, Any]]:
    """Return a situation's opgaven as GeoJSON Features in `crs` (one transformation);
    `verschuiving` as `sindsdien.verschuiving` (1 after doorvoeren)."""
    geometries = to_geojsons([o.geom for o in opgaven], crs)
    return [_feature(o, g, verschuiving) for o, g in zip(opgaven, geometries, strict=True)]


def _feature(opgave: Effectief, geometry: dict[str, Any], verschuiving: int) -> dict[str, Any]:
    register_gewijzigd = (
        opgave.wijziging is not None
        and opgave.register_versie is not None
        and opgave.register_versie_nu is not None
        and opgave.register_versie + verschuiving != opgave.register_versie_nu
    )
    return {
        "type": "Feature",
        "id": str(opgave.sleutel),
        "geometry": geometry,
        "properties": {
            "id": str(opgave.sleutel),
            "titel": opgave.titel,
            "thema": opgave.thema,
            "beschrijving": opgave.beschrijving,
            "trekker": opgave.trekker,
            "status": opgave.status,
            "horizon": opgave.horizon,
            "ruimtevraag_ha": opgave.ruimtevraag_ha,
            "bron": opgave.bron,
            "extern_id": opgave.extern_id,
            "oppervlakte_ha": area_ha(opgave.geom),
            "variant_wijziging": opgave.wijziging,
            "register_versie": opgave.register_versie,
            "register_gewijzigd": register_gewijzigd,
            "wijziging_versie": opgave.wijziging_versie,
            "aangemaakt_op": opgave.aangemaakt_op.isoformat(),
            "gewijzigd_op": opgave.gewijzigd_op.isoformat(),
        },
    }


def json_body(model: type[BaseModel], patch: bool = False) -> dict[str, Any]:
    """Return `openapi_extra` documenting a plain JSON request body of `model`."""
    extra = geojson_body(model, patch)  # registers the model among the schemas
    extra["requestBody"]["content"].pop("application/geo+json")
    return extra


def change_body() -> dict[str, Any]:
    """Return `openapi_extra` documenting PUT of an opgave in a variant: a Feature, or
    `{"weggelaten": true}`."""
    geojson_body(Weglaten)
    extra = geojson_body(VariantOpgaveFeatureIn)
    one_of = {
        "oneOf": [
            {"$ref": "#/components/schemas/VariantOpgaveFeatureIn"},
            {"$ref": "#/components/schemas/Weglaten"},
        ]
    }
    for content in extra["requestBody"]["content"].values():
        content["schema"] = one_of
    return extra
