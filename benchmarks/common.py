"""What the benchmark scripts share: a database of their own, and a Markdown table."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
