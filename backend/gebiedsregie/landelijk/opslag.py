"""Runs in PostGIS, as the workers use them: a tegel's opgaven read from the database, its
statistics written back, each in a transaction of its own.

The loader and writer hold the database URL, not a session: they are pickled to every Dask
worker, and each worker process opens one small engine per URL on first use.
"""

import threading
import uuid
from collections.abc import Mapping
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import make_engine
from gebiedsregie.landelijk.models import LandelijkeTegel
from gebiedsregie.landelijk.statistiek import Statistiek
from gebiedsregie.landelijk.tegels import Tegel, TegelKey, TegelResultaat
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.compute import Invoer

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _engine(url: str | None) -> Engine:
    """Return this process's engine for `url` (one per worker process, a small pool); None:
    the DATABASE_URL of this worker's own environment."""
    if url is None:
        url = Settings().database_url
        if url is None:
            raise RuntimeError("Deze Dask-worker heeft geen DATABASE_URL in zijn omgeving.")
    with _engines_lock:
        if url not in _engines:
            # A tegel of a whole province's layers may take a while to read.
            _engines[url] = make_engine(url, 300_000, pool_size=1, max_overflow=2)
        return _engines[url]


def dispose_engines() -> None:
    """Close this process's engines (tests, the end of a CLI run)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def statistiek_to_json(statistiek: Statistiek) -> dict[str, Any]:
    """Return `statistiek` as JSON (floats kept exactly: JSONB holds their shortest text)."""
    return {
        "per_diepte_m2": {str(k): v for k, v in statistiek.per_diepte_m2.items()},
        "per_themapaar_m2": [[a, b, v] for (a, b), v in statistiek.per_themapaar_m2.items()],
        "bedekt_m2": statistiek.bedekt_m2,
        "invoer_m2": statistiek.invoer_m2,
        "gebied_m2": statistiek.gebied_m2,
        "sliver_m2": statistiek.sliver_m2,
        "aantal_vlakken": statistiek.aantal_vlakken,
        "aantal_tegels": statistiek.aantal_tegels,
    }


def statistiek_from_json(data: Mapping[str, Any]) -> Statistiek:
    """Return the Statistiek stored as `data` (`statistiek_to_json`)."""
    return Statistiek(
        per_diepte_m2={int(k): float(v) for k, v in data["per_diepte_m2"].items()},
        per_themapaar_m2={(a, b): float(v) for a, b, v in data["per_themapaar_m2"]},
        bedekt_m2=float(data["bedekt_m2"]),
        invoer_m2=float(data["invoer_m2"]),
        gebied_m2=float(data["gebied_m2"]),
        sliver_m2=float(data["sliver_m2"]),
        aantal_vlakken=int(data["aantal_vlakken"]),
        aantal_tegels=int(data["aantal_tegels"]),
    )


class PostgisLoader:
    """Reads a tegel's live opgaven (their geometry meeting the tegel's box) as Invoer."""

    def __init__(self, url: str | None) -> None:
        self.url = url

    def __call__(self, tegel: Tegel) -> list[Invoer]:
        box = WKTElement(tegel.box.wkt, srid=RD_NEW)
        with _engine(self.url).connect() as connection:
            rows = connection.execute(
                select(Opgave.id, Opgave.thema, func.ST_AsBinary(Opgave.geom))
                .where(opgaven_service.LIVE, func.ST_Intersects(Opgave.geom, box))
                .order_by(Opgave.id)
            ).all()
        return [(r[0], r[1], bytes(r[2])) for r in rows]


class TegelWriter:
    """Stores a tegel's result for a run in its own transaction; a tegel computed again
    replaces its row (a task Dask runs twice, after a worker died, writes the same)."""

    def __init__(self, url: str | None, run_id: uuid.UUID) -> None:
        self.url = url
        self.run_id = run_id

    def __call__(self, result: TegelResultaat) -> None:
        i, j = result.key
        values = {
            "run_id": self.run_id,
            "i": i,
            "j": j,
            "statistiek": statistiek_to_json(result.statistiek),
            "rekentijd_s": result.rekentijd_s,
            "fallback": result.fallback,
        }
        statement = insert(LandelijkeTegel).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["run_id", "i", "j"],
            set_={
                "statistiek": statement.excluded.statistiek,
                "rekentijd_s": statement.excluded.rekentijd_s,
                "fallback": statement.excluded.fallback,
                "computed_at": func.now(),
            },
        )
        with _engine(self.url).begin() as connection:
            connection.execute(statement)


def stored(session: Session, run_id: uuid.UUID) -> dict[TegelKey, Statistiek]:
    """Return the statistics of the tegels of `run_id` stored so far."""
    rows = session.execute(
        select(LandelijkeTegel.i, LandelijkeTegel.j, LandelijkeTegel.statistiek).where(
            LandelijkeTegel.run_id == run_id
        )
    ).all()
    return {(i, j): statistiek_from_json(data) for i, j, data in rows}


def count_stored(session: Session, run_id: uuid.UUID) -> int:
    """Return how many tegels of `run_id` are stored."""
    return (
        session.scalar(
            select(func.count())
            .select_from(LandelijkeTegel)
            .where(LandelijkeTegel.run_id == run_id)
        )
        or 0
    )


def forget(session: Session, run_id: uuid.UUID, keys: list[TegelKey]) -> None:
    """Delete the stored tegels `keys` of `run_id` (they are computed again on resume)."""
    for i, j in keys:
        session.execute(
            delete(LandelijkeTegel).where(
                LandelijkeTegel.run_id == run_id, LandelijkeTegel.i == i, LandelijkeTegel.j == j
            )
        )
