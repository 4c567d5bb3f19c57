"""JSON Schemas of the OGC collections: the schema of their features (Part 5, Schemas) and
their queryables (Part 3). The property names are those `collections.items` returns."""

from typing import Any

from sqlalchemy.orm import Session

from gebiedsregie.gebieden.models import GebiedSoort
from gebiedsregie.ogc.collections import (
    GEBIEDEN,
    OPGAVEN,
    REFERENTIELAAG,
    STAPELING,
    Collectie,
)
from gebiedsregie.ogc.queryables import queryables as filter_queryables
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import HORIZON_MAX, HORIZON_MIN, Status, Trekker
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.stapeling.models import AANTAL_MAX

SCHEMA_JSON = "application/schema+json"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features",
]

Eigenschap = dict[str, Any]

# The parameters that filter a collection besides `filter`, for the queryables' description.
PARAMETERS = {
    GEBIEDEN: "bbox, soort",
    OPGAVEN: "bbox, datetime (de horizon), thema, status, trekker en gebied",
    STAPELING: "bbox, gebied, min_aantal en variant",
    REFERENTIELAAG: "bbox",
}


def _eigenschap(title: str, soort: str | list[str], **extra: Any) -> Eigenschap:
    return {"title": title, "type": soort, **extra}


def _tekst(title: str, **extra: Any) -> Eigenschap:
    return _eigenschap(title, "string", **extra)


def _lijst(title: str, items: Eigenschap) -> Eigenschap:
    return _eigenschap(title, "array", items=items)


def _geometrie(soort: str) -> Eigenschap:
    return {"title": "Geometrie", "format": f"geometry-{soort}", "x-ogc-role": "primary-geometry"}


def _uuid(title: str = "Id", role: bool = True) -> Eigenschap:
    return _tekst(title, format="uuid", **({"x-ogc-role": "id"} if role else {}))


def _tijdstip(title: str) -> Eigenschap:
    return _tekst(title, format="date-time")


def _gebied_eigenschappen() -> dict[str, Eigenschap]:
    return {
        "id": _uuid(),
        "slug": _tekst("Slug", description="De korte naam van het gebied in URL's."),
        "naam": _tekst("Naam"),
        "soort": _tekst("Soort gebied", enum=[str(s) for s in GebiedSoort]),
        "provincies": _lijst("Provincies", _tekst("Provincie")),
        "gemeenten": _lijst("Gemeenten", _tekst("Gemeente")),
        "beschrijving": _tekst("Beschrijving"),
        "bron": _tekst("Bron"),
        "oppervlakte_ha": _eigenschap("Oppervlakte (ha)", "number", minimum=0),
        "versie": _eigenschap("Versie", "integer", minimum=1),
        "aangemaakt_op": _tijdstip("Aangemaakt op"),
        "gewijzigd_op": _tijdstip("Gewijzigd op"),
        "geometry": _geometrie("multipolygon"),
    }


def _opgave_eigenschappen(themas: list[str]) -> dict[str, Eigenschap]:
    return {
        "id": _uuid(),
        "titel": _tekst("Titel"),
        "thema": _tekst("Thema", enum=themas),
        "beschrijving": _tekst("Beschrijving"),
        "trekker": _tekst("Trekker", enum=[str(t) for t in Trekker]),
        "status": _tekst("Status", enum=[str(s) for s in Status]),
        "horizon": _eigenschap(
            "Horizon (streefjaar)", ["integer", "null"], minimum=HORIZON_MIN, maximum=HORIZON_MAX
        ),
        "ruimtevraag_ha": _eigenschap("Ruimtevraag (ha)", ["number", "null"], minimum=0),
        "bron": _tekst("Bron"),
        "extern_id": _eigenschap("Extern id", ["string", "null"]),
        "oppervlakte_ha": _eigenschap("Oppervlakte (ha)", "number", minimum=0),
        "gebieden": _lijst("Gebieden", _tekst("Gebied (slug)")),
        "versie": _eigenschap("Versie", "integer", minimum=1),
        "aangemaakt_op": _tijdstip("Aangemaakt op"),
        "gewijzigd_op": _tijdstip("Gewijzigd op"),
        "geometry": _geometrie("multipolygon"),
    }


