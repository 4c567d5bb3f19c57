"""Exports and imports: what goes in and out, through the other domains' services."""

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from geoalchemy2 import Geometry
from shapely import MultiPolygon
from sqlalchemy import Integer, LargeBinary, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from gebiedsregie import __version__
from gebiedsregie.bounded import repair_budget
from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import DomainError, FieldError, InvalidInput, PayloadTooLarge
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.geometry import area_ha
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Status, Trekker
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import reads as stapeling_reads
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.reads import GEEN_COMBINATIES
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from gebiedsregie.uitwisseling import importer, readers, referentie_export
from gebiedsregie.uitwisseling.export import LAGEN, Export, Laag
from gebiedsregie.varianten import service as varianten_service
from gebiedsregie.varianten import situatie as varianten_situatie
from gebiedsregie.varianten.stapeling import VariantSituatie

BOUNDARY_SOURCE = (
    "Gemeentegrenzen: CBS Gebiedsindelingen 2024 (gemeente_gegeneraliseerd), "
    "\u00a9 CBS / PDOK, CC BY 4.0"
)


def build_export(
    session: Session,
    gebied: Gebied,
    flt: StapelingFilter,
    max_opgaven: int,
    variant: VariantSituatie | None = None,
    referentieobjecten: bool = False,
    basis_url: str = "",
) -> Export:
    """Return the gebied, the opgaven meeting it and its stapeling, for `flt`: those of the
    register, or of `variant` (a variant of the gebied; its metadata says which); and the
    referentielagen, with their objecten cut to the gebied if `referentieobjecten` (links in
    the metadata start with `basis_url`)."""
    gebied_rd = gebieden_service.gebied_shape(gebied)
    lagen = {naam: Laag(naam) for naam in LAGEN}
    lagen["gebied"].add(
        {
            "id": str(gebied.id),
            "slug": gebied.slug,
            "naam": gebied.naam,
            "soort": gebied.soort,
            "provincies": list(gebied.provincies),
            "gemeenten": list(gebied.gemeenten),
            "beschrijving": gebied.beschrijving,
            "bron": gebied.bron,
            "oppervlakte_ha": area_ha(gebied_rd),
        },
        gebied_rd,
    )

    themas = {t.code: t.naam for t in opgaven_service.list_themas(session)}
    bronnen = {BOUNDARY_SOURCE}
    for opgave, geom in _opgaven(session, gebied, flt, max_opgaven, variant):
        if opgave.bron:
            bronnen.add(opgave.bron)
        record = {
            "id": str(opgave.id),
            "titel": opgave.titel,
            "thema": opgave.thema,
            "thema_naam": themas.get(opgave.thema, opgave.thema),
            "beschrijving": opgave.beschrijving,
            "trekker": opgave.trekker,
            "status": opgave.status,
            "horizon": opgave.horizon,
            "ruimtevraag_ha": opgave.ruimtevraag_ha,
            "bron": opgave.bron,
            "extern_id": opgave.extern_id,
            "oppervlakte_ha": area_ha(geom),
            "oppervlakte_in_gebied_ha": area_ha(geom.intersection(gebied_rd)),
            "gewijzigd_op": opgave.gewijzigd_op.isoformat(timespec="seconds"),
        }
        if variant is not None:
            record["wijziging"] = opgave.wijziging
        lagen["opgave"].add(record, geom)

    situatie = variant or HuidigeSituatie(gebied)
    view = stapeling_service.stored(session, situatie, flt)
    hotspots = {h["nr"] for h in view.samenvatting["hotspots"]}
    for face in stapeling_reads.faces_with_geometry(session, view):
        lagen["stapeling"].add(
            {
                "nr": face.nr,
                "aantal": face.aantal,
                "aantal_themas": face.aantal_themas,
                "themas": list(face.themas),
                "opgaven": [str(o) for o in face.opgaven],
                "oppervlakte_ha": face.oppervlakte_ha,
                "hotspot": face.nr in hotspots,
                **(face.combinaties or GEEN_COMBINATIES),
            },
            face.geom,
        )
    combinaties = view.samenvatting.get("combinaties")
    knelpunten = {k["opgave"]: k for k in combinaties["knelpunten"]} if combinaties else {}
    for opgave_record in lagen["opgave"].records:
        knelpunt = knelpunten.get(opgave_record["id"])
        opgave_record["conflict_ha"] = knelpunt["conflict_ha"] if knelpunt else 0.0
        opgave_record["knelpunten"] = {
            "opgaven": knelpunt["met_opgaven"] if knelpunt else [],
            "lagen": knelpunt["met_lagen"] if knelpunt else [],
        }

    referentielagen = referentie_export.referentielagen(
        session, gebied_rd, referentieobjecten, basis_url
    )
    # A laag that lies in the gebied is a source of the file (its stapeling, or its objecten).
    bronnen.update(
        r.metadata["naamsvermelding"]
        for r in referentielagen
        if r.metadata["objecten_in_gebied"] and r.metadata["naamsvermelding"]
    )
    return Export(
        gebied={"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam},
        filters=flt.as_dict(),
        bronnen=sorted(bronnen),
        generator={"naam": "Gebiedsregie", "versie": __version__},
        gegenereerd_op=datetime.now(UTC),
        lagen=lagen,
        variant=variant.variant.as_dict() if variant is not None else None,
        combinaties=(
            {"versie": combinaties["versie"], "voorbeeld": combinaties["voorbeeld"]}
            if combinaties
            else None
        ),
        referentielagen=referentielagen,
    )


@dataclass(frozen=True)
class _Opgave:
    """An opgave as an export writes it: from the register, or as a variant has it."""

    id: uuid.UUID
    titel: str
    thema: str
    beschrijving: str
    trekker: str
    status: str
    horizon: int | None
    ruimtevraag_ha: float | None
    bron: str
    extern_id: str | None
    gewijzigd_op: datetime
    wijziging: str | None = None  # a variant's: None, gewijzigd or nieuw


_VELDEN = [f.name for f in fields(_Opgave) if f.name not in ("id", "wijziging")]


def _opgaven(
    session: Session,
    gebied: Gebied,
    flt: StapelingFilter,
    max_opgaven: int,
    variant: VariantSituatie | None,
) -> list[tuple[_Opgave, MultiPolygon]]:
    """The opgaven of the situation meeting the gebied, each with its RD shape: those of the
    register, or of a variant (the id of each is its key there)."""
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    if variant is None:
        opgaven, _ = opgaven_service.list_opgaven(session, flt.opgaven_filter(area), max_opgaven)
        return [
            (_Opgave(o.id, **{f: getattr(o, f) for f in _VELDEN}), opgaven_service.opgave_shape(o))
            for o in opgaven
        ]
    row = varianten_service.get_variant(session, str(variant.variant.id))
    found, _ = varianten_situatie.list_effectief(
        session, row, gebied, flt.opgaven_filter(area), max_opgaven, 0
    )
    return [
        (_Opgave(e.sleutel, **{f: getattr(e, f) for f in _VELDEN}, wijziging=e.wijziging), e.geom)
        for e in found
    ]


BATCH = 1_000  # features read at a time, at most
MAX_GEBIEDEN = 10_000  # gebieden whose envelopes spare a query the features outside them
BATCH_BYTES = 32 * 1024 * 1024  # and about this much of the file
WKB_BYTES_PER_VERTEX = 32  # XYZM doubles: a WKB over max_vertices of these is not built


@dataclass
class ImportOpties:
    """What the user asked of an import."""

    dry_run: bool = False
    strikt: bool = False  # refuse the whole file when any feature is refused
    laag: str | None = None
    crs: str | None = None  # for a file that names none
    gekozen: dict[str, str | None] = field(default_factory=dict)  # property -> field
    vast: dict[str, Any] = field(default_factory=dict)  # thema, trekker, status, bron, buffer_m


def _check_vast(session: Session, vast: dict[str, Any]) -> None:
    errors = opgaven_service.check_themas(
        session, [vast["thema"]] if vast.get("thema") else [], "thema"
    )
    for name, allowed in (("trekker", Trekker), ("status", Status)):
        value = vast.get(name)
        if value and value not in {str(v) for v in allowed}:
            choices = ", ".join(str(v) for v in allowed)
            errors.append(
                FieldError(name, f"Onbekende {name} '{value}'; kies uit: {choices}.", "ongeldig")
            )
    if errors:
        raise InvalidInput("Ongeldige vaste waarde voor de import.", errors)


def import_file(
    session: Session,
    path: Path,
    filename: str,
    opties: ImportOpties,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], DomainError | None] | None = None,
) -> dict[str, Any]:
    """Check every feature of the file and, unless a dry run, store the accepted ones as
    opgaven in one transaction. Returns the report, per feature. `stop` is asked after each
    batch whether to stop (time is up, the client left): then nothing is stored and its
    error is raised."""
    bron = readers.open_bron(path, filename, opties.laag)
    if bron.aantal > settings.max_import_features:
        reason = (
            f"'{filename}' heeft {bron.aantal} features; "
            f"de grens is {settings.max_import_features}."
        )
        raise PayloadTooLarge(reason, [FieldError("bestand", reason, "te_veel_features")])
    crs = readers.choose_crs(bron, opties.crs)
    _check_vast(session, opties.vast)
    toewijzing = importer.toewijzing_for(
        bron.velden, opties.gekozen, opties.vast, filename, bron.laag
    )
    themas = {t.code: t.naam for t in opgaven_service.list_themas(session)}
    omzetter = importer.Omzetter(
        toewijzing,
        themas,
        settings.max_vertices,
        heeft_laag="laag" in bron.velden,
        budget=repair_budget(settings),
    )
    zoeker = GebiedZoeker(session)
    regels: list[importer.Regel] = []
    geschreven = 0
    if progress:
        progress(0, bron.aantal)
    try:
        size = bron.batch_size(BATCH, BATCH_BYTES)
        max_wkb = settings.max_vertices * WKB_BYTES_PER_VERTEX + 1024
        for rows, geoms, oversized in bron.batches(size, crs, max_wkb):
            kandidaten = []
            batch: list[importer.Regel] = []
            for k, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
                nr = len(regels) + len(batch) + 1
                if k in oversized:
                    batch.append(omzetter.te_groot(nr, row, oversized[k]))
                    continue
                result = omzetter.zet_om(nr, row, geom)
                if isinstance(result, importer.Kandidaat):
                    kandidaten.append(result)
                    batch.append(result.regel)
                else:
                    batch.append(result)
            zoeker.vul_in(batch)
            regels.extend(batch)
            present = opgaven_service.extern_ids_present(
                session, [k.values["extern_id"] for k in kandidaten]
            )
            nieuw = []
            for kandidaat in kandidaten:
                if kandidaat.values["extern_id"] in present:
                    kandidaat.regel.status = importer.BESTAAT_AL
                    kandidaat.regel.redenen.append("Al geïmporteerd (zelfde extern_id).")
                else:
                    nieuw.append((kandidaat.values, kandidaat.geom))
            if not opties.dry_run:
                opgaven_service.insert_opgaven(session, nieuw)
                geschreven += len(nieuw)
            if progress:
                progress(len(regels), bron.aantal)
            stopped = stop() if stop else None
            if stopped is not None:
                raise stopped
        namen = _gebied_namen(session, {s for r in regels for s in r.gebieden})
        geweigerd = any(r.status == importer.GEWEIGERD for r in regels)
        if opties.dry_run or (opties.strikt and geweigerd):
            session.rollback()
            geschreven = 0
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    report = _report(bron, crs, opties, toewijzing, regels, geschreven)
    report["gebieden"] = namen
    return report


