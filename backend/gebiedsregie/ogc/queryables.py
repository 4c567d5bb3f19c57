"""The queryables of each OGC collection: what a CQL2 `filter` may name, its type, and the
SQL expression it stands for. `jsonschemas.queryables` publishes exactly these."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Double, Numeric, Text, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.ogc.collections import GEBIEDEN, OPGAVEN, REFERENTIELAAG, STAPELING, Collectie
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import Referentieobject
from gebiedsregie.stapeling.models import Stapeling, StapelingVlak

# Kinds of queryable, and the literals each compares with.
STRING, INTEGER, NUMBER, BOOLEAN, DATE_TIME, YEAR, GEOMETRY, STRING_ARRAY = (
    "string", "integer", "number", "boolean", "date-time", "year", "geometry", "string-array",
)  # fmt: skip

HORIZON_BESCHRIJVING = (
    "Het streefjaar. Een getal vergelijkt met het jaar (horizon >= 2030). In de tijdfuncties "
    "(T_INTERSECTS, T_BEFORE, T_AFTER, T_DURING, ...) is een jaar het gesloten interval van "
    "zijn eerste tot en met zijn laatste dag: 2030 = [2030-01-01, 2030-12-31]. Een DATE is "
    "die dag, een TIMESTAMP de dag (UTC) waarop hij valt, een INTERVAL loopt van de dag van "
    "zijn begin tot en met die van zijn eind ('..' is open). Zonder horizon is een tijdfunctie "
    "onbekend (dus niet waar, ook niet onder NOT)."
)
THEMAS_BESCHRIJVING = (
    "De thema's die in het vlak samenkomen. themas = 'wonen' is waar als 'wonen' er een van "
    "is; themas IN ('wonen', 'water') als een van beide erbij is. Andere vergelijkingen gaan "
    "niet op een lijst."
)


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its kind (above) and the SQL expression of its value."""

    name: str
    kind: str
    column: Any
    beschrijving: str = "Te gebruiken in filter (CQL2)."

    def interval(self) -> tuple[Any, Any]:
        """The first and last day of a YEAR queryable, as SQL dates."""
        return func.make_date(self.column, 1, 1), func.make_date(self.column, 12, 31)


def _area_ha(geom: Any) -> Any:
    # As geometry.area_ha: hectares to the square metre.
    return func.round(cast(func.ST_Area(geom) / 10_000, Numeric), 4)


def _q(name: str, kind: str, column: Any, beschrijving: str | None = None) -> Queryable:
    return Queryable(name, kind, column, beschrijving or "Te gebruiken in filter (CQL2).")


def _opgave_queryables(thema: str | None) -> list[Queryable]:
    thema_q = [] if thema else [_q("thema", STRING, Opgave.thema, "Ook als parameter thema.")]
    return [
        _q("id", STRING, cast(Opgave.id, Text)),
        _q("titel", STRING, Opgave.titel),
        *thema_q,
        _q("beschrijving", STRING, Opgave.beschrijving),
        _q("trekker", STRING, Opgave.trekker, "Ook als parameter trekker."),
        _q("status", STRING, Opgave.status, "Ook als parameter status."),
        _q("horizon", YEAR, Opgave.horizon, HORIZON_BESCHRIJVING),
        _q("ruimtevraag_ha", NUMBER, Opgave.ruimtevraag_ha),
        _q("bron", STRING, Opgave.bron),
        _q("extern_id", STRING, Opgave.extern_id),
        _q("oppervlakte_ha", NUMBER, _area_ha(Opgave.geom)),
        _q("versie", INTEGER, Opgave.versie),
        _q("aangemaakt_op", DATE_TIME, Opgave.aangemaakt_op),
        _q("gewijzigd_op", DATE_TIME, Opgave.gewijzigd_op),
        _q("geometry", GEOMETRY, Opgave.geom, "Ook als parameter bbox."),
    ]


