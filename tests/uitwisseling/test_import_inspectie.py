"""What the import page needs of the API: the inspectie of a file, a default titel, the
gebieden each feature meets, the progress of a running import, and a form Swagger UI fills
in without made-up values."""

import json
import zipfile
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from fastapi.testclient import TestClient
from shapely import MultiPolygon, box
from sqlalchemy import event
from sqlalchemy.orm import Session

from gebiedsregie.auth.models import Rol
from gebiedsregie.settings import Settings
from gebiedsregie.uitwisseling.voortgang import Voortgang
from tests.factories import make_gebied, token_headers
from tests.uitwisseling.test_import import RECORDS, VAKKEN, count, layer, ok, zipped
from tests.uitwisseling.test_import_hostile import vrt


def inspect(client: TestClient, path: Path, **form: Any) -> Any:
    with path.open("rb") as file:
        return client.post(
            "/api/v1/import/inspectie", files={"bestand": (path.name, file)}, data=form
        )


def upload(client: TestClient, path: Path, **form: Any) -> Any:
    with path.open("rb") as file:
        return client.post(
            "/api/v1/import",
            files={"bestand": (path.name, file)},
            data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
        )


# --- inspectie -------------------------------------------------------------------------


def test_inspectie_shows_layers_fields_and_the_mapping_the_import_would_take(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "twee.gpkg"
    layer().to_file(path, layer="plannen", driver="GPKG")
    eigen = [{"NAAM_PLAN": "x" * 500, "CODE": f"P-{i}"} for i in range(3)]
    layer(records=eigen).to_crs(4258).to_file(path, layer="eigen", driver="GPKG")
    inhoud = ok(inspect(client, path))
    assert inhoud["bestand"]["formaat"] == "GeoPackage"
    assert inhoud["lagen"] == ["plannen", "eigen"]
    plannen, andere = inhoud["geinspecteerd"]
    assert (plannen["naam"], plannen["aantal"], plannen["crs"]) == ("plannen", 3, "EPSG:28992")
    assert plannen["geometrietype"] == "Polygon"
    velden = {v["naam"]: v["voorbeelden"] for v in plannen["velden"]}
    assert velden["naam"] == [r["naam"] for r in RECORDS]
    assert velden["jaar"] == ["2030", "2035"]  # empty values are no examples
    assert plannen["standaard"]["titel"] == "naam"
    assert plannen["standaard"]["status"] == "fase"
    assert plannen["standaard"]["horizon"] == "jaar"
    assert plannen["standaard"]["trekker"] is None
    assert andere["crs"] == "EPSG:4258"
    assert andere["standaard"]["titel"] is None  # the import will take a default titel
    naam_plan = next(v for v in andere["velden"] if v["naam"] == "NAAM_PLAN")
    assert naam_plan["voorbeelden"] == ["x" * 80 + "…"]  # distinct values, cut short
    assert count(session) == 0
    # One layer on request: the one the user picks.
    only = ok(inspect(client, path, laag="eigen"))
    assert [laag["naam"] for laag in only["geinspecteerd"]] == ["eigen"]
    refused = inspect(client, path, laag="derde")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "kies_laag"


def test_inspectie_of_a_zip_lists_its_shapefiles(client: TestClient, tmp_path: Path) -> None:
    layer().to_file(tmp_path / "a.shp")
    layer().to_crs(4326).to_file(tmp_path / "b.shp")
    archive = zipped(tmp_path, "lagen", (".shp", ".shx", ".dbf", ".prj", ".cpg"))
    inhoud = ok(inspect(client, archive))
    assert inhoud["bestand"]["formaat"] == "Shapefile"
    assert inhoud["lagen"] == ["a", "b"]
    assert [laag["crs"] for laag in inhoud["geinspecteerd"]] == ["EPSG:28992", "EPSG:4326"]


def test_a_zipped_layer_keeps_the_name_of_its_file(client: TestClient, tmp_path: Path) -> None:
    """GDAL names a GML layer after its feature type; the import names it after its file."""
    pyogrio.write_dataframe(layer(), tmp_path / "andere.gml", layer="plannen", driver="GML")
    archive = zipped(tmp_path, "gml", (".gml", ".xsd"))
    inhoud = ok(inspect(client, archive))
    assert inhoud["lagen"] == ["andere"]
    assert [laag["naam"] for laag in inhoud["geinspecteerd"]] == ["andere"]
    assert ok(inspect(client, archive, laag="andere"))["geinspecteerd"][0]["aantal"] == 3
    report = ok(upload(client, archive, laag="andere", dry_run=True))
    assert report["samenvatting"]["geaccepteerd"] == 3


def test_inspectie_says_when_the_crs_must_be_given(client: TestClient, tmp_path: Path) -> None:
    collection = json.loads(layer().to_json())
    collection.pop("crs", None)
    path = tmp_path / "zonder-crs.geojson"
    path.write_text(json.dumps(collection))
    laag = ok(inspect(client, path))["geinspecteerd"][0]
    assert laag["crs"] is None
    assert laag["crs_fout"]["code"] == "crs_lijkt_rd"
    laag = ok(inspect(client, path, crs="EPSG:28992"))["geinspecteerd"][0]
    assert (laag["crs"], laag["crs_herkomst"], laag["crs_fout"]) == (
        "EPSG:28992",
        "opgegeven",
        None,
    )


def test_inspectie_keeps_the_import_guards(
    client: TestClient, anonymous_client: TestClient, session: Session, tmp_path: Path
) -> None:
    trojan = tmp_path / "plannen.gml"
    trojan.write_text(vrt("CSV:/etc/passwd"))
    refused = inspect(client, trojan)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "geen_gml"
    assert "root:" not in refused.text
    archive = tmp_path / "vrt.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("plannen.shp", vrt("CSV:/etc/passwd"))
        out.writestr("plannen.shx", b"")
        out.writestr("plannen.dbf", b"")
    assert inspect(client, archive).json()["errors"][0]["code"] == "geen_shapefile"

    path = tmp_path / "laag.gpkg"
    layer().to_file(path, driver="GPKG")
    assert inspect(anonymous_client, path).status_code == 401
    anonymous_client.headers.update(token_headers(session, Rol.PLANNER, "inspecterende-planner"))
    assert inspect(anonymous_client, path).status_code == 403
    client.app.state.settings = Settings(database_url=None, max_upload_bytes=1024)  # type: ignore[attr-defined]
    too_large = inspect(client, path)
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "application/problem+json"


def test_inspectie_has_the_import_s_larger_body_limit(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    """Like the import, the inspectie takes files past the JSON bodies' limit."""
    path = tmp_path / "laag.gpkg"
    layer().to_file(path, driver="GPKG")
    settings.max_body_bytes = 2_000
    assert path.stat().st_size > settings.max_body_bytes
    assert ok(inspect(client, path))["geinspecteerd"][0]["aantal"] == 3


def test_inspectie_warns_of_a_layer_over_the_feature_limit(
    client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "laag.gpkg"
    layer().to_file(path, driver="GPKG")
    client.app.state.settings = Settings(database_url=None, max_import_features=2)  # type: ignore[attr-defined]
    laag = ok(inspect(client, path))["geinspecteerd"][0]
    assert laag["meldingen"] == ["De laag heeft 3 features; de grens is 2."]


# --- default titel ---------------------------------------------------------------------


def test_default_titel_is_the_layer_name_and_the_feature_id(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    records = [{"OBJECTID": 123, "thema": "natuur"}, {"OBJECTID": 124, "thema": "natuur"}]
    path = tmp_path / "realisatie.gpkg"
    layer(VAKKEN[:2], records).to_file(path, layer="Realisatie_verbeteren_NNN", driver="GPKG")
    report = ok(upload(client, path))
    titels = [r["titel"] for r in report["features"]]
    assert titels == ["Realisatie_verbeteren_NNN 123", "Realisatie_verbeteren_NNN 124"]
    assert "het veld OBJECTID" in report["meldingen"][0]
    assert report["samenvatting"]["geschreven"] == 2
    assert report["features"][0]["extern_id"] == "123"


def test_a_mapping_to_no_field_takes_none(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    """The page's "Geen": not even the field the import would find by its name."""
    path = tmp_path / "plannen.gpkg"
    layer().to_file(path, layer="plannen", driver="GPKG")
    report = ok(upload(client, path, dry_run=True, veld_titel="-", veld_status="-"))
    assert [r["titel"] for r in report["features"]] == ["plannen 1", "plannen 2", "plannen 3"]
    assert report["toewijzing"]["velden"]["status"] is None
    assert report["samenvatting"]["geaccepteerd"] == 3  # each status is the default
    refused = upload(client, path, veld_thema="-")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "thema_ontbreekt"


@pytest.mark.parametrize(
    ("name", "laag"),
    [
        ("Realisatie_verbeteren_NNN.geojson", "Realisatie_verbeteren_NNN"),
        ("../../etc/plan 2024 (v2).json", "plan_2024_v2"),
        ("....json", "upload"),
    ],
)
def test_a_geojson_layer_is_named_after_the_uploaded_file(
    client: TestClient, tmp_path: Path, name: str, laag: str
) -> None:
    path = tmp_path / "laag.geojson"  # without a "name" member, which GDAL would take
    path.write_text(layer(records=[{"thema": "natuur"}] * 3).to_crs(4326).to_json(drop_id=True))
    with path.open("rb") as file:
        response = client.post(
            "/api/v1/import", files={"bestand": (name, file)}, data={"dry_run": "true"}
        )
    report = ok(response)
    assert report["bestand"]["laag"] == laag
    assert report["features"][0]["titel"] == f"{laag} 1"


# --- gebieden --------------------------------------------------------------------------

WEST = box(170_000, 445_000, 174_000, 449_000)
OOST = box(174_000, 445_000, 178_000, 449_000)


def vakken(n: int) -> list[Any]:
    """`n` squares of 40 m in rows of 60, from the south-west corner of WEST."""
    return [
        box(
            170_000 + 50 * (i % 60),
            445_000 + 50 * (i // 60),
            170_040 + 50 * (i % 60),
            445_040 + 50 * (i // 60),
        )
        for i in range(n)
    ]


def test_report_says_which_gebieden_each_feature_meets(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    make_gebied(session, WEST, slug="west", naam="Gebied West")
    make_gebied(session, OOST, slug="oost", naam="Gebied Oost")
    cases = [
        ({"naam": "Binnen west", "thema": "natuur"}, box(171_000, 446_000, 172_000, 447_000)),
        ({"naam": "Over de grens", "thema": "natuur"}, box(173_500, 446_000, 174_500, 447_000)),
        ({"naam": "Raakt alleen", "thema": "natuur"}, box(178_000, 446_000, 179_000, 447_000)),
        ({"naam": "Erbuiten", "thema": "natuur"}, box(190_000, 446_000, 191_000, 447_000)),
        (
            {"naam": "Twee delen", "thema": "natuur"},
            MultiPolygon(
                [box(171_000, 448_000, 171_500, 448_500), box(176_000, 448_000, 176_500, 448_500)]
            ),
        ),
        (
            {"naam": "Twee delen in west", "thema": "natuur"},
            MultiPolygon(
                [box(171_000, 448_000, 171_500, 448_500), box(172_000, 448_000, 172_500, 448_500)]
            ),
        ),
        # Refused for its thema, yet its shape is fine: where it would lie is still said.
        ({"naam": "Fout thema", "thema": "ruimtevaart"}, box(175_000, 446_000, 176_000, 447_000)),
    ]
    path = tmp_path / "gebieden.gpkg"
    layer([g for _, g in cases], [r for r, _ in cases]).to_file(path, driver="GPKG")
    report = ok(upload(client, path, dry_run=True))
    found = {r["titel"]: r.get("gebieden", []) for r in report["features"]}
    assert found == {
        "Binnen west": ["west"],
        "Over de grens": ["oost", "west"],
        "Raakt alleen": [],  # touching the border is not meeting the interior
        "Erbuiten": [],
        "Twee delen": ["oost", "west"],
        "Twee delen in west": ["west"],  # once, though both its parts lie there
        "Fout thema": ["oost"],
    }
    assert report["gebieden"] == {"oost": "Gebied Oost", "west": "Gebied West"}


def test_gebieden_are_found_per_batch_not_per_feature(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    smal = box(170_000, 445_000, 171_500, 449_000)
    make_gebied(session, smal, slug="west", naam="Gebied West")
    squares = vakken(1_500)
    frame = layer(squares, [{"naam": f"Vak {i}", "thema": "natuur"} for i in range(1_500)])
    path = tmp_path / "veel.gpkg"
    frame.to_file(path, driver="GPKG")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "ST_Dump" in statement:
            statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = ok(upload(client, path, dry_run=True))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 2  # 1,500 features: two batches of at most 1,000
    statements.clear()
    far = layer([box(250_000, 450_000, 251_000, 451_000)], [{"naam": "Ver", "thema": "natuur"}])
    far.to_file(tmp_path / "ver.gpkg", driver="GPKG")
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert ok(upload(client, tmp_path / "ver.gpkg", dry_run=True))["gebieden"] == {}
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == []  # outside every gebied's envelope: not even sent
    inside = [r for r in report["features"] if r.get("gebieden") == ["west"]]
    # The squares starting west of x = 171,500 meet the gebied, the others lie outside it.
    assert len(inside) == sum(1 for s in squares if s.bounds[0] < 171_500)
    assert 0 < len(inside) < len(squares)


# --- progress --------------------------------------------------------------------------


class Opgeschreven(Voortgang):
    """The registry, also keeping every update it got."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[tuple[int, int]] = []

    def update(self, sleutel: str, gedaan: int, totaal: int) -> None:
        super().update(sleutel, gedaan, totaal)
        self.updates.append((gedaan, totaal))
        stand = self.get(sleutel, "test-beheerder")
        assert stand is not None and (stand.gedaan, stand.totaal) == (gedaan, totaal)


def test_progress_of_a_running_import(client: TestClient, tmp_path: Path) -> None:
    squares = vakken(2_100)
    frame = layer(squares, [{"naam": f"Vak {i}", "thema": "natuur"} for i in range(2_100)])
    path = tmp_path / "veel.gpkg"
    frame.to_file(path, driver="GPKG")
    registry = Opgeschreven()
    client.app.state.import_voortgang = registry  # type: ignore[attr-defined]
    sleutel = "0123456789abcdef-test"
    report = ok(upload(client, path, dry_run=True, voortgang=sleutel))
    assert report["samenvatting"]["totaal"] == 2_100
    assert registry.updates == [(0, 2_100), (1_000, 2_100), (2_000, 2_100), (2_100, 2_100)]
    # Once done, the import no longer runs.
    assert ok(client.get(f"/api/v1/import/voortgang/{sleutel}")) == {"loopt": False}


def test_progress_is_for_whoever_started_the_import(client: TestClient) -> None:
    registry = Voortgang()
    client.app.state.import_voortgang = registry  # type: ignore[attr-defined]
    registry.start("sleutel-van-een-ander-0001", "iemand-anders")
    registry.update("sleutel-van-een-ander-0001", 10, 50)
    other = ok(client.get("/api/v1/import/voortgang/sleutel-van-een-ander-0001"))
    assert other == {"loopt": False}
    registry.start("sleutel-van-mij-000000001", "test-beheerder")
    registry.update("sleutel-van-mij-000000001", 10, 50)
    mine = ok(client.get("/api/v1/import/voortgang/sleutel-van-mij-000000001"))
    assert (mine["loopt"], mine["gedaan"], mine["totaal"]) == (True, 10, 50)
    assert client.get("/api/v1/import/voortgang/kort").status_code == 400


def test_the_registry_stays_bounded() -> None:
    registry = Voortgang()
    for i in range(200):
        registry.start(f"sleutel-{i:012d}", "b")
    assert registry.get("sleutel-000000000000", "b") is None
    assert registry.get("sleutel-000000000199", "b") is not None


@pytest.mark.parametrize("path", ["/api/v1/import", "/api/v1/import/inspectie"])
def test_swagger_ui_finds_no_sample_to_fill_in(client: TestClient, path: str) -> None:
    """Swagger UI fills each form field with a sample of its type ("string", 0) and sends
    it, unless the field has an example: optional fields have the empty one, which it does
    not send (tests/web/test_import_browser.py tries the form)."""
    openapi = client.get("/api/v1/openapi.json").json()
    ref = openapi["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
    body = openapi["components"]["schemas"][ref["schema"]["$ref"].rsplit("/", 1)[-1]]
    optional = [name for name in body["properties"] if name not in body["required"]]
    assert optional
    for name in optional:
        prop = body["properties"][name]
        assert prop.get("examples") == [""] or "default" in prop, name
