"""Load the seed data from geodata/: the CBS gemeenten, the Kadaster provinces, the
voorbeeldgebieden and their opgaven, and the referentielagen (Natura 2000).

Idempotent: what exists (gemeente and provincie by statcode, gebied by slug, opgave by
extern_id) is left as it is, so running it twice changes nothing and never overwrites a
planner's edits.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD_NEW
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gemeente, Provincie
from gebiedsregie.geometry import GRID_SIZE_M, check_geometry
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.schemas import OpgaveFields
from gebiedsregie.referentielagen.seed import seed_referentielagen

MAX_SEED_VERTICES = 1_000_000


@dataclass
class SeedReport:
    gemeenten: int = 0
    gebieden: int = 0
    opgaven: int = 0
    provincies: int = 0
    referentielagen: int = 0

    def __str__(self) -> str:
        return (
            f"nieuw: {self.gemeenten} gemeenten, {self.provincies} provincies, "
            f"{self.gebieden} gebieden, {self.opgaven} opgaven, "
            f"{self.referentielagen} referentielagen"
        )


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _gemeente_shapes(geodata: Path) -> dict[str, tuple[str, str, shapely.MultiPolygon]]:
    """Return name -> (statcode, provincie, RD geometry) from the CBS file."""
    result = {}
    for feature in _read(geodata / "gemeenten_2024.geojson")["features"]:
        props = feature["properties"]
        checked = check_geometry(feature["geometry"], CRS84, MAX_SEED_VERTICES)
        result[props["statnaam"]] = (props["statcode"], props["provincie"], checked.geom)
    return result


def seed_gemeenten(session: Session, gemeenten: dict[str, tuple[str, str, Any]]) -> int:
    existing = set(session.scalars(select(Gemeente.statcode)))
    new = 0
    for naam, (statcode, provincie, geom) in gemeenten.items():
        if statcode not in existing:
            session.add(
                Gemeente(
                    statcode=statcode,
                    naam=naam,
                    provincie=provincie,
                    geom=from_shape(geom, srid=RD_NEW),
                )
            )
            new += 1
    session.commit()
    return new


def seed_provincies(session: Session, path: Path) -> int:
    """Load the Kadaster provinces of `path` that are not there yet, with their attribution."""
    if not path.exists():
        return 0
    collection = _read(path)
    existing = set(session.scalars(select(Provincie.statcode)))
    new = 0
    for feature in collection["features"]:
        props = feature["properties"]
        if props["statcode"] in existing:
            continue
        checked = check_geometry(feature["geometry"], CRS84, MAX_SEED_VERTICES)
        session.add(
            Provincie(
                statcode=props["statcode"],
                naam=props["statnaam"],
                bron=collection.get("attribution", ""),
                geom=from_shape(checked.geom, srid=RD_NEW),
            )
        )
        new += 1
    session.commit()
    return new


def gebied_geometry(
    gemeenten: dict[str, tuple[str, str, Any]], names: list[str]
) -> shapely.MultiPolygon:
    """Return the union of the named gemeenten, in RD, on the storage grid."""
    missing = [n for n in names if n not in gemeenten]
    if missing:
        raise ValueError(f"unknown CBS gemeenten: {missing}")
    union = shapely.union_all([gemeenten[n][2] for n in names], grid_size=GRID_SIZE_M)
    return shapely.MultiPolygon(list(shapely.get_parts(union)))


def seed(session: Session, geodata: Path) -> SeedReport:
    """Load everything in `geodata` that is not there yet."""
    report = SeedReport()
    gemeenten = _gemeente_shapes(geodata)
    report.gemeenten = seed_gemeenten(session, gemeenten)
    report.provincies = seed_provincies(session, geodata / "provincies.geojson")

    spec = _read(geodata / "gebieden.json")
    for item in spec["gebieden"]:
        # A deleted voorbeeldgebied stays deleted: a beheerder restores it, not the seed.
        if gebieden_service.find_gebied(session, item["slug"], deleted=True) is not None:
            continue
        geom = gebied_geometry(gemeenten, item["gemeenten"])
        provincies = sorted({gemeenten[n][1] for n in item["gemeenten"]})
        values = {**item, "provincies": provincies, "bron": spec["bron"]}
        gebieden_service.create_gebied(session, values, geom)
        report.gebieden += 1

    opgaven_file = geodata / "opgaven.geojson"
    if opgaven_file.exists():
        report.opgaven = _seed_opgaven(session, _read(opgaven_file)["features"])
    report.referentielagen = seed_referentielagen(session, geodata)
    return report


def _seed_opgaven(session: Session, features: list[dict[str, Any]]) -> int:
    existing = opgaven_service.existing_extern_ids(session)
    new = 0
    for feature in features:
        props = {k: v for k, v in feature["properties"].items() if k != "gebied"}
        if props["extern_id"] in existing:
            continue
        fields = OpgaveFields.model_validate(props)
        checked = check_geometry(feature["geometry"], CRS84, MAX_SEED_VERTICES)
        opgaven_service.create_opgave(session, fields.model_dump(), checked.geom)
        new += 1
    return new
