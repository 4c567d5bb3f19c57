"""The opgaventabel: JSON, CSV and XLSX, checked against PostGIS and the stapeling's faces."""

import csv
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.rapport.conftest import FORMULA, ILLUSTRATIEF

URL = "/api/v1/gebieden/vallei/opgaventabel"
HEADINGS = [
    "Titel",
    "Thema (code)",
    "Thema",
    "Trekker",
    "Status",
    "Horizon",
    "Oppervlakte in gebied (ha)",
    "Ruimtevraag (ha)",
    "Hoogste stapeling",
    "Bron",
    "Id",
]


def _table(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def _inside_ha(session: Session) -> dict[str, float]:
    """The area of each opgave inside the gebied, by PostGIS (independent of the code)."""
    rows = session.execute(
        text(
            "SELECT o.id::text, ST_Area(ST_Intersection(o.geom, g.geom)) / 10000 "
            "FROM opgave o, gebied g WHERE g.slug = 'vallei' AND o.verwijderd_op IS NULL"
        )
    ).all()
    return {opgave_id: float(area) for opgave_id, area in rows}


def _deepest_faces(client: TestClient, **params: Any) -> dict[str, int]:
    """The deepest face of the stapeling that each opgave is part of, from its faces."""
    response = client.get("/api/v1/gebieden/vallei/stapeling", params=params)
    deepest: dict[str, int] = {}
    for face in response.json()["features"]:
        for opgave in face["properties"]["opgaven"]:
            deepest[opgave] = max(deepest.get(opgave, 0), face["properties"]["aantal"])
    return deepest


def test_json_rows_against_postgis_and_the_faces(
    client: TestClient, session: Session, vallei: dict[str, str]
) -> None:
    body = _table(client)
    assert body["gebied"]["slug"] == "vallei" and body["gebied"]["naam"] == "Vallei"
    assert body["filters"] == {"thema": [], "status": [], "trekker": [], "horizon": None}
    assert [k["titel"] for k in body["kolommen"]] == HEADINGS
    rijen = body["rijen"]
    # Touching the boundary or lying outside: not in the table. Sorted by titel.
    assert [r["titel"] for r in rijen] == sorted(vallei)
    assert {r["id"] for r in rijen} == set(vallei.values())
    assert set(rijen[0]) == {k["naam"] for k in body["kolommen"]}

    areas = _inside_ha(session)
    deepest = _deepest_faces(client)
    for rij in rijen:
        assert rij["oppervlakte_in_gebied_ha"] == pytest.approx(areas[rij["id"]], abs=1e-4)
        assert rij["hoogste_stapeling"] == deepest[rij["id"]]
    by_titel = {r["titel"]: r for r in rijen}
    assert by_titel["Energie zuid"]["oppervlakte_in_gebied_ha"] == 3500.0  # 7 x 5 km inside
    assert by_titel[FORMULA]["oppervlakte_in_gebied_ha"] == 100.0
    assert by_titel["Wonen west"] == {
        "id": vallei["Wonen west"],
        "titel": "Wonen west",
        "thema": "wonen",
        "thema_naam": "Wonen",
        "trekker": "gemeente",
        "status": "planvorming",
        "horizon": 2030,
        "oppervlakte_in_gebied_ha": 4000.0,
        "ruimtevraag_ha": 40.0,
        "hoogste_stapeling": 3,
        "bron": ILLUSTRATIEF,
    }
    assert by_titel["Energie zuid"]["horizon"] is None
    assert by_titel["Energie zuid"]["ruimtevraag_ha"] is None
    assert by_titel[FORMULA]["hoogste_stapeling"] == 1


def test_filters_as_the_stapeling(client: TestClient, vallei: dict[str, str]) -> None:
    body = _table(client, thema=["wonen", "natuur"])
    assert body["filters"]["thema"] == ["natuur", "wonen"]
    assert [r["titel"] for r in body["rijen"]] == ["Natuur midden", "Wonen west"]
    # Without energie, wonen and natuur meet two deep at most.
    assert {r["hoogste_stapeling"] for r in body["rijen"]} == {2}
    deepest = _deepest_faces(client, thema=["wonen", "natuur"])
    assert all(r["hoogste_stapeling"] == deepest[r["id"]] for r in body["rijen"])
    assert [r["titel"] for r in _table(client, status="uitvoering")["rijen"]] == ["Natuur midden"]
    assert [r["titel"] for r in _table(client, trekker="rijk")["rijen"]] == ["Energie zuid"]
    # Horizon: up to and including that year; no horizon is no match.
    assert {r["titel"] for r in _table(client, horizon=2030)["rijen"]} == {"Wonen west", FORMULA}
    # min_aantal filters faces, not opgaven: the table is the same with it.
    assert _table(client, min_aantal=3)["rijen"] == _table(client)["rijen"]


def test_csv_for_a_dutch_excel(client: TestClient, vallei: dict[str, str]) -> None:
    response = client.get(URL, params={"formaat": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="vallei-opgaven.csv"'
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == HEADINGS
    by_titel = {r[0]: dict(zip(HEADINGS, r, strict=True)) for r in rows[1:]}
    assert len(by_titel) == 4
    wonen = by_titel["Wonen west"]
    assert wonen["Oppervlakte in gebied (ha)"] == "4000"
    assert wonen["Ruimtevraag (ha)"] == "40"
    assert wonen["Thema"] == "Wonen" and wonen["Hoogste stapeling"] == "3"
    assert wonen["Bron"] == ILLUSTRATIEF  # quoted by csv where needed, read back whole
    assert (
        by_titel["Energie zuid"]["Horizon"] == ""
        and by_titel["Energie zuid"]["Ruimtevraag (ha)"] == ""
    )
    # A formula is text with a leading quote (no spreadsheet runs it); a decimal comma.
    formula = by_titel["'" + FORMULA]
    assert formula["Ruimtevraag (ha)"] == "0,5"
    assert formula["Oppervlakte in gebied (ha)"] == "100"


def test_xlsx(client: TestClient, vallei: dict[str, str]) -> None:
    response = client.get(URL, params={"formaat": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="vallei-opgaven.xlsx"' in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Opgaven"]
    sheet = workbook["Opgaven"]
    header = [c.value for c in sheet[1]]
    assert header == HEADINGS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:K5"
    assert sheet.column_dimensions["A"].width >= len("Natuur midden")
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    wonen = rows["Wonen west"]
    area = wonen[HEADINGS.index("Oppervlakte in gebied (ha)")]
    assert area.value == 4000.0 and area.data_type == "n"
    assert area.number_format == "#,##0.0000"
    assert wonen[HEADINGS.index("Horizon")].value == 2030
    assert wonen[HEADINGS.index("Hoogste stapeling")].value == 3
    assert rows["Energie zuid"][HEADINGS.index("Ruimtevraag (ha)")].value is None
    formula = rows[FORMULA][0]
    assert formula.value == FORMULA and formula.data_type == "s"  # text, not a formula


def test_errors_name_the_field(client: TestClient, vallei: dict[str, str]) -> None:
    bad = client.get(URL, params={"formaat": "pdf"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert [e["name"] for e in bad.json()["errors"]] == ["formaat"]
    assert (
        bad.json()["errors"][0]["reason"] == "Ongeldige waarde; kies uit: 'json', 'csv' of 'xlsx'."
    )
    unknown_thema = client.get(URL, params={"thema": "vliegvelden"})
    assert unknown_thema.status_code == 400
    assert [e["name"] for e in unknown_thema.json()["errors"]] == ["thema"]
    missing = client.get("/api/v1/gebieden/nergens/opgaventabel", params={"formaat": "csv"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "nergens" in missing.json()["detail"]


def test_by_id_and_an_empty_table(client: TestClient, vallei: dict[str, str]) -> None:
    gebied_id = client.get("/api/v1/gebieden/vallei").json()["id"]
    assert (
        _table(client)["rijen"]
        == client.get(f"/api/v1/gebieden/{gebied_id}/opgaventabel").json()["rijen"]
    )
    empty = _table(client, thema="defensie")
    assert empty["rijen"] == [] and len(empty["kolommen"]) == len(HEADINGS)
    xlsx = client.get(URL, params={"thema": "defensie", "formaat": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Opgaven"]
    assert sheet.max_row == 1 and [c.value for c in sheet[1]] == HEADINGS


def test_too_many_opgaven_is_413(client: TestClient, settings: Any, vallei: dict[str, str]) -> None:
    settings.stapeling_max_opgaven = 3
    response = client.get(URL)
    assert response.status_code == 413
    assert [e["name"] for e in response.json()["errors"]] == ["gebied_id"]
    assert "4 opgaven" in response.json()["detail"]
