"""The NOVEX export (profiel 1.1) carries the koppelkansen and conflicten: per face its pairs
and lagen, per opgave its knelpunten, and which matrices; valid against its schema."""

import json
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gebiedsregie.uitwisseling.export import PROFIEL_VERSIE
from tests.combinaties.common import NATURA, gebied_met_conflicten, make_laag
from tests.uitwisseling.test_export import VALIDATOR


def test_geojson_export_has_the_combinaties(client: TestClient, session: Session) -> None:
    _, opgaven = gebied_met_conflicten(session)
    make_laag(session, NATURA)
    answer = client.get("/api/v1/gebieden/ede/export")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    VALIDATOR.validate(body)
    assert body["novex"]["profiel_versie"] == PROFIEL_VERSIE == "1.1"
    assert body["novex"]["combinaties"] == {"versie": 1, "voorbeeld": True}

    features = body["features"]
    opgave = {f["id"]: f["properties"] for f in features if f["properties"]["laag"] == "opgave"}
    wonen = opgave[str(opgaven["wonen"].id)]
    assert wonen["conflict_ha"] == pytest.approx(500)
    assert wonen["knelpunten"] == {
        "opgaven": [
            {"opgave": str(opgaven["natuur"].id), "thema": "natuur", "oppervlakte_ha": 400}
        ],
        "lagen": [{"laag": "natura-2000", "oppervlakte_ha": 300}],
    }
    water = opgave[str(opgaven["water"].id)]
    assert water["conflict_ha"] == 0 and water["knelpunten"] == {"opgaven": [], "lagen": []}

    faces = [f["properties"] for f in features if f["properties"]["laag"] == "stapeling"]
    both = next(f for f in faces if set(f["themas"]) == {"natuur", "wonen"})
    assert {"thema_a": "natuur", "thema_b": "wonen"} in both["conflicten"]
    between_themas = [f for f in faces if any("thema_a" in p for p in f["conflicten"])]
    assert sum(f["oppervlakte_ha"] for f in between_themas) == pytest.approx(400)
    # A face partly in Natura 2000 names the pair, and how much of it lies inside.
    in_natura = [f for f in faces if {"thema": "wonen", "laag": "natura-2000"} in f["conflicten"]]
    assert sum(d["oppervlakte_ha"] for f in in_natura for d in f["lagen"]) == pytest.approx(300)


def test_geopackage_export_has_them_as_json_text(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    gebied_met_conflicten(session)
    make_laag(session, NATURA)
    answer = client.get("/api/v1/gebieden/ede/export", params={"formaat": "gpkg"})
    assert answer.status_code == 200, answer.text
    path = tmp_path / "ede.gpkg"
    path.write_bytes(answer.content)
    faces = pyogrio.read_dataframe(path, layer="stapeling")
    opgaven = pyogrio.read_dataframe(path, layer="opgave")
    conflicten = [json.loads(text) for text in faces["conflicten"]]
    assert {"thema_a": "natuur", "thema_b": "wonen"} in [p for c in conflicten for p in c]
    assert all(isinstance(json.loads(text), list) for text in faces["lagen"])
    assert sorted(opgaven["conflict_ha"].round(4)) == [0.0, 400.0, 500.0]
    knelpunten = [json.loads(text) for text in opgaven["knelpunten"]]
    assert sorted(len(k["lagen"]) for k in knelpunten) == [0, 0, 1]
    metadata = pyogrio.read_info(path, layer="gebied")["dataset_metadata"]
    assert json.loads(metadata["combinaties"]) == {"versie": 1, "voorbeeld": True}
