"""The samenvatting as CSV and XLSX: the same numbers as its JSON, with thema names."""

import csv
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.factories import RD_URI
from tests.rapport.conftest import FORMULA

URL = "/api/v1/gebieden/vallei/stapeling/samenvatting"
NAMEN = {
    "economie": "Regionale economie",
    "energie": "Energie en netcongestie",
    "natuur": "Natuur",
    "wonen": "Wonen",
}


def _sections(raw: bytes) -> dict[str, list[list[str]]]:
    """Split the CSV into its sections: a title line, then the heading and the rows."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def test_json_stays_the_default(client: TestClient, vallei: dict[str, str]) -> None:
    default = client.get(URL)
    assert default.headers["content-type"] == "application/json"
    assert client.get(URL, params={"formaat": "json"}).json() == default.json()


def test_csv_sections(client: TestClient, vallei: dict[str, str]) -> None:
    summary = client.get(URL).json()
    response = client.get(URL, params={"formaat": "csv", "crs": RD_URI})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"] == 'attachment; filename="vallei-samenvatting.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    sections = _sections(response.content)
    assert list(sections) == [
        "Gebied en filters",
        "Per diepte",
        "Per thema",
        "Thema x thema (ha)",
        "Hotspots",
    ]
    eigenschappen = dict(sections["Gebied en filters"][1:])
    assert eigenschappen["Gebied"] == "Vallei"
    assert eigenschappen["Filter thema"] == "alle"
    assert _number(eigenschappen["Oppervlakte gebied (ha)"]) == summary["gebied_ha"]
    assert _number(eigenschappen["Ruimtedruk (zoekgebied)"]) == summary["ruimtedruk"]
    assert _number(eigenschappen["Ruimtedruk (vraag)"]) == summary["ruimtedruk_vraag"]

    diepte = sections["Per diepte"]
    assert diepte[0][:2] == ["Aantal opgaven", "Oppervlakte (ha)"]
    assert [(int(r[0]), _number(r[1])) for r in diepte[1:]] == [
        (d["aantal"], d["oppervlakte_ha"]) for d in summary["per_diepte"]
    ]
    # "At least 2": the area with 2 or 3 opgaven.
    at_least_2 = sum(d["oppervlakte_ha"] for d in summary["per_diepte"][1:])
    assert _number(diepte[2][3]) == pytest.approx(at_least_2)
    assert _number(diepte[1][2]) == pytest.approx(
        100 * summary["per_diepte"][0]["oppervlakte_ha"] / 10_000, abs=0.01
    )

    thema = {r[0]: r for r in sections["Per thema"][1:]}
    assert {code: r[1] for code, r in thema.items()} == NAMEN
    assert {code: _number(r[2]) for code, r in thema.items()} == summary["per_thema"]

    matrix = sections["Thema x thema (ha)"]
    names = [NAMEN[c] for c in summary["themas"]]
    assert matrix[0] == ["Thema", *names]
    assert [r[0] for r in matrix[1:]] == names
    assert [[_number(v) for v in r[1:]] for r in matrix[1:]] == summary["overlap_ha"]

    hotspots = sections["Hotspots"]
    assert hotspots[0][-2:] == ["X (RD, m)", "Y (RD, m)"]
    first = hotspots[1]
    assert int(first[1]) == 3
    assert first[3] == "Energie en netcongestie, Natuur, Wonen"
    assert first[4] == "Energie zuid, Natuur midden, Wonen west"
    x, y = _number(first[5]), _number(first[6])
    assert 173_000 <= x <= 174_000 and 440_000 <= y <= 445_000


def test_xlsx_sheets(client: TestClient, vallei: dict[str, str]) -> None:
    summary = client.get(URL, params={"thema": ["wonen", "economie"]}).json()
    response = client.get(URL, params={"formaat": "xlsx", "thema": ["wonen", "economie"]})
    assert response.status_code == 200
    assert 'filename="vallei-samenvatting.xlsx"' in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Gebied en filters",
        "Per diepte",
        "Per thema",
        "Thema x thema (ha)",
        "Hotspots",
    ]
    eigenschappen = {
        r[0]: r[1] for r in workbook["Gebied en filters"].iter_rows(min_row=2, values_only=True)
    }
    assert eigenschappen["Filter thema"] == "Regionale economie, Wonen"
    assert eigenschappen["Aantal opgaven"] == 2
    per_thema = workbook["Per thema"]
    assert all(c.font.bold for c in per_thema[1])
    values: dict[str, Any] = {r[0]: r[2] for r in per_thema.iter_rows(min_row=2, values_only=True)}
    assert values == summary["per_thema"]
    matrix = workbook["Thema x thema (ha)"]
    assert [c.value for c in matrix[1]] == ["Thema", "Regionale economie", "Wonen"]
    assert matrix["B2"].value == summary["overlap_ha"][0][0] and matrix["B2"].data_type == "n"
    hotspots = workbook["Hotspots"]
    assert [c.value for c in hotspots[1]][-2:] == ["Lengtegraad", "Breedtegraad"]  # CRS84
    titels = {r[4] for r in hotspots.iter_rows(min_row=2, values_only=True)}
    assert titels <= {"Wonen west", FORMULA}


def test_bad_formaat(client: TestClient, vallei: dict[str, str]) -> None:
    response = client.get(URL, params={"formaat": "ods"})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["formaat"]
    assert (
        client.get(
            "/api/v1/gebieden/nergens/stapeling/samenvatting", params={"formaat": "xlsx"}
        ).status_code
        == 404
    )