def _stapeling_eigenschappen(themas: list[str]) -> dict[str, Eigenschap]:
    return {
        "id": _tekst(
            "Id", description="<gebied>.<nr>, of <gebied>.<variant>.<nr>.", **{"x-ogc-role": "id"}
        ),
        "gebied": _tekst("Gebied (slug)"),
        "variant": _uuid("Variant", role=False) | {"description": "Alleen bij ?variant=."},
        "nr": _eigenschap("Nummer van het vlak", "integer", minimum=0),
        "aantal": _eigenschap("Aantal opgaven", "integer", minimum=1, maximum=AANTAL_MAX),
        "aantal_themas": _eigenschap("Aantal thema's", "integer", minimum=0),
        "themas": _lijst("Thema's", _tekst("Thema", enum=themas)),
        "opgaven": _lijst("Opgaven", _uuid("Opgave", role=False)),
        "oppervlakte_ha": _eigenschap("Oppervlakte (ha)", "number", minimum=0),
        "geometry": _geometrie("polygon"),
    }


def _referentielaag_eigenschappen(session: Session, collectie: Collectie) -> dict[str, Eigenschap]:
    laag = referentielagen_service.get_laag(session, str(collectie.laag))
    vast = {
        "id": _uuid(),
        "naam": _tekst("Naam"),
        "extern_id": _eigenschap("Extern id", ["string", "null"]),
    }
    bron: dict[str, Eigenschap] = {}
    for key, soorten in sorted(referentielagen_service.eigenschap_typen(session, laag).items()):
        # As vlakke_eigenschappen: an attribute named as naam or extern_id becomes bron_<name>.
        name = f"bron_{key}" if key.lower() in vast else key
        soort = sorted(soorten)
        bron[name] = {
            "title": key,
            "description": "Attribuut uit de bron.",
            "type": soort[0] if len(soort) == 1 else soort,
        }
    return {**vast, **bron, "geometry": _geometrie("multipolygon")}


def eigenschappen(session: Session, collectie: Collectie) -> dict[str, Eigenschap]:
    """Return the JSON Schema of each property of the collection's features: their GeoJSON
    `properties`, the feature's `id` and its `geometry`."""
    if collectie.soort == REFERENTIELAAG:
        return _referentielaag_eigenschappen(session, collectie)
    if collectie.soort == GEBIEDEN:
        return _gebied_eigenschappen()
    themas = [t.code for t in opgaven_service.list_themas(session)]
    if collectie.soort == OPGAVEN:
        return _opgave_eigenschappen([collectie.thema] if collectie.thema else themas)
    return _stapeling_eigenschappen(themas)


def _document(
    href: str, title: str, properties: dict[str, Eigenschap], open_: bool
) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": href,
        "type": "object",
        "title": title,
        "properties": properties,
        # A referentielaag's objecten need not all carry the same source attributes.
        "additionalProperties": open_,
    }


def feature_schema(session: Session, collectie: Collectie, href: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the collection's features (Part 5)."""
    properties = eigenschappen(session, collectie)
    return {
        **_document(href, collectie.title, properties, collectie.soort == REFERENTIELAAG),
        "description": f"De eigenschappen van de features van de collectie {collectie.id}.",
    }


def queryables(session: Session, collectie: Collectie, href: str) -> dict[str, Any]:
    """Return the queryables of the collection (Part 3): exactly the properties a CQL2
    `filter` may name, with their JSON Schema as in /schema and what a filter does with them."""
    properties = eigenschappen(session, collectie)
    selected = {
        name: properties[name] | {"description": queryable.beschrijving}
        for name, queryable in filter_queryables(session, collectie).items()
    }
    return {
        **_document(href, f"Queryables van {collectie.title}", selected, False),
        "description": (
            "De eigenschappen waarop deze collectie te filteren is met filter (CQL2-tekst of "
            "CQL2-JSON, filter-lang). Ook de parameters "
            f"{PARAMETERS[collectie.soort]} filteren."
        ),
    }
