"""Turning the features of a file into opgaven: field mapping, the API's rules, the report.

No database here: the service passes in what it knows (themas, existing extern ids) and
stores what comes out.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd
import shapely
from pydantic import ValidationError
from shapely import MultiPolygon

from gebiedsregie.bounded import Budget
from gebiedsregie.errors import FieldError, InvalidInput
from gebiedsregie.geometry import GeometryRejected, check_rd_geometry
from gebiedsregie.opgaven.models import Status, Trekker
from gebiedsregie.opgaven.schemas import OpgaveFields
from gebiedsregie.validation import dutch_errors

# Field names tried, in order, when the user names none (compared case-insensitively).
KANDIDATEN: dict[str, tuple[str, ...]] = {
    "titel": ("titel", "naam", "name", "title", "omschrijving", "projectnaam"),
    "thema": ("thema", "theme", "thema_code"),
    "trekker": ("trekker", "initiatiefnemer"),
    "status": ("status", "fase"),
    "horizon": ("horizon", "streefjaar", "jaar", "gereed"),
    "beschrijving": ("beschrijving", "toelichting", "description", "opmerking"),
    "bron": ("bron", "source"),
    "ruimtevraag_ha": ("ruimtevraag_ha", "ruimtevraag", "oppervlakte_gevraagd_ha"),
    "extern_id": ("extern_id", "identificatie", "id", "objectid", "fid"),
}
# A mapping to this name takes no field for the property (not even one found by name).
GEEN_VELD = "-"
AREAL = {"Polygon", "MultiPolygon"}
TITEL_LAAG_CHARS = 150  # of the layer's name in a default titel (a titel holds 200)

GEACCEPTEERD, HERSTELD, GEWEIGERD, BESTAAT_AL, OVERGESLAGEN = (
    "geaccepteerd",
    "hersteld",
    "geweigerd",
    "bestaat_al",
    "overgeslagen",
)


@dataclass
class Toewijzing:
    """Which field of the file fills which property of an opgave, and the fixed values."""

    velden: dict[str, str | None]  # our property -> the file's field (or None)
    thema: str | None = None  # one thema for the whole file
    trekker: str = Trekker.PROVINCIE
    status: str = Status.VERKENNING
    bron: str = ""
    buffer_m: float | None = None
    # Without a titel field: titels are this (the layer's name) and the feature's id.
    titel_standaard: str | None = None
    meldingen: list[str] = field(default_factory=list)  # about the whole file

    def as_dict(self) -> dict[str, Any]:
        """The mapping as the report shows it (its meldingen go to the report's own)."""
        return {k: v for k, v in asdict(self).items() if k != "meldingen"}


def standaard_velden(velden: list[str]) -> dict[str, str | None]:
    """Return, per property of an opgave, the file's field the import takes by its name."""
    lower = {v.lower(): v for v in velden}
    return {
        prop: next((lower[c] for c in candidates if c in lower), None)
        for prop, candidates in KANDIDATEN.items()
    }


def toewijzing_for(
    velden: list[str],
    gekozen: dict[str, str | None],
    vast: dict[str, Any],
    bestand: str,
    laag: str,
) -> Toewijzing:
    """Complete the user's mapping with fields found by name; refuse what cannot work.

    `gekozen` maps our property to a field the user named (GEEN_VELD: none at all); `vast`
    holds the fixed values (thema, trekker, status, bron, buffer_m) the user gave. Without a
    titel field, each feature's titel is `laag` and its id (said once, in the meldingen).
    """
    errors = []
    mapping = standaard_velden(velden)
    for prop in KANDIDATEN:
        named = gekozen.get(prop)
        if named == GEEN_VELD:
            mapping[prop] = None
        elif named:
            if named not in velden:
                errors.append(
                    FieldError(
                        f"veld_{prop}",
                        f"Het bestand heeft geen veld '{named}'; wel: {', '.join(velden) or '-'}.",
                        "onbekend_veld",
                    )
                )
            mapping[prop] = named
        elif prop == "thema" and vast.get("thema"):
            mapping[prop] = None  # one thema for the file
    if mapping["thema"] is None and not vast.get("thema"):
        errors.append(
            FieldError(
                "thema",
                "Geen thema: geef thema (één voor het hele bestand) of veld_thema.",
                "thema_ontbreekt",
            )
        )
    if errors:
        raise InvalidInput("De velden van het bestand passen niet.", errors)
    titel_standaard, meldingen = None, []
    if mapping["titel"] is None:
        titel_standaard = (laag.strip() or "Feature")[:TITEL_LAAG_CHARS]
        id_veld = mapping["extern_id"]
        achter = f"het veld {id_veld}" if id_veld else "het volgnummer"
        meldingen.append(
            f"Geen titelveld gevonden: elke titel is de laagnaam '{titel_standaard}' met "
            f"daarachter {achter} van de feature. Kies veld_titel om een veld te nemen."
        )
    return Toewijzing(
        velden=mapping,
        thema=vast.get("thema"),
        trekker=vast.get("trekker") or Trekker.PROVINCIE,
        status=vast.get("status") or Status.VERKENNING,
        bron=vast.get("bron") or f"Import uit {bestand}",
        buffer_m=vast.get("buffer_m"),
        titel_standaard=titel_standaard,
        meldingen=meldingen,
    )


@dataclass
class Regel:
    """What happened to one feature of the file."""

    nr: int
    status: str
    titel: str | None = None
    extern_id: str | None = None
    redenen: list[str] = field(default_factory=list)
    meldingen: list[str] = field(default_factory=list)
    gebieden: list[str] = field(default_factory=list)  # slugs of the gebieden it meets
    # The checked RD geometry, until the service has looked up its gebieden (not reported).
    vorm: MultiPolygon | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The feature's report line; texts from the file are cut to REPORT_CHARS, saying so
        (a 300 MB titel would otherwise come back in full)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "vorm"}
        line = {k: v for k, v in values.items() if v not in (None, [])}
        return {
            k: [_cut(t) for t in v] if isinstance(v, list) else _cut(v) if isinstance(v, str) else v
            for k, v in line.items()
        }


