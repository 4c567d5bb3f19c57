"""The `combinaties` part of a stapeling's samenvatting, and what a face carries: the shapes
`analysis` builds, the store keeps as JSONB, and the API answers (`schemas` documents them).

A pair is a thema pair (`thema_a` <= `thema_b`; equal: two opgaven of that thema) or a thema
and a referentielaag (`thema`, `laag`: the laag's slug).
"""

from typing import TypedDict


class ThemaPaar(TypedDict):
    thema_a: str
    thema_b: str


class LaagPaar(TypedDict):
    thema: str
    laag: str


Paar = ThemaPaar | LaagPaar


class LaagDeel(TypedDict):
    laag: str
    oppervlakte_ha: float  # of the face, inside the laag


class VlakCombinaties(TypedDict):
    """What a face carries: its pairs in conflict and in koppelkans, and the lagen it lies in
    (partly or wholly)."""

    conflicten: list[Paar]
    koppelkansen: list[Paar]
    lagen: list[LaagDeel]


class LaagInGebied(TypedDict):
    laag: str
    naam: str
    soort: str  # sturend or informatief
    oppervlakte_ha: float  # of the laag inside the gebied


class ThemaPaarOppervlak(TypedDict):
    thema_a: str
    thema_b: str
    waarde: str
    oppervlakte_ha: float


class LaagPaarOppervlak(TypedDict):
    thema: str
    laag: str
    waarde: str
    oppervlakte_ha: float


class ConflictHotspot(TypedDict):
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[str]
    oppervlakte_ha: float
    conflict_ha: float  # the part of the face in conflict
    conflicten: list[Paar]
    punt_rd: list[float]  # a point in the part in conflict, RD


class ConflictHotspotInCrs(TypedDict):
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[str]
    oppervlakte_ha: float
    conflict_ha: float
    conflicten: list[Paar]
    punt: list[float]  # `punt_rd` in the asked CRS


class OpgaveKnelpunt(TypedDict):
    opgave: str
    thema: str
    oppervlakte_ha: float


class LaagKnelpunt(TypedDict):
    laag: str
    oppervlakte_ha: float


class Knelpunt(TypedDict):
    """An opgave's conflicts: with each other opgave and with each sturende laag, and the
    area of its own in conflict with any of them (counted once)."""

    opgave: str
    thema: str
    conflict_ha: float
    met_opgaven: list[OpgaveKnelpunt]
    met_lagen: list[LaagKnelpunt]


class Combinaties(TypedDict):
    """The combinaties part of a stored samenvatting."""

    versie: int  # of the matrices it was computed with
    voorbeeld: bool  # they were the shipped voorbeeld
    lagen: list[LaagInGebied]
    conflict_ha: float  # in conflict: between themas, or a thema with a laag
    koppelkans_ha: float
    beide_ha: float  # in conflict and in koppelkans
    paren: list[ThemaPaarOppervlak]
    laag_paren: list[LaagPaarOppervlak]
    hotspots: list[ConflictHotspot]
    knelpunten: list[Knelpunt]
    sliver_ha: float  # parts of faces in a laag thinner than the stapeling's slivers: left out


class CombinatiesInCrs(TypedDict):
    """The combinaties part as the API answers it."""

    versie: int
    voorbeeld: bool
    lagen: list[LaagInGebied]
    conflict_ha: float
    koppelkans_ha: float
    beide_ha: float
    paren: list[ThemaPaarOppervlak]
    laag_paren: list[LaagPaarOppervlak]
    hotspots: list[ConflictHotspotInCrs]
    knelpunten: list[Knelpunt]
    sliver_ha: float
