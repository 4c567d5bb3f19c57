"""OGC API Features Part 3: a CQL2 filter over 100,000 opgaven, a page of 100 with
numberMatched, against the same SQL by hand.

    .venv/bin/python benchmarks/ogc_filter.py [--n 100000] [--requests 200] [--clients 1]

Loads N synthetic opgaven (as ogc.py: 20-60 vertices, 5-2,000 ha, horizon 2030-2049,
titels "Opgave <i>") into a fresh database, starts the app in its own process, and times
`GET /ogc/collections/opgaven/items?limit=100&filter=...` for filters of the shape
    thema = 'wonen' AND horizon BETWEEN 2032 AND 2041
    AND S_INTERSECTS(geometry, POLYGON(<a square, CRS84>)) AND titel LIKE <pattern>
each request with a square of its own: a 5 km square with 'Opgave 1%' (a handful match), and
a 60 km square with '%1%' (most of a page of 100 match); and a full page out of thousands:
    thema = 'wonen' AND horizon <= 2040 AND S_INTERSECTS(geometry, POLYGON(<200 km square>))
In cql2-text and in cql2-json, and in RD (filter-crs). The floor is the same count and page
by hand in SQL (psycopg). Reports the median numberMatched and p50/p95 (ms) and requests/s.
Uses DATABASE_URL, else the project's local PostGIS; it creates and drops its own database.
"""

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import psycopg
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ogc import http_client, run, timed

TO_WGS84 = Transformer.from_crs(28992, 4326, always_xy=True)
# (square side in m, LIKE pattern or None: horizon <= 2040 instead of BETWEEN, no LIKE).
SHAPES = {
    "5 km, 'Opgave 1%'": (5_000.0, "Opgave 1%"),
    "60 km, '%1%'": (60_000.0, "%1%"),
    "200 km, full page": (200_000.0, None),
}


def squares(
    extent: shapely.Polygon, count: int, side: float, seed: int = 3
) -> list[shapely.Polygon]:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = extent.bounds
    xs, ys = rng.uniform(minx, maxx - side, count), rng.uniform(miny, maxy - side, count)
    return [shapely.box(x, y, x + side, y + side) for x, y in zip(xs, ys, strict=True)]


def in_crs84(square: shapely.Polygon) -> shapely.Polygon:
    return shapely.transform(square, lambda xy: np.column_stack(TO_WGS84.transform(*xy.T)))


def _horizon(like: str | None) -> tuple[str, dict[str, Any]]:
    if like is None:
        return "horizon <= 2040", {"op": "<=", "args": [{"property": "horizon"}, 2040]}
    return "horizon BETWEEN 2032 AND 2041", {
        "op": "between",
        "args": [{"property": "horizon"}, 2032, 2041],
    }


def text_filter(polygon: shapely.Polygon, like: str | None) -> str:
    flt = (
        f"thema = 'wonen' AND {_horizon(like)[0]} AND "
        f"S_INTERSECTS(geometry, {shapely.to_wkt(polygon, rounding_precision=7)})"
    )
    return flt if like is None else f"{flt} AND titel LIKE '{like}'"


def json_filter(polygon: shapely.Polygon, like: str | None) -> str:
    geometry = json.loads(shapely.to_geojson(polygon))
    args = [
        {"op": "=", "args": [{"property": "thema"}, "wonen"]},
        _horizon(like)[1],
        {"op": "s_intersects", "args": [{"property": "geometry"}, geometry]},
    ]
    if like is not None:
        args.append({"op": "like", "args": [{"property": "titel"}, like]})
    return json.dumps({"op": "and", "args": args})


def _sql(like: str | None, page: bool) -> str:
    where = (
        "verwijderd_op IS NULL AND thema = 'wonen' AND "
        f"{_horizon(like)[0]} AND ST_Intersects(geom, ST_GeomFromText(%(wkt)s, 28992))"
        + ("" if like is None else " AND titel LIKE %(like)s")
    )
    if not page:
        return f"SELECT count(*) FROM opgave WHERE {where}"
    return (
        "SELECT id, titel, thema, trekker, status, horizon, "
        f"ST_AsGeoJSON(ST_Transform(geom, 4326), 8) FROM opgave WHERE {where} "
        "ORDER BY titel, id LIMIT 100"
    )


def sql_client(url: str, like: str | None) -> Any:
    count_sql, page_sql = _sql(like, page=False), _sql(like, page=True)

    def make() -> Any:
        conn = psycopg.connect(url, autocommit=True)

        def run(square: shapely.Polygon) -> None:
            conn.execute(count_sql, {"wkt": square.wkt, "like": like}).fetchone()
            conn.execute(page_sql, {"wkt": square.wkt, "like": like}).fetchall()

        return run

    return make


def matched(port: int, path: str) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path)
    body = json.loads(conn.getresponse().read())
    return int(body["numberMatched"])


def measure(url: str, port: int, extent: shapely.Polygon, n: int, clients: int) -> list[dict]:
    base = "/ogc/collections/opgaven/items?limit=100&"
    rows = []
    for shape_name, (side, like) in SHAPES.items():
        rd = squares(extent, n, min(side, 0.9 * (extent.bounds[2] - extent.bounds[0])))
        cases = {
            "cql2-text, CRS84": [
                base + urlencode({"filter": text_filter(in_crs84(s), like)}) for s in rd
            ],
            "cql2-json, CRS84": [
                base
                + urlencode({"filter": json_filter(in_crs84(s), like), "filter-lang": "cql2-json"})
                for s in rd
            ],
            "cql2-text, RD (filter-crs)": [
                base + urlencode({"filter": text_filter(s, like), "filter-crs": "EPSG:28992"})
                for s in rd
            ],
        }
        for name, paths in cases.items():
            timed(paths[:10], clients, http_client(port))  # warm up
            counts = [matched(port, p) for p in paths]
            result = timed(paths, clients, http_client(port))
            rows.append({"case": f"{shape_name}: {name}", "matched": int(np.median(counts)),
                         **result})  # fmt: skip
            print(rows[-1], flush=True)
        timed(rd[:10], clients, sql_client(url, like))
        rows.append({"case": f"{shape_name}: SQL by hand (floor)", "matched": "",
                     **timed(rd, clients, sql_client(url, like))})  # fmt: skip
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    run(measure, requests=200, clients=1)


if __name__ == "__main__":
    main()
