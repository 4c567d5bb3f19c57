"""How long does the PDF report of a voorbeeldgebied take? Through the API, and by phase.

Run:  .venv/bin/python benchmarks/rapport.py [--repeat 5] [--preload]

Seeds a database of its own (DATABASE_URL's server, else the project's local PostGIS; dropped
afterwards), then per voorbeeldgebied:
- the first request through the API (FastAPI TestClient, in process: it computes and stores
  the stapeling, then makes the report), and the median of `repeat` more, with the app's
  report cache switched off so that every request makes its report;
- the phases, medians of `repeat`: reading (opgaventabel, stapeling faces, gemeenten), the
  HTML, and the drawing and layout in this process (figures + WeasyPrint) and in a bounded
  child as the API does it (the difference is the child's start and its imports).
With --preload the fork server of `bounded` imports the report's renderer beforehand, as it
would if it were in `bounded.PRELOAD`.
"""

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database, markdown_table

from gebiedsregie import bounded
from gebiedsregie.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SLUGS = ("food-valley", "zuidoost-drenthe", "chemelot")
RENDERER = ["gebiedsregie.rapport.figuren", "gebiedsregie.rapport.pdf"]


def seconds(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Return the median wall-clock time of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--preload", action="store_true")
    args = parser.parse_args()
    if args.preload:
        bounded.PRELOAD.extend(RENDERER)  # before the fork server starts (app start-up)

    from fastapi.testclient import TestClient
    from pypdf import PdfReader

    from gebiedsregie.app import create_app
    from gebiedsregie.cli import migrate
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.rapport import document, router
    from gebiedsregie.rapport.inhoud import build_inhoud
    from gebiedsregie.rapport.opdracht import afdrukken
    from gebiedsregie.seed import seed
    from gebiedsregie.stapeling.filters import StapelingFilter

    rows = []
    with bench_database() as url:
        migrate(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            seed(session, ROOT / "geodata")
        with TestClient(create_app(Settings(), url)) as client:
            bounded.warm()  # the fork server is up before anything is timed
            client.app.state.rapporten = router.Rapporten(2, bewaard=0)  # type: ignore[attr-defined]
            for slug in SLUGS:
                path = f"/api/v1/gebieden/{slug}/rapport"
                first, response = seconds(lambda path=path: client.get(path), 1)
                assert response.status_code == 200, response.text
                api, response = seconds(lambda path=path: client.get(path), args.repeat)
                pdf = response.content
                with sessions() as session:
                    gebied = gebieden_service.get_gebied(session, slug)

                    def read(session: Any = session, gebied: Any = gebied) -> Any:
                        return build_inhoud(
                            session, gebied, StapelingFilter(), 1, date.today(), 20_000
                        )

                    read_s, inhoud = seconds(read, args.repeat)
                    html_s, opdracht = seconds(lambda i=inhoud: document.opdracht(i), args.repeat)
                render_s, _ = seconds(lambda o=opdracht: afdrukken(o), args.repeat)
                child_s, _ = seconds(
                    lambda o=opdracht: bounded.run(afdrukken, o, budget=router.RAPPORT_BUDGET),
                    args.repeat,
                )
                row = {
                    "gebied": slug,
                    "opgaven": len(inhoud.rijen),
                    "vlakken": len(inhoud.kaart.vlakken),
                    "pages": len(PdfReader(io.BytesIO(pdf)).pages),
                    "PDF (kB)": round(len(pdf) / 1024),
                    "API first (s)": round(first, 2),
                    "API (s)": round(api, 2),
                    "read (s)": round(read_s, 3),
                    "HTML (s)": round(html_s, 3),
                    "draw + layout here (s)": round(render_s, 2),
                    "same in child (s)": round(child_s, 2),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
        engine.dispose()
    print()
    print(markdown_table(rows))


if __name__ == "__main__":
    main()
