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
from gebiedsregie.stapeling.situatie import HuidigeSituatie, Situatie
from gebiedsregie.stapeling.store import View
from gebiedsregie.varianten import service as varianten_service
from gebiedsregie.varianten import situatie as varianten_situatie
from gebiedsregie.varianten.stapeling import VariantRef, VariantSituatie

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
# A variant's table says, per opgave, what the variant did to it (empty: as in the register).
WIJZIGING_KOLOM = ("wijziging", "In de variant")


@dataclass(frozen=True)
class Gegevensstand:
    """Which data a table or report shows: a fingerprint of the gebied's and opgaven's
    versions (it changes with any edit, addition or deletion), and the latest change."""

    kenmerk: str
    gewijzigd_op: datetime
    gebied_versie: int
    variant_versie: int | None = None  # a variant's inhoud_versie


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
    variant: VariantRef | None = None  # the variant shown, or None: the register

    @property
    def kolommen(self) -> tuple[tuple[str, str], ...]:
        return KOLOMMEN if self.variant is None else (*KOLOMMEN[:-1], WIJZIGING_KOLOM, KOLOMMEN[-1])


def gebied_ref(gebied: Gebied) -> dict[str, str]:
    return {"id": str(gebied.id), "slug": gebied.slug, "naam": gebied.naam}


def variant_van(situatie: Situatie) -> VariantRef | None:
    """Return the variant `situatie` is, or None for the register."""
    return situatie.variant if isinstance(situatie, VariantSituatie) else None


def bestandsnaam(gebied: Gebied, situatie: Situatie, wat: str) -> str:
    """Return the stem of a download: `vallei-opgaven`, or with the variant's name in it,
    `vallei-variant-meer-natuur-opgaven` (its id when the name has no letters or digits)."""
    variant = variant_van(situatie)
    if variant is None:
        return f"{gebied.slug}-{wat}"
    naam = gebieden_service.slugify(variant.naam) if _has_word(variant.naam) else ""
    return f"{gebied.slug}-variant-{naam or str(variant.id)[:8]}-{wat}"


def _has_word(naam: str) -> bool:
    return any(c.isalnum() for c in naam)


@dataclass(frozen=True)
class _Opgave:
    """An opgave as the table shows it: the register's, or as a variant has it."""

    id: uuid.UUID  # its key in the situation
    titel: str
    thema: str
    trekker: str
    status: str
    horizon: int | None
    ruimtevraag_ha: float | None
    bron: str
    versie: str  # what changes when the opgave does (for the gegevensstand)
    gewijzigd_op: datetime
    geom: MultiPolygon  # RD
    wijziging: str | None = None  # a variant's: None, gewijzigd or nieuw


