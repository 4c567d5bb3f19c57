"""How long does storing a computed stapeling take: COPY against the INSERT it replaced?

    .venv/bin/python benchmarks/stapeling_opslaan.py [--n 5000] [--repeat 5]

The stapeling of N synthetic opgaven (`synthetic.py`) in one gebied over their square is
computed once (`compute.analyse`); then `store.keep` stores it `repeat` times each way, the
two ways taking turns in this one process: *now* (`store._copy_faces`: COPY, a batch at a
time, with `geometry.polygon_texts` writing all texts of a batch at once) and *before* (the
batched SQLAlchemy insert of 2,000 rows, with the texts written one by one, both kept below
as they were). Before each run, untimed, the stored stapeling is deleted and its table
vacuumed. Both ways must store the same rows (checked, column by column). Besides: the
GeoJSON texts alone (both CRSs), each way, in CPU seconds (the machine is shared: CPU time
varies less than wall-clock time). On a database of its own (DATABASE_URL's server, else the
project's local PostGIS; dropped afterwards). Medians.
"""

import argparse
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import insert
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database, markdown_table
from synthetic import generate

from gebiedsregie import geometry
from gebiedsregie.crs import CRS84, RD, RD_NEW
from gebiedsregie.geometry import geojson_texts
from gebiedsregie.stapeling import compute, store
from gebiedsregie.stapeling.compute import Face
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.models import StapelingVlak

INSERT_BATCH = 2_000
KEY = "benchmark"
COLUMNS = (
    "nr, aantal, aantal_themas, themas, opgaven, oppervlakte_ha, ST_AsEWKB(geom), "
    "geometrie_crs84, geometrie_rd"
)


_WKT_TYPES = {"POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon"}
_RING_OPEN = re.compile(r"\((?=[-0-9])")
_RING_CLOSE = re.compile(r"(?<=[0-9])\)")


def polygon_texts_before(geoms: np.ndarray, decimals: int) -> list[str]:
    """`geometry.polygon_texts` as it was: the replaces one text at a time."""
    texts = []
    for wkt in shapely.to_wkt(geoms, rounding_precision=decimals, trim=True):
        kind, _, body = wkt.partition(" ")
        if body == "EMPTY":
            coordinates = "[]"
        else:
            coordinates = body.replace("), (", ")|(").replace(", ", "],[").replace(" ", ",")
            coordinates = _RING_CLOSE.sub("]]", _RING_OPEN.sub("[[", coordinates))
            coordinates = coordinates.replace("|", ",").replace("(", "[").replace(")", "]")
        texts.append(f'{{"type":"{_WKT_TYPES[kind]}","coordinates":{coordinates}}}')
    return texts


def insert_faces(session: Session, stapeling_id: uuid.UUID, faces: list[Face]) -> None:
    """The way faces were stored before the COPY (`stapeling/store.py` up to issue #16)."""
    for start in range(0, len(faces), INSERT_BATCH):
        batch = faces[start : start + INSERT_BATCH]
        geoms = [f.geom for f in batch]
        crs84, rd = geojson_texts(geoms, CRS84), geojson_texts(geoms, RD)
        rows = [
            {
                "stapeling_id": stapeling_id,
                "nr": f.nr,
                "aantal": f.aantal,
                "aantal_themas": f.aantal_themas,
                "themas": f.themas,
                "opgaven": f.opgaven,
                "oppervlakte_ha": f.oppervlakte_ha,
                "geom": from_shape(f.geom, srid=RD_NEW),
                "geometrie_crs84": text_84,
                "geometrie_rd": text_rd,
            }
            for f, text_84, text_rd in zip(batch, crs84, rd, strict=True)
        ]
        session.execute(insert(StapelingVlak), rows)


def make_gebied(url: str, area: shapely.Polygon) -> uuid.UUID:
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.gebieden.models import Gebied

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        gebied = Gebied(
            slug="synthetisch", naam="Synthetisch", soort="eigen", provincies=[],
            gemeenten=[], geom=from_shape(shapely.MultiPolygon([area]), srid=RD_NEW),
        )  # fmt: skip
        session.add(gebied)
        session.commit()
        gebied_id = gebied.id
    engine.dispose()
    return gebied_id


def clear(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM stapeling")
        conn.execute("VACUUM ANALYZE stapeling_vlak")


def stored_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM stapeling_vlak ORDER BY nr").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from gebiedsregie.cli import migrate
    from gebiedsregie.db import make_engine, make_sessionmaker

    data = generate(args.n)
    opgaven = [
        (uuid.uuid4(), thema, shapely.to_wkb(shapely.MultiPolygon([geom])))
        for geom, thema in zip(data.geoms, data.themas, strict=True)
    ]
    area = shapely.MultiPolygon([data.area])
    started = time.perf_counter()
    result = compute.analyse(area, opgaven, StapelingFilter().as_dict())
    computed_s = time.perf_counter() - started
    print(f"{len(result.faces):,} faces computed in {computed_s:.1f} s", file=sys.stderr)

    ways: dict[str, tuple[Callable[..., None], Callable[..., list[str]]]] = {
        "INSERT (before)": (insert_faces, polygon_texts_before),
        "COPY (now)": (store._copy_faces, geometry.polygon_texts),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}  # of this process
    with bench_database() as url:
        migrate(url)
        gebied_id = make_gebied(url, data.area)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        rows: dict[str, list[tuple[Any, ...]]] = {}
        copy_faces, polygon_texts = store._copy_faces, geometry.polygon_texts
        for run in range(args.repeat):
            for name, (way, texts) in ways.items():
                clear(url)
                store._copy_faces, geometry.polygon_texts = way, texts
                with sessions() as session:
                    read_at = store.epoch(session, gebied_id)
                    session.commit()
                    started, started_cpu = time.perf_counter(), time.process_time()
                    view = store.keep(session, gebied_id, KEY, read_at, result, 500)
                    times[name].append(time.perf_counter() - started)
                    cpu[name].append(time.process_time() - started_cpu)
                assert view.stapeling_id is not None, "not stored"
                if run == 0:
                    rows[name] = stored_rows(url)
                load = Path("/proc/loadavg").read_text().split()[0]
                print(f"{name}: {times[name][-1]:.2f} s, load {load}", file=sys.stderr)
        store._copy_faces, geometry.polygon_texts = copy_faces, polygon_texts
        assert rows["INSERT (before)"] == rows["COPY (now)"], "the ways stored different rows"
        engine.dispose()

    geoms = [f.geom for f in result.faces]
    texts_cpu: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.repeat):
        for name, (_way, texts) in ways.items():
            geometry.polygon_texts = texts
            started = time.process_time()
            geojson_texts(geoms, CRS84)
            geojson_texts(geoms, RD)
            texts_cpu[name].append(time.process_time() - started)
    geometry.polygon_texts = polygon_texts

    def median(values: dict[str, list[float]], name: str) -> float:
        return round(statistics.median(values[name]), 2)

    before, now = "INSERT (before)", "COPY (now)"
    table = [
        {
            "opgaven": f"{args.n:,}",
            "faces": f"{len(result.faces):,}",
            "compute (s)": round(computed_s, 1),
            "before (s)": median(times, before),
            "now (s)": median(times, now),
            "before / now": f"{median(times, before) / median(times, now):.1f}x",
            "before, CPU here (s)": median(cpu, before),
            "now, CPU here (s)": median(cpu, now),
            "texts before (CPU s)": median(texts_cpu, before),
            "texts now (CPU s)": median(texts_cpu, now),
        }
    ]
    print(markdown_table(table))


if __name__ == "__main__":
    main()
