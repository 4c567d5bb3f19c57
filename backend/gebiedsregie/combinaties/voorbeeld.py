"""The voorbeeld: the combinatiematrices Gebiedsregie ships (`voorbeeld.json`), an example to
be set per province.

Every cell has a one-line reden, grounded where the background documents say something
(Bestuursprogramma IPO 2023-2027, "Rol in de Ruimte", the IBP memo of May 2018 on the
voorbeeldgebieden); the rest is common planning practice, and says why. The thema x thema
cells cover every unordered pair of the themas of migration 0001, the diagonal (two opgaven of
one thema) included; the thema x laag cells are keyed by laag slug and apply once a
referentielaag with that slug exists. Until a beheerder adopts the set (the API or the beheer
page), it is marked `voorbeeld` and every answer says "voorbeeld; stel vast per provincie".

Migration 0013 loads it, pinned by `fingerprint()` as the trigger files are
(`gebiedsregie/triggers.py`): a later change to the file is a migration of its own, and
`tests/combinaties/test_voorbeeld.py` fails until there is one.
"""

import hashlib
import json
import logging
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text

from gebiedsregie.combinaties.models import SET_ID

PATH = Path(__file__).with_name("voorbeeld.json")
LABEL = "voorbeeld; stel vast per provincie"

log = logging.getLogger(__name__)


class Migration(Protocol):
    """What runs the SQL: alembic's `op`."""

    def get_bind(self) -> Any: ...


@cache
def _content() -> dict[str, Any]:
    content: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    return content


def toelichting() -> str:
    """Return the voorbeeld's toelichting."""
    return str(_content()["toelichting"])


def thema_rows() -> list[dict[str, str]]:
    """Return the thema x thema cells as rows, each pair once with thema_a <= thema_b."""
    return [
        {
            "thema_a": min(r["thema_a"], r["thema_b"]),
            "thema_b": max(r["thema_a"], r["thema_b"]),
            "waarde": r["waarde"],
            "reden": r["reden"],
        }
        for r in _content()["thema_thema"]
    ]


def laag_rows() -> list[dict[str, str]]:
    """Return the thema x laag cells as rows."""
    return [dict(r) for r in _content()["thema_laag"]]


def fingerprint() -> str:
    """Return a short hash of the voorbeeld's content (not of its layout)."""
    canonical = json.dumps(_content(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def load(op: Migration, pinned: str) -> bool:
    """Write the voorbeeld into the (empty) matrices if its fingerprint is still `pinned`;
    return whether it did."""
    current = fingerprint()
    if current != pinned:
        log.info(
            "voorbeeld.json changed since (%s, now %s): a later migration loads it", pinned, current
        )
        return False
    connection = op.get_bind()
    connection.execute(
        text(
            "INSERT INTO combinatieset (id, versie, voorbeeld, toelichting) "
            "VALUES (:id, 1, true, :toelichting)"
        ),
        {"id": SET_ID, "toelichting": toelichting()},
    )
    connection.execute(
        text(
            "INSERT INTO thema_combinatie (thema_a, thema_b, waarde, reden) "
            "VALUES (:thema_a, :thema_b, :waarde, :reden)"
        ),
        thema_rows(),
    )
    connection.execute(
        text(
            "INSERT INTO laag_combinatie (thema, laag, waarde, reden) "
            "VALUES (:thema, :laag, :waarde, :reden)"
        ),
        laag_rows(),
    )
    return True
