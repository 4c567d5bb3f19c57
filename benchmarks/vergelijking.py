"""How long does a comparison of two situations take, cold and warm? (issue #16)

    .venv/bin/python benchmarks/vergelijking.py [--n 5000] [--cold 5] [--warm 30]

Through the API, in process (FastAPI TestClient, a lezer's bearer token), on a database of
its own (DATABASE_URL's server, else the project's local PostGIS; dropped afterwards):

- Food Valley (seeded): the register against a variant that leaves 10 % of its opgaven out
  (two), moves as many 500 m and adds as many; and the register's 2030 against its 2040.
- N synthetic opgaven (`synthetic.py`, loaded with `common.copy_opgaven`) in one gebied: the
  register against a variant that leaves 5 % out, moves 5 % by 200 m and adds 5 % new ones;
  and 2030 against 2040.

Cold: nothing stored (a register edit in the gebied, not timed, moves its epoch: its stored
stapelingen and comparisons no longer count), so the request computes both samenvattingen
and the overlay, and stores the comparison. "B changed": only the variant changed, and the
register's stapeling is stored (its page was seen): B's samenvatting and the overlay are
computed. Warm: the comparison stored. Each request reads the whole answer as bytes; "all
faces" streams every difference face (in RD, and once more cold in CRS84, as the map asks),
"page" asks limit=100 (a client paging), "tables" limit=0 (both samenvattingen, the
differences, the opgaven). Medians.
"""

import argparse
import json
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_database, copy_opgaven, markdown_table
from synthetic import generate

from gebiedsregie.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def timed(fn: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None) -> float:
    """Return the median wall-clock time (ms) of `repeat` calls, `before` untimed each time."""
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def touch_register(url: str, gebied_slug: str) -> Callable[[], None]:
    """Return a function that edits one register opgave in the gebied (its status, back and
    forth): the gebied's stored stapelingen, and the comparisons with them, are dropped."""
    state = {"status": "verkenning"}

    def touch() -> None:
        state["status"] = "planvorming" if state["status"] == "verkenning" else "verkenning"
        with psycopg.connect(url) as conn:
            conn.execute(
                "UPDATE opgave SET status = %s WHERE id = (SELECT o.id FROM opgave o, gebied g "
                "WHERE g.slug = %s AND ST_Intersects(o.geom, g.geom) ORDER BY o.id LIMIT 1)",
                (state["status"], gebied_slug),
            )

    return touch


def make_variant(url: str, slug: str, fraction: float, shift_m: float, seed: int = 16) -> str:
    """A variant of the gebied leaving `fraction` of its opgaven out, moving as many by
    `shift_m`, and adding as many new ones (copies moved by 3 * shift_m). Returns its id."""
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.gebieden import service as gebieden_service
    from gebiedsregie.opgaven import service as opgaven_service
    from gebiedsregie.varianten import service as varianten_service
    from gebiedsregie.varianten.models import VariantOpgave, Wijziging

    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        gebied = gebieden_service.get_gebied(session, slug)
        area = gebieden_service.gebied_geom_expr(str(gebied.id))
        opgaven, _ = opgaven_service.list_opgaven(
            session, opgaven_service.OpgaveFilter(area=area), 100_000
        )
        count = max(1, round(len(opgaven) * fraction))
        chosen = rng.permutation(len(opgaven))[: 3 * count]
        variant = varianten_service.create_variant(
            session, gebied, {"naam": f"{fraction:.0%} anders"}, "benchmark", None
        )
        rows = []
        for k, i in enumerate(chosen.tolist()):
            opgave = opgaven[i]
            shape = opgaven_service.opgave_shape(opgave)
            fields = {
                name: getattr(opgave, name)
                for name in ("titel", "thema", "beschrijving", "trekker", "status", "horizon")
            } | {"ruimtevraag_ha": opgave.ruimtevraag_ha, "bron": opgave.bron or ""}
            if k < count:  # left out
                rows.append(
                    VariantOpgave(
                        variant_id=variant.id, soort=Wijziging.WEGGELATEN.value,
                        opgave_id=opgave.id, sleutel=opgave.id, register_versie=opgave.versie,
                    )
                )  # fmt: skip
            elif k < 2 * count:  # moved
                moved = shapely.affinity.translate(shape, shift_m, shift_m)
                rows.append(
                    VariantOpgave(
                        variant_id=variant.id, soort=Wijziging.GEWIJZIGD.value,
                        opgave_id=opgave.id, sleutel=opgave.id, register_versie=opgave.versie,
                        geom=from_shape(moved, srid=28992), **fields,
                    )
                )  # fmt: skip
            else:  # new: a copy elsewhere
                row_id = uuid.uuid4()
                copy = shapely.affinity.translate(shape, -3 * shift_m, 3 * shift_m)
                rows.append(
                    VariantOpgave(
                        id=row_id, variant_id=variant.id, soort=Wijziging.NIEUW.value,
                        sleutel=row_id, geom=from_shape(copy, srid=28992),
                        **(fields | {"titel": f"Nieuw {k}"}),
                    )
                )  # fmt: skip
        session.add_all(rows)
        session.commit()
        variant_id = str(variant.id)
    engine.dispose()
    return variant_id


