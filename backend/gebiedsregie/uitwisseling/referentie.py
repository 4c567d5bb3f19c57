"""Importing a file into a referentielaag: every feature a vlak, its attributes kept.

The same readers, limits and geometry rules as the import of opgaven, with two differences: a
referentielaag holds only vlakken (a point or line is refused, not buffered), and its objecten
are replaced as a whole, so one refused feature refuses the file (nothing is stored). A shape
may reach beyond the Netherlands' outline (Natura 2000 in the sea), as long as it meets it.
"""

import base64
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon
from sqlalchemy.orm import Session

from gebiedsregie.bounded import Budget, repair_budget
from gebiedsregie.errors import DomainError, FieldError, InvalidInput, PayloadTooLarge
from gebiedsregie.geometry import GeometryRejected, check_rd_geometry
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.models import Referentielaag
from gebiedsregie.referentielagen.schemas import ReferentielaagCreate, laag_json
from gebiedsregie.settings import Settings
from gebiedsregie.uitwisseling import readers
from gebiedsregie.uitwisseling.importer import (
    AREAL,
    GEACCEPTEERD,
    GEWEIGERD,
    HERSTELD,
    Regel,
    text_of,
)
from gebiedsregie.validation import validate_model

# Field names taken, compared case-insensitively, when the file has them.
NAAM_VELDEN = ("naam", "name")
ID_VELDEN = ("extern_id", "identificatie", "id", "objectid", "fid")
EXTERN_ID_CHARS = 200
MAX_ERRORS = 100  # refused features named in a refusal (the report has them all)
BATCH = 1_000
BATCH_BYTES = 32 * 1024 * 1024
WKB_BYTES_PER_VERTEX = 32


class NulTeken(ValueError):
    """An attribute holds U+0000, which PostgreSQL cannot store (text nor jsonb)."""


