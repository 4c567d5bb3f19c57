"""The opgaventabel as JSON, and the `formaat` of the downloads."""

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field


class Formaat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


FormaatQuery = Annotated[
    Formaat,
    Query(
        description="json, csv (UTF-8 met BOM, puntkomma, decimale komma: opent goed in een "
        "Nederlandse Excel) of xlsx (Excel)."
    ),
]


class GebiedRef(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str


class Kolom(BaseModel):
    naam: str = Field(description="Sleutel in elke rij.")
    titel: str = Field(description="Kolomkop, in het Nederlands.")


class Rij(BaseModel):
    id: uuid.UUID
    titel: str
    thema: str
    thema_naam: str
    trekker: str
    status: str
    horizon: int | None
    oppervlakte_in_gebied_ha: float = Field(description="Deel van de opgave binnen het gebied.")
    ruimtevraag_ha: float | None
    hoogste_stapeling: int | None = Field(
        description="Het hoogste aantal opgaven op een vlak van de stapeling waar deze opgave "
        "in ligt (met dezelfde filters); null als haar deel in het gebied alleen een splinter "
        "is (smaller dan 0,5 m)."
    )
    bron: str
    wijziging: Literal["gewijzigd", "nieuw"] | None = Field(
        default=None,
        description="Alleen in de tabel van een variant: wat de variant met de opgave doet "
        "(null: als in de huidige situatie). Weggelaten opgaven staan niet in de tabel.",
    )


class VariantRef(BaseModel):
    id: uuid.UUID
    naam: str
    status: str
    inhoud_versie: int = Field(description="Telt elke wijziging van haar opgaven.")


class Opgaventabel(BaseModel):
    gebied: GebiedRef
    variant: VariantRef | None = Field(
        default=None, description="Alleen met `variant`: de variant die de tabel toont."
    )
    filters: dict[str, Any] = Field(description="De filters, zoals de samenvatting ze toont.")
    kolommen: list[Kolom]
    rijen: list[Rij] = Field(description="Op titel, dan id.")
