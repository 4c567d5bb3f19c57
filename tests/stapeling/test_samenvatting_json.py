"""The samenvatting's JSON, byte for byte: as stored, as answered computed and stored, and as
answered ad hoc. The expected texts were recorded before the samenvatting was typed."""

import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from shapely import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from gebiedsregie.stapeling import samenvatting, schemas
from tests.factories import feature, make_gebied, make_opgave

RECORDED = Path(__file__).with_name("samenvatting_bytes.json")
WONEN = uuid.UUID("00000000-0000-4000-8000-000000000001")
NATUUR = uuid.UUID("00000000-0000-4000-8000-000000000002")
ENERGIE = uuid.UUID("00000000-0000-4000-8000-000000000003")


@pytest.fixture
def gebied(session: Session) -> str:
    make_gebied(session, box(170_000, 440_000, 180_000, 450_000), slug="vallei", naam="Vallei")
    for opgave_id, geom, thema in (
        (WONEN, box(170_000, 440_000, 174_000, 450_000), "wonen"),
        (NATUUR, box(172_000, 440_000, 176_000, 450_000), "natuur"),
        (ENERGIE, box(173_000, 440_000, 185_000, 445_000), "energie"),
    ):
        make_opgave(session, geom, id=opgave_id, titel=thema, thema=thema)
    session.commit()
    return "vallei"


def test_samenvatting_bytes(client: TestClient, session: Session, gebied: str) -> None:
    url = f"/api/v1/gebieden/{gebied}/stapeling/samenvatting"
    computed = client.get(url, params={"thema": ["natuur", "wonen", "energie"]})
    stored = client.get(url, params={"thema": ["natuur", "wonen", "energie"]})
    assert stored.headers["gebiedsregie-stapeling"] == "opgeslagen"
    in_database = session.scalar(text("SELECT samenvatting::text FROM stapeling"))
    adhoc = client.post(
        "/api/v1/stapeling", json=feature(box(172_500, 440_000, 174_500, 442_000))["geometry"]
    )
    expected = json.loads(RECORDED.read_text(encoding="utf-8"))
    # The vraag is added at the end: no opgave has a ruimtevraag, so their areas inside the
    # gebied count: 4,000 + 4,000 + 3,500 ha of 10,000 ha.
    vraag = ',"vraag_ha":11500.0,"vraag_aantal_geschat":3,"ruimtedruk_vraag":1.15}'
    assert computed.text == expected["computed"][:-1] + vraag
    assert stored.text == expected["stored"][:-1] + vraag
    assert in_database == expected["db"]
    assert adhoc.text[adhoc.text.index('"samenvatting"') :] == expected["adhoc"]


def test_the_types_name_what_is_stored_and_documented() -> None:
    stored = json.loads(json.loads(RECORDED.read_text(encoding="utf-8"))["db"])
    assert set(stored) == samenvatting.Samenvatting.__required_keys__
    assert set(stored["hotspots"][0]) == samenvatting.Hotspot.__required_keys__
    assert set(stored["filters"]) == samenvatting.FilterWaarden.__required_keys__
    assert set(stored["per_diepte"][0]) == samenvatting.DiepteOppervlak.__required_keys__

    def fields(model: type[BaseModel]) -> set[str]:
        return set(model.model_fields)

    answered = samenvatting.SamenvattingInCrs
    # The optional keys: the vraag, which GET …/samenvatting adds (not stored).
    assert fields(schemas.Samenvatting) == answered.__required_keys__ | answered.__optional_keys__
    assert fields(schemas.Hotspot) == samenvatting.HotspotInCrs.__required_keys__
    assert fields(schemas.DiepteOppervlak) == samenvatting.DiepteOppervlak.__required_keys__
    assert samenvatting.Hotspot.__required_keys__ - {
        "punt_rd"
    } == samenvatting.HotspotInCrs.__required_keys__ - {"punt"}
