"""Referentielaag input and output (plain JSON), and its objecten as GeoJSON Features."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from gebiedsregie.gebieden.models import SLUG_PATTERN
from gebiedsregie.referentielagen.models import LaagSoort, Referentielaag
from gebiedsregie.schemas import Bron, FeatureCollectionMeta, Geometry, Link, Naam, Tekst

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=100)]
# Stored in lower case; #2E7D32 is taken as #2e7d32.
Kleur = Annotated[
    str,
    StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$"),
    AfterValidator(str.lower),
]
Peildatum = Annotated[date, Field(description="De datum waarop de bron de toestand beschrijft.")]


class ReferentielaagCreate(BaseModel):
    """The metadata of a new referentielaag (POST); its objecten come with an import."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug | None = Field(None, description="Afgeleid van de naam als hij ontbreekt.")
    naam: Naam
    soort: LaagSoort = Field(
        description="sturend: de grond erin is niet zonder meer beschikbaar; of informatief."
    )
    kleur: Kleur = Field(description="Kleur op de kaart, bv. #2e7d32.")
    omschrijving: Tekst = ""
    bron: Bron = ""
    licentie: Bron = ""
    peildatum: Peildatum | None = None


class ReferentielaagPatch(BaseModel):
    """A partial change of a referentielaag's metadata (JSON merge patch)."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug | None = None
    naam: Naam | None = None
    soort: LaagSoort | None = None
    kleur: Kleur | None = None
    omschrijving: Tekst | None = None
    bron: Bron | None = None
    licentie: Bron | None = None
    peildatum: Peildatum | None = None


class ReferentielaagRead(BaseModel):
    id: uuid.UUID
    slug: str
    naam: str
    soort: LaagSoort
    kleur: str
    omschrijving: str
    bron: str
    licentie: str
    peildatum: date | None
    aantal_objecten: int = Field(description="Aantal objecten (vlakken) in de laag.")
    versie: int
    naamsvermelding: str = Field(
        description="Wat een kaart of export bij de laag vermeldt: de licentie (anders de "
        "bron), met de naam van de laag."
    )
    aangemaakt_op: datetime
    gewijzigd_op: datetime
    links: list[Link]


class ReferentielagenRead(BaseModel):
    referentielagen: list[ReferentielaagRead]


class ReferentieobjectProperties(BaseModel):
    laag: str = Field(description="Slug van de referentielaag.")
    naam: str
    extern_id: str | None
    eigenschappen: dict[str, Any] = Field(description="De attributen uit het bronbestand.")


class ReferentieobjectFeature(BaseModel):
    type: Literal["Feature"]
    id: uuid.UUID
    geometry: Geometry
    properties: ReferentieobjectProperties


class ReferentieobjectCollection(FeatureCollectionMeta):
    features: list[ReferentieobjectFeature]


def naamsvermelding(laag: Referentielaag) -> str:
    """Return the attribution of a laag: its licentie (or else its bron), naming the laag."""
    tekst = laag.licentie or laag.bron
    if not tekst or laag.naam.lower() in tekst.lower():
        return tekst or laag.naam
    return f"{laag.naam}: {tekst}"


def laag_json(laag: Referentielaag) -> dict[str, Any]:
    """Return a referentielaag's metadata as JSON, with the link to its objecten."""
    base = f"/api/v1/referentielagen/{laag.slug}"
    return {
        "id": str(laag.id),
        "slug": laag.slug,
        "naam": laag.naam,
        "soort": laag.soort,
        "kleur": laag.kleur,
        "omschrijving": laag.omschrijving,
        "bron": laag.bron,
        "licentie": laag.licentie,
        "peildatum": laag.peildatum.isoformat() if laag.peildatum else None,
        "aantal_objecten": laag.aantal_objecten,
        "versie": laag.versie,
        "naamsvermelding": naamsvermelding(laag),
        "aangemaakt_op": laag.aangemaakt_op.isoformat(),
        "gewijzigd_op": laag.gewijzigd_op.isoformat(),
        "links": [
            {"href": base, "rel": "self", "type": "application/json"},
            {"href": f"{base}/objecten", "rel": "items", "type": "application/geo+json"},
        ],
    }