def _gebied_namen(session: Session, slugs: set[str]) -> dict[str, str]:
    """Return the names of the gebieden the features meet (a few), by slug."""
    found = (gebieden_service.find_gebied(session, slug) for slug in sorted(slugs))
    return {gebied.slug: gebied.naam for gebied in found if gebied is not None}


class GebiedZoeker:
    """Finds the gebieden each feature's interior meets, a batch at a time, in one query: the
    batch's checked geometries go as one GeometryCollection (an array of 1,000 WKB values
    costs the driver seconds). A feature whose envelope meets no gebied's is not sent."""

    def __init__(self, session: Session) -> None:
        self.session = session
        gebieden, matched = gebieden_service.list_gebieden(session, limit=MAX_GEBIEDEN)
        omvang = [gebieden_service.gebied_shape(g).bounds for g in gebieden]
        # Past MAX_GEBIEDEN every feature is sent: slower, never wrong.
        self.omvang = np.array(omvang).reshape(-1, 4) if matched <= len(gebieden) else None

    def _mogelijk(self, vormen: list[Any]) -> np.ndarray:
        """Whether each shape's envelope meets some gebied's (a necessary condition)."""
        if self.omvang is None:
            return np.ones(len(vormen), dtype=bool)
        b = shapely.bounds(np.array(vormen, dtype=object))[:, None, :]
        g = self.omvang[None, :, :]
        meets = (b[..., 0] <= g[..., 2]) & (b[..., 2] >= g[..., 0])
        return np.any(meets & (b[..., 1] <= g[..., 3]) & (b[..., 3] >= g[..., 1]), axis=1)

    def vul_in(self, regels: Sequence[importer.Regel]) -> None:
        """Fill in `gebieden` of each Regel with a checked shape, and let go of the shape."""
        checked = [r for r in regels if r.vorm is not None]
        if checked:
            mogelijk = self._mogelijk([r.vorm for r in checked])
            kandidaten = [r for r, m in zip(checked, mogelijk, strict=True) if m]
            found = self._query(kandidaten) if kandidaten else {}
            for nr, regel in enumerate(kandidaten, start=1):
                regel.gebieden = sorted(set(found.get(nr, [])))
        for regel in checked:
            regel.vorm = None  # memory stays with the batch

    def _query(self, regels: list[importer.Regel]) -> dict[Any, list[str]]:
        collection = shapely.GeometryCollection([r.vorm for r in regels])
        wkb = bindparam("vormen", shapely.to_wkb(collection), type_=LargeBinary)
        parts = func.ST_Dump(func.ST_GeomFromWKB(wkb, RD_NEW)).table_valued(
            column("path", ARRAY(Integer)), column("geom", Geometry)
        )
        # A multipolygon comes out in parts, all with the number of its feature (path[1]);
        # slugs_meeting keys its answer by that first column.
        rows = select(parts.c.path[1].label("nr"), parts.c.geom)
        return gebieden_service.slugs_meeting(self.session, rows)


def _report(
    bron: readers.Bron,
    crs: Any,
    opties: ImportOpties,
    toewijzing: importer.Toewijzing,
    regels: list[importer.Regel],
    geschreven: int,
) -> dict[str, Any]:
    counts = Counter(r.status for r in regels)
    return {
        "bestand": bron.as_report(crs, opgegeven=bool(opties.crs)),
        "toewijzing": toewijzing.as_dict(),
        "meldingen": toewijzing.meldingen,
        "dry_run": opties.dry_run,
        "strikt": opties.strikt,
        "samenvatting": {
            "totaal": len(regels),
            **{
                status: counts.get(status, 0)
                for status in (
                    importer.GEACCEPTEERD,
                    importer.HERSTELD,
                    importer.GEWEIGERD,
                    importer.BESTAAT_AL,
                    importer.OVERGESLAGEN,
                )
            },
            "geschreven": geschreven,
        },
        "features": [r.as_dict() for r in regels],
    }