def build_tabel(
    session: Session,
    gebied: Gebied,
    flt: StapelingFilter,
    max_opgaven: int,
    bewaard_max: int = 500,
    situatie: Situatie | None = None,
) -> Tabel:
    """Return the opgaventabel of `gebied` for `flt`, of the register or of `situatie` (a
    variant of the gebied); PayloadTooLarge past `max_opgaven`.

    The opgaven are those the stapeling takes (their interior meets the gebied); the area
    inside the gebied is computed here with GEOS, in RD, rounded to the square metre.
    """
    situatie = situatie or HuidigeSituatie(gebied)
    variant = variant_van(situatie)
    area = gebieden_service.gebied_geom_expr(str(gebied.id))
    opgaven_filter = flt.opgaven_filter(area)
    if variant is None:
        matched = opgaven_service.count(session, opgaven_filter)
    else:
        matched = varianten_situatie.tel_opgaven_van(session, gebied, variant.id, opgaven_filter)
    if matched > max_opgaven:
        raise PayloadTooLarge(
            f"In dit gebied liggen met deze filters {matched} opgaven; een tabel of rapport "
            f"neemt er hoogstens {max_opgaven}. Filter op thema, status, trekker of horizon.",
            [FieldError("gebied_id", "Te veel opgaven voor één tabel.", "te_veel_opgaven")],
        )
    # The stapeling first: it may compute and commit; the opgaven are read after it.
    view = stapeling_service.stored(session, situatie, flt, bewaard_max)
    deepest = stapeling_reads.hoogste_per_opgave(session, view)
    opgaven = _opgaven(session, gebied, variant, opgaven_filter, max_opgaven)
    themas = {t.code: (t.naam, t.kleur) for t in opgaven_service.list_themas(session)}
    gebied_rd = gebieden_service.gebied_shape(gebied)
    geoms = [o.geom for o in opgaven]
    inside_ha = _inside_ha(geoms, gebied_rd)
    rijen = []
    for o, ha in zip(opgaven, inside_ha, strict=True):
        rij: dict[str, Any] = {
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
        if variant is not None:
            rij["wijziging"] = o.wijziging
        rijen.append(rij)
    stand = _gegevensstand(gebied, variant, [(o.id, o.versie, o.gewijzigd_op) for o in opgaven])
    return Tabel(gebied_ref(gebied), flt.as_dict(), rijen, stand, view, geoms, themas, variant)


def _opgaven(
    session: Session,
    gebied: Gebied,
    variant: VariantRef | None,
    opgaven_filter: opgaven_service.OpgaveFilter,
    max_opgaven: int,
) -> list[_Opgave]:
    """The opgaven of the situation meeting the gebied, by titel: the register's, or as the
    variant has them (without the ones it leaves out)."""
    if variant is None:
        found, _ = opgaven_service.list_opgaven(session, opgaven_filter, limit=max_opgaven)
        return [
            _Opgave(
                o.id,
                o.titel,
                o.thema,
                o.trekker,
                o.status,
                o.horizon,
                o.ruimtevraag_ha,
                o.bron,
                str(o.versie),
                o.gewijzigd_op,
                opgaven_service.opgave_shape(o),
            )
            for o in found
        ]
    row = varianten_service.get_variant(session, str(variant.id))
    effectief, _ = varianten_situatie.list_effectief(
        session, row, gebied, opgaven_filter, max_opgaven, 0
    )
    return [
        _Opgave(
            e.sleutel,
            e.titel,
            e.thema,
            e.trekker,
            e.status,
            e.horizon,
            e.ruimtevraag_ha,
            e.bron,
            f"{e.register_versie_nu}/{e.wijziging_versie}",
            e.gewijzigd_op,
            e.geom,
            e.wijziging,
        )
        for e in effectief
    ]


def _inside_ha(geoms: list[MultiPolygon], gebied_rd: MultiPolygon) -> list[float]:
    if not geoms:
        return []
    shapely.prepare(gebied_rd)
    parts = shapely.intersection(np.asarray(geoms, dtype=object), gebied_rd)
    return [round(float(a) / 10_000, 4) for a in shapely.area(parts)]


def _gegevensstand(
    gebied: Gebied, variant: VariantRef | None, opgaven: list[tuple[uuid.UUID, str, datetime]]
) -> Gegevensstand:
    digest = hashlib.sha256(f"{gebied.id}:{gebied.versie}".encode())
    if variant is not None:
        digest.update(f";variant:{variant.id}:{variant.inhoud_versie}".encode())
    for opgave_id, versie, _ in sorted(opgaven):
        digest.update(f";{opgave_id}:{versie}".encode())
    latest = max([gebied.gewijzigd_op, *(o[2] for o in opgaven)])
    return Gegevensstand(
        digest.hexdigest()[:12],
        latest,
        gebied.versie,
        variant.inhoud_versie if variant is not None else None,
    )


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
    body: dict[str, Any] = {"gebied": tabel.gebied}
    if tabel.variant is not None:
        body["variant"] = tabel.variant.as_dict()
    return body | {
        "filters": tabel.filters,
        "kolommen": [{"naam": naam, "titel": titel} for naam, titel in tabel.kolommen],
        "rijen": tabel.rijen,
    }
