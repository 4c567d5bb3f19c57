"""Search and the opgaven outside every gebied, at 100,000 opgaven.

    .venv/bin/python benchmarks/zoeken.py [--n 100000] [--repeat 20]

Loads the seed (CBS gemeenten, Kadaster provinces, the voorbeeldgebieden) and N synthetic
opgaven (synthetic.py, 20-60 vertices) into a fresh database. Their titles are made like real
ones: a kind of work, a gemeente, sometimes a part (`Zonneweide Barneveld Noord`), so that a
common word is in thousands of titles. Then, in the app's own process (FastAPI's TestClient,
one client), REPEAT times each:
- `GET /api/v1/zoeken` for exact, prefix, typo and worst-case queries;
- `GET /api/v1/opgaven?buiten_gebieden=true|false` (a page of 50 with numberMatched);
- `POST /api/v1/opgaven/ligging` for a shape across the border of Food Valley.
Reports p50/p95/max (ms), the number of results, and the database's own time for the search
query (EXPLAIN ANALYZE). Uses DATABASE_URL, else the project's local PostGIS; it creates and
drops its own database.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database, copy_opgaven, markdown_table
from synthetic import generate

from gebiedsregie.app import create_app
from gebiedsregie.auth import service as auth_service
from gebiedsregie.auth.models import Rol
from gebiedsregie.cli import migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.seed import seed
from gebiedsregie.settings import Settings
from gebiedsregie.zoeken import service as zoeken_service

ROOT = Path(__file__).resolve().parents[1]
WERK = (
    "Woningbouw", "Zonneweide", "Windpark", "Natuurherstel", "Dijkversterking", "Fietsroute",
    "Bedrijventerrein", "Waterberging", "Klimaatadaptatie", "Herinrichting centrum",
    "Stikstofreductie", "Netuitbreiding", "Transformatie kantoren", "Beekherstel",
    "Recreatiegebied", "Glastuinbouw", "Verkeersveiligheid", "Erfgoedlijn", "Bosuitbreiding",
    "Warmtenet",
)  # fmt: skip
DELEN = ("", "", "Noord", "Oost", "Zuid", "West", "fase 2", "Centrum")
QUERIES = [
    ("exact, gemeente", "Ede"),
    ("prefix, provincie", "Gelder"),
    ("accents", "sudwest fryslan"),
    ("typo, gemeente", "Wagenigen"),
    ("typo, gebied", "Zuidoost Drente"),
    ("common word (5,000 titles)", "woningbouw"),
    ("typo of a common word", "woningbouww"),
    ("word inside titles", "netuitbreiding zeist"),
    ("2 characters", "wo"),
    ("nothing like it", "xyzzy qwerty"),
    ("100 characters", "klimaatadaptatie " * 5 + "x" * 15),
]


def load(url: str, n: int) -> None:
    """The seed, then n synthetic opgaven with realistic titles."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed(session, ROOT / "geodata")
    engine.dispose()
    data = generate(n, vertices=(20, 60))
    copy_opgaven(url, data.geoms, data.themas)
    with psycopg.connect(url) as conn:
        gemeenten = [r[0] for r in conn.execute("SELECT naam FROM gemeente ORDER BY statcode")]
        # copy_opgaven titles them 'Opgave i': made into 'Werk Gemeente [Deel]' by i.
        conn.execute(
            """UPDATE opgave SET titel = btrim(
                 (%(werk)s::text[])[i %% %(n_werk)s + 1] || ' ' ||
                 (%(gemeenten)s::text[])[(i / 7) %% %(n_gemeenten)s + 1] || ' ' ||
                 (%(delen)s::text[])[(i / 3) %% %(n_delen)s + 1])
               FROM (SELECT id AS opgave_id, substr(titel, 8)::int AS i FROM opgave
                     WHERE titel ~ '^Opgave [0-9]+$') AS t
               WHERE id = t.opgave_id""",
            {
                "werk": list(WERK),
                "n_werk": len(WERK),
                "gemeenten": gemeenten,
                "n_gemeenten": len(gemeenten),
                "delen": list(DELEN),
                "n_delen": len(DELEN),
            },
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE opgave")


def timed(call: Any, repeat: int) -> tuple[list[float], Any]:
    latencies, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies, result


def row(what: str, latencies: list[float], results: Any, sql_ms: str = "") -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "request": what,
        "p50 ms": f"{statistics.median(ordered):.1f}",
        "p95 ms": f"{ordered[int(0.95 * (len(ordered) - 1))]:.1f}",
        "max ms": f"{ordered[-1]:.1f}",
        "results": results,
        "SQL alone ms": sql_ms,
    }