def _gebied_queryables() -> list[Queryable]:
    return [
        _q("id", STRING, cast(Gebied.id, Text)),
        _q("slug", STRING, Gebied.slug),
        _q("naam", STRING, Gebied.naam),
        _q("soort", STRING, Gebied.soort, "Ook als parameter soort."),
        _q("beschrijving", STRING, Gebied.beschrijving),
        _q("bron", STRING, Gebied.bron),
        _q("oppervlakte_ha", NUMBER, _area_ha(Gebied.geom)),
        _q("versie", INTEGER, Gebied.versie),
        _q("aangemaakt_op", DATE_TIME, Gebied.aangemaakt_op),
        _q("gewijzigd_op", DATE_TIME, Gebied.gewijzigd_op),
        _q("geometry", GEOMETRY, Gebied.geom, "Ook als parameter bbox."),
    ]


def _stapeling_queryables() -> list[Queryable]:
    stapeling = aliased(Stapeling)
    slug = (
        select(Gebied.slug)
        .join(stapeling, stapeling.gebied_id == Gebied.id)
        .where(stapeling.id == StapelingVlak.stapeling_id)
        .correlate(StapelingVlak)
        .scalar_subquery()
    )
    return [
        _q("gebied", STRING, slug, "Ook als parameter gebied."),
        _q("nr", INTEGER, StapelingVlak.nr),
        _q("aantal", INTEGER, StapelingVlak.aantal, "Ook als parameter min_aantal."),
        _q("aantal_themas", INTEGER, StapelingVlak.aantal_themas),
        _q("themas", STRING_ARRAY, StapelingVlak.themas, THEMAS_BESCHRIJVING),
        _q("oppervlakte_ha", NUMBER, StapelingVlak.oppervlakte_ha),
        _q("geometry", GEOMETRY, StapelingVlak.geom, "Ook als parameter bbox."),
    ]


# A source attribute of one JSON type is a typed queryable; other types are left out.
JSON_KINDS: dict[str, tuple[str, Any]] = {
    "string": (STRING, Text),
    "number": (NUMBER, Double),
    "boolean": (BOOLEAN, None),
}


def _jsonb(key: str, soort: str, vast: Any = None) -> Any:
    """The attribute's value as its SQL type; NULL when missing, JSON null or of another type
    (so a cast never fails on another object's value)."""
    value = Referentieobject.eigenschappen[key]
    text = value.astext
    typed = text == "true" if soort == "boolean" else cast(text, JSON_KINDS[soort][1])
    wanted = func.jsonb_typeof(value) == soort
    if vast is not None:  # bron_<naam>: left out of the properties when it equals the fixed one
        wanted = and_(wanted, text.is_distinct_from(cast(vast, Text)))
    return case((wanted, typed), else_=None)


def _referentielaag_queryables(session: Session, collectie: Collectie) -> list[Queryable]:
    laag = referentielagen_service.get_laag(session, str(collectie.laag))
    vast = {"naam": Referentieobject.naam, "extern_id": Referentieobject.extern_id}
    result = [
        _q("id", STRING, cast(Referentieobject.id, Text)),
        _q("naam", STRING, Referentieobject.naam),
        _q("extern_id", STRING, Referentieobject.extern_id),
    ]
    for key, soorten in sorted(referentielagen_service.eigenschap_typen(session, laag).items()):
        typed = soorten - {"null"}
        if len(typed) != 1 or next(iter(typed)) not in JSON_KINDS:
            continue
        soort = next(iter(typed))
        # As vlakke_eigenschappen names it: bron_<key> when it takes a fixed property's name.
        clash = vast.get(key.lower())
        name = f"bron_{key}" if clash is not None else key
        beschrijving = "Attribuut uit de bron; ontbreekt het, dan is het null."
        result.append(_q(name, JSON_KINDS[soort][0], _jsonb(key, soort, clash), beschrijving))
    result.append(_q("geometry", GEOMETRY, Referentieobject.geom, "Ook als parameter bbox."))
    return result


def queryables(session: Session, collectie: Collectie) -> dict[str, Queryable]:
    """Return the queryables of a collection by name."""
    if collectie.soort == OPGAVEN:
        found = _opgave_queryables(collectie.thema)
    elif collectie.soort == GEBIEDEN:
        found = _gebied_queryables()
    elif collectie.soort == STAPELING:
        found = _stapeling_queryables()
    elif collectie.soort == REFERENTIELAAG:
        found = _referentielaag_queryables(session, collectie)
    else:  # pragma: no cover - every soort is listed above
        raise ValueError(collectie.soort)
    return {q.name: q for q in found}
