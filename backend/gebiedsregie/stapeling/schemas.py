"""Stapeling output: faces as GeoJSON Features, and the samenvatting."""

import uuid
from typing import Any, Literal, cast

import shapely
from pydantic import BaseModel, Field

from gebiedsregie.combinaties.schemas import Combinaties, VlakCombinaties
from gebiedsregie.crs import Crs, from_rd
from gebiedsregie.schemas import Geometry, Link
from gebiedsregie.stapeling.samenvatting import Samenvatting as StoredSamenvatting
from gebiedsregie.stapeling.samenvatting import SamenvattingInCrs


class VlakProperties(VlakCombinaties):
    nr: int = Field(description="Volgnummer: diepste en grootste vlakken eerst.")
    aantal: int = Field(description="Hoeveel opgaven dit vlak bedekken (ArcGIS: COUNT_).")
    aantal_themas: int = Field(description="Hoeveel verschillende themas (ArcGIS: COUNT_FC).")
    themas: list[str]
    opgaven: list[uuid.UUID]
    oppervlakte_ha: float


class Vlak(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: Geometry
    properties: VlakProperties


class VlakkenCollection(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int
    numberReturned: int
    links: list[Link]
    features: list[Vlak]


class DiepteOppervlak(BaseModel):
    aantal: int
    oppervlakte_ha: float


class Hotspot(BaseModel):
    nr: int
    aantal: int
    themas: list[str]
    opgaven: list[uuid.UUID]
    oppervlakte_ha: float
    punt: list[float] = Field(description="Een punt in het vlak, in het gevraagde CRS.")


class Samenvatting(BaseModel):
    gebied_ha: float = Field(description="Oppervlakte van het gebied (of getekende vlak).")
    bedekt_ha: float = Field(description="Oppervlakte met minstens één opgave.")
    max_diepte: int
    per_diepte: list[DiepteOppervlak] = Field(description="Oppervlakte per precies zoveel opgaven.")
    per_thema: dict[str, float]
    themas: list[str] = Field(description="Volgorde van rijen en kolommen van overlap_ha.")
    overlap_ha: list[list[float]] = Field(description="Thema x thema: waar claims elkaar raken.")
    ruimtedruk: float | None = Field(
        description="Ruimtedruk naar zoekgebied: som van de oppervlakten van de opgaven (hun "
        "zoekgebieden, waar ze mogen landen) binnen het gebied / oppervlakte gebied. Niet wat "
        "ze vragen: de ruimtedruk naar vraag (ruimtevraag / gebied) staat met deze in de "
        "ruimtebalans, GET /api/v1/gebieden/{id}/ruimtebalans."
    )
    vraag_ha: float | None = Field(
        None,
        description="Wat de opgaven vragen: de som van hun ruimtevraag_ha; waar die ontbreekt "
        "telt hun oppervlakte binnen het gebied (zie vraag_aantal_geschat).",
    )
    vraag_aantal_geschat: int | None = Field(
        None,
        description="Opgaven zonder ruimtevraag_ha: hun zoekgebied binnen het gebied telt als "
        "vraag.",
    )
    ruimtedruk_vraag: float | None = Field(
        None,
        description="Ruimtedruk naar vraag: vraag_ha / oppervlakte gebied. Boven 1 vragen de "
        "opgaven samen meer grond dan het gebied heeft (zonder de sturende lagen: zie de "
        "ruimtebalans). Alleen in GET …/samenvatting.",
    )
    aantal_vlakken: int
    aantal_opgaven: int
    sliver_ha: float = Field(description="Oppervlakte van splinters die bij een buurvlak kwamen.")
    hotspots: list[Hotspot]
    filters: dict[str, Any]
    combinaties: Combinaties | None = Field(
        description="Koppelkansen en conflicten (null: berekend zonder de matrices)."
    )


class AdhocStapeling(VlakkenCollection):
    samenvatting: Samenvatting


def samenvatting_in(samenvatting: StoredSamenvatting, crs: Crs) -> SamenvattingInCrs:
    """Return the stored samenvatting with its hotspot points in `crs`."""
    # Copied key by key, not rebuilt: the answer keeps the order of what was stored.
    out: dict[str, Any] = {k: v for k, v in samenvatting.items() if k != "hotspots"}
    out["hotspots"] = [_in_crs(spot, crs) for spot in samenvatting.get("hotspots", [])]
    if samenvatting.get("combinaties"):
        combinaties: dict[str, Any] = dict(samenvatting["combinaties"])  # type: ignore[arg-type]
        combinaties["hotspots"] = [_in_crs(spot, crs) for spot in combinaties["hotspots"]]
        out["combinaties"] = combinaties
    return cast(SamenvattingInCrs, out)


def _in_crs(spot: Any, crs: Crs) -> dict[str, Any]:
    """A hotspot with its point (`punt_rd`) as `punt` in `crs`, in the same key order."""
    point = from_rd(shapely.Point(spot["punt_rd"]), crs)
    item: dict[str, Any] = {k: v for k, v in spot.items() if k != "punt_rd"}
    item["punt"] = [round(point.x, crs.decimals), round(point.y, crs.decimals)]
    return item