def sql_time(url: str, q: str) -> str:
    """The database's own time for the search statement (EXPLAIN ANALYZE)."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        form = zoeken_service.search_form(session, q)
        zoeken_service.zoek(session, form, 10)  # warm: PROJ sets up its transformation once
        connection = session.connection()
        compiled = zoeken_service.statement(form, 10).compile(dialect=connection.dialect)
        plan = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", compiled.params
        ).scalar_one()
    engine.dispose()
    return f"{plan[0]['Execution Time']:.1f}"


def planner_token(url: str) -> str:
    engine = make_engine(url)
    settings = Settings(database_url=url)
    with make_sessionmaker(engine)() as session:
        wachtwoord = "benchmark wachtwoord lang genoeg"
        gebruiker = auth_service.create_gebruiker(
            session, "benchmark", Rol.PLANNER, wachtwoord, settings
        )
        _token, value = auth_service.create_token(session, gebruiker, 1)
    engine.dispose()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with bench_database() as url:
        migrate(url)
        started = time.perf_counter()
        load(url, args.n)
        print(f"loaded {args.n} opgaven in {time.perf_counter() - started:.0f} s", flush=True)
        token = planner_token(url)
        rows = []
        app = create_app(Settings(database_url=url))
        with TestClient(app) as client:

            def search(q: str) -> Any:
                response = client.get("/api/v1/zoeken", params={"q": q})
                assert response.status_code == 200, response.text
                return response.json()["resultaten"]

            for what, q in QUERIES:
                search(q)  # warm
                latencies, found = timed(lambda q=q: search(q), args.repeat)
                first = f"{found[0]['soort']} {found[0]['naam']}" if found else "-"
                rows.append(row(f"zoeken {what}: `{q[:24]}`", latencies, f"{len(found)}: {first}",
                                sql_time(url, q)))  # fmt: skip

            for value in ("true", "false"):
                params = {"buiten_gebieden": value, "limit": 50}

                def page(params: dict[str, Any] = params) -> Any:
                    response = client.get("/api/v1/opgaven", params=params)
                    assert response.status_code == 200, response.text
                    return response.json()["numberMatched"]

                page()
                latencies, matched = timed(page, args.repeat)
                rows.append(row(f"opgaven buiten_gebieden={value}, 50", latencies, matched))

            # Across the eastern border of Food Valley, about 20 x 4 km.
            across = shapely.box(186_000, 452_000, 190_000, 472_000).buffer(500, quad_segs=64)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/28992>",
            }

            def ligging() -> Any:
                response = client.post(
                    "/api/v1/opgaven/ligging", json=mapping(across), headers=headers
                )
                assert response.status_code == 200, response.text
                return response.json()

            ligging()
            latencies, body = timed(ligging, args.repeat)
            share = [f"{g['slug']} {g['aandeel_binnen']:.2f}" for g in body["gebieden"]]
            rows.append(row("POST opgaven/ligging (260 vertices)", latencies, ", ".join(share)))
    print(markdown_table(rows))
    print(f"\nnumpy {np.__version__}, shapely {shapely.__version__}")


if __name__ == "__main__":
    main()
