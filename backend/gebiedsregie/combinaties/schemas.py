"""The combinatiematrices as the API reads and writes them; the `combinaties` part of a
samenvatting and the combinaties of a face, as the OpenAPI documents them (the TypedDicts of
`samenvatting` are what is built and stored)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gebiedsregie.combinaties.models import REDEN_MAX, Waarde
from gebiedsregie.combinaties.voorbeeld import LABEL
from gebiedsregie.opgaven.schemas import ThemaCode
from gebiedsregie.schemas import Tekst, ZonderNul, ZonderStuurtekens

# One line: no line break, tab or other control character.
Reden = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=REDEN_MAX),
    ZonderNul,
    ZonderStuurtekens,
]
LaagSlug = Annotated[str, StringConstraints(min_length=1, max_length=100), ZonderNul]
# What a client may echo back from a GET; ignored in a PUT.
READ_ONLY = frozenset({"versie", "label", "gewijzigd_op", "themas", "lagen", "waarden"})
MAX_CELLS = 10_000


class ThemaCel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thema_a: ThemaCode
    thema_b: ThemaCode
    waarde: Waarde
    reden: Reden


class LaagCel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thema: ThemaCode
    laag: LaagSlug = Field(description="De slug van een referentielaag.")
    waarde: Waarde
    reden: Reden


class CombinatiesPut(BaseModel):
    """The whole set: every pair of themas (once; both ways round only with the same value),
    and every thema with every referentielaag."""

    model_config = ConfigDict(extra="forbid")

    voorbeeld: bool | None = Field(
        None,
        description="false: de provincie stelde de matrices vast; weggelaten: blijft zoals het is.",
    )
    toelichting: Tekst | None = None
    thema_thema: list[ThemaCel] = Field(max_length=MAX_CELLS)
    thema_laag: list[LaagCel] = Field(max_length=MAX_CELLS)


class ThemaRef(BaseModel):
    code: str
    naam: str


class LaagRef(BaseModel):
    slug: str
    naam: str
    soort: str


class CombinatiesRead(BaseModel):
    versie: int = Field(description="Ook de ETag; stuur hem mee in If-Match bij een PUT.")
    voorbeeld: bool = Field(description="Nog het meegeleverde voorbeeld, niet vastgesteld.")
    label: str | None = Field(description=f"'{LABEL}' zolang het een voorbeeld is.")
    toelichting: str
    gewijzigd_op: datetime | None
    waarden: list[Waarde]
    themas: list[ThemaRef]
    lagen: list[LaagRef] = Field(description="De referentielagen (niet verwijderd).")
    thema_thema: list[ThemaCel] = Field(description="Elk paar eenmaal, thema_a <= thema_b.")
    thema_laag: list[LaagCel]


class ThemaPaar(BaseModel):
    thema_a: str
    thema_b: str


class LaagPaar(BaseModel):
    thema: str
    laag: str = Field(description="De slug van een referentielaag.")


Paar = ThemaPaar | LaagPaar


class LaagDeel(BaseModel):
    laag: str
    oppervlakte_ha: float = Field(description="Het deel van het vlak in de laag.")


class LaagInGebied(BaseModel):
    laag: str
    naam: str
    soort: str
    oppervlakte_ha: float = Field(description="De laag binnen het gebied.")


class ThemaPaarOppervlak(BaseModel):
    thema_a: str
    thema_b: str
    waarde: Waarde
    oppervlakte_ha: float


class LaagPaarOppervlak(BaseModel):
    thema: str
    laag: str
    waarde: Waarde
    oppervlakte_ha: float = Field(description="Waar het thema in de laag ligt.")


class ConflictHotspot(BaseModel):
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[uuid.UUID]
    oppervlakte_ha: float
    conflict_ha: float = Field(description="Het deel van het vlak dat in conflict is.")
    conflicten: list[Paar]
    punt: list[float] = Field(description="Een punt in dat deel, in het gevraagde CRS.")


class OpgaveKnelpunt(BaseModel):
    opgave: uuid.UUID
    thema: str
    oppervlakte_ha: float


class LaagKnelpunt(BaseModel):
    laag: str
    oppervlakte_ha: float


class Knelpunt(BaseModel):
    opgave: uuid.UUID
    thema: str
    conflict_ha: float = Field(description="Oppervlakte van de opgave in enig conflict, eenmaal.")
    met_opgaven: list[OpgaveKnelpunt]
    met_lagen: list[LaagKnelpunt] = Field(description="Alleen sturende lagen.")


class Combinaties(BaseModel):
    """Koppelkansen en conflicten in de stapeling, met de matrices van `versie`."""

    versie: int
    voorbeeld: bool = Field(description=f"Berekend met het voorbeeld ({LABEL}).")
    lagen: list[LaagInGebied]
    conflict_ha: float = Field(description="In conflict: tussen thema's, of thema en laag.")
    koppelkans_ha: float
    beide_ha: float = Field(description="Zowel in conflict als in koppelkans.")
    paren: list[ThemaPaarOppervlak] = Field(description="Thema x thema, niet neutraal.")
    laag_paren: list[LaagPaarOppervlak] = Field(description="Thema x laag, niet neutraal.")
    hotspots: list[ConflictHotspot] = Field(description="De vlakken met het meeste conflict.")
    knelpunten: list[Knelpunt] = Field(description="Per opgave met conflict, grootste eerst.")
    sliver_ha: float = Field(description="Splinters langs laaggrenzen, niet meegeteld.")


class VlakCombinaties(BaseModel):
    """The combinaties properties of a face."""

    conflicten: list[Paar] = Field(description="De paren (thema's, of thema en laag) in conflict.")
    koppelkansen: list[Paar]
    lagen: list[LaagDeel] = Field(description="De referentielagen waarin het vlak (deels) ligt.")
