"""The ruimtebalans of a gebied: what its opgaven ask against the ground that is available.

Pure, like `stapeling.analysis`: shapely geometries in (RD, metres), figures out. No session.

What counts
-----------
- *Zoekgebied*: an opgave's shape, where it may land, clipped to the gebied.
- *Vraag*: what an opgave needs, its `ruimtevraag_ha`, counted in full (also when the opgave
  reaches outside the gebied: how much of it would land there, nobody says). Where it is
  missing, its zoekgebied inside the gebied stands in, and the thema's vraag says it is
  (partly) estimated, and from how many opgaven.
- *Sturend*: the union of the sturende lagen inside the gebied (overlaps counted once);
  *beschikbaar* is the gebied minus that. Beschikbaar is not empty ground: it is the ground
  no sturende laag claims.

Areas are exact GEOS overlays, nothing simplified; hectares are rounded to 4 decimals (1 m²)
at the end, and the totals are derived from the rounded figures so that a table adds up.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import shapely
from shapely import Geometry

HA = 10_000.0
DECIMALS = 4
BUITEN_MIN_M2 = 1.0  # an opgave with more than this outside the gebied reaches beyond it


class Geschat(StrEnum):
    """How much of a thema's vraag stands in for a missing ruimtevraag_ha."""

    NEE = "nee"  # every opgave has a ruimtevraag_ha
    DEELS = "deels"
    GEHEEL = "geheel"  # no opgave has one: the vraag is the zoekgebied


@dataclass(frozen=True)
class OpgaveVraag:
    """An opgave as the ruimtebalans takes it."""

    thema: str
    ruimtevraag_ha: float | None
    geom: Geometry  # RD


@dataclass(frozen=True)
class SturendeLaag:
    """A sturende referentielaag: its objecten (RD; only the part in the gebied counts)."""

    slug: str
    naam: str
    kleur: str
    geom: Geometry


@dataclass(frozen=True)
class ThemaBalans:
    thema: str
    aantal_opgaven: int
    vraag_ha: float
    geschat: Geschat
    aantal_geschat: int  # opgaven without ruimtevraag_ha, their zoekgebied counted instead
    geschat_ha: float  # the part of vraag_ha that is such a zoekgebied
    zoekgebied_ha_som: float
    zoekgebied_ha_unie: float
    zoekgebied_in_sturend_ha: float


@dataclass(frozen=True)
class LaagBalans:
    slug: str
    naam: str
    kleur: str
    oppervlakte_ha: float  # inside the gebied


@dataclass(frozen=True)
class Balans:
    gebied_ha: float
    sturend_ha: float
    beschikbaar_ha: float
    vraag_ha: float
    saldo_ha: float  # beschikbaar - vraag: negative is a tekort
    ratio: float | None  # vraag / beschikbaar; None when nothing is available
    ruimtedruk_zoekgebied: float | None  # zoekgebied_ha_som / gebied_ha (the samenvatting's)
    ruimtedruk_vraag: float | None  # vraag_ha / gebied_ha
    zoekgebied_ha_som: float
    zoekgebied_ha_unie: float
    zoekgebied_in_sturend_ha: float
    aantal_opgaven: int
    aantal_geschat: int
    aantal_deels_buiten: int  # opgaven reaching outside the gebied (their vraag counts in full)
    themas: list[ThemaBalans] = field(default_factory=list)
    sturende_lagen: list[LaagBalans] = field(default_factory=list)


def _ha(m2: float) -> float:
    return round(m2 / HA, DECIMALS)


def _union(geoms: Sequence[Geometry]) -> Geometry:
    return shapely.union_all(list(geoms)) if geoms else shapely.Polygon()


def _clip(geom: Geometry, gebied: Geometry) -> Geometry:
    """The part of `geom` inside `gebied`, as polygons only: where they merely touch, the
    intersection has lines or points, and a collection of mixed dimensions cannot be
    overlaid again."""
    inside = geom if gebied.contains(geom) else geom.intersection(gebied)
    if inside.geom_type in ("Polygon", "MultiPolygon"):
        return inside
    return _union([p for p in shapely.get_parts(inside) if p.geom_type == "Polygon"])


