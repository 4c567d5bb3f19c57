"""Seeding referentielagen from geodata/referentielagen.json (e.g. Natura 2000).

Idempotent: a laag whose slug exists (also a deleted one) is left as it is. The file is read
and transformed once per process, vectorised: a seed in each of the test suite's databases
then costs only the COPY of the objecten (see `service.add_objecten`).
"""

import gzip
import json
import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, to_rd
from gebiedsregie.geometry import GeometryRejected, check_rd_geometry
from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.service import NieuwObject

SPEC = "referentielagen.json"
METADATA = ("slug", "naam", "soort", "kleur", "omschrijving", "bron", "licentie")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bronobjecten:
    """The objecten of a seed file, and the features left out (outside NL), by naam."""

    objecten: tuple[NieuwObject, ...]
    buiten: tuple[str, ...]


def _read(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def _multipolygon(geometry: dict[str, Any]) -> MultiPolygon:
    # As shapely's shape(), with each ring as one array (shape() goes position by position:
    # 1.3 s for the 500,000 positions of Natura 2000, this 0.1 s).
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"a seed file holds vlakken, not {kind}")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    return MultiPolygon(
        [Polygon(np.asarray(rings[0]), [np.asarray(r) for r in rings[1:]]) for rings in polygons]
    )


@cache
def _bronobjecten(path: Path, mtime_ns: int, extern_id: str | None) -> Bronobjecten:
    features = _read(path)["features"]
    geoms: Any = np.array([_multipolygon(f["geometry"]) for f in features], dtype=object)
    geoms_rd = to_rd(geoms, CRS84)  # one transformation for all
    objecten, buiten = [], []
    for feature, geom in zip(features, geoms_rd, strict=True):
        props = feature["properties"]
        naam = str(props.get("naam") or props.get("name") or "")
        try:
            checked = check_rd_geometry(shapely.force_2d(geom), partly_outside=True)
        except GeometryRejected as exc:
            log.info("seed: %s left out of %s: %s", naam, path.name, exc)
            buiten.append(naam)
            continue
        ident = props.get(extern_id) if extern_id else None
        objecten.append(
            NieuwObject(
                geom=checked.geom,
                naam=naam,
                extern_id=None if ident is None else str(ident),
                eigenschappen=props,
            )
        )
    return Bronobjecten(tuple(objecten), tuple(buiten))


def bronobjecten(path: Path, extern_id: str | None = None) -> Bronobjecten:
    """Return the objecten of a GeoJSON file in CRS84 (gzipped when it ends in .gz), as
    stored: in RD, valid, on the storage grid, not simplified; features wholly outside the
    Netherlands are left out."""
    return _bronobjecten(path.resolve(), path.stat().st_mtime_ns, extern_id)


def seed_referentielagen(session: Session, geodata: Path) -> int:
    """Load the referentielagen of geodata/referentielagen.json that are not there yet;
    return how many were made."""
    path = geodata / SPEC
    if not path.exists():
        return 0
    new = 0
    for item in _read(path)["referentielagen"]:
        if service.find_laag(session, item["slug"], deleted=True) is not None:
            continue
        bron = bronobjecten(geodata / item["bestand"], item.get("extern_id"))
        values = {k: item[k] for k in METADATA}
        values["peildatum"] = date.fromisoformat(item["peildatum"]) if item["peildatum"] else None
        laag = service.create_laag(session, values, commit=False)
        service.replace_objecten(session, laag, [bron.objecten])
        new += 1
    return new
