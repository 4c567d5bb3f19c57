"""The bestuurstafel by variant: the opgaventabel (JSON, CSV, XLSX), the PDF report and "wat
stapelt hier?" of a variant, who may ask them, and a report never stale after an edit."""

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.auth.models import Rol
from gebiedsregie.bounded import Budget
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.rapport import document, router
from gebiedsregie.rapport.inhoud import Inhoud
from gebiedsregie.rapport.opdracht import Opdracht
from tests.factories import feature, make_gebied, token_headers
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant, voeg_toe, wijzig

TABEL = "/api/v1/gebieden/ede/opgaventabel"
RAPPORT = "/api/v1/gebieden/ede/rapport"
ONBEKEND = "00000000-0000-4000-8000-000000000000"
# Only in the variant: 2 km x 2 km, a quarter of it on energie.
NIEUW_BOS = box(177_000, 452_000, 179_000, 454_000)


def _variant(client: TestClient, session: Session) -> tuple[str, dict[str, Opgave], str]:
    """Variant "Meer natuur" of ede: natuur left out, wonen changed, Nieuw bos added."""
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    assert laat_weg(client, variant, opgaven["natuur"]).status_code == 200
    changed = wijzig(client, variant, opgaven["wonen"], status="uitvoering", horizon=2040)
    assert changed.status_code == 200, changed.text
    added = voeg_toe(client, variant, NIEUW_BOS)
    assert added.status_code == 201, added.text
    return variant, opgaven, added.json()["id"]


