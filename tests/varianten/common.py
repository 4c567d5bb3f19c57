"""Helpers of the variant tests: a gebied with register opgaven, variants through the API."""

from typing import Any

from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven.models import Opgave
from tests.factories import feature, make_gebied, make_opgave, opgave_properties

# A 10 km square around Ede; the opgaven lie inside it unless said otherwise.
GEBIED = box(170_000, 445_000, 180_000, 455_000)
BUITEN = box(190_000, 445_000, 191_000, 446_000)  # east of it


def gebied_met_opgaven(session: Session) -> tuple[Gebied, dict[str, Opgave]]:
    """A gebied with three register opgaven: wonen, natuur, energie."""
    gebied = make_gebied(session, GEBIED, slug="ede", naam="Ede")
    opgaven = {
        "wonen": make_opgave(session, box(171_000, 446_000, 173_000, 448_000), titel="Wonen"),
        "natuur": make_opgave(
            session, box(172_000, 447_000, 175_000, 450_000), titel="Natuur", thema="natuur"
        ),
        "energie": make_opgave(
            session, box(176_000, 451_000, 178_000, 453_000), titel="Energie", thema="energie"
        ),
    }
    session.commit()  # a savepoint of the test's transaction
    return gebied, opgaven


def maak_variant(
    client: TestClient, gebied: str = "ede", naam: str = "Meer natuur"
) -> dict[str, Any]:
    made = client.post(f"/api/v1/gebieden/{gebied}/varianten", json={"naam": naam})
    assert made.status_code == 201, made.text
    assert made.headers["etag"] == '"1"'
    body: dict[str, Any] = made.json()
    assert made.headers["location"] == f"/api/v1/varianten/{body['id']}"
    return body


def wijzig(
    client: TestClient, variant_id: str, opgave: Opgave, geom: Any = None, **properties: Any
) -> Any:
    """PUT the variant's version of a register opgave (its register fields, with changes)."""
    fields = {
        "titel": opgave.titel,
        "thema": opgave.thema,
        "trekker": opgave.trekker,
        "status": opgave.status,
        "horizon": opgave.horizon,
        **properties,
    }
    shape = geom if geom is not None else _shape(opgave)
    return client.put(
        f"/api/v1/varianten/{variant_id}/opgaven/{opgave.id}", json=feature(shape, **fields)
    )


def laat_weg(client: TestClient, variant_id: str, opgave: Opgave) -> Any:
    return client.put(
        f"/api/v1/varianten/{variant_id}/opgaven/{opgave.id}", json={"weggelaten": True}
    )


def voeg_toe(client: TestClient, variant_id: str, geom: Any = None, **properties: Any) -> Any:
    shape = geom if geom is not None else box(173_000, 452_000, 174_000, 453_000)
    return client.post(
        f"/api/v1/varianten/{variant_id}/opgaven",
        json=feature(shape, **opgave_properties(titel="Nieuw bos", **properties)),
    )


def opgaven_van_variant(client: TestClient, variant_id: str, **params: Any) -> dict[str, Any]:
    """The variant's opgaven by id: their properties."""
    listed = client.get(f"/api/v1/varianten/{variant_id}/opgaven", params=params)
    assert listed.status_code == 200, listed.text
    return {f["id"]: f["properties"] for f in listed.json()["features"]}


def _shape(opgave: Opgave) -> Any:
    from gebiedsregie.opgaven.service import opgave_shape

    return opgave_shape(opgave)
