"""An independent ruimtebalans for axis-aligned rectangles, without GEOS: the plane is cut on
every rectangle edge into cells, and each cell is in a shape or not, by comparisons alone.
Exact for rectangles (up to float addition), and no code path shared with the service."""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

Rect = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (metres)
HA = 10_000.0


@dataclass(frozen=True)
class Opg:
    thema: str
    ruimtevraag_ha: float | None
    rects: tuple[Rect, ...]  # the shape: a union of rectangles


@dataclass(frozen=True)
class Laag:
    naam: str
    rects: tuple[Rect, ...]


def _inside(rects: Sequence[Rect], x: float, y: float) -> bool:
    return any(r[0] < x < r[2] and r[1] < y < r[3] for r in rects)


class Grid:
    """Cells between all rectangle edges; a shape's area is the sum of its cells'."""

    def __init__(self, shapes: Sequence[Sequence[Rect]]) -> None:
        xs = sorted({v for rects in shapes for r in rects for v in (r[0], r[2])})
        ys = sorted({v for rects in shapes for r in rects for v in (r[1], r[3])})
        self.cells = [
            ((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * (y1 - y0))
            for x0, x1 in pairwise(xs)
            for y0, y1 in pairwise(ys)
        ]

    def area(self, *conditions: Sequence[Rect], without: Sequence[Rect] = ()) -> float:
        """Area (m²) in all of `conditions` (each a union of rectangles), outside `without`."""
        return sum(
            a
            for x, y, a in self.cells
            if all(_inside(c, x, y) for c in conditions) and not _inside(without, x, y)
        )


def balans(gebied: Sequence[Rect], opgaven: Sequence[Opg], lagen: Sequence[Laag]) -> dict:
    """Return the figures the service must give, in ha, for rectangle inputs."""
    grid = Grid([gebied, *(o.rects for o in opgaven), *(lg.rects for lg in lagen)])
    sturend = [r for lg in lagen for r in lg.rects]
    gebied_ha = grid.area(gebied) / HA
    sturend_ha = grid.area(gebied, sturend) / HA
    themas: dict[str, dict] = {}
    for o in opgaven:
        t = themas.setdefault(
            o.thema, {"vraag": 0.0, "geschat": 0, "aantal": 0, "som": 0.0, "rects": []}
        )
        inside_ha = grid.area(gebied, o.rects) / HA
        t["aantal"] += 1
        t["som"] += inside_ha
        t["rects"] += o.rects
        if o.ruimtevraag_ha is None:
            t["vraag"] += inside_ha
            t["geschat"] += 1
        else:
            t["vraag"] += o.ruimtevraag_ha
    for t in themas.values():
        t["unie"] = grid.area(gebied, t["rects"]) / HA
        t["in_sturend"] = grid.area(gebied, t["rects"], sturend) / HA
    alles = [r for o in opgaven for r in o.rects]
    vraag = sum(t["vraag"] for t in themas.values())
    beschikbaar = gebied_ha - sturend_ha
    return {
        "gebied_ha": gebied_ha,
        "sturend_ha": sturend_ha,
        "beschikbaar_ha": beschikbaar,
        "vraag_ha": vraag,
        "saldo_ha": beschikbaar - vraag,
        "zoekgebied_ha_som": sum(t["som"] for t in themas.values()),
        "zoekgebied_ha_unie": grid.area(gebied, alles) / HA,
        "zoekgebied_in_sturend_ha": grid.area(gebied, alles, sturend) / HA,
        "lagen": {lg.naam: grid.area(gebied, lg.rects) / HA for lg in lagen},
        "themas": themas,
    }
