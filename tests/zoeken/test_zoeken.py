"""/api/v1/zoeken: gemeenten, provinces, gebieden and opgaven by name, tolerant and ranked."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from geoalchemy2.shape import to_shape
from shapely import MultiPolygon, box
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, from_rd
from gebiedsregie.gebieden.models import Gemeente, Provincie
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.seed import seed
from gebiedsregie.settings import Settings
from gebiedsregie.zoeken import service
from tests.conftest import GEODATA, app_on
from tests.factories import EDE, make_gebied, make_opgave

OPGAVE_VALUES = {"thema": "energie", "trekker": "provincie", "status": "verkenning"}


def zoek(client: TestClient, q: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/zoeken", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["q"] == q
    return list(body["resultaten"])


def first(client: TestClient, q: str) -> tuple[str, str, str, str | None]:
    hit = zoek(client, q)[0]
    return hit["soort"], hit["naam"], hit["toelichting"], hit["url"]


def test_finds_every_kind_whatever_the_case_accents_or_typos(
    client: TestClient, session: Session
) -> None:
    seed(session, GEODATA)
    sudwest = ("gemeente", "Súdwest-Fryslân", "Gemeente in Fryslân", None)
    assert first(client, "sudwest fryslan") == sudwest
    assert first(client, "SÚDWEST-FRYSLÂN") == sudwest
    assert first(client, "Sudwest Fryslan") == sudwest
    assert first(client, "Wagenigen") == ("gemeente", "Wageningen", "Gemeente in Gelderland", None)
    assert first(client, "Zuidoost Drente") == (
        "gebied",
        "Zuidoost Drenthe",
        "Voorbeeldgebied in Drenthe",
        "/gebieden/zuidoost-drenthe",
    )
    assert first(client, "food valley") == (
        "gebied",
        "Food Valley",
        "Voorbeeldgebied in Gelderland en Utrecht",
        "/gebieden/food-valley",
    )
    assert first(client, "gelderland") == ("provincie", "Gelderland", "Provincie", None)
    assert first(client, "Fryslan")[:2] == ("provincie", "Fryslân")
    enka = session.scalars(select(Opgave).where(Opgave.titel.like("%Enka%"))).one()
    assert first(client, "enka terein") == (
        "opgave",
        "Herontwikkeling Enka-terrein Ede",
        "Opgave (Cultuur en erfgoed) in Food Valley",
        f"/gebieden/food-valley?opgave={enka.id}",
    )
    [provincie] = [r for r in zoek(client, "Gelderland") if r["soort"] == "provincie"]
    assert provincie["id"] == "PV25"
    [gemeente] = [r for r in zoek(client, "Ede") if r["soort"] == "gemeente"]
    assert gemeente["id"] == "GM0228"


def test_exact_then_prefix_then_similar(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    utrecht = [(r["soort"], r["naam"]) for r in zoek(client, "utrecht")]
    assert utrecht[:3] == [
        ("provincie", "Utrecht"),
        ("gemeente", "Utrecht"),
        ("gemeente", "Utrechtse Heuvelrug"),
    ]
    bergen = [r["naam"] for r in zoek(client, "Bergen", limit=20)]
    assert bergen[:3] == ["Bergen (L.)", "Bergen (NH.)", "Bergen op Zoom"]
    # Then names with a word like it, after every prefix match.
    assert {"Haaksbergen", "Steenbergen", "Tubbergen", "Bergeijk"} <= set(bergen[3:])
    assert zoek(client, "ede")[0]["naam"] == "Ede"
    # A name of the place itself before an opgave that mentions it.
    assert [r["soort"] for r in zoek(client, "Wagenigen")][:2] == ["gemeente", "opgave"]


def test_results_and_their_bbox(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    for q, model, key in (("Ede", Gemeente, "GM0228"), ("Limburg", Provincie, "PV31")):
        [hit] = [r for r in zoek(client, q) if r["id"] == key]
        assert set(hit) == {"soort", "id", "naam", "toelichting", "bbox", "url"}
        stored = to_shape(session.get(model, key).geom)  # type: ignore[union-attr]
        minx, miny, maxx, maxy = from_rd(stored, CRS84).bounds
        bbox = hit["bbox"]
        # The box of the shape itself, to the 8 decimals given (about a millimetre).
        assert bbox == pytest.approx([minx, miny, maxx, maxy], abs=1e-8)
        assert all(round(v, 8) == v for v in bbox)


def test_live_data_only_and_opgaven_outside(client: TestClient, session: Session) -> None:
    gebied = make_gebied(session, naam="Gelderse Vallei", slug="gelderse-vallei")
    opgave = make_opgave(session, box(180_000, 450_000, 181_000, 451_000), titel="Grebbedijk")
    [hit] = zoek(client, "grebbedijk")
    assert (hit["soort"], hit["id"], hit["toelichting"], hit["url"]) == (
        "opgave",
        str(opgave.id),
        "Opgave (Wonen), buiten alle gebieden",
        None,
    )
    assert first(client, "gelderse valei") == (
        "gebied",
        "Gelderse Vallei",
        "Eigen gebied",
        "/gebieden/gelderse-vallei",
    )
    assert client.delete(f"/api/v1/opgaven/{opgave.id}").status_code == 204
    assert client.delete(f"/api/v1/gebieden/{gebied.id}").status_code == 204
    assert zoek(client, "grebbedijk") == [] and zoek(client, "gelderse vallei") == []


def test_an_opgave_in_several_gebieden(client: TestClient, session: Session) -> None:
    for i, naam in enumerate(("Delta", "Alfa", "Charlie", "Bravo", "Echo")):
        make_gebied(
            session, box(170_000 + i, 440_000, 175_000, 449_000), slug=naam.lower(), naam=naam
        )
    opgave = make_opgave(session, titel="Klimaatadaptatie Vallei", thema="water-bodem")
    [hit] = zoek(client, "klimaatadaptatie")
    assert hit["toelichting"] == "Opgave (Water en bodem) in Alfa, Bravo, Charlie en 2 andere"
    assert hit["url"] == f"/gebieden/alfa?opgave={opgave.id}"


def test_limit(client: TestClient, session: Session) -> None:
    for i in range(12):
        make_opgave(session, titel=f"Zonneweide {i:02d}")
    assert len(zoek(client, "zonneweide")) == 10
    assert [r["naam"] for r in zoek(client, "zonneweide", limit=3)] == [
        "Zonneweide 00",
        "Zonneweide 01",
        "Zonneweide 02",
    ]
    assert len(zoek(client, "zonneweide", limit=50)) == 12


@pytest.mark.parametrize(
    ("params", "name", "code"),
    [
        ({}, "q", "missing"),
        ({"q": "a"}, "q", "string_too_short"),
        ({"q": "x" * 101}, "q", "string_too_long"),
        ({"q": "ede\x07"}, "q", "verborgen_teken"),
        ({"q": "ede\u202e"}, "q", "verborgen_teken"),
        ({"q": "e\x00de"}, "q", "nul_teken"),
        ({"q": "!?-'"}, "q", "geen_zoekterm"),
        ({"q": "ede", "limit": 0}, "limit", "greater_than_equal"),
        ({"q": "ede", "limit": 51}, "limit", "less_than_equal"),
        ({"q": "ede", "limit": "tien"}, "limit", "int_parsing"),
    ],
)
def test_hostile_input_is_400(
    client: TestClient, params: dict[str, Any], name: str, code: str
) -> None:
    response = client.get("/api/v1/zoeken", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["name"], error["code"]) == (name, code), error


def test_wildcards_are_no_patterns(client: TestClient, session: Session) -> None:
    make_opgave(session, titel="Wonen 100% circulair")
    make_opgave(session, titel="Wonen in 1000 woningen")
    # '%' and '_' are no letters or digits: in the search form they are spaces, so they
    # match themselves (or any punctuation), never 'any text' ('wonen 1000' is only similar).
    for q in ("wonen 100%", "wonen_100", "WONEN-100"):
        assert [r["naam"] for r in zoek(client, q)] == [
            "Wonen 100% circulair",
            "Wonen in 1000 woningen",
        ], q


def test_reading_needs_what_other_reads_need(
    session: Session, settings: Settings, database_url: str
) -> None:
    closed = app_on(session, settings, database_url, anoniem_lezen=False)
    with TestClient(closed) as client:
        refused = client.get("/api/v1/zoeken", params={"q": "ede"})
    assert refused.status_code == 401
    with TestClient(app_on(session, settings, database_url)) as client:
        assert client.get("/api/v1/zoeken", params={"q": "ede"}).status_code == 200


def test_opgaven_are_found_through_their_indexes(session: Session) -> None:
    # The query's expressions must be the indexes' own, or a search reads every row (and
    # still answers, slowly). With enough opgaven for the planner to care:
    woorden = ("Woningbouw", "Natuurherstel", "Zonneweide", "Dijkversterking", "Fietsroute")
    rows = [
        ({**OPGAVE_VALUES, "titel": f"{woorden[i % 5]} {i}"}, MultiPolygon([EDE]))
        for i in range(3_000)
    ]
    opgaven_service.insert_opgaven(session, rows)
    session.execute(text("ANALYZE opgave"))
    connection = session.connection()
    for q, index in (
        ("zonneweide 12", "ix_opgave_zoekvorm"),
        ("zonnewijde", "ix_opgave_zoekvorm_trgm"),
    ):
        compiled = service.statement(q, 10).compile(dialect=connection.dialect)
        explain = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
        plan = "\n".join(row[0] for row in explain)
        assert f"Scan using {index} on opgave" in plan or f"Scan on {index}  " in plan, plan
        assert "Seq Scan on opgave" not in plan, plan
