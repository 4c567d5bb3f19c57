"""The NOVEX export of a variant: its opgaven and stapeling, its metadata naming the variant
and its status, valid against the schema (which still takes the register's exports)."""

from pathlib import Path
from typing import Any

import pyogrio
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.uitwisseling.test_export import VALIDATOR, features_of
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant, voeg_toe, wijzig

URL = "/api/v1/gebieden/ede/export"


def _variant(client: TestClient, session: Session) -> tuple[str, dict[str, str], str]:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    assert laat_weg(client, variant, opgaven["wonen"]).status_code == 200
    assert wijzig(client, variant, opgaven["natuur"], status="uitvoering").status_code == 200
    added = voeg_toe(client, variant)
    assert added.status_code == 201
    return variant, {k: str(o.id) for k, o in opgaven.items()}, added.json()["id"]


def test_the_geojson_export_of_a_variant(client: TestClient, session: Session) -> None:
    variant, ids, nieuw = _variant(client, session)
    response = client.get(URL, params={"variant": variant})
    assert response.status_code == 200, response.text
    assert f"ede-variant-{variant[:8]}-novex-crs84-" in response.headers["content-disposition"]
    collection = response.json()
    VALIDATOR.validate(collection)
    assert collection["novex"]["variant"] == {
        "id": variant,
        "naam": "Meer natuur",
        "status": "concept",
        "inhoud_versie": 3,
    }
    opgaven = {f["id"]: f["properties"] for f in features_of(collection, "opgave")}
    assert set(opgaven) == {ids["natuur"], ids["energie"], nieuw}
    assert opgaven[ids["natuur"]]["wijziging"] == "gewijzigd"
    assert opgaven[ids["natuur"]]["status"] == "uitvoering"
    assert opgaven[nieuw]["wijziging"] == "nieuw" and opgaven[nieuw]["titel"] == "Nieuw bos"
    assert opgaven[ids["energie"]]["wijziging"] is None
    faces = features_of(collection, "stapeling")
    own = client.get("/api/v1/gebieden/ede/stapeling", params={"variant": variant}).json()[
        "features"
    ]
    assert [f["properties"]["opgaven"] for f in faces] == [f["properties"]["opgaven"] for f in own]
    assert ids["wonen"] not in {o for f in faces for o in f["properties"]["opgaven"]}

    # The register's export is as before: no variant, no wijziging.
    register = client.get(URL).json()
    VALIDATOR.validate(register)
    assert "variant" not in register["novex"]
    assert all("wijziging" not in f["properties"] for f in features_of(register, "opgave"))
    assert ids["wonen"] in {f["id"] for f in features_of(register, "opgave")}


def test_the_geopackage_of_a_variant(client: TestClient, session: Session, tmp_path: Path) -> None:
    variant, ids, nieuw = _variant(client, session)
    response = client.get(URL, params={"variant": variant, "formaat": "gpkg"})
    assert response.status_code == 200, response.text
    path = tmp_path / "variant.gpkg"
    path.write_bytes(response.content)
    opgaven = pyogrio.read_dataframe(path, layer="opgave").set_index("id")
    assert set(opgaven.index) == {ids["natuur"], ids["energie"], nieuw}
    assert opgaven.loc[nieuw, "wijziging"] == "nieuw"
    metadata: Any = pyogrio.read_info(path, layer="gebied")["dataset_metadata"]
    assert '"status": "concept"' in metadata["variant"] and variant in metadata["variant"]
    register = tmp_path / "register.gpkg"
    register.write_bytes(client.get(URL, params={"formaat": "gpkg"}).content)
    assert "wijziging" not in pyogrio.read_dataframe(register, layer="opgave").columns


def test_a_variant_export_needs_an_account_and_its_gebied(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    variant, _ids, _nieuw = _variant(client, session)
    assert anonymous_client.get(URL, params={"variant": variant}).status_code == 401
    wrong = client.get(URL, params={"variant": "x"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["name"] == "variant"
