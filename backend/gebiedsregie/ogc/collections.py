"""The OGC API Features collections: which there are, their extents, and their items.

Items come from the domain services; this module only knows how each collection maps onto
them and which query parameters it takes.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, Crs, from_rd
from gebiedsregie.errors import Conflict, FieldError, InvalidInput, NotFound
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied, GebiedSoort
from gebiedsregie.gebieden.schemas import gebied_feature
from gebiedsregie.geometry import geojson_texts, to_geojsons
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import HORIZON_MAX, HORIZON_MIN, Opgave, Status, Trekker
from gebiedsregie.opgaven.schemas import opgave_feature, opgave_features
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import Referentielaag, Referentieobject
from gebiedsregie.referentielagen.schemas import naamsvermelding
from gebiedsregie.stapeling import reads as stapeling_reads
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.compute import Face
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.models import AANTAL_MAX
from gebiedsregie.varianten import service as varianten_service
from gebiedsregie.varianten.stapeling import VariantSituatie

GEBIEDEN, OPGAVEN, STAPELING = "gebieden", "opgaven", "stapeling"
REFERENTIELAAG = "referentielaag"  # one collection per live laag: referentielaag-<slug>
COMMON_PARAMS = {
    "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime",
    "filter", "filter-lang", "filter-crs",  # Part 3: filtering.where
}  # fmt: skip


@dataclass(frozen=True)
class Collectie:
    id: str
    title: str
    description: str
    soort: str  # GEBIEDEN, OPGAVEN, STAPELING or REFERENTIELAAG
    thema: str | None = None
    filters: tuple[str, ...] = ()  # property filters it takes
    temporal: bool = False  # whether `datetime` applies (the opgaven's horizon)
    laag: str | None = None  # a referentielaag's id
    attribution: str | None = None  # a referentielaag's licentie (or bron)


def referentielaag_id(slug: str) -> str:
    """Return the collection id of a referentielaag."""
    return f"{REFERENTIELAAG}-{slug}"


def referentielaag_collectie(laag: Referentielaag) -> Collectie:
    """Return the collection of a live referentielaag: its description names bron, licentie,
    soort and peildatum."""
    soort = "sturend" if laag.soort == "sturend" else "informatief"
    delen = [
        laag.omschrijving,
        f"Referentielaag ({soort}).",
        f"Bron: {laag.bron}" if laag.bron else "",
        f"Licentie: {laag.licentie}" if laag.licentie else "",
        f"Peildatum: {laag.peildatum.isoformat()}." if laag.peildatum else "",
    ]
    return Collectie(
        referentielaag_id(laag.slug),
        laag.naam,
        " ".join(d.strip() for d in delen if d.strip()),
        REFERENTIELAAG,
        laag=str(laag.id),
        attribution=naamsvermelding(laag),
    )


@dataclass
class ItemsQuery:
    limit: int
    offset: int
    crs: Crs
    bbox_rd: shapely.Polygon | None = None
    jaren: tuple[int | None, int | None] | None = None  # datetime as horizon years
    filters: dict[str, list[str]] = field(default_factory=dict)
    where: Any = None  # a CQL2 filter as a SQL condition on the collection's table


def collecties(session: Session) -> list[Collectie]:
    """All collections: gebieden, opgaven, one per thema, one per live referentielaag, and the
    stapeling."""
    opgave_filters = ("thema", "status", "trekker", "gebied")
    result = [
        Collectie(
            GEBIEDEN,
            "Gebieden",
            "De gebieden waarin de provincie regie voert, met hun bestuurlijke indeling.",
            GEBIEDEN,
            filters=("soort",),
        ),
        Collectie(
            OPGAVEN,
            "Opgaven",
            "Alle ruimtelijke opgaven. datetime filtert op de horizon (het streefjaar).",
            OPGAVEN,
            filters=opgave_filters,
            temporal=True,
        ),
    ]
    for thema in opgaven_service.list_themas(session):
        result.append(
            Collectie(
                f"{OPGAVEN}-{thema.code}",
                f"Opgaven {thema.naam}",
                f"De opgaven van het thema {thema.naam}. {thema.beschrijving}".strip(),
                OPGAVEN,
                thema=thema.code,
                filters=("status", "trekker", "gebied"),
                temporal=True,
            )
        )
    result.extend(
        referentielaag_collectie(laag) for laag in referentielagen_service.list_lagen(session)
    )
    result.append(
        Collectie(
            STAPELING,
            "Stapeling",
            "De vlakken van de stapeling per gebied (alle opgaven): hoeveel opgaven en "
            "themas er samenkomen. Filter op gebied en min_aantal; variant geeft de stapeling "
            "van een variant van een gebied (vraagt een account).",
            STAPELING,
            filters=("gebied", "min_aantal", "variant"),
        )
    )
    return result


def get_collectie(session: Session, collection_id: str) -> Collectie:
    for collectie in collecties(session):
        if collectie.id == collection_id:
            return collectie
    raise NotFound(f"Collectie '{collection_id}' bestaat niet.")


def extent(session: Session, collectie: Collectie) -> dict[str, Any]:
    """The collection's spatial extent (CRS84) and, for opgaven, its horizon years."""
    if collectie.soort == REFERENTIELAAG:
        laag = _laag(session, collectie)
        bounds = referentielagen_service.extent_rd(session, laag)
    else:
        if collectie.soort in (GEBIEDEN, STAPELING):  # faces lie inside the gebieden
            query = select(func.ST_Extent(Gebied.geom)).where(gebieden_service.LIVE)
        else:
            query = select(func.ST_Extent(Opgave.geom)).where(opgaven_service.LIVE)
        if collectie.thema:
            query = query.where(Opgave.thema == collectie.thema)
        box = session.scalar(query)
        bounds = _parse_box(box) if box is not None else None
    result: dict[str, Any] = {}
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        corners = from_rd(shapely.box(minx, miny, maxx, maxy).segmentize(1_000), CRS84)
        result["spatial"] = {"bbox": [[round(v, 6) for v in corners.bounds]], "crs": CRS84.uri}
    if collectie.temporal:
        years = select(func.min(Opgave.horizon), func.max(Opgave.horizon)).where(
            opgaven_service.LIVE
        )
        if collectie.thema:
            years = years.where(Opgave.thema == collectie.thema)
        first, last = session.execute(years).one()
        if first is not None:
            result["temporal"] = {
                "interval": [[f"{first}-01-01T00:00:00Z", f"{last}-12-31T23:59:59Z"]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
    return result


def _parse_box(text: str) -> tuple[float, float, float, float]:
    # PostGIS prints BOX(minx miny,maxx maxy)
    inner = text[text.index("(") + 1 : text.rindex(")")]
    low, high = inner.split(",")
    minx, miny = map(float, low.split())
    maxx, maxy = map(float, high.split())
    return minx, miny, maxx, maxy


def parse_datetime(value: str | None) -> tuple[int | None, int | None] | None:
    """An RFC 3339 instant or interval as (first year, last year) of the horizon."""
    if value is None or not value.strip():
        return None
    parts = value.strip().split("/")
    if len(parts) > 2:
        raise _bad_datetime(value)
    years: list[int | None] = []
    for part in parts:
        # Year 0000 is no date to Python; QGIS writes an open start that way.
        if part in ("", "..") or part.startswith("0000-"):
            years.append(None)
            continue
        try:
            years.append(_parse_instant(part).year)
        except ValueError:
            raise _bad_datetime(value) from None
    if len(years) == 1:
        return years[0], years[0]
    first, last = years
    if first is not None and last is not None and first > last:
        raise _bad_datetime(value)
    return first, last


def _parse_instant(text: str) -> date:
    if "T" in text.upper():
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).date()
    return date.fromisoformat(text)


def _bad_datetime(value: str) -> InvalidInput:
    reason = (
        "Geef een tijdstip of interval volgens RFC 3339, bijv. 2030-01-01/2035-12-31 of "
        "../2035-12-31."
    )
    return InvalidInput(f"Ongeldige datetime '{value}'.", [FieldError("datetime", reason)])


def check_filters(session: Session, collectie: Collectie, params: dict[str, list[str]]) -> None:
    """Refuse unknown parameters (OGC API Features /req/core/query-param-unknown) and
    invalid filter values, all at once."""
    errors = []
    for name in params:
        if name not in COMMON_PARAMS and name not in collectie.filters:
            allowed = ", ".join(sorted(COMMON_PARAMS | set(collectie.filters)))
            errors.append(
                FieldError(name, f"Onbekende parameter; toegestaan: {allowed}.", "onbekend")
            )
    allowed_values = {
        "status": {str(s) for s in Status},
        "trekker": {str(t) for t in Trekker},
        "soort": {str(s) for s in GebiedSoort},
    }
    for name, values in params.items():
        for value in values:
            if name in allowed_values and value not in allowed_values[name]:
                choices = ", ".join(sorted(allowed_values[name]))
                errors.append(FieldError(name, f"Kies uit: {choices}.", "ongeldig"))
    if "thema" in params and "thema" in collectie.filters:
        errors.extend(opgaven_service.check_themas(session, params["thema"], "thema"))
    # ASCII digits only: "²" is a digit to str.isdigit but not to int().
    if "min_aantal" in params and not all(
        v.isascii() and v.isdigit() and 1 <= int(v) <= AANTAL_MAX for v in params["min_aantal"]
    ):
        errors.append(FieldError("min_aantal", "Een geheel getal van 1 of meer.", "ongeldig"))
    if errors:
        raise InvalidInput("Ongeldige parameter(s).", errors)


def items(
    session: Session, collectie: Collectie, query: ItemsQuery
) -> tuple[list[dict[str, Any]], int]:
    """A page of the collection's features (GeoJSON dicts in query.crs) and how many match."""
    if collectie.soort == GEBIEDEN:
        gebieden, matched = gebieden_service.list_gebieden(
            session,
            query.filters.get("soort", []),
            query.limit,
            query.offset,
            query.bbox_rd,
            query.where,
        )
        return [gebied_feature(g, gebieden_service.gebied_shape(g), query.crs) for g in gebieden], (
            matched
        )
    if collectie.soort == OPGAVEN:
        first, last = query.jaren or (None, None)
        gebied = query.filters.get("gebied", [None])[0]
        flt = opgaven_service.OpgaveFilter(
            gebied=gebied,
            themas=[collectie.thema] if collectie.thema else query.filters.get("thema", []),
            status=query.filters.get("status", []),
            trekker=query.filters.get("trekker", []),
            bbox_rd=query.bbox_rd,
            horizon_vanaf=max(first, HORIZON_MIN) if first is not None else None,
            horizon_tot=min(last, HORIZON_MAX) if last is not None else None,
            where=query.where,
        )
        opgaven, matched = opgaven_service.list_opgaven(session, flt, query.limit, query.offset)
        slugs = opgaven_service.gebieden_of(session, [o.id for o in opgaven])
        shapes = [opgaven_service.opgave_shape(o) for o in opgaven]
        return opgave_features(opgaven, shapes, slugs, query.crs), matched
    if collectie.soort == REFERENTIELAAG:
        laag = _laag(session, collectie)
        rows, matched = referentielagen_service.list_objecten(
            session, laag, query.limit, query.offset, query.bbox_rd, query.where
        )
        geometries = to_geojsons([shape for _, shape in rows], query.crs)
        features = [
            _referentieobject_feature(obj, geometry)
            for (obj, _), geometry in zip(rows, geometries, strict=True)
        ]
        return features, matched
    return _stapeling_items(session, query)


def _laag(session: Session, collectie: Collectie) -> Referentielaag:
    # Listed as live a moment ago; deleted meanwhile, it is a 410 as in its own API.
    return referentielagen_service.get_laag(session, str(collectie.laag))


def _referentieobject_feature(obj: Referentieobject, geometry: dict[str, Any]) -> dict[str, Any]:
    # The source's attributes as properties of their own: GDAL and QGIS make them columns.
    return {
        "type": "Feature",
        "id": str(obj.id),
        "geometry": geometry,
        "properties": referentielagen_service.vlakke_eigenschappen(obj),
    }


def _stapeling_items(session: Session, query: ItemsQuery) -> tuple[list[dict[str, Any]], int]:
    keys = query.filters.get("gebied")
    min_aantal = int(query.filters.get("min_aantal", ["1"])[0])
    if query.filters.get("variant"):
        return _variant_items(session, query, keys or [], min_aantal)
    if keys:
        gebieden = [gebieden_service.get_gebied(session, key) for key in keys]
    else:
        gebieden, _ = gebieden_service.list_gebieden(session, limit=10_000)
    stapelingen = {i: g.slug for i, g in stapeling_service.unfiltered(session, gebieden).items()}
    rows, matched = stapeling_reads.stored_faces(
        session, stapelingen, query.crs, min_aantal, query.bbox_rd, query.limit, query.offset,
        query.where,
    )  # fmt: skip
    features = [_stapeling_feature(slug, face, geometry) for slug, face, geometry in rows]
    return features, matched


def variant_situatie(session: Session, key: str, gebied_keys: list[str]) -> VariantSituatie:
    """The variant `key`, of the one gebied named (or its own); errors name `variant`."""
    try:
        variant = varianten_service.find_variant(session, str(uuid.UUID(key)))
    except ValueError:
        raise InvalidInput(
            f"'{key}' is geen variant-id.",
            [FieldError("variant", "Geef het id (een UUID) van een variant.", "ongeldig")],
        ) from None
    if variant is None:
        raise NotFound(
            f"Variant '{key}' bestaat niet.",
            [FieldError("variant", "Onbekende variant.", "onbekende_variant")],
        )
    if len(gebied_keys) > 1:
        reason = "Een variant hoort bij één gebied: noem er hoogstens één."
        raise InvalidInput(reason, [FieldError("gebied", reason, "ongeldig")])
    gebied = (
        gebieden_service.get_gebied(session, gebied_keys[0])
        if gebied_keys
        else varianten_service.gebied_of(session, variant)
    )
    return VariantSituatie.of(session, gebied, key)


def _variant_items(
    session: Session, query: ItemsQuery, gebied_keys: list[str], min_aantal: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the faces of a variant's (unfiltered) stapeling."""
    keys = query.filters["variant"]
    if len(keys) > 1:
        reason = "Eén variant tegelijk."
        raise InvalidInput(reason, [FieldError("variant", reason, "ongeldig")])
    situatie = variant_situatie(session, keys[0], gebied_keys)
    slug, variant = situatie.gebied.slug, str(situatie.variant.id)
    view = stapeling_service.stored(session, situatie, StapelingFilter())
    if view.stapeling_id is not None:
        rows, matched = stapeling_reads.stored_faces(
            session, {view.stapeling_id: slug}, query.crs, min_aantal, query.bbox_rd,
            query.limit, query.offset, query.where,
        )  # fmt: skip
    elif query.where is not None:
        # A filter is evaluated by the database, on stored faces only; a stapeling computed
        # while the data changed is not stored (a later request finds it stored).
        reason = (
            "De stapeling van deze variant is net opnieuw berekend en (nog) niet opgeslagen; "
            "filter is er nu niet op toe te passen. Probeer het zo opnieuw."
        )
        raise Conflict(reason, [FieldError("filter", reason, "stapeling_niet_opgeslagen")])
    else:  # computed while the data changed, so not stored: page what was computed
        faces = [
            f
            for f in view.faces or []
            if f.aantal >= min_aantal
            and (query.bbox_rd is None or shapely.intersects(f.geom, query.bbox_rd))
        ]
        page = faces[query.offset : query.offset + query.limit]
        texts = geojson_texts([f.geom for f in page], query.crs)
        rows, matched = [(slug, f, t) for f, t in zip(page, texts, strict=True)], len(faces)
    return [_stapeling_feature(s, face, geometry, variant) for s, face, geometry in rows], matched


def item(session: Session, collectie: Collectie, fid: str, crs: Crs) -> dict[str, Any]:
    """One feature of the collection, or NotFound."""
    missing = NotFound(f"Feature '{fid}' bestaat niet in collectie '{collectie.id}'.")
    if collectie.soort == GEBIEDEN:
        gebied = gebieden_service.find_gebied(session, fid)
        if gebied is None:
            raise missing
        return gebied_feature(gebied, gebieden_service.gebied_shape(gebied), crs)
    if collectie.soort == OPGAVEN:
        # A deleted one is gone here, as a deleted gebied is (Part 4: GET after DELETE is 404).
        opgave = opgaven_service.find_opgave(session, fid)
        if opgave is None or (collectie.thema and opgave.thema != collectie.thema):
            raise missing
        gebieden = opgaven_service.gebieden_of(session, [opgave.id])
        return opgave_feature(
            opgave, opgaven_service.opgave_shape(opgave), gebieden[opgave.id], crs
        )
    if collectie.soort == REFERENTIELAAG:
        found = referentielagen_service.find_object(session, _laag(session, collectie), fid)
        if found is None:
            raise missing
        obj, shape = found
        return _referentieobject_feature(obj, to_geojsons([shape], crs)[0])
    # `slug.nr`, or `slug.variant.nr` for a face of a variant's stapeling.
    parts = fid.split(".")
    slug, nr = parts[0], parts[-1]
    # ASCII digits, within the faces a stapeling can have: "²" and "٣" are digits to
    # str.isdigit, and a number past 64 bits is none the database can compare.
    number = len(parts) in (2, 3) and nr.isascii() and nr.isdigit() and len(nr) <= 9
    gebied = gebieden_service.find_gebied(session, slug) if slug and number else None
    if gebied is None:
        raise missing
    if len(parts) == 3:
        query = ItemsQuery(limit=1, offset=int(nr), crs=crs, filters={"variant": [parts[1]]})
        try:
            features, _ = _variant_items(session, query, [slug], 1)
        except (InvalidInput, NotFound):
            raise missing from None
        if not features or features[0]["properties"]["nr"] != int(nr):
            raise missing
        return features[0]
    stapelingen = {i: g.slug for i, g in stapeling_service.unfiltered(session, [gebied]).items()}
    rows, _ = stapeling_reads.stored_faces(session, stapelingen, crs, 1, None, 1, int(nr))
    if not rows or rows[0][1].nr != int(nr):
        raise missing
    return _stapeling_feature(*rows[0])


def _stapeling_feature(
    slug: str, face: Face, geometry: str, variant: str | None = None
) -> dict[str, Any]:
    properties: dict[str, Any] = {"gebied": slug}
    if variant is not None:
        properties["variant"] = variant
    return {
        "type": "Feature",
        "id": f"{slug}.{variant}.{face.nr}" if variant is not None else f"{slug}.{face.nr}",
        "geometry": json.loads(geometry),
        "properties": {
            **properties,
            "nr": face.nr,
            "aantal": face.aantal,
            "aantal_themas": face.aantal_themas,
            "themas": face.themas,
            "opgaven": [str(o) for o in face.opgaven],
            "oppervlakte_ha": face.oppervlakte_ha,
        },
    }
