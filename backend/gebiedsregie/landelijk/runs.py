"""Runs of the landelijke stapeling: started for an extent (the whole country, or one
provincie), computed on Dask tegel by tegel, each tegel stored as it is done, resumable.

A run's result is the sum of its stored tegels' statistics (no recomputation).
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.errors import Conflict, NotFound
from gebiedsregie.gebieden.models import Provincie
from gebiedsregie.landelijk import opslag
from gebiedsregie.landelijk.models import LandelijkeRun
from gebiedsregie.landelijk.statistiek import Statistiek, total
from gebiedsregie.landelijk.tegels import TEGEL_M, Raster, TegelResultaat, tegels_for
from gebiedsregie.settings import Settings

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

NEDERLAND = "nederland"

Progress = Callable[[int, int], None]  # (tegels done, of how many)


class RunNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"Landelijke run '{key}' bestaat niet.")


class ProvincieNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"Provincie '{key}' bestaat niet (geef de naam of de statcode).")


class GeenProvincies(Conflict):
    def __init__(self) -> None:
        super().__init__("Er staan geen provincies in de database; laad eerst de seed-data.")


@dataclass
class Voortgang:
    """A run's state: how far it is, and (when klaar) its summed statistics."""

    run: LandelijkeRun
    tegels_klaar: int
    statistiek: Statistiek | None


def extent_for(session: Session, provincie: str | None) -> tuple[str, str | None, MultiPolygon]:
    """Return (omvang, statcode, RD extent): of one provincie (by naam or statcode), or of
    them all ('nederland')."""
    if provincie is not None:
        row = session.execute(
            select(Provincie.naam, Provincie.statcode, func.ST_AsBinary(Provincie.geom)).where(
                or_(
                    func.lower(Provincie.naam) == provincie.strip().lower(),
                    func.upper(Provincie.statcode) == provincie.strip().upper(),
                )
            )
        ).first()
        if row is None:
            raise ProvincieNotFound(provincie)
        return row[0], row[1], _multi(shapely.from_wkb(bytes(row[2])))
    union = session.scalar(select(func.ST_AsBinary(func.ST_Union(Provincie.geom))))
    if union is None:
        raise GeenProvincies()
    return NEDERLAND, None, _multi(shapely.from_wkb(bytes(union)))


def _multi(geom: shapely.Geometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    polygons = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return MultiPolygon(polygons)


def create_run(
    session: Session,
    omvang: str,
    provincie: str | None,
    extent: MultiPolygon,
    door: str = "",
    tegel_m: float = TEGEL_M,
) -> LandelijkeRun:
    """Store a new run (status bezig) over `extent` and return it; computing it is `execute`."""
    run = LandelijkeRun(
        id=uuid.uuid4(),
        omvang=omvang,
        provincie=provincie,
        extent=from_shape(extent, srid=RD_NEW),
        tegel_m=tegel_m,
        status="bezig",
        aantal_tegels=len(tegels_for(extent, Raster(tegel_m))),
        gestart_door=door,
    )
    session.add(run)
    session.commit()
    return run


def start(
    session: Session, provincie: str | None, door: str = "", tegel_m: float = TEGEL_M
) -> LandelijkeRun:
    """Store a new run over one provincie or the whole country."""
    omvang, statcode, extent = extent_for(session, provincie)
    return create_run(session, omvang, statcode, extent, door, tegel_m)


def get_run(session: Session, key: str | uuid.UUID) -> LandelijkeRun:
    try:
        run_id = key if isinstance(key, uuid.UUID) else uuid.UUID(key)
    except ValueError:
        raise RunNotFound(str(key)) from None
    run = session.get(LandelijkeRun, run_id)
    if run is None:
        raise RunNotFound(str(key))
    return run


def execute(
    url: str,
    run_id: uuid.UUID,
    client: "Client",
    progress: Progress | None = None,
    workers_own_url: bool = False,
) -> Statistiek:
    """Compute the tegels of run `run_id` not stored yet on `client`, each stored by the
    worker that computed it; mark the run klaar (or mislukt) and return its sum.

    With `workers_own_url` (an existing cluster) the workers connect with the DATABASE_URL of
    their own environment: the app's URL, password included, never travels to them."""
    from gebiedsregie.landelijk.verdeeld import run_tegels  # dask: only where a run runs

    worker_url = None if workers_own_url else url
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            run = get_run(session, run_id)
            extent = to_shape(run.extent)
            tegels = tegels_for(extent, Raster(run.tegel_m))
            done = opslag.stored(session, run.id)
            run.status, run.fout, run.klaar_op = "bezig", None, None
            session.commit()
        count = len([t for t in tegels if t.key in done])
        if progress is not None:
            progress(count, len(tegels))

        def on_result(_result: TegelResultaat) -> None:
            nonlocal count
            count += 1
            if progress is not None:
                progress(count, len(tegels))

        try:
            result = run_tegels(
                client,
                tegels,
                opslag.PostgisLoader(worker_url),
                extent,
                done=done,
                on_result=on_result,
                writer=opslag.TegelWriter(worker_url, run_id),
            )
        except Exception as exc:
            _finish(sessions(), run_id, "mislukt", _fout(exc))
            raise
        _finish(sessions(), run_id, "klaar", None)
        return result.statistiek
    finally:
        engine.dispose()


def _finish(session: Session, run_id: uuid.UUID, status: str, fout: str | None) -> None:
    with session:
        run = get_run(session, run_id)
        run.status, run.fout, run.klaar_op = status, fout, datetime.now(UTC)
        session.commit()


def execute_on_dask(
    settings: Settings, url: str, run_id: uuid.UUID, progress: Progress | None = None
) -> Statistiek:
    """`execute` on the cluster of `settings` (a LocalCluster without a scheduler)."""
    from gebiedsregie.landelijk.verdeeld import connect

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            get_run(session, run_id)  # before a cluster is started for it
    finally:
        engine.dispose()
    with connect(settings) as client:
        return execute(url, run_id, client, progress, settings.dask_scheduler is not None)


def _fout(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def execute_quietly(settings: Settings, url: str, run_id: uuid.UUID) -> None:
    """`execute_on_dask` for a background thread: a failure is logged and stored on the run
    (also one before the run began, such as a scheduler that cannot be reached)."""
    try:
        execute_on_dask(settings, url, run_id)
    except Exception as exc:
        log.exception("landelijke run %s mislukt", run_id)
        engine = make_engine(url)
        try:
            _finish(make_sessionmaker(engine)(), run_id, "mislukt", _fout(exc))
        except Exception:
            log.exception("landelijke run %s: status mislukt niet opgeslagen", run_id)
        finally:
            engine.dispose()


def voortgang(session: Session, key: str | uuid.UUID) -> Voortgang:
    """Return the run's state; when klaar, the sum of its stored tegels' statistics."""
    run = get_run(session, key)
    if run.status == "klaar":
        stored = opslag.stored(session, run.id)
        return Voortgang(run, len(stored), total(stored.values()))
    return Voortgang(run, opslag.count_stored(session, run.id), None)
