"""Import: every file form, every CRS path, every refusal, dry run, transactions, round trips."""

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import LineString, Point, Polygon, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.settings import Settings
from tests.factories import make_gebied, make_opgave

# Three opgaven around Ede (RD), with the fields a province's layer might have.
VAKKEN = [
    box(173_000, 447_000, 174_000, 448_000),
    box(173_500, 447_500, 174_500, 448_500),
    box(175_000, 447_000, 175_800, 447_600),
]
RECORDS = [
    {"naam": "Zoekgebied wind A", "thema": "energie", "fase": "verkenning", "jaar": 2030},
    {"naam": "Natuurverbinding B", "thema": "natuur", "fase": "planvorming", "jaar": 2035},
    {"naam": "Woningbouw C", "thema": "wonen", "fase": "uitvoering", "jaar": None},
]


def layer(geoms_rd: list[Any] | None = None, records: list[dict[str, Any]] | None = None) -> Any:
    return geopandas.GeoDataFrame(
        records or RECORDS, geometry=geopandas.GeoSeries(geoms_rd or VAKKEN, crs=28992)
    )


def upload(client: TestClient, path: Path, name: str | None = None, **form: Any) -> Any:
    with path.open("rb") as file:
        return client.post(
            "/api/v1/import",
            files={"bestand": (name or path.name, file)},
            data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
        )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Opgave)) or 0


def stored(session: Session, titel: str) -> Opgave:
    return session.scalars(select(Opgave).where(Opgave.titel == titel)).one()


def assert_same_shape(opgave: Opgave, expected_rd: Any, tolerance_m: float) -> None:
    from geoalchemy2.shape import to_shape

    geom = to_shape(opgave.geom)
    assert shapely.hausdorff_distance(geom, expected_rd) <= tolerance_m
    assert geom.area == pytest.approx(expected_rd.area, rel=1e-4)


# --- file forms and CRS paths ----------------------------------------------------------


