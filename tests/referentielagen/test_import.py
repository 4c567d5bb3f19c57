"""Import into a referentielaag: each file form, replacing all or nothing, vlakken only, the
attributes kept (JSON-safe), the roles, and the CLI that makes the laag."""

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas
import pandas as pd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from geoalchemy2.shape import to_shape
from shapely import LineString, Point, box
from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.models import Referentieobject
from gebiedsregie.uitwisseling.referentie import json_safe
from tests.factories import token_headers
from tests.referentielagen.lagen import make_laag
from tests.uitwisseling.test_import import zipped

# Three beschermde vlakken around Ede (RD), with the fields a source layer might have.
VLAKKEN = [
    box(173_000, 447_000, 174_000, 448_000),
    box(173_500, 447_500, 174_500, 448_500),
    shapely.MultiPolygon(
        [box(175_000, 447_000, 175_800, 447_600), box(176_000, 447_000, 176_100, 447_100)]
    ),
]
RECORDS = [
    {"NAAM": "Heide", "nr": 1, "code": "H4030", "opp_ha": 100.5},
    {"NAAM": "Bos", "nr": 2, "code": "H9190", "opp_ha": None},
    {"NAAM": "Ven", "nr": 3, "code": None, "opp_ha": 48.0},
]


def layer(geoms_rd: list[Any] | None = None, records: list[dict[str, Any]] | None = None) -> Any:
    return geopandas.GeoDataFrame(
        records or RECORDS, geometry=geopandas.GeoSeries(geoms_rd or VLAKKEN, crs=28992)
    )


def upload(client: TestClient, path: Path, **form: Any) -> Any:
    form.setdefault("referentielaag", "beschermd-gebied")
    with path.open("rb") as file:
        return client.post(
            "/api/v1/import",
            files={"bestand": (path.name, file)},
            data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
        )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def objecten(session: Session, slug: str = "beschermd-gebied") -> dict[str, Referentieobject]:
    laag = service.get_laag(session, slug)
    rows = session.scalars(select(Referentieobject).where(Referentieobject.laag_id == laag.id))
    return {o.naam: o for o in rows}


def assert_stored_as(session: Session, tolerance_m: float) -> None:
    found = objecten(session)
    assert sorted(found) == ["Bos", "Heide", "Ven"]
    for record, geom in zip(RECORDS, VLAKKEN, strict=True):
        stored = to_shape(found[record["NAAM"]].geom)
        assert shapely.hausdorff_distance(stored, geom) <= tolerance_m
        assert stored.area == pytest.approx(geom.area, rel=1e-5)
    heide = found["Heide"]
    assert heide.eigenschappen["code"] == "H4030"
    assert heide.eigenschappen["opp_ha"] == 100.5
    assert found["Ven"].eigenschappen["code"] is None
    assert service.get_laag(session, "beschermd-gebied").aantal_objecten == 3


@pytest.fixture
def laag(session: Session) -> None:
    make_laag(session, objecten=[box(190_000, 450_000, 190_100, 450_100)])


# --- each file form ----------------------------------------------------------------------


