"""The PDF report: read back with pypdf, page 1 and the map rendered with pypdfium2."""

import io
import re
from datetime import date
from typing import Any

import numpy as np
import pypdfium2
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from shapely import box
from sqlalchemy.orm import Session
from weasyprint.urls import FatalURLFetchingError

from gebiedsregie.bounded import Budget
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.rapport import document, pdf, router
from gebiedsregie.rapport.document import datum_tekst
from gebiedsregie.rapport.inhoud import build_inhoud
from gebiedsregie.rapport.opdracht import afdrukken
from gebiedsregie.seed import seed
from gebiedsregie.stapeling.filters import StapelingFilter
from tests.conftest import GEODATA
from tests.factories import make_gebied, make_opgave
from tests.rapport.conftest import FORMULA

A4_PT = (595.28, 841.89)
VOORBEELDGEBIEDEN = ("food-valley", "zuidoost-drenthe", "chemelot")


def _pdf(client: TestClient, slug: str, **params: Any) -> bytes:
    response = client.get(f"/api/v1/gebieden/{slug}/rapport", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{slug}-rapport.pdf"'
    assert response.content.startswith(b"%PDF-")
    return response.content


def _text(content: bytes) -> str:
    """All text of the PDF, whitespace collapsed (table cells wrap where they like)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _pixels(content: bytes, page: int, scale: float = 1.0) -> np.ndarray:
    document = pypdfium2.PdfDocument(content)
    try:
        return document[page].render(scale=scale).to_numpy()[:, :, :3].astype(int)
    finally:
        document.close()


def _share_of(pixels: np.ndarray, kleur: str, tolerance: int = 12) -> float:
    """The share of pixels within `tolerance` of `kleur` (pypdfium2 gives BGR)."""
    rgb = np.array([int(kleur[i : i + 2], 16) for i in (1, 3, 5)])
    close = np.abs(pixels[:, :, ::-1] - rgb).max(axis=2) <= tolerance
    return float(close.mean())


def test_report_of_food_valley(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    samenvatting = client.get("/api/v1/gebieden/food-valley/stapeling/samenvatting").json()
    tabel = client.get("/api/v1/gebieden/food-valley/opgaventabel").json()
    themas = {t["code"]: t["naam"] for t in client.get("/api/v1/themas").json()}
    content = _pdf(client, "food-valley")

    reader = PdfReader(io.BytesIO(content))
    assert 2 <= len(reader.pages) <= 6
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_PT[0], abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(A4_PT[1], abs=0.5)
    assert reader.metadata is not None
    assert reader.metadata.title == "Stapeling van ruimtelijke opgaven in Food Valley"

    text = _text(content)
    for expected in (
        "Food Valley",
        "Stapeling van ruimtelijke opgaven",
        f"Datum {datum_tekst(date.today())}",
        "Filters Thema: alle · Status: alle · Trekker: alle · Horizon: alle",
        "Gegevensstand gebied versie 1, 18 opgaven",
        "Kerncijfers",
        "69.354 ha",  # the gebied's area, the Dutch way
        "Hotspots",
        "© CBS / PDOK",
        "© Kadaster / PDOK",
        "Illustratieve gegevens. Alle 18 opgaven zijn illustratief",
        "Pagina 1 van",
    ):
        assert expected in text
    assert f"{samenvatting['gebied_ha']:,.0f} ha".replace(",", ".") in text
    for code in samenvatting["per_thema"]:
        assert themas[code] in text
    titels = [r["titel"] for r in tabel["rijen"]]
    assert len(titels) == 18
    for titel in ("Corridors A12, A30 en A1", "Natuurverbinding Valleikanaal"):
        assert titel in titels and titel in text

    page_1 = _pixels(content, 0)
    assert (page_1.min(axis=2) < 200).mean() > 0.02  # ink, not a blank page
    assert _share_of(page_1, "#0b3d91") > 0.001  # the title's blue
    the_map = _pixels(content, 1)
    # Depths 1-3 drawn on the map, roughly in proportion to their area (24%, 5%, 0.7% of
    # the gebied, which fills some half of the page).
    for kleur, share in (("#ffffb2", 0.03), ("#fed976", 0.005), ("#feb24c", 0.0003)):
        assert _share_of(the_map, kleur, 6) > share, kleur


def test_the_voorbeeldgebieden_fit_in_six_pages(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    for slug in VOORBEELDGEBIEDEN:
        content = _pdf(client, slug, min_aantal=2)
        pages = len(PdfReader(io.BytesIO(content)).pages)
        assert 2 <= pages <= 6, (slug, pages)
        text = _text(content)
        assert "Kaart alle vlakken" not in text
        assert "vlakken met minstens 2 opgaven" in text


def test_filters_and_hostile_text(
    client: TestClient, session: Session, vallei: dict[str, str]
) -> None:
    make_opgave(
        session,
        box(171_000, 441_000, 172_000, 442_000),
        titel="<b>vet</b> & <img src=https://example.org/x.png>",
        thema="wonen",
        bron="<script>alert(1)</script>",
    )
    session.commit()
    content = _pdf(client, "vallei", thema=["wonen", "economie"], status="planvorming")
    text = _text(content)
    assert "Thema: Regionale economie, Wonen · Status: Planvorming · Trekker: alle" in text
    assert "<b>vet</b> & <img src=https://example.org/x.png>" in text  # text, not markup
    assert "<script>alert(1)</script>" in text
    assert "Wonen west" in text and "Natuur midden" not in text and FORMULA not in text
    assert "1 van de 2 opgaven is illustratief" in text


def test_the_same_data_give_the_same_pages(session: Session, vallei: dict[str, str]) -> None:
    gebied = gebieden_service.get_gebied(session, "vallei")

    def report(day: date) -> bytes:
        inhoud = build_inhoud(session, gebied, StapelingFilter(), 1, day, 1_000)
        return afdrukken(document.opdracht(inhoud)).pdf

    # Dates no data carry (the gegevensstand names today's changes).
    first, second = report(date(2031, 3, 14)), report(date(2031, 3, 14))
    assert first == second  # byte for byte: fonts, images, metadata
    later = report(date(2031, 3, 15))
    assert later != first
    masked_first = _text(first).replace("14 maart 2031", "DATUM")
    masked_later = _text(later).replace("15 maart 2031", "DATUM")
    assert "DATUM" in masked_first and masked_first == masked_later
    # The map page differs only in its footer, where the date is.
    footer = int(841.89 * 0.06)
    assert np.array_equal(_pixels(first, 1)[:-footer], _pixels(later, 1)[:-footer])
    assert not np.array_equal(_pixels(first, 1), _pixels(later, 1))


def test_many_opgaven_still_fit(
    client: TestClient, session: Session, vallei: dict[str, str]
) -> None:
    for i in range(90):
        x, y = 170_000 + (i % 10) * 1000, 440_000 + (i // 10) * 1000
        make_opgave(
            session,
            box(x + 100, y + 100, x + 600, y + 600),
            titel=f"Opgave {i:02d} met een lange titel die in de tabel over meer regels loopt",
            thema="water-bodem",
        )
    session.commit()
    content = _pdf(client, "vallei")
    assert 2 <= len(PdfReader(io.BytesIO(content)).pages) <= 6
    text = _text(content)
    assert "opgaven met de hoogste stapeling, van de 94 in het gebied" in text
    assert "/api/v1/gebieden/vallei/opgaventabel" in text


def test_a_gebied_without_opgaven(client: TestClient, session: Session) -> None:
    make_gebied(session, box(200_000, 400_000, 203_000, 402_000), slug="leeg", naam="Leeg")
    session.commit()
    content = _pdf(client, "leeg")
    assert 2 <= len(PdfReader(io.BytesIO(content)).pages) <= 6
    text = _text(content)
    assert "Met deze filters liggen er geen opgaven in het gebied." in text
    assert "600 ha" in text


def test_only_its_own_images_are_fetched() -> None:
    fetcher = pdf.EigenBestanden({"kaart.png": b"\x89PNG"})
    assert fetcher.fetch("rapport:kaart.png").read() == b"\x89PNG"
    for url in (
        "https://example.org/x.png",
        "http://127.0.0.1:8000/health",
        "file:///etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "rapport:anders.png",
    ):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    for html in (
        '<img src="https://example.org/x.png">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<p style="background: url(http://example.org/a.png)">x</p>',
    ):
        with pytest.raises(pdf.Geweigerd):
            pdf.render([html], {}, "test", 6)


def test_errors(
    client: TestClient, vallei: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = client.get("/api/v1/gebieden/nergens/rapport")
    assert missing.status_code == 404 and "nergens" in missing.json()["detail"]
    for params, field in (({"min_aantal": 0}, "min_aantal"), ({"thema": "vliegveld"}, "thema")):
        bad = client.get("/api/v1/gebieden/vallei/rapport", params=params)
        assert bad.status_code == 400
        assert [e["name"] for e in bad.json()["errors"]] == [field]
    # Busy: no slot free is a 503 to retry, not a queue.
    client.app.state.rapporten = router.Rapporten(0)  # type: ignore[attr-defined]
    busy = client.get("/api/v1/gebieden/vallei/rapport")
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    # Over its budget: stopped, and said so.
    client.app.state.rapporten = router.Rapporten(1)  # type: ignore[attr-defined]
    monkeypatch.setattr(router, "RAPPORT_BUDGET", Budget(seconds=0.001, memory_mb=1536))
    heavy = client.get("/api/v1/gebieden/vallei/rapport")
    assert heavy.status_code == 413
    assert [e["name"] for e in heavy.json()["errors"]] == ["gebied_id"]


def test_a_repeated_report_comes_from_memory(
    client: TestClient, session: Session, vallei: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _pdf(client, "vallei", thema="wonen")
    # No budget left: only a report made before can still be answered.
    monkeypatch.setattr(router, "RAPPORT_BUDGET", Budget(seconds=0.001, memory_mb=1536))
    assert _pdf(client, "vallei", thema="wonen") == first
    assert (
        client.get("/api/v1/gebieden/vallei/rapport", params={"thema": "natuur"}).status_code == 413
    )
    # A change of the data is another report.
    make_opgave(session, box(171_000, 441_000, 172_000, 442_000), titel="Nieuw", thema="wonen")
    session.commit()
    assert (
        client.get("/api/v1/gebieden/vallei/rapport", params={"thema": "wonen"}).status_code == 413
    )
