"""Helpers of the combinaties tests: a gebied with opgaven and a Natura 2000 laag, and a PUT
body made from what GET answers."""

from typing import Any

from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely import Polygon, box
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.referentielagen.models import Referentielaag, Referentieobject
from tests.factories import make_gebied, make_opgave, multi

GEBIED = box(170_000, 445_000, 180_000, 455_000)  # 10 km around Ede
NATURA = box(174_000, 445_000, 180_000, 450_000)  # its south-east quarter and more


def make_laag(
    session: Session,
    *geoms: Polygon,
    slug: str = "natura-2000",
    naam: str = "Natura 2000",
    soort: str = "sturend",
) -> Referentielaag:
    """A referentielaag with an object per geometry (committed within the test's savepoint)."""
    laag = Referentielaag(slug=slug, naam=naam, soort=soort, kleur="#2e7d32")
    session.add(laag)
    session.flush()
    for i, geom in enumerate(geoms):
        session.add(
            Referentieobject(
                laag_id=laag.id, naam=f"{naam} {i + 1}", geom=from_shape(multi(geom), srid=RD_NEW)
            )
        )
    session.commit()
    return laag


def gebied_met_conflicten(session: Session) -> tuple[Gebied, dict[str, Opgave]]:
    """Ede with wonen against natuur (a conflict in the voorbeeld), natuur against water
    (a koppelkans), and wonen reaching into Natura 2000 (a conflict with a sturende laag)."""
    gebied = make_gebied(session, GEBIED, slug="ede", naam="Ede")
    opgaven = {
        "wonen": make_opgave(session, box(171_000, 446_000, 175_000, 449_000), titel="Wonen"),
        "natuur": make_opgave(
            session, box(173_000, 447_000, 177_000, 452_000), titel="Natuur", thema="natuur"
        ),
        "water": make_opgave(
            session,
            box(176_000, 451_000, 179_000, 454_000),
            titel="Water",
            thema="water-bodem",
            trekker="waterschap",
        ),
    }
    session.commit()
    return gebied, opgaven


def put_body(stand: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The set as GET answered it, with `changes` (cells by pair) applied."""
    body = {"thema_thema": stand["thema_thema"], "thema_laag": stand["thema_laag"]}
    for key, value in changes.items():
        body[key] = value
    return body


def set_cell(stand: dict[str, Any], a: str, b: str, waarde: str, reden: str) -> dict[str, Any]:
    """GET's thema x thema cells with the pair (a, b) changed."""
    first, second = min(a, b), max(a, b)
    cells = [
        {**c, "waarde": waarde, "reden": reden}
        if (c["thema_a"], c["thema_b"]) == (first, second)
        else c
        for c in stand["thema_thema"]
    ]
    return {"thema_thema": cells, "thema_laag": stand["thema_laag"]}


def combinaties(client: TestClient) -> dict[str, Any]:
    got = client.get("/api/v1/combinaties")
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == f'"{got.json()["versie"]}"'
    body: dict[str, Any] = got.json()
    return body
