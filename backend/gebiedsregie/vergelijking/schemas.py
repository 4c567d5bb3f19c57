"""The comparison's answer, for the OpenAPI document: a FeatureCollection of difference faces
with both situations, their differences and the opgaven that differ beside it."""

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from gebiedsregie.schemas import Geometry, Link
from gebiedsregie.stapeling.schemas import Samenvatting


class VerschilVlakProperties(BaseModel):
    nr: int = Field(description="Volgnummer: vlakken met een verschil eerst, grootste eerst.")
    aantal_a: int = Field(description="Hoeveel opgaven van A dit vlak bedekken.")
    aantal_b: int = Field(description="Hoeveel opgaven van B dit vlak bedekken.")
    verschil: int = Field(description="aantal_b - aantal_a.")
    gewijzigd: bool = Field(description="Of B hier andere opgaven heeft dan A.")
    opgaven_a: list[uuid.UUID]
    opgaven_b: list[uuid.UUID]
    oppervlakte_ha: float


class VerschilVlak(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: Geometry
    properties: VerschilVlakProperties


class VariantRef(BaseModel):
    id: uuid.UUID
    naam: str
    status: str
    inhoud_versie: int


class Filters(BaseModel):
    thema: list[str]
    status: list[str]
    trekker: list[str]
    horizon: int | None


class Kant(BaseModel):
    situatie: str = Field(description="'huidig' of 'variant:<id>'.")
    variant: VariantRef | None
    filters: Filters
    stapeling: Literal["berekend", "opgeslagen"]
    samenvatting: Samenvatting


class Getal(BaseModel):
    a: float | None
    b: float | None
    verschil: float | None


class Aantal(BaseModel):
    a: int
    b: int
    verschil: int


class DiepteVerschil(BaseModel):
    aantal: int
    a_ha: float
    b_ha: float
    verschil_ha: float


class ThemaVerschil(BaseModel):
    thema: str
    a_ha: float
    b_ha: float
    verschil_ha: float


class ThemapaarVerschil(BaseModel):
    themas: list[str] = Field(description="Twee themacodes.")
    a_ha: float
    b_ha: float
    verschil_ha: float


class Verschillen(BaseModel):
    ruimtedruk: Getal = Field(description="Ruimtedruk naar zoekgebied.")
    ruimtedruk_vraag: Getal = Field(
        description="Ruimtedruk naar vraag (ruimtevraag / gebied), zoals de samenvatting."
    )
    max_diepte: Aantal
    bedekt_ha: Getal
    aantal_opgaven: Aantal
    per_diepte: list[DiepteVerschil]
    per_thema: list[ThemaVerschil]
    per_themapaar: list[ThemapaarVerschil] = Field(description="Grootste verschil eerst.")


class Overzicht(BaseModel):
    aantal_vlakken: int
    gewijzigde_vlakken: int
    meer_ha: float = Field(description="Oppervlakte waar B dieper stapelt dan A.")
    minder_ha: float = Field(description="Oppervlakte waar B minder diep stapelt.")
    gewijzigd_ha: float = Field(description="Oppervlakte waar B andere opgaven heeft.")
    verschil_ha: float = Field(description="Som van verschil x oppervlakte.")
    sliver_ha: float


class Versie(BaseModel):
    titel: str
    thema: str
    trekker: str
    status: str
    horizon: int | None
    ruimtevraag_ha: float | None
    oppervlakte_ha: float


class OpgaveVerschil(BaseModel):
    id: uuid.UUID
    titel: str
    thema: str
    velden: list[str] = Field(description="De velden die verschillen ('geometrie': de vorm).")
    a: Versie | None
    b: Versie | None


class OpgavenVerschil(BaseModel):
    toegevoegd: list[OpgaveVerschil] = Field(description="Alleen in B.")
    weggelaten: list[OpgaveVerschil] = Field(description="Alleen in A.")
    gewijzigd: list[OpgaveVerschil] = Field(description="In beide, anders.")


class GebiedRef(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str


class VergelijkingCollection(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int
    numberReturned: int
    links: list[Link]
    gebied: GebiedRef
    a: Kant
    b: Kant
    verschillen: Verschillen
    overzicht: Overzicht
    opgaven: OpgavenVerschil
    features: list[VerschilVlak]