def json_safe(value: Any, veld: str = "") -> Any:
    """Return a value of the file as JSON: numbers (finite, else null), text, booleans, null,
    lists and objects; dates as ISO 8601, bytes as base64, anything else as its text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float | Decimal | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, str):
        if "\x00" in value:
            raise NulTeken(veld)
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {json_safe(str(k), veld): json_safe(v, f"{veld}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(v, veld) for v in value]
    return json_safe(str(value), veld)


def _veld(velden: list[str], kandidaten: tuple[str, ...]) -> str | None:
    lower = {v.lower(): v for v in velden}
    return next((lower[c] for c in kandidaten if c in lower), None)


class ObjectOmzetter:
    """Checks features one by one and reports on each."""

    def __init__(self, velden: list[str], max_vertices: int, budget: Budget | None) -> None:
        self.naam_veld = _veld(velden, NAAM_VELDEN)
        self.id_veld = _veld(velden, ID_VELDEN)
        self.max_vertices = max_vertices
        self.budget = budget

    def te_groot(self, nr: int, row: dict[str, Any], wkb_bytes: int) -> Regel:
        """The Regel of a feature whose geometry was too large to build at all."""
        regel = self._regel(nr, row)
        regel.redenen.append(
            f"{self._wie(regel)}: de geometrie is {wkb_bytes} bytes groot, meer dan "
            f"{self.max_vertices} hoekpunten kunnen zijn; niet ingelezen."
        )
        return regel

    def _regel(self, nr: int, row: dict[str, Any]) -> Regel:
        naam = text_of(row.get(self.naam_veld)) if self.naam_veld else None
        extern_id = text_of(row.get(self.id_veld)) if self.id_veld else None
        return Regel(nr=nr, status=GEWEIGERD, titel=naam, extern_id=extern_id)

    @staticmethod
    def _wie(regel: Regel) -> str:
        return f"Feature {regel.nr}" + (f" ('{regel.titel[:80]}')" if regel.titel else "")

    def _geometry(self, geom: Any, regel: Regel) -> MultiPolygon | None:
        wie = self._wie(regel)
        if geom is None or geom.is_empty:
            regel.redenen.append(f"{wie}: geen geometrie.")
            return None
        if geom.geom_type == "GeometryCollection":
            polygons = [g for g in shapely.get_parts(geom) if g.geom_type in AREAL]
            if len(polygons) < len(shapely.get_parts(geom)):
                regel.redenen.append(
                    f"{wie}: de verzameling bevat ook punten of lijnen; een referentielaag "
                    "bevat alleen vlakken."
                )
                return None
            geom = shapely.union_all(polygons)
        if geom.geom_type not in AREAL:
            regel.redenen.append(
                f"{wie}: een {geom.geom_type} is geen vlak; een referentielaag bevat alleen "
                "vlakken (Polygon of MultiPolygon)."
            )
            return None
        geom = shapely.force_2d(geom)
        vertices = shapely.get_num_coordinates(geom)
        if vertices > self.max_vertices:
            regel.redenen.append(
                f"{wie}: de geometrie heeft {vertices} hoekpunten; de grens is {self.max_vertices}."
            )
            return None
        try:
            checked = check_rd_geometry(geom, budget=self.budget, partly_outside=True)
        except GeometryRejected as exc:
            regel.redenen.extend(f"{wie}: {e.reason}" for e in exc.errors)
            return None
        regel.meldingen.extend(m["reason"] for m in checked.messages)
        return checked.geom

    def zet_om(
        self, nr: int, row: dict[str, Any], geom_rd: Any
    ) -> tuple[Regel, referentielagen_service.NieuwObject | None]:
        """Return the feature's Regel and the object it becomes (None when refused)."""
        regel = self._regel(nr, row)
        geom = self._geometry(geom_rd, regel)
        try:
            eigenschappen = {str(k): json_safe(v, str(k)) for k, v in row.items()}
        except NulTeken as exc:
            regel.redenen.append(
                f"{self._wie(regel)}: attribuut '{str(exc)[:80]}' bevat een NUL-teken "
                "(U+0000); dat kan niet worden opgeslagen."
            )
            eigenschappen = {}
        if regel.extern_id is not None and len(regel.extern_id) > EXTERN_ID_CHARS:
            regel.redenen.append(
                f"{self._wie(regel)}: het id ({self.id_veld}) is langer dan {EXTERN_ID_CHARS} "
                "tekens."
            )
        if regel.redenen or geom is None:
            return regel, None
        regel.status = HERSTELD if regel.meldingen else GEACCEPTEERD
        nieuw = referentielagen_service.NieuwObject(
            geom=geom,
            naam=regel.titel or "",
            extern_id=regel.extern_id,
            eigenschappen=eigenschappen,
        )
        return regel, nieuw


@dataclass
class ReferentieOpties:
    """What the user asked of an import into a referentielaag."""

    dry_run: bool = False
    laag: str | None = None  # of the file
    crs: str | None = None  # for a file that names none


NIEUWE_LAAG = "nieuwe_referentielaag"  # the import's form field of a laag to make


def nieuwe_laag(session: Session, tekst: str) -> Referentielaag:
    """Make the laag a JSON object of ReferentielaagCreate describes, in the session's
    transaction (not committed): the import that follows commits it with its objecten, and a
    dry run or a refused file leaves nothing of it. Raise InvalidInput naming its fields."""
    errors: list[FieldError] = []
    try:
        values = json.loads(tekst)
    except ValueError:
        values = None
    if not isinstance(values, dict):
        reason = 'Geef de nieuwe laag als JSON-object, bv. {"naam": …, "soort": …}.'
        raise InvalidInput("Ongeldige nieuwe referentielaag.", [FieldError(NIEUWE_LAAG, reason)])
    fields = validate_model(ReferentielaagCreate, values, NIEUWE_LAAG, errors)
    if errors or fields is None:
        raise InvalidInput("Ongeldige nieuwe referentielaag.", errors)
    return referentielagen_service.create_laag(session, fields.model_dump(), commit=False)


