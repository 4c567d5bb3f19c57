"""The stapeling endpoints and CLI against real PostGIS: results, filters, and never stale."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, to_rd
from gebiedsregie.seed import seed
from gebiedsregie.stapeling import compute, service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.models import Stapeling, StapelingVlak
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from tests.conftest import GEODATA, ROOT
from tests.factories import RD_HEADERS, RD_URI, feature, make_gebied, make_opgave

GEBIED = box(170_000, 440_000, 180_000, 450_000)  # 10,000 ha


@pytest.fixture
def gebied(session: Session) -> str:
    make_gebied(session, GEBIED, slug="vallei", naam="Vallei")
    make_opgave(
        session,
        box(170_000, 440_000, 174_000, 450_000),
        titel="wonen west",
        thema="wonen",
        status="planvorming",
        trekker="gemeente",
        horizon=2030,
    )
    make_opgave(
        session,
        box(172_000, 440_000, 176_000, 450_000),
        titel="natuur midden",
        thema="natuur",
        status="uitvoering",
        trekker="provincie",
        horizon=2040,
    )
    make_opgave(
        session,
        box(173_000, 440_000, 185_000, 445_000),
        titel="energie zuid",
        thema="energie",
        status="verkenning",
        trekker="rijk",
        horizon=2035,
    )
    session.commit()
    return "vallei"


def _faces(client: TestClient, slug: str, **params) -> dict:
    response = client.get(f"/api/v1/gebieden/{slug}/stapeling", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()


def _summary(client: TestClient, slug: str, **params) -> dict:
    response = client.get(f"/api/v1/gebieden/{slug}/stapeling/samenvatting", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_faces_and_summary(client: TestClient, gebied: str) -> None:
    body = _faces(client, gebied)
    by_themas = {tuple(f["properties"]["themas"]): f["properties"] for f in body["features"]}
    # wonen 170-174, natuur 172-176, energie 173-185 (south half only), clipped at 180.
    expected = {
        ("wonen",): 2000.0,
        ("natuur", "wonen"): 1500.0,
        ("energie", "natuur", "wonen"): 500.0,
        ("natuur",): 1000.0,
        ("energie", "natuur"): 1000.0,
        ("energie",): 2000.0,
    }
    assert {k: v["oppervlakte_ha"] for k, v in by_themas.items()} == expected
    assert len(body["features"]) == 6
    assert by_themas[("energie", "natuur", "wonen")]["aantal"] == 3
    assert by_themas[("energie", "natuur", "wonen")]["aantal_themas"] == 3
    assert body["numberMatched"] == len(body["features"])
    assert [f["properties"]["nr"] for f in body["features"]] == list(range(len(body["features"])))
    depths = [f["properties"]["aantal"] for f in body["features"]]
    assert depths == sorted(depths, reverse=True)

    summary = _summary(client, gebied)
    assert summary["gebied_ha"] == pytest.approx(10_000.0)
    assert summary["bedekt_ha"] == pytest.approx(8000.0)
    assert summary["max_diepte"] == 3
    assert summary["per_diepte"] == [
        {"aantal": 1, "oppervlakte_ha": 5000.0},
        {"aantal": 2, "oppervlakte_ha": 2500.0},
        {"aantal": 3, "oppervlakte_ha": 500.0},
    ]
    assert summary["per_thema"] == {"energie": 3500.0, "natuur": 4000.0, "wonen": 4000.0}
    matrix = dict(zip(summary["themas"], summary["overlap_ha"], strict=True))
    assert matrix["wonen"][summary["themas"].index("natuur")] == pytest.approx(2000.0)
    assert matrix["energie"][summary["themas"].index("wonen")] == pytest.approx(500.0)
    assert summary["ruimtedruk"] == pytest.approx(11_500 / 10_000)
    assert summary["hotspots"][0]["aantal"] == 3
    lon, lat = summary["hotspots"][0]["punt"]
    assert 5 < lon < 6 and 51.9 < lat < 52.1
    assert summary["aantal_opgaven"] == 3


def test_second_read_is_stored(client: TestClient, gebied: str) -> None:
    first = client.get(f"/api/v1/gebieden/{gebied}/stapeling")
    assert first.headers["gebiedsregie-stapeling"] == "berekend"
    second = client.get(f"/api/v1/gebieden/{gebied}/stapeling")
    assert second.headers["gebiedsregie-stapeling"] == "opgeslagen"
    assert second.json() == first.json()
    summary = client.get(f"/api/v1/gebieden/{gebied}/stapeling/samenvatting")
    assert summary.headers["gebiedsregie-stapeling"] == "opgeslagen"


def test_filters_and_min_aantal(client: TestClient, gebied: str) -> None:
    only = _summary(client, gebied, thema=["wonen", "natuur"])
    assert set(only["per_thema"]) == {"wonen", "natuur"} and only["max_diepte"] == 2
    assert _summary(client, gebied, status="uitvoering")["per_thema"] == {"natuur": 4000.0}
    assert set(_summary(client, gebied, trekker=["rijk", "gemeente"])["per_thema"]) == {
        "energie",
        "wonen",
    }
    assert set(_summary(client, gebied, horizon=2035)["per_thema"]) == {"energie", "wonen"}
    deep = _faces(client, gebied, min_aantal=2)
    assert deep["features"] and all(f["properties"]["aantal"] >= 2 for f in deep["features"])
    # Each filter set is stored on its own.
    assert _faces(client, gebied, thema="wonen")["numberMatched"] == 1


def test_paging_and_crs(client: TestClient, gebied: str) -> None:
    everything = _faces(client, gebied)
    page = _faces(client, gebied, limit=2, offset=1)
    assert page["numberReturned"] == 2
    assert page["features"] == everything["features"][1:3]
    assert {link["rel"] for link in page["links"]} == {"self", "next", "prev"}
    rd = client.get(f"/api/v1/gebieden/{gebied}/stapeling", params={"crs": RD_URI})
    assert rd.headers["content-crs"] == f"<{RD_URI}>"
    x, y = rd.json()["features"][0]["geometry"]["coordinates"][0][0]
    assert 170_000 <= x <= 180_000 and 440_000 <= y <= 450_000


def test_an_offset_past_bigint_is_400_not_a_broken_stream(client: TestClient, gebied: str) -> None:
    # The stream had begun (200) when PostgreSQL refused the OFFSET: the body was cut off.
    assert _faces(client, gebied, offset=2**63 - 1, limit=5)["features"] == []
    past = client.get(f"/api/v1/gebieden/{gebied}/stapeling", params={"offset": 2**63})
    assert past.status_code == 400
    assert [e["name"] for e in past.json()["errors"]] == ["offset"]


@pytest.mark.parametrize("change", ["create", "update", "delete", "gebied"])
def test_writes_invalidate_in_the_same_transaction(
    client: TestClient, session: Session, gebied: str, change: str
) -> None:
    before = _summary(client, gebied)["max_diepte"]
    assert session.scalar(select(func.count()).select_from(Stapeling)) == 1
    opgaven = client.get("/api/v1/opgaven", params={"gebied": gebied}).json()["features"]
    target = next(o for o in opgaven if o["properties"]["titel"] == "natuur midden")
    if change == "create":
        response = client.post(
            "/api/v1/opgaven",
            json=feature(
                box(171_000, 441_000, 179_000, 444_000),
                titel="water",
                thema="water-bodem",
                trekker="waterschap",
                status="verkenning",
            ),
        )
        expected = before + 1
    elif change == "update":
        response = client.patch(
            f"/api/v1/opgaven/{target['id']}",
            json={
                "type": "Feature",
                "geometry": feature(box(190_000, 440_000, 191_000, 441_000))["geometry"],
            },
        )
        expected = before - 1
    elif change == "delete":
        response = client.delete(f"/api/v1/opgaven/{target['id']}")
        expected = before - 1
    else:
        response = client.patch(
            f"/api/v1/gebieden/{gebied}",
            json={
                "type": "Feature",
                "geometry": feature(box(176_500, 440_000, 180_000, 450_000))["geometry"],
            },
        )
        expected = 1
    assert response.status_code in (200, 201, 204), response.text
    # The stored result went with the write itself, not later.
    assert session.scalar(select(func.count()).select_from(Stapeling)) == 0
    after = client.get(f"/api/v1/gebieden/{gebied}/stapeling/samenvatting")
    assert after.headers["gebiedsregie-stapeling"] == "berekend"
    assert after.json()["max_diepte"] == expected


def test_a_write_elsewhere_keeps_the_stored_result(
    client: TestClient, gebied: str, session: Session
) -> None:
    _summary(client, gebied)
    client.post(
        "/api/v1/opgaven",
        json=feature(
            box(200_000, 500_000, 201_000, 501_000),
            titel="ver weg",
            thema="wonen",
            trekker="gemeente",
            status="verkenning",
        ),
    )
    assert session.scalar(select(func.count()).select_from(Stapeling)) == 1


def test_a_change_during_computation_is_not_stored(
    session: Session, gebied: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gebiedsregie.gebieden import service as gebieden_service

    real = compute.analyse

    def analyse_while_someone_writes(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        # Another planner's write lands between our read and our store.
        session.execute(
            text("UPDATE opgave SET status = 'besluitvorming' WHERE titel = 'wonen west'")
        )
        return result

    monkeypatch.setattr(compute, "analyse", analyse_while_someone_writes)
    vallei = HuidigeSituatie(gebieden_service.get_gebied(session, gebied))
    view = service.stored(session, vallei, StapelingFilter())
    assert view.stapeling_id is None and view.faces  # answered, not kept
    assert session.scalar(select(func.count()).select_from(Stapeling)) == 0
    assert session.scalar(select(func.count()).select_from(StapelingVlak)) == 0


def test_two_readers_computing_at_once(
    session: Session, gebied: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gebiedsregie.gebieden import service as gebieden_service

    real = compute.analyse
    vallei = gebieden_service.get_gebied(session, gebied)

    def analyse_while_another_reader_stores(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        # The other reader's result for the same gebied and filters lands first.
        session.add(
            Stapeling(
                gebied_id=vallei.id,
                filter_key=StapelingFilter().key(),
                epoch=0,
                samenvatting={"van": "de ander"},
                rekentijd_ms=1,
            )
        )
        session.flush()
        return result

    monkeypatch.setattr(compute, "analyse", analyse_while_another_reader_stores)
    view = service.stored(session, HuidigeSituatie(vallei), StapelingFilter())
    assert view.faces and view.samenvatting["max_diepte"] == 3  # ours, answered, no error
    assert view.stapeling_id is None
    # (Here the other reader shared our transaction, so its row went with the rollback; in
    # real life it was committed, and the next read finds it.)
    monkeypatch.setattr(compute, "analyse", real)
    stored = service.stored(session, HuidigeSituatie(vallei), StapelingFilter())
    assert stored.stapeling_id is not None


def test_only_changes_that_matter_drop_the_stored_result(
    client: TestClient, gebied: str, session: Session
) -> None:
    _summary(client, gebied)
    opgaven = client.get("/api/v1/opgaven", params={"gebied": gebied}).json()["features"]
    url = f"/api/v1/opgaven/{opgaven[0]['id']}"
    typo = {"type": "Feature", "properties": {"beschrijving": "Tikfout hersteld", "bron": "x"}}
    assert client.patch(url, json=typo).status_code == 200
    assert session.scalar(select(func.count()).select_from(Stapeling)) == 1
    # The status is a filter of the stapeling: changing it drops what was stored.
    assert (
        client.patch(
            url, json={"type": "Feature", "properties": {"status": "uitvoering"}}
        ).status_code
        == 200
    )
    assert session.scalar(select(func.count()).select_from(Stapeling)) == 0


def test_deleting_the_gebied_deletes_its_stapelingen(
    client: TestClient, session: Session, gebied: str
) -> None:
    _faces(client, gebied)
    assert session.scalar(select(func.count()).select_from(StapelingVlak)) > 0
    assert client.delete(f"/api/v1/gebieden/{gebied}").status_code == 204
    assert session.scalar(select(func.count()).select_from(StapelingVlak)) == 0


def test_adhoc_area(client: TestClient, gebied: str) -> None:
    drawn = box(172_500, 440_000, 174_500, 442_000)  # 400 ha across all three
    response = client.post("/api/v1/stapeling", json=feature(drawn)["geometry"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["samenvatting"]["gebied_ha"] == pytest.approx(400.0, rel=1e-6)
    assert body["samenvatting"]["max_diepte"] == 3
    total = sum(f["properties"]["oppervlakte_ha"] for f in body["features"])
    assert total == pytest.approx(400.0, rel=1e-6)
    # In RD, as a Feature, filtered.
    rd = client.post(
        "/api/v1/stapeling",
        headers=RD_HEADERS,
        params={"thema": "wonen"},
        json={
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [list(drawn.exterior.coords)]},
        },
    )
    assert rd.status_code == 200, rd.text
    assert rd.json()["samenvatting"]["per_thema"] == {"wonen": pytest.approx(300.0)}


def test_adhoc_refusals(client: TestClient, settings, gebied: str) -> None:  # type: ignore[no-untyped-def]
    line = client.post(
        "/api/v1/stapeling", json={"type": "LineString", "coordinates": [[5.6, 52.0], [5.7, 52.1]]}
    )
    assert line.status_code == 400
    assert line.json()["errors"][0]["code"] == "geen_vlak"
    settings.stapeling_max_opgaven = 2
    crowded = client.post("/api/v1/stapeling", json=feature(GEBIED)["geometry"])
    assert crowded.status_code == 400
    assert crowded.json()["errors"][0]["code"] == "te_veel_opgaven"


def test_errors(client: TestClient, gebied: str) -> None:
    assert client.get("/api/v1/gebieden/nergens/stapeling").status_code == 404
    bad = client.get(
        f"/api/v1/gebieden/{gebied}/stapeling",
        params={"thema": "ruimtevaart", "min_aantal": 0, "horizon": 1900},
    )
    assert bad.status_code == 400
    names = {e["name"] for e in bad.json()["errors"]}
    assert {"min_aantal", "horizon"} <= names


def test_seeded_gebieden_have_deep_stapeling(client: TestClient, session: Session) -> None:
    from gebiedsregie.seed import seed
    from tests.conftest import GEODATA

    seed(session, GEODATA)
    for slug in ("food-valley", "zuidoost-drenthe", "chemelot"):
        summary = _summary(client, slug)
        assert summary["max_diepte"] >= 4
        assert summary["bedekt_ha"] <= summary["gebied_ha"]
        faces = _faces(client, slug)["features"]
        total = sum(f["properties"]["oppervlakte_ha"] for f in faces)
        assert total == pytest.approx(summary["bedekt_ha"], rel=1e-6)
        # Faces are inside the gebied.
        gebied = client.get(f"/api/v1/gebieden/{slug}").json()
        outline = to_rd(shape(gebied["geometry"]), CRS84).buffer(0.01)
        assert all(outline.covers(to_rd(shape(f["geometry"]), CRS84)) for f in faces[:20])


def test_cli(tmp_path: Path, admin_engine_factory) -> None:  # type: ignore[no-untyped-def]
    url = admin_engine_factory()
    command = str(ROOT / ".venv" / "bin" / "gebiedsregie")
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, *args], capture_output=True, text=True, env=env, check=False, cwd=ROOT
        )

    assert run("seed").returncode == 0
    out = tmp_path / "vlakken.geojson"
    result = run("stapeling", "chemelot", "--out", str(out), "--min-aantal", "2")
    assert result.returncode == 0, result.stderr
    assert "Stapeling in Chemelot" in result.stdout and "ruimtedruk" in result.stdout
    faces = json.loads(out.read_text())["features"]
    assert faces and all(f["properties"]["aantal"] >= 2 for f in faces)
    assert f"{len(faces)} vlakken geschreven" in result.stdout
    filtered = run("stapeling", "chemelot", "--thema", "energie")
    assert filtered.returncode == 0 and "energie" in filtered.stdout
    missing = run("stapeling", "nergens")
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr


def test_face_coordinates_keep_their_promised_precision(
    client: TestClient, session: Session
) -> None:
    # GEOS's GeoJSON writer prints 5.5578823999999996 for 5.5578824: the texts must not.
    seed(session, GEODATA)
    for params, decimals in (({}, 8), ({"crs": RD_URI}, 3)):
        for _ in range(2):  # computed, then stored
            text = client.get("/api/v1/gebieden/food-valley/stapeling", params=params).text
            coordinates = "".join(re.findall(r'"coordinates":\s*(\[[^}]*\])', text))
            longest = max(len(m) for m in re.findall(r"\.(\d+)", coordinates))
            assert longest <= decimals


def test_min_aantal_past_an_integer_is_400(client: TestClient, gebied: str) -> None:
    # Found by fuzzing: `aantal` is an integer column, and a larger min_aantal was a 500.
    assert _faces(client, gebied, min_aantal=2**31 - 1)["features"] == []
    for path in ("stapeling", "stapeling/samenvatting", "export"):
        past = client.get(f"/api/v1/gebieden/{gebied}/{path}", params={"min_aantal": 2**31})
        assert past.status_code == 400, path
        assert [e["name"] for e in past.json()["errors"]] == ["min_aantal"]