def compute_balans(
    gebied: Geometry,
    opgaven: Sequence[OpgaveVraag],
    lagen: Sequence[SturendeLaag],
    thema_volgorde: Sequence[str] = (),
) -> Balans:
    """Return the ruimtebalans of `opgaven` in `gebied` against the sturende `lagen`.

    Parameters
    ----------
    gebied : Geometry
        The gebied (RD), a valid (Multi)Polygon.
    opgaven : sequence of OpgaveVraag
        The opgaven taking part (each meeting the gebied; one outside it counts 0 ha of
        zoekgebied but its full ruimtevraag_ha).
    lagen : sequence of SturendeLaag
        The sturende lagen; informatieve lagen are not passed.
    thema_volgorde : sequence of str
        The order of the themas in the answer; themas not in it follow by code.

    Returns
    -------
    Balans
        Per thema and in total. ``beschikbaar_ha = gebied_ha - sturend_ha`` and
        ``saldo_ha = beschikbaar_ha - vraag_ha`` hold exactly on the rounded figures.

    Examples
    --------
    >>> from shapely import box
    >>> b = compute_balans(
    ...     box(0, 0, 1000, 1000),
    ...     [OpgaveVraag("wonen", 20.0, box(0, 0, 500, 1000))],
    ...     [SturendeLaag("n2000", "Natura 2000", "#2e7d32", box(500, 0, 1500, 1000))],
    ... )
    >>> b.gebied_ha, b.sturend_ha, b.beschikbaar_ha, b.vraag_ha, b.saldo_ha
    (100.0, 50.0, 50.0, 20.0, 30.0)
    """
    gebied_m2 = gebied.area
    shapely.prepare(gebied)
    laag_in = [_clip(lg.geom, gebied) for lg in lagen]
    sturend = _union(laag_in)
    sturend_ha = _ha(sturend.area)

    per_thema: dict[str, list[tuple[OpgaveVraag, Geometry]]] = {}
    deels_buiten = 0
    for o in opgaven:
        inside = _clip(o.geom, gebied)
        if o.geom.area - inside.area > BUITEN_MIN_M2:
            deels_buiten += 1
        per_thema.setdefault(o.thema, []).append((o, inside))

    rank = {code: i for i, code in enumerate(thema_volgorde)}
    order = sorted(per_thema, key=lambda c: (rank.get(c, len(rank)), c))
    themas: list[ThemaBalans] = []
    unions: list[Geometry] = []
    for code in order:
        members = per_thema[code]
        estimated = [inside.area for o, inside in members if o.ruimtevraag_ha is None]
        given_ha = sum(o.ruimtevraag_ha for o, _ in members if o.ruimtevraag_ha is not None)
        union = _union([inside for _, inside in members])
        unions.append(union)
        geschat = (
            Geschat.NEE
            if not estimated
            else Geschat.GEHEEL
            if len(estimated) == len(members)
            else Geschat.DEELS
        )
        themas.append(
            ThemaBalans(
                thema=code,
                aantal_opgaven=len(members),
                vraag_ha=round(given_ha + sum(estimated) / HA, DECIMALS),
                geschat=geschat,
                aantal_geschat=len(estimated),
                geschat_ha=_ha(sum(estimated)),
                zoekgebied_ha_som=_ha(sum(inside.area for _, inside in members)),
                zoekgebied_ha_unie=_ha(union.area),
                zoekgebied_in_sturend_ha=_ha(union.intersection(sturend).area),
            )
        )

    alles = _union(unions)
    gebied_ha = _ha(gebied_m2)
    beschikbaar_ha = round(gebied_ha - sturend_ha, DECIMALS)
    vraag_ha = round(sum(t.vraag_ha for t in themas), DECIMALS)
    som_ha = round(sum(t.zoekgebied_ha_som for t in themas), DECIMALS)
    return Balans(
        gebied_ha=gebied_ha,
        sturend_ha=sturend_ha,
        beschikbaar_ha=beschikbaar_ha,
        vraag_ha=vraag_ha,
        saldo_ha=round(beschikbaar_ha - vraag_ha, DECIMALS),
        ratio=round(vraag_ha / beschikbaar_ha, DECIMALS) if beschikbaar_ha > 0 else None,
        ruimtedruk_zoekgebied=round(som_ha / gebied_ha, DECIMALS) if gebied_ha > 0 else None,
        ruimtedruk_vraag=round(vraag_ha / gebied_ha, DECIMALS) if gebied_ha > 0 else None,
        zoekgebied_ha_som=som_ha,
        zoekgebied_ha_unie=_ha(alles.area),
        zoekgebied_in_sturend_ha=_ha(alles.intersection(sturend).area),
        aantal_opgaven=len(opgaven),
        aantal_geschat=sum(t.aantal_geschat for t in themas),
        aantal_deels_buiten=deels_buiten,
        themas=themas,
        sturende_lagen=[
            LaagBalans(lg.slug, lg.naam, lg.kleur, _ha(inside.area))
            for lg, inside in zip(lagen, laag_in, strict=True)
        ],
    )
