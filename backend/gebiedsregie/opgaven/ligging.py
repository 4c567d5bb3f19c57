"""Where an opgave lies among the gebieden, and the meldingen when (part of) it lies outside.

A gebied's map and stapeling show only what lies inside it: an opgave outside every gebied
appears on no map, and the part of an opgave outside its gebieden counts in no stapeling.
The planner is told so when saving, and the page can ask before saving (`/opgaven/ligging`).
"""

import uuid
from dataclasses import dataclass

from shapely import MultiPolygon
from sqlalchemy.orm import Session

from gebiedsregie.gebieden import service as gebieden_service

# Below this share outside, nothing is said. Snapping to the millimetre grid leaves slivers of
# about 1 mm times the length of a shared border: 0.5 % of the area only for a strip narrower
# than 20 cm along it. A shape traced by hand along a border (a few metres off) stays below it
# for anything larger than a few hectares, and a real overshoot of 0.5 % is worth a word.
DREMPEL_BUITEN = 0.005


@dataclass(frozen=True)
class GebiedAandeel:
    id: uuid.UUID
    slug: str
    naam: str
    aandeel_binnen: float  # share of the opgave's area inside this gebied


@dataclass(frozen=True)
class Ligging:
    """The gebieden an opgave meets and how much of it lies outside all of them."""

    gebieden: list[GebiedAandeel]
    aandeel_buiten: float
    dichtstbij: tuple[str, float] | None = None  # naam and distance (m), when outside all

    def meldingen(self) -> list[dict[str, str]]:
        """Return the meldingen for a planner: none when the opgave lies within its gebieden."""
        if not self.gebieden:
            return [{"code": "buiten_gebieden", "reason": self._buiten_alle()}]
        if self.aandeel_buiten <= DREMPEL_BUITEN:
            return []
        namen = _opsomming([g.naam for g in self.gebieden])
        welke = "dat gebied telt" if len(self.gebieden) == 1 else "die gebieden telt"
        reason = (
            f"{_procent(self.aandeel_buiten)} van deze opgave ligt buiten {namen}; "
            f"de stapeling van {welke} alleen het deel erbinnen."
        )
        return [{"code": "deels_buiten_gebied", "reason": reason}]

    def _buiten_alle(self) -> str:
        reason = (
            "Deze opgave ligt buiten alle gebieden: zij staat op geen gebiedskaart en telt in "
            "geen stapeling mee."
        )
        if self.dichtstbij is not None:
            naam, afstand = self.dichtstbij
            reason += f" Het dichtstbijzijnde gebied is {naam}, op {_afstand(afstand)}."
        return reason


def ligging(session: Session, geom: MultiPolygon) -> Ligging:
    """Return where an RD geometry lies among the live gebieden."""
    area = geom.area
    delen, binnen_m2 = gebieden_service.gebieden_meeting(session, geom)
    if not delen:
        return Ligging([], 1.0, gebieden_service.nearest_gebied(session, geom))
    gebieden = [GebiedAandeel(d.id, d.slug, d.naam, _aandeel(d.binnen_m2, area)) for d in delen]
    return Ligging(gebieden, 1.0 - _aandeel(binnen_m2, area))


def _aandeel(part_m2: float, area_m2: float) -> float:
    # The overlay on the millimetre grid can come out a hair above the whole.
    return min(max(part_m2 / area_m2, 0.0), 1.0) if area_m2 > 0 else 0.0


def _opsomming(namen: list[str]) -> str:
    """Food Valley; Food Valley en Chemelot; A, B en C."""
    return namen[0] if len(namen) == 1 else f"{', '.join(namen[:-1])} en {namen[-1]}"


def _procent(aandeel: float) -> str:
    """12 %; 2,5 %; never 100 % or 0 % for a part."""
    procent = aandeel * 100
    if procent > 99.5:
        return "meer dan 99 %"
    if procent >= 10:
        return f"{procent:.0f} %"
    return f"{procent:.1f} %".replace(".", ",")


def _afstand(meters: float) -> str:
    if meters < 1_000:
        return f"{meters:.0f} m"
    return f"{meters / 1_000:.1f} km".replace(".", ",")
