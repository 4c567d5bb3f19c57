"""The samenvatting's shape: what `summary` and `compute` build, the store keeps as JSONB, and
`schemas.samenvatting_in` answers (there with the hotspot points in the asked CRS).

TypedDicts, not classes: the samenvatting is stored and answered as the JSON object it is, so
typing it changes no byte of it. `schemas.Samenvatting` documents the same fields in the
OpenAPI (tests/stapeling/test_samenvatting_json.py holds them together).
"""

from typing import NotRequired, TypedDict

from gebiedsregie.combinaties.samenvatting import Combinaties, CombinatiesInCrs


class DiepteOppervlak(TypedDict):
    aantal: int
    oppervlakte_ha: float


class Kerncijfers(TypedDict):
    """What `summary.summarize` computes from the faces."""

    gebied_ha: float
    bedekt_ha: float
    max_diepte: int
    per_diepte: list[DiepteOppervlak]
    per_thema: dict[str, float]
    themas: list[str]
    overlap_ha: list[list[float]]
    ruimtedruk: float | None  # by zoekgebied; by vraag is the ruimtebalans' (ruimtebalans/)
    aantal_vlakken: int
    sliver_ha: float


class FilterWaarden(TypedDict):
    """The filters a stapeling was computed for (`StapelingFilter.as_dict`)."""

    thema: list[str]
    status: list[str]
    trekker: list[str]
    horizon: int | None


class Hotspot(TypedDict):
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[str]
    oppervlakte_ha: float
    punt_rd: list[float]  # a point in the face, RD


class Samenvatting(Kerncijfers):
    """The samenvatting as computed and stored."""

    aantal_opgaven: int
    hotspots: list[Hotspot]
    filters: FilterWaarden
    combinaties: Combinaties | None  # None: computed without the matrices


class HotspotInCrs(TypedDict):
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[str]
    oppervlakte_ha: float
    punt: list[float]  # `punt_rd` in the asked CRS


class SamenvattingInCrs(Kerncijfers):
    """The samenvatting as the API answers it."""

    aantal_opgaven: int
    filters: FilterWaarden
    hotspots: list[HotspotInCrs]
    combinaties: CombinatiesInCrs | None
    # Added by GET …/samenvatting beside the stored figures (ruimtebalans.service.vraag).
    vraag_ha: NotRequired[float]
    vraag_aantal_geschat: NotRequired[int]
    ruimtedruk_vraag: NotRequired[float | None]