def bump_variant(url: str, variant_id: str) -> Callable[[], None]:
    """Return a function that changes the variant (its first change's titel, back and forth:
    its inhoud_versie moves, the register stays)."""
    state = {"n": 0}

    def bump() -> None:
        state["n"] += 1
        with psycopg.connect(url) as conn:
            conn.execute(
                "UPDATE variant_opgave SET titel = %s WHERE id = (SELECT id FROM variant_opgave "
                "WHERE variant_id = %s AND soort <> 'weggelaten' ORDER BY id LIMIT 1)",
                (f"Bump {state['n']}", variant_id),
            )

    return bump


def load_synthetic(url: str, n: int) -> str:
    """N synthetic opgaven and a gebied over their square; returns its slug."""
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.gebieden.models import Gebied

    data = generate(n)
    copy_opgaven(url, data.geoms, data.themas)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        session.add(
            Gebied(
                slug="synthetisch", naam="Synthetisch", soort="eigen", provincies=[],
                gemeenten=[], geom=from_shape(shapely.MultiPolygon([data.area]), srid=28992),
            )
        )  # fmt: skip
        session.commit()
    engine.dispose()
    return "synthetisch"


def with_lezer(url: str) -> str:
    """Make a lezer with an API token; return the token."""
    from gebiedsregie.auth import service as auth_service
    from gebiedsregie.auth.models import Rol
    from gebiedsregie.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        gebruiker = auth_service.create_gebruiker(
            session, "bench", Rol.LEZER, "correct paard batterij niet", Settings()
        )
        _token, token = auth_service.create_token(session, gebruiker, 1)
    engine.dispose()
    return token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--warm", type=int, default=30)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from gebiedsregie.app import create_app
    from gebiedsregie.cli import migrate
    from gebiedsregie.db import make_engine, make_sessionmaker
    from gebiedsregie.seed import seed

    rows = []
    # Each case in a database of its own: the synthetic square would cover Food Valley.
    for case in ("food-valley", "synthetisch"):
        with bench_database() as url:
            migrate(url)
            if case == "food-valley":
                engine = make_engine(url)
                with make_sessionmaker(engine)() as session:
                    seed(session, ROOT / "geodata")
                engine.dispose()
                slug, fraction, shift, cold = case, 0.1, 500.0, args.cold
            else:
                slug, fraction, shift, cold = load_synthetic(url, args.n), 0.05, 200.0, args.cold
            variant = make_variant(url, slug, fraction, shift)
            token = with_lezer(url)
            with TestClient(create_app(Settings(), url)) as client:
                client.headers["Authorization"] = f"Bearer {token}"
                rows.extend(measure(client, url, slug, variant, cold, args.warm))
    print(markdown_table(rows))


def measure(
    client: Any, url: str, slug: str, variant: str, cold: int, warm: int
) -> list[dict[str, Any]]:
    path = f"/api/v1/gebieden/{slug}/vergelijking"
    touch = touch_register(url, slug)
    rows = []
    for naam, params in (
        ("huidig ↔ variant", {"b": f"variant:{variant}"}),
        ("2030 ↔ 2040", {"a_horizon": 2030, "b_horizon": 2040}),
    ):

        def get(extra: dict[str, Any], params: dict[str, Any] = params) -> bytes:
            # The bytes as they arrive: parsing 100 MB of JSON is the client's time, not ours.
            answer = client.get(path, params={**params, **extra, "crs": RD_URI})
            assert answer.status_code == 200, answer.text
            content: bytes = answer.content
            return content

        body = json.loads(get({"limit": 0}))
        row: dict[str, Any] = {
            "gebied": slug,
            "A ↔ B": naam,
            "opgaven A / B": f"{body['a']['samenvatting']['aantal_opgaven']:,} / "
            f"{body['b']['samenvatting']['aantal_opgaven']:,}",
            "faces A / B / overlay": f"{body['a']['samenvatting']['aantal_vlakken']:,} / "
            f"{body['b']['samenvatting']['aantal_vlakken']:,} / "
            f"{body['overzicht']['aantal_vlakken']:,}",
            "opgaven differing": sum(len(v) for v in body["opgaven"].values()),
            "MB all faces": round(len(get({})) / 1e6, 1),
        }
        row["cold, page (ms)"] = round(timed(lambda: get({"limit": 100}), cold, touch))
        row["cold, all faces (ms)"] = round(timed(lambda: get({}), cold, touch))
        # CRS84, as the map asks: every coordinate transformed by pyproj (PostGIS's PROJ
        # may pick another transformation, so PostgreSQL does not write this text).
        row["cold, all faces CRS84 (ms)"] = round(
            timed(lambda: get({"crs": CRS84_URI}), cold, touch)
        )
        if "b" in params:
            bump = bump_variant(url, variant)
            # The register's stapeling stored, as when its page was seen first.
            client.get(f"/api/v1/gebieden/{slug}/stapeling/samenvatting").raise_for_status()
            row["B changed, page (ms)"] = round(timed(lambda: get({"limit": 100}), cold, bump))
        else:
            row["B changed, page (ms)"] = "-"
        get({})
        row["warm, tables (ms)"] = round(timed(lambda: get({"limit": 0}), warm), 1)
        row["warm, page (ms)"] = round(timed(lambda: get({"limit": 100}), warm), 1)
        row["warm, all faces (ms)"] = round(timed(lambda: get({}), max(3, warm // 3)), 1)
        rows.append(row)
        print(row, file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