REPORT_CHARS = 300


def _cut(text: str) -> str:
    if len(text) <= REPORT_CHARS:
        return text
    return f"{text[:REPORT_CHARS]}… (ingekort; {len(text)} tekens)"


@dataclass
class Kandidaat:
    """An accepted feature: the opgave's values and RD geometry."""

    regel: Regel
    values: dict[str, Any]
    geom: MultiPolygon


def text_of(value: Any) -> str | None:
    """Return a value of the file as trimmed text, or None when it is empty or missing."""
    if value is None or (not isinstance(value, str | bytes | list) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> Any:
    text = text_of(value)
    if text is None:
        return None
    try:
        number = float(text.replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        return text  # let the model say why
    return int(number) if number.is_integer() else number


class Omzetter:
    """Checks features one by one, as the API would, and reports on each."""

    def __init__(
        self,
        toewijzing: Toewijzing,
        themas: dict[str, str],
        max_vertices: int,
        heeft_laag: bool,
        budget: Budget | None = None,
    ) -> None:
        self.budget = budget  # of each geometry's repair (see `bounded.py`)
        self.toewijzing = toewijzing
        self.themas = themas  # code -> naam
        self.by_naam = {naam.lower(): code for code, naam in themas.items()}
        self.max_vertices = max_vertices
        self.heeft_laag = heeft_laag  # a NOVEX export: only laag == "opgave" counts
        self.gezien: dict[str, int] = {}

    def _value(self, row: dict[str, Any], prop: str) -> Any:
        name = self.toewijzing.velden.get(prop)
        return row.get(name) if name else None

    def _thema(self, row: dict[str, Any]) -> str | None:
        raw = text_of(self._value(row, "thema")) or self.toewijzing.thema
        if raw is None:
            return None
        return raw if raw in self.themas else self.by_naam.get(raw.lower(), raw)

    def _geometry(self, geom: Any, regel: Regel) -> MultiPolygon | None:
        if geom is None or geom.is_empty:
            regel.redenen.append("Geen geometrie.")
            return None
        if geom.geom_type == "GeometryCollection":
            polygons = [g for g in shapely.get_parts(geom) if g.geom_type in AREAL]
            if polygons:
                regel.meldingen.append("Alleen de vlakken uit de verzameling zijn genomen.")
                geom = shapely.union_all(polygons)
        if geom.geom_type not in AREAL:
            if self.toewijzing.buffer_m is None:
                regel.redenen.append(
                    f"{geom.geom_type} is geen vlak. Geef buffer_m op om er een vlak van te maken."
                )
                return None
            geom = shapely.buffer(geom, self.toewijzing.buffer_m)
            regel.meldingen.append(f"Gebufferd met {self.toewijzing.buffer_m:g} m.")
        geom = shapely.force_2d(geom)
        vertices = shapely.get_num_coordinates(geom)
        if vertices > self.max_vertices:
            regel.redenen.append(
                f"Geometrie heeft {vertices} hoekpunten; de grens is {self.max_vertices}."
            )
            return None
        try:
            checked = check_rd_geometry(geom, budget=self.budget)
        except GeometryRejected as exc:
            regel.redenen.extend(e.reason for e in exc.errors)
            return None
        regel.meldingen.extend(m["reason"] for m in checked.messages)
        return checked.geom

    def _titel(self, nr: int, row: dict[str, Any]) -> str | None:
        if self.toewijzing.titel_standaard is None:
            return text_of(self._value(row, "titel"))
        ident = text_of(self._value(row, "extern_id")) or str(nr)
        return f"{self.toewijzing.titel_standaard} {ident[:40]}"

    def te_groot(self, nr: int, row: dict[str, Any], wkb_bytes: int) -> Regel:
        """The Regel of a feature whose geometry was too large to build at all."""
        regel = Regel(nr=nr, status=GEWEIGERD, titel=self._titel(nr, row))
        regel.redenen.append(
            f"Geometrie is {wkb_bytes} bytes groot, meer dan {self.max_vertices} hoekpunten "
            "kunnen zijn; niet ingelezen."
        )
        return regel

    def zet_om(self, nr: int, row: dict[str, Any], geom_rd: Any) -> Kandidaat | Regel:
        """Return the opgave a feature becomes, or the Regel saying why it does not."""
        regel = Regel(nr=nr, status=GEWEIGERD, titel=self._titel(nr, row))
        if self.heeft_laag and row.get("laag") not in (None, "opgave"):
            regel.status = OVERGESLAGEN
            regel.redenen.append(f"Laag '{row.get('laag')}' is geen opgave.")
            return regel
        geom = self._geometry(geom_rd, regel)
        regel.vorm = geom  # also of a feature refused for its attributes: where it would lie

        values = {
            "titel": regel.titel,
            "thema": self._thema(row),
            "beschrijving": text_of(self._value(row, "beschrijving")) or "",
            "trekker": (text_of(self._value(row, "trekker")) or self.toewijzing.trekker).lower(),
            "status": (text_of(self._value(row, "status")) or self.toewijzing.status).lower(),
            "horizon": _number(self._value(row, "horizon")),
            "ruimtevraag_ha": _number(self._value(row, "ruimtevraag_ha")),
            "bron": text_of(self._value(row, "bron")),
        }
        if values["bron"] is None:
            # A file with a bron field keeps its empty values; one without says it was imported.
            values["bron"] = "" if self.toewijzing.velden.get("bron") else self.toewijzing.bron
        try:
            fields = OpgaveFields.model_validate(values)
        except ValidationError as exc:
            regel.redenen.extend(
                f"{e.name}: {e.reason}" for e in dutch_errors(exc.errors(include_url=False))
            )
            fields = None
        if values["thema"] is not None and values["thema"] not in self.themas:
            regel.redenen.append(
                f"thema: onbekend thema '{values['thema']}'; kies uit: "
                f"{', '.join(sorted(self.themas))}."
            )
        if regel.redenen or fields is None or geom is None:
            return regel

        extern_id = text_of(self._value(row, "extern_id")) or _fingerprint(row, geom)
        regel.extern_id = extern_id
        if extern_id in self.gezien:
            regel.redenen.append(
                f"Dubbel in het bestand: zelfde id als feature {self.gezien[extern_id]}."
            )
            return regel
        self.gezien[extern_id] = nr
        regel.status = HERSTELD if regel.meldingen else GEACCEPTEERD
        stored = fields.model_dump()
        stored["extern_id"] = extern_id
        return Kandidaat(regel, stored, geom)


def _fingerprint(row: dict[str, Any], geom: MultiPolygon) -> str:
    """An id for a feature without one: its attributes and shape as the file has them, so
    the same feature gives the same id on re-import, whatever the file is called."""
    digest = hashlib.sha256(shapely.to_wkb(shapely.normalize(geom)))
    attributes = {k: text_of(v) for k, v in row.items()}
    digest.update(json.dumps(attributes, sort_keys=True).encode())
    return f"import:{digest.hexdigest()[:24]}"