@pytest.mark.usefixtures("laag")
def test_geojson_in_crs84(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "beschermd.geojson"
    layer().to_crs(4326).to_file(path, driver="GeoJSON", layer_options={"RFC7946": "YES"})
    report = ok(upload(client, path))
    assert report["bestand"]["formaat"] == "GeoJSON"
    assert report["samenvatting"] == {
        "totaal": 3,
        "geaccepteerd": 3,
        "hersteld": 0,
        "geweigerd": 0,
        "geschreven": 3,
    }
    assert report["referentielaag"]["aantal_objecten"] == 3
    assert report["referentielaag"]["versie"] == 3
    assert_stored_as(session, 0.01)


@pytest.mark.usefixtures("laag")
@pytest.mark.parametrize("epsg", [28992, 3857])
def test_geopackage(client: TestClient, session: Session, tmp_path: Path, epsg: int) -> None:
    path = tmp_path / "beschermd.gpkg"
    layer().to_crs(epsg).to_file(path, layer="vlakken", driver="GPKG")
    report = ok(upload(client, path))
    assert (report["bestand"]["formaat"], report["bestand"]["crs"]) == (
        "GeoPackage",
        f"EPSG:{epsg}",
    )
    assert_stored_as(session, 0.01)


@pytest.mark.usefixtures("laag")
def test_zipped_shapefile(client: TestClient, session: Session, tmp_path: Path) -> None:
    layer().to_crs(4258).to_file(tmp_path / "vlakken.shp")
    archive = zipped(tmp_path, "vlakken", (".shp", ".shx", ".dbf", ".prj", ".cpg"))
    report = ok(upload(client, archive))
    assert (report["bestand"]["formaat"], report["bestand"]["crs"]) == ("Shapefile", "EPSG:4258")
    assert_stored_as(session, 0.01)


@pytest.mark.usefixtures("laag")
@pytest.mark.parametrize("as_zip", [False, True])
def test_gml(client: TestClient, session: Session, tmp_path: Path, as_zip: bool) -> None:
    path = tmp_path / "vlakken.gml"
    pyogrio.write_dataframe(layer(), path, driver="GML")
    report = ok(upload(client, zipped(tmp_path, "vlakken", (".gml", ".xsd")) if as_zip else path))
    assert (report["bestand"]["formaat"], report["bestand"]["crs"]) == ("GML", "EPSG:28992")
    assert_stored_as(session, 0.001)


# --- replacing, all or nothing ----------------------------------------------------------------


@pytest.mark.usefixtures("laag")
def test_an_import_replaces_the_objecten(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "eerst.gpkg"
    layer().to_file(path, driver="GPKG")
    ok(upload(client, path))
    smaller = tmp_path / "daarna.gpkg"
    layer(VLAKKEN[:1], RECORDS[:1]).to_file(smaller, driver="GPKG")
    report = ok(upload(client, smaller))
    assert report["referentielaag"]["aantal_objecten"] == 1
    assert list(objecten(session)) == ["Heide"]
    # The same file again: nothing else changes, but the laag has a new versie.
    again = ok(upload(client, smaller))
    assert again["referentielaag"]["versie"] == report["referentielaag"]["versie"] + 1


@pytest.mark.usefixtures("laag")
def test_points_and_lines_are_refused_by_name(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    before = service.get_laag(session, "beschermd-gebied").versie
    geoms = [VLAKKEN[0], Point(174_000, 448_000), LineString([(0, 0), (1, 1)])]
    path = tmp_path / "gemengd.gpkg"
    layer(geoms).to_file(path, driver="GPKG")
    refused = upload(client, path)
    assert refused.status_code == 400
    problem = refused.json()
    assert "niets opgeslagen" in problem["detail"] and "Beschermd gebied" in problem["detail"]
    assert [e["name"] for e in problem["errors"]] == ["features[2]", "features[3]"]
    assert problem["errors"][0]["reason"] == (
        "Feature 2 ('Bos'): een Point is geen vlak; een referentielaag bevat alleen vlakken "
        "(Polygon of MultiPolygon)."
    )
    assert "Feature 3 ('Ven'): een LineString is geen vlak" in problem["errors"][1]["reason"]
    # Nothing changed: the laag keeps its objecten and its versie.
    session.expire_all()
    assert service.get_laag(session, "beschermd-gebied").versie == before
    assert list(objecten(session)) == ["Object 1"]


@pytest.mark.usefixtures("laag")
def test_a_shape_outside_the_netherlands_refuses_the_file(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    # Partly outside (into the sea) is a vlak of the laag; wholly outside is not.
    kust = box(90_000, 480_000, 100_000, 490_000)  # the coast at Egmond, and the sea
    zee = box(30_000, 560_000, 40_000, 570_000)
    path = tmp_path / "zee.gpkg"
    layer([kust, VLAKKEN[0], zee]).to_file(path, driver="GPKG")
    problem = upload(client, path).json()
    assert [e["name"] for e in problem["errors"]] == ["features[3]"]
    assert "buiten Nederland" in problem["errors"][0]["reason"]
    path = tmp_path / "kust.gpkg"
    layer([kust, VLAKKEN[0], VLAKKEN[1]]).to_file(path, driver="GPKG")
    assert ok(upload(client, path))["samenvatting"]["geschreven"] == 3
    assert to_shape(objecten(session)["Heide"].geom).area == pytest.approx(kust.area)


@pytest.mark.usefixtures("laag")
def test_dry_run_stores_nothing(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "gemengd.gpkg"
    layer([VLAKKEN[0], Point(174_000, 448_000), VLAKKEN[2]]).to_file(path, driver="GPKG")
    report = ok(upload(client, path, dry_run=True))
    assert report["dry_run"] is True
    assert report["samenvatting"]["geweigerd"] == 1 and report["samenvatting"]["geschreven"] == 0
    assert report["features"][1]["status"] == "geweigerd"
    assert report["referentielaag"]["versie"] == 2
    session.expire_all()
    assert list(objecten(session)) == ["Object 1"]


@pytest.mark.usefixtures("laag")
def test_a_repaired_shape_says_so(client: TestClient, session: Session, tmp_path: Path) -> None:
    bowtie = shapely.Polygon(
        [(173_000, 447_000), (174_000, 448_000), (174_000, 447_000), (173_000, 448_000)]
    )
    path = tmp_path / "vlinder.gpkg"
    layer([bowtie], RECORDS[:1]).to_file(path, driver="GPKG")
    report = ok(upload(client, path))
    assert report["features"][0]["status"] == "hersteld"
    assert "make_valid" in report["features"][0]["meldingen"][0]
    assert to_shape(objecten(session)["Heide"].geom).area == pytest.approx(500_000)


# --- names, ids and attributes ----------------------------------------------------------


@pytest.mark.usefixtures("laag")
@pytest.mark.parametrize("veld", ["naam", "name", "Name"])
def test_naam_from_a_naam_or_name_field(
    client: TestClient, session: Session, tmp_path: Path, veld: str
) -> None:
    records = [{veld: r["NAAM"], "identificatie": f"id-{r['nr']}"} for r in RECORDS]
    path = tmp_path / "namen.gpkg"
    layer(records=records).to_file(path, driver="GPKG")
    ok(upload(client, path))
    found = objecten(session)
    assert sorted(found) == ["Bos", "Heide", "Ven"]
    assert found["Bos"].extern_id == "id-2"


@pytest.mark.usefixtures("laag")
def test_without_a_naam_field(client: TestClient, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "anoniem.gpkg"
    layer(records=[{"code": "A"}, {"code": "B"}, {"code": "C"}]).to_file(path, driver="GPKG")
    ok(upload(client, path))
    laag = service.get_laag(session, "beschermd-gebied")
    rows = session.scalars(select(Referentieobject).where(Referentieobject.laag_id == laag.id))
    assert sorted((o.naam, o.extern_id, o.eigenschappen["code"]) for o in rows) == [
        ("", None, "A"),
        ("", None, "B"),
        ("", None, "C"),
    ]
    assert laag.aantal_objecten == 3


@pytest.mark.usefixtures("laag")
def test_attributes_are_kept_json_safe(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    frame = layer(VLAKKEN[:1], [{"NAAM": "Heide"}])
    frame["besluit"] = [date(2009, 3, 1)]
    frame["gewijzigd"] = [pd.Timestamp(datetime(2024, 5, 6, 7, 8, 9))]
    frame["oppervlak"] = [math.nan]
    frame["beschermd"] = [True]
    frame["aantal"] = [7]
    path = tmp_path / "typen.gpkg"
    frame.to_file(path, driver="GPKG")
    ok(upload(client, path))
    eigenschappen = objecten(session)["Heide"].eigenschappen
    assert eigenschappen["besluit"] == "2009-03-01"
    assert eigenschappen["gewijzigd"].startswith("2024-05-06T07:08:09")
    assert eigenschappen["oppervlak"] is None
    assert (eigenschappen["beschermd"], eigenschappen["aantal"]) == (True, 7)
    json.dumps(eigenschappen, allow_nan=False)


def test_json_safe() -> None:
    import numpy as np

    assert json_safe({"a": [np.float64("nan"), np.int32(3), b"\x01"], 1: math.inf}) == {
        "a": [None, 3, "AQ=="],
        "1": None,
    }
    with pytest.raises(ValueError):
        json_safe({"naam": "a\x00b"}, "naam")


@pytest.mark.usefixtures("laag")
def test_nul_in_an_attribute_never_reaches_the_database(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    # GDAL ends a text at U+0000 (and json_safe would refuse it: PostgreSQL stores no NUL).
    frame = layer(VLAKKEN[:1], [{"NAAM": "Heide", "code": "a\u0000b"}]).to_crs(4326)
    path = tmp_path / "nul.geojson"
    path.write_text(frame.to_json())
    assert "\\u0000" in path.read_text()
    ok(upload(client, path))
    assert objecten(session)["Heide"].eigenschappen["code"] == "a"


# --- what may be asked, and by whom -----------------------------------------------------------


@pytest.mark.usefixtures("laag")
def test_opgave_fields_do_not_apply(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "beschermd.gpkg"
    layer().to_file(path, driver="GPKG")
    refused = upload(client, path, thema="natuur", veld_titel="NAAM", buffer_m=10)
    assert refused.status_code == 400
    assert [e["name"] for e in refused.json()["errors"]] == ["veld_titel", "thema", "buffer_m"]


def test_unknown_laag(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "beschermd.gpkg"
    layer().to_file(path, driver="GPKG")
    assert upload(client, path, referentielaag="bestaat-niet").status_code == 404


@pytest.mark.usefixtures("laag")
def test_only_a_beheerder_imports(
    anonymous_client: TestClient, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "beschermd.gpkg"
    layer().to_file(path, driver="GPKG")
    assert upload(anonymous_client, path).status_code == 401
    anonymous_client.headers.update(token_headers(session, "planner", "piet"))
    assert upload(anonymous_client, path).status_code == 403
    assert list(objecten(session)) == ["Object 1"]


# --- the CLI ----------------------------------------------------------------------------


@pytest.fixture
def cli_database(admin_engine_factory: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database of its own: the CLI commits."""
    from gebiedsregie.cli import migrate

    url = admin_engine_factory()
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return str(url)


def _laag_rows(url: str) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    from tests.conftest import raw_engine

    engine = raw_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT slug, soort, kleur, bron, licentie, aantal_objecten, versie "
                        "FROM referentielaag ORDER BY slug"
                    )
                )
            )
    finally:
        engine.dispose()


def test_cli_makes_the_laag_and_fills_it(
    cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gebiedsregie.cli import main

    path = tmp_path / "beschermd.gpkg"
    layer().to_crs(4326).to_file(path, driver="GPKG")
    options = ["--soort", "sturend", "--kleur", "#AA0000", "--licentie", "CC BY 4.0"]
    assert main(["import", str(path), "--referentielaag", "Stiltegebied", *options]) == 0
    out = capsys.readouterr().out
    assert "referentielaag Stiltegebied (stiltegebied, sturend)" in out
    assert _laag_rows(cli_database) == [
        ("stiltegebied", "sturend", "#aa0000", "Import uit beschermd.gpkg", "CC BY 4.0", 3, 2)
    ]
    # Again, by slug, with a new bron: the objecten replaced, the metadata changed.
    assert main(["import", str(path), "--referentielaag", "stiltegebied", "--bron", "PDOK"]) == 0
    # Two entries in the trail: the metadata changed, then the objecten replaced.
    assert _laag_rows(cli_database)[0][3:] == ("PDOK", "CC BY 4.0", 3, 4)


def test_cli_refuses_all_or_nothing(
    cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gebiedsregie.cli import main

    path = tmp_path / "gemengd.gpkg"
    layer([VLAKKEN[0], Point(174_000, 448_000), VLAKKEN[2]]).to_file(path, driver="GPKG")
    assert main(["import", str(path), "--referentielaag", "Nieuw"]) == 2
    err = capsys.readouterr().err
    assert "features[2]: Feature 2 ('Bos'): een Point is geen vlak" in err
    assert _laag_rows(cli_database) == []  # not even the laag was made
    assert main(["import", str(path), "--referentielaag", "Nieuw", "--kleur", "groen"]) == 2
    assert "--kleur" in capsys.readouterr().err
    assert main(["import", str(path), "--referentielaag", "Nieuw", "--thema", "natuur"]) == 2
    assert "--thema: Geldt niet voor een referentielaag" in capsys.readouterr().err
    assert main(["import", str(path), "--referentielaag", "Nieuw", "--dry-run"]) == 0
    assert "dry run: niets opgeslagen" in capsys.readouterr().out
    assert _laag_rows(cli_database) == []


def test_concurrent_imports_do_not_mix(cli_database: str) -> None:
    """The second import waits for the first (the laag's row is locked), then replaces what
    the first stored: the laag holds one import's objecten, never both."""
    import threading

    from gebiedsregie.db import make_engine, make_sessionmaker

    engine = make_engine(cli_database)
    sessions = make_sessionmaker(engine)
    square = shapely.MultiPolygon([VLAKKEN[0]])
    try:
        with sessions() as setup:
            laag_id = service.create_laag(
                setup, {"naam": "Gedeeld", "soort": "sturend", "kleur": "#000000"}
            ).id
        first, second = sessions(), sessions()
        laag_1 = service.get_laag(first, str(laag_id))
        service.begin_replace(first, laag_1)
        service.add_objecten(first, laag_1, [service.NieuwObject(square, "Eerste")] * 2)

        def import_second() -> None:
            laag_2 = service.get_laag(second, str(laag_id))
            service.replace_objecten(second, laag_2, [[service.NieuwObject(square, "Tweede")]])

        waiting = threading.Thread(target=import_second)
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive()  # blocked on the laag's row
        service.finish_replace(first, laag_1)
        first.commit()
        waiting.join(timeout=30)
        assert not waiting.is_alive()
        with sessions() as check:
            laag = service.get_laag(check, str(laag_id))
            rows = check.scalars(
                select(Referentieobject.naam).where(Referentieobject.laag_id == laag_id)
            )
            assert list(rows) == ["Tweede"]
            assert (laag.aantal_objecten, laag.versie) == (1, 3)
        first.close()
        second.close()
    finally:
        engine.dispose()