def test_geojson_in_crs84(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_crs(4326).to_file(path, driver="GeoJSON", layer_options={"RFC7946": "YES"})
    report = ok(upload(client, path))
    assert report["bestand"]["formaat"] == "GeoJSON"
    assert report["bestand"]["crs_herkomst"] == "RFC 7946"
    assert report["toewijzing"]["velden"]["titel"] == "naam"
    assert report["toewijzing"]["velden"]["status"] == "fase"
    assert report["samenvatting"]["geschreven"] == 3
    opgave = stored(session, "Natuurverbinding B")
    assert (opgave.thema, opgave.status, opgave.horizon) == ("natuur", "planvorming", 2035)
    assert opgave.trekker == "provincie"  # the default
    assert opgave.bron == "Import uit laag.geojson"
    assert_same_shape(opgave, VAKKEN[1], 0.01)


def test_legacy_geojson_with_rd_crs_member(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    collection = json.loads(layer().to_json())
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    path = tmp_path / "oud.json"
    path.write_text(json.dumps(collection))
    report = ok(upload(client, path))
    assert report["bestand"]["crs"] == "EPSG:28992"
    assert report["bestand"]["crs_herkomst"] == "bestand"
    assert report["samenvatting"]["geschreven"] == 3
    assert_same_shape(stored(session, "Woningbouw C"), VAKKEN[2], 0.001)


def test_geojson_in_rd_without_crs_member(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    collection = json.loads(layer().to_json())
    collection.pop("crs", None)
    path = tmp_path / "zonder-crs.geojson"
    path.write_text(json.dumps(collection))
    refused = upload(client, path)
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {
        "name": "crs",
        "code": "crs_lijkt_rd",
        "reason": refused.json()["errors"][0]["reason"],
    }
    assert "EPSG:28992" in refused.json()["errors"][0]["reason"]
    assert count(session) == 0
    report = ok(upload(client, path, crs="EPSG:28992"))
    assert report["bestand"]["crs_herkomst"] == "opgegeven"
    assert report["samenvatting"]["geschreven"] == 3


@pytest.mark.parametrize("epsg", [28992, 3857, 4258])
def test_geopackage_in_any_crs(
    client: TestClient, session: Session, tmp_path: Path, epsg: int
) -> None:
    path = tmp_path / f"laag-{epsg}.gpkg"
    layer().to_crs(epsg).to_file(path, layer="plannen", driver="GPKG")
    report = ok(upload(client, path))
    assert report["bestand"]["formaat"] == "GeoPackage"
    assert report["bestand"]["laag"] == "plannen"
    assert report["bestand"]["crs"] == f"EPSG:{epsg}"
    assert report["samenvatting"]["geschreven"] == 3
    assert_same_shape(stored(session, "Zoekgebied wind A"), VAKKEN[0], 0.01)


def test_geopackage_with_more_layers_asks_which(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "twee.gpkg"
    layer().to_file(path, layer="a", driver="GPKG")
    layer().to_file(path, layer="b", driver="GPKG")
    refused = upload(client, path)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["name"] == "laag"
    assert "a, b" in refused.json()["errors"][0]["reason"]
    assert ok(upload(client, path, laag="b"))["bestand"]["laag"] == "b"


def zipped(folder: Path, name: str, suffixes: tuple[str, ...]) -> Path:
    archive = folder / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in folder.iterdir():
            if file.suffix in suffixes:
                out.write(file, f"{name}/{file.name}")
    return archive


def test_zipped_shapefile_with_prj(client: TestClient, session: Session, tmp_path: Path) -> None:
    layer().to_crs(4258).to_file(tmp_path / "plannen.shp")
    archive = zipped(tmp_path, "plannen", (".shp", ".shx", ".dbf", ".prj", ".cpg"))
    report = ok(upload(client, archive))
    assert report["bestand"]["formaat"] == "Shapefile"
    assert report["bestand"]["crs"] == "EPSG:4258"
    assert report["samenvatting"]["geschreven"] == 3
    assert_same_shape(stored(session, "Natuurverbinding B"), VAKKEN[1], 0.01)


def test_zipped_shapefile_without_prj(client: TestClient, session: Session, tmp_path: Path) -> None:
    layer().to_file(tmp_path / "plannen.shp")
    archive = zipped(tmp_path, "plannen", (".shp", ".shx", ".dbf"))
    refused = upload(client, archive)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "crs_ontbreekt"
    assert count(session) == 0
    report = ok(upload(client, archive, crs="EPSG:28992"))
    assert report["samenvatting"]["geschreven"] == 3


def test_incomplete_shapefile(client: TestClient, tmp_path: Path) -> None:
    layer().to_file(tmp_path / "plannen.shp")
    archive = zipped(tmp_path, "plannen", (".shp", ".prj"))
    refused = upload(client, archive)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "shapefile_onvolledig"


@pytest.mark.parametrize("as_zip", [False, True])
def test_gml_with_srsname(
    client: TestClient, session: Session, tmp_path: Path, as_zip: bool
) -> None:
    path = tmp_path / "plannen.gml"
    pyogrio.write_dataframe(layer(), path, driver="GML")
    assert b"28992" in path.read_bytes()
    report = ok(upload(client, zipped(tmp_path, "plannen", (".gml", ".xsd")) if as_zip else path))
    assert report["bestand"]["formaat"] == "GML", report
    assert report["bestand"]["crs"] == "EPSG:28992"
    assert report["samenvatting"]["geschreven"] == 3
    assert_same_shape(stored(session, "Woningbouw C"), VAKKEN[2], 0.001)


def test_unrecognised_files(client: TestClient, tmp_path: Path) -> None:
    text = tmp_path / "notities.txt"
    text.write_text("geen geodata")
    refused = upload(client, text)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "onbekende_bestandsvorm"
    broken = tmp_path / "kapot.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    assert upload(client, broken).status_code == 400
    empty_zip = tmp_path / "leeg.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("leesmij.txt", "niets")
    assert upload(client, empty_zip).json()["errors"][0]["code"] == "zip_zonder_laag"


# --- mapping ---------------------------------------------------------------------------


def test_field_mapping_and_fixed_values(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    records = [
        {"NAAM_PLAN": "Plan 1", "OMSCHR": "Eerste", "ORG": "waterschap", "CODE": "P-1"},
        {"NAAM_PLAN": "Plan 2", "OMSCHR": "Tweede", "ORG": None, "CODE": "P-2"},
    ]
    path = tmp_path / "eigen.gpkg"
    layer(VAKKEN[:2], records).to_file(path, driver="GPKG")
    # No field named like a title: each titel is the layer's name and the feature's number.
    defaulted = ok(upload(client, path, thema="water-bodem", dry_run=True))
    assert [r["titel"] for r in defaulted["features"]] == ["eigen 1", "eigen 2"]
    assert defaulted["toewijzing"]["titel_standaard"] == "eigen"
    assert "Geen titelveld gevonden" in defaulted["meldingen"][0]
    assert defaulted["samenvatting"]["geaccepteerd"] == 2  # a default titel is no repair
    wrong = upload(client, path, thema="water-bodem", veld_titel="TITEL")
    assert wrong.json()["errors"][0]["name"] == "veld_titel"
    report = ok(
        upload(
            client,
            path,
            thema="water-bodem",
            trekker="gemeente",
            status="besluitvorming",
            bron="Waterplan 2024",
            veld_titel="NAAM_PLAN",
            veld_beschrijving="OMSCHR",
            veld_trekker="ORG",
            veld_extern_id="CODE",
        )
    )
    assert report["samenvatting"]["geschreven"] == 2
    first, second = stored(session, "Plan 1"), stored(session, "Plan 2")
    assert (first.thema, first.trekker, first.beschrijving) == (
        "water-bodem",
        "waterschap",
        "Eerste",
    )
    assert (second.trekker, second.status, second.bron) == (
        "gemeente",
        "besluitvorming",
        "Waterplan 2024",
    )
    assert (first.extern_id, second.extern_id) == ("P-1", "P-2")


def test_fixed_values_are_checked(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "laag.gpkg"
    layer().to_file(path, driver="GPKG")
    refused = upload(client, path, thema="onzin", status="klaar")
    assert refused.status_code == 400
    assert {e["name"] for e in refused.json()["errors"]} == {"thema", "status"}
    without_thema = layer(records=[{"naam": "x"}, {"naam": "y"}, {"naam": "z"}])
    without_thema.to_file(tmp_path / "zonder.gpkg", driver="GPKG")
    refused = upload(client, tmp_path / "zonder.gpkg")
    assert refused.json()["errors"][0]["code"] == "thema_ontbreekt"


def test_thema_by_name(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "namen.gpkg"
    layer(VAKKEN[:1], [{"naam": "Plan", "thema": "Water en bodem"}]).to_file(path, driver="GPKG")
    ok(upload(client, path))
    assert stored(session, "Plan").thema == "water-bodem"


# --- every refusal reason --------------------------------------------------------------

BOWTIE = Polygon([(174_000, 447_000), (174_500, 447_500), (174_500, 447_000), (174_000, 447_500)])


def mixed_file(tmp_path: Path) -> Path:
    """One feature per refusal reason, plus one accepted and one repaired."""
    many = shapely.Point(174_000, 447_000).buffer(300, quad_segs=2_000)  # 8,000 vertices
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"naam": "Goed", "thema": "wonen"}, VAKKEN[0]),
        ({"naam": "Vlinder", "thema": "wonen"}, BOWTIE),
        ({"naam": "Punt", "thema": "wonen"}, Point(174_000, 447_000)),
        ({"naam": "Lijn", "thema": "wonen"}, LineString([(174_000, 447_000), (175_000, 448_000)])),
        ({"naam": "Buitenland", "thema": "wonen"}, box(300_000, 700_000, 301_000, 701_000)),
        ({"naam": "Te veel punten", "thema": "wonen"}, many),
        ({"naam": None, "thema": "wonen"}, VAKKEN[1]),
        ({"naam": "Onbekend thema", "thema": "ruimtevaart"}, VAKKEN[1]),
        ({"naam": "Rare status", "thema": "wonen", "fase": "bijna"}, VAKKEN[1]),
        ({"naam": "Te vroeg", "thema": "wonen", "jaar": 1800}, VAKKEN[1]),
        ({"naam": "Geen vorm", "thema": "wonen"}, None),
        ({"naam": "Dubbel", "thema": "wonen", "code": "D"}, VAKKEN[2]),
        ({"naam": "Dubbel", "thema": "wonen", "code": "D"}, VAKKEN[2]),
    ]
    records = [{"fase": None, "jaar": None, "code": None, **r} for r, _ in cases]
    frame = geopandas.GeoDataFrame(
        records, geometry=geopandas.GeoSeries([g for _, g in cases], crs=28992)
    )
    path = tmp_path / "gemengd.geojson"
    frame.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def test_each_refusal_has_its_reason(client: TestClient, session: Session, tmp_path: Path) -> None:
    report = ok(upload(client, mixed_file(tmp_path), veld_extern_id="code"))
    by_title: dict[str | None, list[dict[str, Any]]] = {}
    for regel in report["features"]:
        by_title.setdefault(regel.get("titel"), []).append(regel)

    def only(titel: str | None) -> dict[str, Any]:
        return by_title[titel][0]

    assert only("Goed")["status"] == "geaccepteerd"
    assert only("Vlinder")["status"] == "hersteld"
    assert "make_valid" in only("Vlinder")["meldingen"][0]
    assert "buffer_m" in only("Punt")["redenen"][0]
    assert "LineString is geen vlak" in only("Lijn")["redenen"][0]
    assert "buiten Nederland" in only("Buitenland")["redenen"][0]
    assert "hoekpunten" in only("Te veel punten")["redenen"][0]
    assert any(r.startswith("titel:") for r in only(None)["redenen"])
    assert "onbekend thema 'ruimtevaart'" in only("Onbekend thema")["redenen"][0]
    assert only("Rare status")["redenen"][0].startswith("status:")
    assert only("Te vroeg")["redenen"][0].startswith("horizon:")
    assert only("Geen vorm")["redenen"] == ["Geen geometrie."]
    dubbel = by_title["Dubbel"]
    assert [d["status"] for d in dubbel] == ["geaccepteerd", "geweigerd"]
    assert "Dubbel in het bestand" in dubbel[1]["redenen"][0]
    totals = report["samenvatting"]
    assert (totals["geaccepteerd"], totals["hersteld"], totals["geweigerd"]) == (2, 1, 10)
    assert totals["geschreven"] == 3 == count(session)


def test_buffer_turns_points_and_lines_into_areas(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    frame = geopandas.GeoDataFrame(
        [{"naam": "Put", "thema": "water-bodem"}, {"naam": "Dijk", "thema": "water-bodem"}],
        geometry=geopandas.GeoSeries(
            [Point(174_000, 447_000), LineString([(174_000, 447_000), (175_000, 447_000)])],
            crs=28992,
        ),
    )
    path = tmp_path / "lijnen.gpkg"
    frame.to_file(path, driver="GPKG")
    report = ok(upload(client, path, buffer_m=25))
    assert report["samenvatting"]["hersteld"] == 2  # said so in meldingen
    dijk = stored(session, "Dijk")
    from geoalchemy2.shape import to_shape

    assert to_shape(dijk.geom).area == pytest.approx(
        1000 * 50 + shapely.Point(0, 0).buffer(25).area, rel=0.01
    )


# --- dry run, transactions, re-import --------------------------------------------------


def test_dry_run_writes_nothing(client: TestClient, session: Session, tmp_path: Path) -> None:
    report = ok(upload(client, mixed_file(tmp_path), dry_run=True))
    assert report["dry_run"] is True
    assert report["samenvatting"]["geaccepteerd"] == 2
    assert report["samenvatting"]["geschreven"] == 0
    assert count(session) == 0


def test_strict_import_is_all_or_nothing(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    report = ok(upload(client, mixed_file(tmp_path), strikt=True))
    assert report["samenvatting"]["geschreven"] == 0
    assert count(session) == 0
    path = tmp_path / "goed.gpkg"
    layer().to_file(path, driver="GPKG")
    assert ok(upload(client, path, strikt=True))["samenvatting"]["geschreven"] == 3


def test_reimport_does_not_duplicate(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_crs(4326).to_file(path, driver="GeoJSON")
    first = ok(upload(client, path))
    assert first["samenvatting"]["geschreven"] == 3
    again = ok(upload(client, path))
    assert again["samenvatting"]["bestaat_al"] == 3
    assert again["samenvatting"]["geschreven"] == 0
    assert count(session) == 3
    # The same content under another file name has the same fingerprints.
    renamed = ok(upload(client, path, name="kopie.geojson"))
    assert renamed["samenvatting"]["bestaat_al"] == 3


def test_upload_size_limit(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_crs(4326).to_file(path, driver="GeoJSON")
    client.app.state.settings = Settings(database_url=None, max_upload_bytes=1024)  # type: ignore[attr-defined]
    refused = upload(client, path)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert count(session) == 0


def test_feature_limit(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "laag.geojson"
    layer().to_crs(4326).to_file(path, driver="GeoJSON")
    client.app.state.settings = Settings(database_url=None, max_import_features=2)  # type: ignore[attr-defined]
    refused = upload(client, path)
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["code"] == "te_veel_features"


def test_batches_cover_a_larger_file(client: TestClient, session: Session, tmp_path: Path) -> None:
    squares = [
        box(
            170_000 + 50 * (i % 60),
            445_000 + 50 * (i // 60),
            170_040 + 50 * (i % 60),
            445_040 + 50 * (i // 60),
        )
        for i in range(2_500)
    ]
    frame = layer(squares, [{"naam": f"Vak {i}", "thema": "natuur"} for i in range(2_500)])
    path = tmp_path / "groot.gpkg"
    frame.to_file(path, driver="GPKG")
    report = ok(upload(client, path))
    assert report["samenvatting"]["geschreven"] == 2_500
    assert [r["nr"] for r in report["features"]] == list(range(1, 2_501))
    assert count(session) == 2_500


# --- round trips -----------------------------------------------------------------------


def seed_for_round_trip(session: Session) -> None:
    make_gebied(session)
    make_opgave(session, VAKKEN[1], titel="Een", thema="energie", ruimtevraag_ha=40.0)
    make_opgave(
        session,
        box(174_000, 448_000, 175_000, 449_000).difference(box(174_400, 448_400, 174_600, 448_600)),
        titel="Twee met gat",
        thema="natuur",
        trekker="waterschap",
        status="uitvoering",
        horizon=None,
        beschrijving="Met een gat",
        extern_id="twee",
    )


def opgaven_as_dicts(session: Session) -> dict[str, tuple[dict[str, Any], Any]]:
    from geoalchemy2.shape import to_shape

    rows = session.scalars(select(Opgave)).all()
    fields = ("thema", "trekker", "status", "horizon", "ruimtevraag_ha", "beschrijving", "bron")
    return {o.titel: ({f: getattr(o, f) for f in fields}, to_shape(o.geom)) for o in rows}


@pytest.mark.parametrize(
    ("params", "suffix", "tolerance_m"),
    [
        ({}, "geojson", 0.02),
        ({"crs": RD.uri}, "geojson", 0.001),
        ({"formaat": "gpkg"}, "gpkg", 0.001),
    ],
)
def test_round_trip_export_import(
    client: TestClient,
    session: Session,
    tmp_path: Path,
    params: dict[str, str],
    suffix: str,
    tolerance_m: float,
) -> None:
    seed_for_round_trip(session)
    before = opgaven_as_dicts(session)
    exported = client.get("/api/v1/gebieden/proefgebied/export", params=params)
    assert exported.status_code == 200
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(exported.content)
    for opgave in session.scalars(select(Opgave)).all():
        session.delete(opgave)
    session.flush()

    form = {"crs": "EPSG:28992"} if params.get("crs") else {}
    report = ok(upload(client, path, **form))
    assert report["samenvatting"]["geschreven"] == 2, report["features"]
    # A GeoJSON export also holds the gebied and the stapeling: those are no opgaven.
    skipped = 0 if suffix == "gpkg" else report["samenvatting"]["totaal"] - 2
    assert report["samenvatting"]["overgeslagen"] == skipped
    after = opgaven_as_dicts(session)
    assert set(after) == set(before)
    for titel, (fields, geom) in before.items():
        assert after[titel][0] == fields
        assert shapely.hausdorff_distance(after[titel][1], geom) <= tolerance_m
        assert after[titel][1].area == pytest.approx(geom.area, rel=1e-4)
    twee = stored(session, "Twee met gat")
    assert twee.extern_id == "twee"


def test_cli_import_with_progress(tmp_path: Path, database_url: str) -> None:
    import os
    import subprocess

    from tests.conftest import ROOT

    path = tmp_path / "laag.geojson"
    frame = layer(records=[{**r, "naam": f"CLI {r['naam']}"} for r in RECORDS])
    frame.to_crs(4326).to_file(path, driver="GeoJSON")
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [str(ROOT / ".venv" / "bin" / "gebiedsregie"), "import", str(path), "--dry-run"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "geaccepteerd" in result.stdout and "dry run" in result.stdout
    assert "3/3" in result.stderr
    rapport = tmp_path / "rapport.json"
    result = subprocess.run(
        [*command[:-1], "--rapport", str(rapport), "--thema", "onzin"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "thema" in result.stderr
