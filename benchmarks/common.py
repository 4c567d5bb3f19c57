"""What the benchmark scripts share: a database of their own, and a Markdown table."""

import io
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
import shapely

from gebiedsregie.localdb import LocalCluster, create_database, drop_database
from gebiedsregie.settings import Settings


@contextmanager
def bench_database() -> Iterator[str]:
    """Yield the URL of a fresh database, on DATABASE_URL's server or else the project's
    local PostGIS; it is dropped afterwards."""
    settings = Settings()
    if settings.database_url:
        admin = settings.database_url
    else:
        cluster = LocalCluster(settings)
        cluster.start()
        admin = cluster.url("postgres")
    name = f"gebiedsregie_bench_{secrets.token_hex(3)}"
    create_database(admin, name)
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        drop_database(admin, name)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


STATUSSEN = ("verkenning", "planvorming", "besluitvorming", "uitvoering")


def copy_opgaven(url: str, geoms: np.ndarray, themas: Sequence[str]) -> None:
    """Insert opgaven with these RD polygons and themas with COPY, then VACUUM ANALYZE (as
    autovacuum would soon after: counts can then read the index alone)."""
    multis = shapely.multipolygons(geoms, indices=np.arange(len(geoms)))
    wkbs = shapely.to_wkb(multis, hex=True, include_srid=False)
    buffer = io.StringIO()
    for i, (wkb, thema) in enumerate(zip(wkbs, themas, strict=True)):
        row = [str(uuid.uuid4()), f"Opgave {i}", thema, "provincie", STATUSSEN[i % 4]]
        buffer.write("\t".join([*row, str(2030 + i % 20), f"SRID=28992;{wkb}"]) + "\n")
    with (
        psycopg.connect(url) as conn,
        conn.cursor().copy(
            "COPY opgave (id, titel, thema, trekker, status, horizon, geom) FROM STDIN"
        ) as copy,
    ):
        copy.write(buffer.getvalue())
    with psycopg.connect(url, autocommit=True) as conn:  # VACUUM runs outside a transaction
        conn.execute("VACUUM ANALYZE opgave")
