"""The opgaventabel of a gebied: one row per opgave whose interior meets it, with the part of
the opgave inside the gebied and the highest stapeling on it (for the same filters)."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon
from sqlalchemy.orm import Session

from gebiedsregie.errors import FieldError, PayloadTooLarge
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.stapeling import reads as stapeling_reads
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.samenvatting import FilterWaarden
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from gebiedsregie.stapeling.store import View

# (key in a row, Dutch heading), in the order of the table and the downloads.
KOLOMMEN: tuple[tuple[str, str], ...] = (
    ("titel", "Titel"),
    ("thema", "Thema (code)"),
    ("thema_naam", "Thema"),
    ("trekker", "Trekker"),
    ("status", "Status"),
    ("horizon", "Horizon"),
    ("oppervlakte_in_gebied_ha", "Oppervlakte in gebied (ha)"),
    ("ruimtevraag_ha", "Ruimtevraag (ha)"),
    ("hoogste_stapeling", "Hoogste stapeling"),
    ("bron", "Bron"),
    ("id", "Id"),
)


@dataclass(frozen=True)
class Gegevensstand:
    """Which data a table or report shows: a fingerprint of the gebied's and opgaven's
    versions (it changes with any edit, addition or deletion), and the latest change."""

    kenmerk: str
    gewijzigd_op: datetime
    gebied_versie: int


@dataclass
class Tabel:
    """The opgaventabel; `geometrieen` (RD) and `kleuren` follow the rows."""

    gebied: dict[str, str]
    filters: FilterWaarden
    rijen: list[dict[str, Any]]
    gegevensstand: Gegevensstand
    view: View
    geometrieen: list[MultiPolygon] = field(default_factory=list)
    themas: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> naam, kleur


def gebied_ref(gebied: Gebied) -> dict[str, str]:
    return {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam}


def build_tabel(
    session: Session,
    gebied: Gebied,
    flt: StapelingFilter,
    max_opgaven: int,
    bewaard_max: int = 500,
) -> Tabel:
    """Return the opgaventabel of `gebied` for `flt`; PayloadTooLarge past `max_opgaven`.

    The opgaven are those the stapeling takes (their interior meets the gebied); the area
    inside the gebied is computed here with GEOS, in RD, rounded to the square metre.
    """
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    opgaven_filter = flt.opgaven_filter(area)
    matched = opgaven_service.count(session, opgaven_filter)
    if matched > max_opgaven:
        raise PayloadTooLarge(
            f"In dit gebied liggen met deze filters {matched} opgaven; een tabel of rapport "
            f"neemt er hoogstens {max_opgaven}. Filter op thema, status, trekker of horizon.",
            [FieldError("gebied_id", "Te veel opgaven voor één tabel.", "te_veel_opgaven")],
        )
    # The stapeling first: it may compute and commit; the opgaven are read after it.
    view = stapeling_service.stored(session, HuidigeSituatie(gebied), flt, bewaard_max)
    deepest = stapeling_reads.hoogste_per_opgave(session, view)
    opgaven, _ = opgaven_service.list_opgaven(session, opgaven_filter, limit=max_opgaven)
    themas = {t.code: (t.naam, t.kleur) for t in opgaven_service.list_themas(session)}
    gebied_rd = gebieden_service.gebied_shape(gebied)
    geoms = [opgaven_service.opgave_shape(o) for o in opgaven]
    inside_ha = _inside_ha(geoms, gebied_rd)
    rijen = [
        {
            "id": str(o.id),
            "titel": o.titel,
            "thema": o.thema,
            "thema_naam": themas.get(o.thema, (o.thema, ""))[0],
            "trekker": o.trekker,
            "status": o.status,
            "horizon": o.horizon,
            "oppervlakte_in_gebied_ha": ha,
            "ruimtevraag_ha": o.ruimtevraag_ha,
            "hoogste_stapeling": deepest.get(o.id),
            "bron": o.bron,
        }
        for o, ha in zip(opgaven, inside_ha, strict=True)
    ]
    stand = _gegevensstand(gebied, [(o.id, o.versie, o.gewijzigd_op) for o in opgaven])
    return Tabel(gebied_ref(gebied), flt.as_dict(), rijen, stand, view, geoms, themas)


def _inside_ha(geoms: list[MultiPolygon], gebied_rd: MultiPolygon) -> list[float]:
    if not geoms:
        return []
    shapely.prepare(gebied_rd)
    parts = shapely.intersection(np.asarray(geoms, dtype=object), gebied_rd)
    return [round(float(a) / 10_000, 4) for a in shapely.area(parts)]


def _gegevensstand(gebied: Gebied, opgaven: list[tuple[uuid.UUID, int, datetime]]) -> Gegevensstand:
    digest = hashlib.sha256(f"{gebied.id}:{gebied.versie}".encode())
    for opgave_id, versie, _ in sorted(opgaven):
        digest.update(f";{opgave_id}:{versie}".encode())
    latest = max([gebied.gewijzigd_op, *(o[2] for o in opgaven)])
    return Gegevensstand(digest.hexdigest()[:12], latest, gebied.versie)


def opgave_titels(session: Session, ids: set[str]) -> dict[str, str]:
    """Return the titel of each opgave in `ids` (a few: the hotspots' opgaven)."""
    titels = {}
    for key in sorted(ids):
        opgave = opgaven_service.find_opgave(session, key, deleted=True)
        if opgave is not None:
            titels[key] = opgave.titel
    return titels


def as_json(tabel: Tabel) -> dict[str, Any]:
    """Return the table as the API gives it (see schemas.Opgaventabel)."""
    return {
        "gebied": tabel.gebied,
        "filters": tabel.filters,
        "kolommen": [{"naam": naam, "titel": titel} for naam, titel in KOLOMMEN],
        "rijen": tabel.rijen,
    }
