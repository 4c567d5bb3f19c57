"""Exports and imports: what goes in and out, through the other domains' services."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gebiedsregie import __version__
from gebiedsregie.bounded import repair_budget
from gebiedsregie.errors import DomainError, FieldError, InvalidInput, PayloadTooLarge
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.geometry import area_ha
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Status, Trekker
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.uitwisseling import importer, readers
from gebiedsregie.uitwisseling.export import LAGEN, Export, Laag

BOUNDARY_SOURCE = (
    "Gemeentegrenzen: CBS Gebiedsindelingen 2024 (gemeente_gegeneraliseerd), "
    "\u00a9 CBS / PDOK, CC BY 4.0"
)


def build_export(
    session: Session, gebied: Gebied, flt: stapeling_service.StapelingFilter, max_opgaven: int
) -> Export:
    """Return the gebied, the opgaven meeting it and its stapeling, for `flt`."""
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
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    opgaven, _ = opgaven_service.list_opgaven(session, flt.opgaven_filter(area), max_opgaven)
    bronnen = {BOUNDARY_SOURCE}
    for opgave in opgaven:
        geom = opgaven_service.opgave_shape(opgave)
        if opgave.bron:
            bronnen.add(opgave.bron)
        lagen["opgave"].add(
            {
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
            },
            geom,
        )

    view = stapeling_service.stored(session, gebied, flt)
    hotspots = {h["nr"] for h in view.samenvatting["hotspots"]}
    for face in stapeling_service.faces_with_geometry(session, view):
        lagen["stapeling"].add(
            {
                "nr": face.nr,
                "aantal": face.aantal,
                "aantal_themas": face.aantal_themas,
                "themas": list(face.themas),
                "opgaven": [str(o) for o in face.opgaven],
                "oppervlakte_ha": face.oppervlakte_ha,
                "hotspot": face.nr in hotspots,
            },
            face.geom,
        )

    return Export(
        gebied={"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam},
        filters=flt.as_dict(),
        bronnen=sorted(bronnen),
        generator={"naam": "Gebiedsregie", "versie": __version__},
        gegenereerd_op=datetime.now(UTC),
        lagen=lagen,
    )


BATCH = 1_000  # features read at a time, at most
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
    toewijzing = importer.toewijzing_for(bron.velden, opties.gekozen, opties.vast, filename)
    themas = {t.code: t.naam for t in opgaven_service.list_themas(session)}
    omzetter = importer.Omzetter(
        toewijzing,
        themas,
        settings.max_vertices,
        heeft_laag="laag" in bron.velden,
        budget=repair_budget(settings),
    )
    regels: list[importer.Regel] = []
    geschreven = 0
    try:
        size = bron.batch_size(BATCH, BATCH_BYTES)
        max_wkb = settings.max_vertices * WKB_BYTES_PER_VERTEX + 1024
        for rows, geoms, oversized in bron.batches(size, crs, max_wkb):
            kandidaten = []
            for k, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
                if k in oversized:
                    regels.append(omzetter.te_groot(len(regels) + 1, row, oversized[k]))
                    continue
                result = omzetter.zet_om(len(regels) + 1, row, geom)
                if isinstance(result, importer.Kandidaat):
                    kandidaten.append(result)
                    regels.append(result.regel)
                else:
                    regels.append(result)
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
        geweigerd = any(r.status == importer.GEWEIGERD for r in regels)
        if opties.dry_run or (opties.strikt and geweigerd):
            session.rollback()
            geschreven = 0
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return _report(bron, crs, opties, toewijzing, regels, geschreven)


def _report(
    bron: readers.Bron,
    crs: Any,
    opties: ImportOpties,
    toewijzing: importer.Toewijzing,
    regels: list[importer.Regel],
    geschreven: int,
) -> dict[str, Any]:
    counts = Counter(r.status for r in regels)
    herkomst = "opgegeven" if opties.crs else "RFC 7946" if bron.crs_impliciet else "bestand"
    return {
        "bestand": {
            "naam": bron.naam,
            "formaat": bron.formaat,
            "laag": bron.laag,
            "lagen": bron.lagen,
            "velden": bron.velden,
            "aantal": bron.aantal,
            "crs": crs.to_string(),
            "crs_herkomst": herkomst,
        },
        "toewijzing": toewijzing.as_dict(),
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
