"""The ruimtebalans as JSON."""

import uuid
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, Field

from gebiedsregie.ruimtebalans.compute import Geschat
from gebiedsregie.ruimtebalans.service import Ruimtebalans as RuimtebalansUitkomst


class GebiedRef(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str


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


class ThemaBalans(BaseModel):
    thema: str
    aantal_opgaven: int
    vraag_ha: float = Field(
        description="Som van de ruimtevraag_ha van de opgaven van dit thema; voor een opgave "
        "zonder ruimtevraag telt haar oppervlakte binnen het gebied (geschat uit het "
        "zoekgebied)."
    )
    geschat: Geschat = Field(
        description="nee: elke opgave heeft een ruimtevraag; deels of geheel: de vraag is "
        "(deels) geschat uit het zoekgebied."
    )
    aantal_geschat: int = Field(description="Opgaven zonder ruimtevraag_ha.")
    geschat_ha: float = Field(description="Het deel van vraag_ha dat zo geschat is.")
    zoekgebied_ha_som: float = Field(
        description="Som van de oppervlakten van de opgaven binnen het gebied."
    )
    zoekgebied_ha_unie: float = Field(
        description="Oppervlakte van hun vereniging binnen het gebied (overlap één keer)."
    )
    zoekgebied_in_sturend_ha: float = Field(
        description="Deel van die vereniging dat in een sturende laag ligt."
    )


class LaagBalans(BaseModel):
    slug: str
    naam: str
    kleur: str
    oppervlakte_ha: float = Field(description="Oppervlakte van de laag binnen het gebied.")


class Ruimtebalans(BaseModel):
    gebied: GebiedRef
    variant: VariantRef | None = Field(description="De variant, of null: de huidige situatie.")
    filters: Filters
    gebied_ha: float
    sturend_ha: float = Field(
        description="Oppervlakte van de vereniging van alle objecten van de sturende "
        "referentielagen binnen het gebied (overlap één keer)."
    )
    beschikbaar_ha: float = Field(
        description="gebied_ha - sturend_ha: de grond die geen sturende laag claimt (geen lege "
        "grond: er wordt al gewoond, gewerkt en geboerd)."
    )
    vraag_ha: float = Field(description="Som van vraag_ha over de thema's.")
    saldo_ha: float = Field(description="beschikbaar_ha - vraag_ha; negatief is een tekort.")
    ratio: float | None = Field(description="vraag_ha / beschikbaar_ha; null als niets vrij is.")
    ruimtedruk_zoekgebied: float | None = Field(
        description="zoekgebied_ha_som / gebied_ha: de ruimtedruk van de samenvatting van de "
        "stapeling (naar zoekgebied)."
    )
    ruimtedruk_vraag: float | None = Field(description="vraag_ha / gebied_ha (naar vraag).")
    zoekgebied_ha_som: float
    zoekgebied_ha_unie: float
    zoekgebied_in_sturend_ha: float
    aantal_opgaven: int
    aantal_geschat: int = Field(description="Opgaven zonder ruimtevraag_ha (alle thema's).")
    aantal_deels_buiten: int = Field(
        description="Opgaven die deels buiten het gebied liggen; hun ruimtevraag telt geheel."
    )
    aantal_illustratief: int = Field(
        description="Opgaven die volgens hun bron illustratief zijn (geen echte plannen): "
        "hun ruimtevraag is een voorbeeld."
    )
    themas: list[ThemaBalans] = Field(description="In de volgorde van de thema's.")
    sturende_lagen: list[LaagBalans] = Field(description="De sturende lagen die meetellen.")


def as_json(uitkomst: RuimtebalansUitkomst) -> dict[str, Any]:
    """Return the ruimtebalans as the API answers it."""
    variant = uitkomst.variant
    return {
        "gebied": uitkomst.gebied,
        "variant": variant.as_dict() if variant is not None else None,
        "filters": uitkomst.filters,
        **asdict(uitkomst.balans),
        "aantal_illustratief": uitkomst.aantal_illustratief,
    }