def _table(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(TABEL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_the_table_of_a_variant(client: TestClient, session: Session) -> None:
    variant, opgaven, nieuw = _variant(client, session)
    ids = {k: str(o.id) for k, o in opgaven.items()}
    tabel = _table(client, variant=variant)
    assert tabel["variant"] == {
        "id": variant,
        "naam": "Meer natuur",
        "status": "concept",
        "inhoud_versie": 3,
    }
    kolommen = [k["naam"] for k in tabel["kolommen"]]
    assert kolommen[-2:] == ["wijziging", "id"]
    rijen = {r["id"]: r for r in tabel["rijen"]}
    # The left-out opgave is not in it; the variant-only one is, as are the rest.
    assert set(rijen) == {ids["wonen"], ids["energie"], nieuw}
    assert [r["titel"] for r in tabel["rijen"]] == ["Energie", "Nieuw bos", "Wonen"]
    assert rijen[nieuw]["wijziging"] == "nieuw"
    assert rijen[ids["wonen"]]["wijziging"] == "gewijzigd"
    assert (rijen[ids["wonen"]]["status"], rijen[ids["wonen"]]["horizon"]) == ("uitvoering", 2040)
    assert rijen[ids["energie"]]["wijziging"] is None
    # The variant's stapeling: Nieuw bos on energie, wonen alone now natuur is gone.
    assert {k: r["hoogste_stapeling"] for k, r in rijen.items()} == {
        ids["wonen"]: 1,
        ids["energie"]: 2,
        nieuw: 2,
    }
    assert rijen[nieuw]["oppervlakte_in_gebied_ha"] == pytest.approx(400, abs=0.5)
    # Its filters apply to the variant's own opgaven too.
    natuur = _table(client, variant=variant, thema="natuur")
    assert [r["id"] for r in natuur["rijen"]] == [nieuw]

    # The register's table is as before: no variant, no column of it, natuur on wonen.
    register = _table(client)
    assert "variant" not in register
    assert "wijziging" not in [k["naam"] for k in register["kolommen"]]
    assert {r["id"]: r["hoogste_stapeling"] for r in register["rijen"]} == {
        ids["wonen"]: 2,
        ids["natuur"]: 2,
        ids["energie"]: 1,
    }
    assert all("wijziging" not in r for r in register["rijen"])


def test_the_downloads_of_a_variant_name_it(client: TestClient, session: Session) -> None:
    variant, _ids, _nieuw = _variant(client, session)
    as_csv = client.get(TABEL, params={"variant": variant, "formaat": "csv"})
    assert as_csv.status_code == 200, as_csv.text
    disposition = as_csv.headers["content-disposition"]
    assert disposition == 'attachment; filename="ede-variant-meer-natuur-opgaven.csv"'
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-2:] == ["In de variant", "Id"]
    assert {(r[0], r[-2]) for r in rows[1:]} == {
        ("Energie", ""),
        ("Nieuw bos", "nieuw"),
        ("Wonen", "gewijzigd"),
    }

    as_xlsx = client.get(TABEL, params={"variant": variant, "formaat": "xlsx"})
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.headers["content-disposition"].endswith('"ede-variant-meer-natuur-opgaven.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))["Opgaven"]
    assert [c.value for c in sheet[1]][-2:] == ["In de variant", "Id"]
    assert sheet.max_row == 4

    samenvatting = client.get(
        "/api/v1/gebieden/ede/stapeling/samenvatting", params={"variant": variant, "formaat": "csv"}
    )
    assert samenvatting.status_code == 200, samenvatting.text
    assert samenvatting.headers["content-disposition"].endswith(
        '"ede-variant-meer-natuur-samenvatting.csv"'
    )
    # The register's names are as they were.
    register = client.get(TABEL, params={"formaat": "csv"})
    assert register.headers["content-disposition"].endswith('"ede-opgaven.csv"')


def test_the_report_of_a_variant_names_it(client: TestClient, session: Session) -> None:
    variant, _ids, _nieuw = _variant(client, session)
    response = client.get(RAPPORT, params={"variant": variant})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="ede-variant-meer-natuur-rapport.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata is not None
    assert reader.metadata.title == "Stapeling van ruimtelijke opgaven in Ede, variant Meer natuur"
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    # The title page says which variant, and its status.
    assert "Variant “Meer natuur” CONCEPT" in first
    assert (
        "Situatie variant “Meer natuur”, status concept: de huidige situatie met 1 opgave "
        "gewijzigd, 1 nieuw en 1 weggelaten" in first
    )
    assert "Gegevensstand gebied versie 1, variant versie 3, 3 opgaven" in first
    assert "Huidige situatie" not in first
    # Every later page says so in its heading.
    for page in reader.pages[1:]:
        assert "Ede · Variant Meer natuur (concept)" in page.extract_text()
    text = _text(response.content)
    assert "Nieuw bos (nieuw in de variant)" in text
    assert "Wonen (gewijzigd in de variant)" in text

    register = client.get(RAPPORT)
    assert register.status_code == 200, register.text
    assert register.headers["content-disposition"] == 'attachment; filename="ede-rapport.pdf"'
    text = _text(register.content)
    assert "Huidige situatie" in text and "Variant" not in text
    assert "Gegevensstand gebied versie 1, 3 opgaven" in text


def test_a_variant_edit_is_never_answered_from_memory(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    variant, opgaven, _nieuw = _variant(client, session)
    # Every report the same content: only the cache key tells the situations apart.
    made: list[Opdracht] = []
    real = document.opdracht

    def same(inhoud: Inhoud) -> Opdracht:
        if not made:
            made.append(real(inhoud))
        return made[0]

    monkeypatch.setattr(document, "opdracht", same)
    first = client.get(RAPPORT, params={"variant": variant})
    assert first.status_code == 200, first.text
    # No budget left: only a report made before can still be answered.
    monkeypatch.setattr(router, "RAPPORT_BUDGET", Budget(seconds=0.001, memory_mb=1536))
    again = client.get(RAPPORT, params={"variant": variant})
    assert again.status_code == 200 and again.content == first.content
    assert client.get(RAPPORT).status_code == 413  # the register's is another report
    # An edit of the variant moves its inhoud_versie: the same content is another report.
    changed = wijzig(client, variant, opgaven["energie"], horizon=2050)
    assert changed.status_code == 200, changed.text
    assert client.get(RAPPORT, params={"variant": variant}).status_code == 413


def test_a_variant_edit_changes_its_report(client: TestClient, session: Session) -> None:
    variant, opgaven, _nieuw = _variant(client, session)
    before = client.get(RAPPORT, params={"variant": variant})
    assert before.status_code == 200, before.text
    changed = wijzig(client, variant, opgaven["energie"], titel="Zonnepark")
    assert changed.status_code == 200, changed.text
    after = client.get(RAPPORT, params={"variant": variant})
    assert after.status_code == 200, after.text
    assert after.content != before.content
    text = _text(after.content)
    assert "Zonnepark (gewijzigd in de variant)" in text
    assert "variant versie 4" in text


def test_who_may_ask_a_variant(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    variant, _opgaven, _nieuw = _variant(client, session)
    drawn = feature(box(171_000, 446_000, 179_000, 454_000))
    # Reading a variant needs an account, as its stapeling does; the register is open.
    for url in (TABEL, RAPPORT):
        denied = anonymous_client.get(url, params={"variant": variant})
        assert denied.status_code == 401, denied.text
        assert denied.headers["content-type"] == "application/problem+json"
    assert anonymous_client.get(TABEL).status_code == 200
    adhoc = anonymous_client.post("/api/v1/stapeling", params={"variant": variant}, json=drawn)
    assert adhoc.status_code == 401, adhoc.text
    anonymous_client.headers.update(token_headers(session, Rol.LEZER))
    assert anonymous_client.get(TABEL, params={"variant": variant}).status_code == 200
    adhoc = anonymous_client.post("/api/v1/stapeling", params={"variant": variant}, json=drawn)
    assert adhoc.status_code == 200, adhoc.text


def test_an_unknown_or_foreign_variant_is_refused(client: TestClient, session: Session) -> None:
    _variant(client, session)
    make_gebied(session, box(190_000, 445_000, 195_000, 450_000), slug="elders", naam="Elders")
    session.commit()
    foreign = maak_variant(client, gebied="elders")["id"]
    for url in (TABEL, RAPPORT):
        for key, status in ((ONBEKEND, 404), (foreign, 400), ("meer-natuur", 400)):
            refused = client.get(url, params={"variant": key})
            assert refused.status_code == status, (url, key, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert [e["name"] for e in refused.json()["errors"]] == ["variant"]
    drawn = feature(box(171_000, 446_000, 172_000, 447_000))
    unknown = client.post("/api/v1/stapeling", params={"variant": ONBEKEND}, json=drawn)
    assert unknown.status_code == 404, unknown.text
    assert [e["name"] for e in unknown.json()["errors"]] == ["variant"]


def test_what_stapelt_here_in_a_variant(client: TestClient, session: Session) -> None:
    variant, opgaven, nieuw = _variant(client, session)
    ids = {k: str(o.id) for k, o in opgaven.items()}
    # Drawn over the gebied's east: energie and Nieuw bos, and natuur's eastern part.
    drawn = feature(box(174_000, 446_000, 179_500, 454_500))

    def opgaven_in(**params: Any) -> tuple[set[str], int]:
        answer = client.post("/api/v1/stapeling", params=params, json=drawn)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found = {o for f in body["features"] for o in f["properties"]["opgaven"]}
        return found, body["samenvatting"]["max_diepte"]

    assert opgaven_in() == ({ids["natuur"], ids["energie"]}, 1)
    assert opgaven_in(variant=variant) == ({ids["energie"], nieuw}, 2)
    # Its filters apply to the variant's own opgaven too.
    assert opgaven_in(variant=variant, thema="natuur") == ({nieuw}, 1)
