"""Search query and results."""

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from gebiedsregie.schemas import ZonderNul, ZonderStuurtekens

MAX_LIMIT = 50

Zoekterm = Annotated[
    str,
    Query(
        min_length=2,
        max_length=100,
        description="Naam of deel ervan; hoofdletters, accenten, leestekens en kleine "
        "tikfouten doen er niet toe.",
    ),
    ZonderNul,
    ZonderStuurtekens,
]
Limiet = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hoogstens zoveel resultaten.")]


class ZoekResultaat(BaseModel):
    soort: Literal["gemeente", "provincie", "gebied", "opgave"]
    id: str = Field(description="CBS-code (gemeente, provincie) of UUID (gebied, opgave).")
    naam: str
    toelichting: str = Field(description="Bv. 'Gemeente in Gelderland'.")
    bbox: list[float] = Field(
        min_length=4, max_length=4, description="minlon, minlat, maxlon, maxlat (CRS84)."
    )
    url: str | None = Field(description="Een pagina om te openen, als die er is.")


class Zoekresultaten(BaseModel):
    q: str
    resultaten: list[ZoekResultaat] = Field(description="Beste eerst.")