def import_file(
    session: Session,
    path: Path,
    filename: str,
    laag: Referentielaag,
    opties: ReferentieOpties,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], DomainError | None] | None = None,
) -> dict[str, Any]:
    """Check every feature of the file and, unless a dry run, replace the laag's objecten
    with them in one transaction (with whatever else the session holds, e.g. the laag just
    made). One refused feature refuses the file: InvalidInput names the refused features,
    and nothing is stored. Returns the report, per feature."""
    bron = readers.open_bron(path, filename, opties.laag)
    if bron.aantal > settings.max_import_features:
        reason = (
            f"'{filename}' heeft {bron.aantal} features; "
            f"de grens is {settings.max_import_features}."
        )
        raise PayloadTooLarge(reason, [FieldError("bestand", reason, "te_veel_features")])
    crs = readers.choose_crs(bron, opties.crs)
    omzetter = ObjectOmzetter(bron.velden, settings.max_vertices, repair_budget(settings))
    regels: list[Regel] = []
    schrijven = not opties.dry_run
    if progress:
        progress(0, bron.aantal)
    try:
        if schrijven:
            referentielagen_service.begin_replace(session, laag)
        size = bron.batch_size(BATCH, BATCH_BYTES)
        max_wkb = settings.max_vertices * WKB_BYTES_PER_VERTEX + 1024
        for rows, geoms, oversized in bron.batches(size, crs, max_wkb):
            objecten = []
            for k, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
                nr = len(regels) + 1
                if k in oversized:
                    regels.append(omzetter.te_groot(nr, row, oversized[k]))
                    continue
                regel, nieuw = omzetter.zet_om(nr, row, geom)
                regels.append(regel)
                if nieuw is not None:
                    objecten.append(nieuw)
            # After a refusal the rest is only checked.
            schrijven = schrijven and all(r.status != GEWEIGERD for r in regels)
            if schrijven:
                referentielagen_service.add_objecten(session, laag, objecten)
            if progress:
                progress(len(regels), bron.aantal)
            stopped = stop() if stop else None
            if stopped is not None:
                raise stopped
        geweigerd = [r for r in regels if r.status == GEWEIGERD]
        if geweigerd and not opties.dry_run:
            raise _refused(filename, laag, geweigerd)
        if opties.dry_run:
            laag_info = laag_json(laag)  # a laag made in this transaction goes too
            session.rollback()
        else:
            referentielagen_service.finish_replace(session, laag)
            session.commit()
            laag_info = laag_json(laag)
    except BaseException:
        session.rollback()
        raise
    return _report(bron, crs, opties, laag_info, regels)


def _refused(filename: str, laag: Referentielaag, geweigerd: list[Regel]) -> InvalidInput:
    errors = [
        FieldError(f"features[{r.nr}]", "; ".join(r.redenen), "feature_geweigerd")
        for r in geweigerd[:MAX_ERRORS]
    ]
    meer = f" (de eerste {MAX_ERRORS} staan hieronder)" if len(geweigerd) > MAX_ERRORS else ""
    return InvalidInput(
        f"{len(geweigerd)} feature(s) van '{filename}' geweigerd{meer}; er is niets opgeslagen "
        f"en referentielaag '{laag.naam}' is ongewijzigd. Een referentielaag wordt in haar "
        "geheel vervangen. Controleer het bestand met dry_run.",
        errors,
    )


def _report(
    bron: readers.Bron,
    crs: Any,
    opties: ReferentieOpties,
    laag_info: dict[str, Any],
    regels: list[Regel],
) -> dict[str, Any]:
    counts = Counter(r.status for r in regels)
    geschreven = 0 if opties.dry_run else counts[GEACCEPTEERD] + counts[HERSTELD]
    return {
        "bestand": bron.as_report(crs, opgegeven=bool(opties.crs)),
        "referentielaag": laag_info,
        "dry_run": opties.dry_run,
        "samenvatting": {
            "totaal": len(regels),
            **{status: counts.get(status, 0) for status in (GEACCEPTEERD, HERSTELD, GEWEIGERD)},
            "geschreven": geschreven,
        },
        # A Regel's titel is the object's naam here.
        "features": [
            {("naam" if k == "titel" else k): v for k, v in r.as_dict().items()} for r in regels
        ],
    }
