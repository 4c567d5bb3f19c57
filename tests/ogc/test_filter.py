"""OGC API Features Part 3: `filter` in CQL2 text and JSON on every collection, a test per
requirement we claim (conformance classes in filtering.CONFORMANCE)."""

import json
import time
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, ETRS89, from_rd
from gebiedsregie.errors import InvalidInput
from gebiedsregie.ogc import cql2_parsing, filtering
from gebiedsregie.ogc.router import CONFORMANCE
from gebiedsregie.stapeling import reads as stapeling_reads
from gebiedsregie.stapeling import service as stapeling_service
from tests.factories import make_gebied, make_opgave
from tests.referentielagen.lagen import make_laag
from tests.varianten.common import gebied_met_opgaven, maak_variant

ITEMS = "/ogc/collections/{}/items"


def make_data(session: Session) -> None:
    """A gebied around Ede and five opgaven of different thema, status, horizon and place."""
    make_gebied(session, box(170_000, 445_000, 182_000, 457_000), slug="ede", naam="Ede")
    rows = [
        ("Wonen Ede-Zuid", "wonen", "planvorming", "gemeente", 2030, 12.5,
         box(174_000, 448_000, 174_500, 448_500)),
        ("Wonen Ede-Noord", "wonen", "uitvoering", "provincie", 2035, None,
         box(174_500, 448_500, 175_000, 449_000)),
        ("Natuur_Veluwe 100%", "natuur", "verkenning", "rijk", None, None,
         box(174_200, 448_200, 174_800, 448_800)),
        ("Energie zon", "energie", "besluitvorming", "gemeente", 2040, 3.0,
         box(180_000, 455_000, 181_000, 456_000)),
        ("Water Binnenveld", "water-bodem", "gerealiseerd", "waterschap", 2025, 40.0,
         box(176_000, 448_000, 177_000, 449_000)),
    ]  # fmt: skip
    for titel, thema, status, trekker, horizon, ruimtevraag, geom in rows:
        make_opgave(
            session, geom, titel=titel, thema=thema, status=status, trekker=trekker,
            horizon=horizon, ruimtevraag_ha=ruimtevraag,
        )  # fmt: skip
    session.commit()


@pytest.fixture
def data(session: Session) -> None:
    make_data(session)


def query(
    client: TestClient, flt: Any, collection: str = "opgaven", **params: Any
) -> dict[str, Any]:
    if not isinstance(flt, str):
        flt, params["filter-lang"] = json.dumps(flt), "cql2-json"
    response = client.get(ITEMS.format(collection), params={"filter": flt, "limit": 100, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["numberMatched"] == len(body["features"])
    return body


def titels(client: TestClient, flt: Any, **params: Any) -> set[str]:
    return {f["properties"]["titel"] for f in query(client, flt, **params)["features"]}


def refused(client: TestClient, params: dict[str, Any], collection: str = "opgaven") -> str:
    """The reason of a 400 about one of the filter parameters."""
    response = client.get(ITEMS.format(collection), params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["name"] in ("filter", "filter-lang", "filter-crs"), body
    reason: str = body["errors"][0]["reason"]
    return reason


ALL = {"Wonen Ede-Zuid", "Wonen Ede-Noord", "Natuur_Veluwe 100%", "Energie zon",
       "Water Binnenveld"}  # fmt: skip
WONEN = {"Wonen Ede-Zuid", "Wonen Ede-Noord"}


def test_conformance_lists_what_filtering_claims(client: TestClient) -> None:
    claimed = client.get("/ogc/conformance").json()["conformsTo"]
    assert set(filtering.CONFORMANCE) <= set(claimed)
    assert set(filtering.CONFORMANCE) <= set(CONFORMANCE)
    assert not [c for c in claimed if c.endswith("/temporal-functions")]


# basic-cql2: comparisons, AND/OR/NOT, IS NULL; on every type of queryable.
@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("thema = 'wonen'", WONEN),
        ("thema <> 'wonen'", ALL - WONEN),
        ("horizon < 2035", {"Wonen Ede-Zuid", "Water Binnenveld"}),
        ("horizon <= 2035", {"Wonen Ede-Zuid", "Water Binnenveld", "Wonen Ede-Noord"}),
        ("horizon > 2035", {"Energie zon"}),
        ("horizon >= 2035", {"Energie zon", "Wonen Ede-Noord"}),
        ("ruimtevraag_ha > 10", {"Wonen Ede-Zuid", "Water Binnenveld"}),
        ("ruimtevraag_ha = 12.5", {"Wonen Ede-Zuid"}),
        ("oppervlakte_ha = 25", {"Wonen Ede-Zuid", "Wonen Ede-Noord"}),
        ("titel < 'N'", {"Energie zon"}),
        ("thema = 'wonen' AND status = 'uitvoering'", {"Wonen Ede-Noord"}),
        ("thema = 'natuur' OR trekker = 'rijk' OR horizon = 2040",
         {"Natuur_Veluwe 100%", "Energie zon"}),
        ("NOT (thema = 'wonen')", ALL - WONEN),
        ("NOT thema = 'wonen'", ALL - WONEN),
        ("(thema = 'wonen' OR thema = 'water-bodem') AND NOT (horizon > 2030)",
         {"Wonen Ede-Zuid", "Water Binnenveld"}),
        # AND binds stronger than OR, NOT stronger than AND.
        ("thema = 'natuur' OR thema = 'wonen' AND status = 'uitvoering'",
         {"Natuur_Veluwe 100%", "Wonen Ede-Noord"}),
        ("thema = 'wonen' AND status = 'uitvoering' OR thema = 'natuur'",
         {"Natuur_Veluwe 100%", "Wonen Ede-Noord"}),
        ("NOT thema = 'wonen' AND horizon > 2030", {"Energie zon"}),
        ("horizon IS NULL", {"Natuur_Veluwe 100%"}),
        ("horizon IS NOT NULL", ALL - {"Natuur_Veluwe 100%"}),
        # Three-valued: a comparison with a missing horizon is unknown, also under NOT.
        ("NOT (horizon > 2030)", {"Wonen Ede-Zuid", "Water Binnenveld"}),
        ("versie = 1", ALL),
        ("horizon = 2030.0", {"Wonen Ede-Zuid"}),
        ("TRUE", ALL),
        ("NOT FALSE AND horizon >= 2040", {"Energie zon"}),
        ("aangemaakt_op > TIMESTAMP('2000-01-01T00:00:00Z')", ALL),
        ("aangemaakt_op < DATE('2000-01-01')", set()),
        ('"thema" = \'energie\'', {"Energie zon"}),
        ("INCLUDE", ALL),
        ("EXCLUDE", set()),
    ],
)  # fmt: skip
def test_basic_cql2(client: TestClient, flt: str, expected: set[str]) -> None:
    assert titels(client, flt) == expected


# advanced-comparison-operators: LIKE, BETWEEN, IN (and their NOT).
@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("titel LIKE 'Wonen%'", WONEN),
        ("titel LIKE '%Noord'", {"Wonen Ede-Noord"}),
        ("titel LIKE 'W_ter%'", {"Water Binnenveld"}),
        ("titel LIKE 'wonen%'", set()),  # case-sensitive
        ("titel LIKE 'Natuur\\_%'", {"Natuur_Veluwe 100%"}),
        ("titel LIKE '%100\\%'", {"Natuur_Veluwe 100%"}),
        ("titel LIKE 'Wonen\\_%'", set()),
        ("titel NOT LIKE 'Wonen%'", ALL - WONEN),
        ("horizon BETWEEN 2030 AND 2035", {"Wonen Ede-Zuid", "Wonen Ede-Noord"}),
        ("horizon NOT BETWEEN 2030 AND 2035", {"Energie zon", "Water Binnenveld"}),
        ("ruimtevraag_ha BETWEEN 3 AND 12.5", {"Wonen Ede-Zuid", "Energie zon"}),
        (
            "titel BETWEEN 'W' AND 'Wonen Ede-Zuid'",
            {"Wonen Ede-Noord", "Wonen Ede-Zuid", "Water Binnenveld"},
        ),
        ("thema IN ('natuur', 'water-bodem')", {"Natuur_Veluwe 100%", "Water Binnenveld"}),
        ("thema NOT IN ('natuur', 'water-bodem', 'wonen')", {"Energie zon"}),
        ("horizon IN (2025, 2040, 1999)", {"Energie zon", "Water Binnenveld"}),
    ],
)
def test_advanced_comparison_operators(client: TestClient, flt: str, expected: set[str]) -> None:
    assert titels(client, flt) == expected


# A polygon around the three opgaven near Ede centre, in RD.
EDE_CENTRUM_RD = box(173_900, 447_900, 175_100, 449_100)


def wkt(geom: Any) -> str:
    return str(geom.wkt)


# basic-spatial-functions(-plus) and spatial-functions: every S_ function, every geometry type.
@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (f"S_INTERSECTS(geometry, {wkt(EDE_CENTRUM_RD)})", WONEN | {"Natuur_Veluwe 100%"}),
        ("S_INTERSECTS(geometry, POINT(174250 448250))", {"Wonen Ede-Zuid", "Natuur_Veluwe 100%"}),
        ("S_INTERSECTS(geometry, LINESTRING(173000 448700, 178000 448700))",
         {"Wonen Ede-Noord", "Natuur_Veluwe 100%", "Water Binnenveld"}),
        ("S_INTERSECTS(geometry, MULTIPOINT((174100 448100), (180500 455500)))",
         {"Wonen Ede-Zuid", "Energie zon"}),
        ("S_INTERSECTS(geometry, MULTILINESTRING((176500 447000, 176500 450000)))",
         {"Water Binnenveld"}),
        ("S_INTERSECTS(geometry, MULTIPOLYGON(((180100 455100, 180200 455100, 180200 455200, "
         "180100 455100))))", {"Energie zon"}),
        ("S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(174100 448100), "
         "LINESTRING(176500 447000, 176500 450000)))", {"Wonen Ede-Zuid", "Water Binnenveld"}),
        ("S_INTERSECTS(geometry, BBOX(175900, 447900, 181100, 456100))",
         {"Water Binnenveld", "Energie zon"}),
        (f"S_WITHIN(geometry, {wkt(EDE_CENTRUM_RD)})", WONEN | {"Natuur_Veluwe 100%"}),
        ("S_WITHIN(geometry, POLYGON((174000 448000, 175000 448000, 175000 448800, "
         "174000 448800, 174000 448000)))", {"Wonen Ede-Zuid", "Natuur_Veluwe 100%"}),
        ("S_CONTAINS(geometry, POINT(176500 448500))", {"Water Binnenveld"}),
        ("S_CONTAINS(geometry, POLYGON((174300 448300, 174400 448300, 174400 448400, "
         "174300 448300)))", {"Wonen Ede-Zuid", "Natuur_Veluwe 100%"}),
        (f"S_DISJOINT(geometry, {wkt(EDE_CENTRUM_RD)})", {"Energie zon", "Water Binnenveld"}),
        ("S_TOUCHES(geometry, POINT(174500 448500))", WONEN),  # their shared corner
        ("S_TOUCHES(geometry, LINESTRING(177000 448000, 177000 449000))", {"Water Binnenveld"}),
        ("S_CROSSES(geometry, LINESTRING(175500 448500, 176500 448500))", {"Water Binnenveld"}),
        ("S_OVERLAPS(geometry, POLYGON((174400 448400, 174600 448400, 174600 448600, "
         "174400 448600, 174400 448400)))", WONEN),
        ("S_EQUALS(geometry, POLYGON((180000 455000, 181000 455000, 181000 456000, "
         "180000 456000, 180000 455000)))", {"Energie zon"}),
        ("S_INTERSECTS(POINT(180500 455500), geometry)", {"Energie zon"}),  # literal first
    ],
)  # fmt: skip
def test_spatial_functions(client: TestClient, flt: str, expected: set[str]) -> None:
    assert titels(client, flt, **{"filter-crs": "EPSG:28992"}) == expected


def test_spatial_functions_list_is_complete() -> None:
    assert {name.lower() for name in filtering.SPATIAL.values()} == {
        f"st_{op}" for op in ("intersects", "disjoint", "contains", "within", "touches",
                              "crosses", "overlaps", "equals")
    }  # fmt: skip


def _in(crs: Any, geom: Any) -> str:
    return wkt(from_rd(geom.segmentize(50), crs))


@pytest.mark.usefixtures("data")
def test_filter_crs_in_all_three_crs(client: TestClient) -> None:
    """The same polygon in RD, CRS84 and ETRS89 (latitude first) finds the same opgaven."""
    expected = WONEN | {"Natuur_Veluwe 100%"}
    rd = titels(client, f"S_INTERSECTS(geometry, {wkt(EDE_CENTRUM_RD)})",
                **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/28992"})  # fmt: skip
    crs84 = titels(client, f"S_INTERSECTS(geometry, {_in(CRS84, EDE_CENTRUM_RD)})")
    explicit = titels(
        client, f"S_INTERSECTS(geometry, {_in(CRS84, EDE_CENTRUM_RD)})",
        **{"filter-crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
    )  # fmt: skip
    etrs89 = titels(client, f"S_INTERSECTS(geometry, {_in(ETRS89, EDE_CENTRUM_RD)})",
                    **{"filter-crs": "EPSG:4258"})  # fmt: skip
    assert rd == crs84 == explicit == etrs89 == expected
    # A BBOX in ETRS89 is latitude first, as bbox-crs is.
    lon0, lat0, lon1, lat1 = from_rd(EDE_CENTRUM_RD, CRS84).bounds
    assert titels(client, f"S_INTERSECTS(geometry, BBOX({lat0}, {lon0}, {lat1}, {lon1}))",
                  **{"filter-crs": "EPSG:4258"}) == expected  # fmt: skip
    assert titels(client, f"S_INTERSECTS(geometry, BBOX({lon0}, {lat0}, {lon1}, {lat1}))") == (
        expected
    )
    # Swapped axes do not silently match something else: refused as outside Europe.
    swapped = f"S_INTERSECTS(geometry, {_in(CRS84, EDE_CENTRUM_RD)})"
    assert "buiten Europa" in refused(client, {"filter": swapped, "filter-crs": "EPSG:4258"})


EDE_CENTRUM_CRS84 = json.loads(shapely.to_geojson(from_rd(EDE_CENTRUM_RD.segmentize(50), CRS84)))


# temporal: the horizon as the closed interval of its days.
@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("T_INTERSECTS(horizon, DATE('2030-06-01'))", {"Wonen Ede-Zuid"}),
        ("T_INTERSECTS(horizon, TIMESTAMP('2035-12-31T23:59:59Z'))", {"Wonen Ede-Noord"}),
        ("T_INTERSECTS(horizon, INTERVAL('2029-12-31', '2030-01-01'))", {"Wonen Ede-Zuid"}),
        ("T_INTERSECTS(horizon, INTERVAL('2034-01-01', '..'))", {"Wonen Ede-Noord", "Energie zon"}),
        ("T_INTERSECTS(horizon, INTERVAL('..', '..'))", ALL - {"Natuur_Veluwe 100%"}),
        ("T_DISJOINT(horizon, INTERVAL('2030-01-01', '2035-01-01'))", {"Energie zon",
                                                                       "Water Binnenveld"}),
        ("T_BEFORE(horizon, DATE('2030-01-01'))", {"Water Binnenveld"}),
        ("T_AFTER(horizon, DATE('2035-12-31'))", {"Energie zon"}),
        ("T_AFTER(horizon, DATE('2035-12-30'))", {"Energie zon"}),  # 2035 still runs then
        ("T_DURING(horizon, INTERVAL('2029-12-31', '2031-01-01'))", {"Wonen Ede-Zuid"}),
        ("T_DURING(horizon, INTERVAL('2030-01-01', '2031-01-01'))", set()),
        ("T_EQUALS(horizon, INTERVAL('2030-01-01', '2030-12-31'))", {"Wonen Ede-Zuid"}),
        ("T_STARTS(horizon, INTERVAL('2030-01-01', '2031-06-30'))", {"Wonen Ede-Zuid"}),
        ("T_STARTEDBY(horizon, INTERVAL('2030-01-01', '2030-06-30'))", {"Wonen Ede-Zuid"}),
        ("T_FINISHES(horizon, INTERVAL('2029-06-01', '2030-12-31'))", {"Wonen Ede-Zuid"}),
        ("T_FINISHEDBY(horizon, INTERVAL('2030-06-01', '2030-12-31'))", {"Wonen Ede-Zuid"}),
        ("T_CONTAINS(horizon, INTERVAL('2030-03-01', '2030-04-01'))", {"Wonen Ede-Zuid"}),
        ("T_MEETS(horizon, INTERVAL('2030-12-31', '2031-12-31'))", {"Wonen Ede-Zuid"}),
        ("T_METBY(horizon, INTERVAL('2029-01-01', '2030-01-01'))", {"Wonen Ede-Zuid"}),
        ("T_OVERLAPS(horizon, INTERVAL('2030-06-01', '2031-06-01'))", {"Wonen Ede-Zuid"}),
        ("T_OVERLAPPEDBY(horizon, INTERVAL('2029-06-01', '2030-06-01'))", {"Wonen Ede-Zuid"}),
        # A missing horizon is unknown: not selected, also not under NOT.
        ("NOT T_BEFORE(horizon, DATE('2030-01-01'))", ALL - {"Natuur_Veluwe 100%",
                                                              "Water Binnenveld"}),
        ("T_INTERSECTS(horizon, INTERVAL('2030-01-01T00:00:00Z', '2030-01-01T12:00:00Z'))",
         {"Wonen Ede-Zuid"}),
    ],
)  # fmt: skip
def test_temporal_functions_on_the_horizon(
    client: TestClient, flt: str, expected: set[str]
) -> None:
    assert titels(client, flt) == expected


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("text", "as_json"),
    [
        ("thema = 'wonen' AND horizon > 2030",
         {"op": "and", "args": [{"op": "=", "args": [{"property": "thema"}, "wonen"]},
                                {"op": ">", "args": [{"property": "horizon"}, 2030]}]}),
        ("NOT (thema = 'wonen') OR horizon IS NULL",
         {"op": "or", "args": [{"op": "not", "args": [{"op": "=", "args": [
             {"property": "thema"}, "wonen"]}]},
             {"op": "isNull", "args": [{"property": "horizon"}]}]}),
        ("titel LIKE 'W_ter%'", {"op": "like", "args": [{"property": "titel"}, "W_ter%"]}),
        ("horizon BETWEEN 2030 AND 2035",
         {"op": "between", "args": [{"property": "horizon"}, 2030, 2035]}),
        ("thema IN ('natuur', 'water-bodem')",
         {"op": "in", "args": [{"property": "thema"}, ["natuur", "water-bodem"]]}),
        (f"S_INTERSECTS(geometry, {_in(CRS84, EDE_CENTRUM_RD)})",
         {"op": "s_intersects", "args": [{"property": "geometry"},
                                         EDE_CENTRUM_CRS84]}),
        ("S_WITHIN(geometry, BBOX(5.66, 52.0, 5.70, 52.05))",
         {"op": "s_within", "args": [{"property": "geometry"},
                                     {"bbox": [5.66, 52.0, 5.70, 52.05]}]}),
        ("S_CONTAINS(geometry, POINT(5.67 52.02))",
         {"op": "s_contains", "args": [{"property": "geometry"},
                                       {"type": "Point", "coordinates": [5.67, 52.02]}]}),
        ("T_INTERSECTS(horizon, INTERVAL('2034-01-01', '..'))",
         {"op": "t_intersects", "args": [{"property": "horizon"},
                                         {"interval": ["2034-01-01", ".."]}]}),
        ("T_BEFORE(horizon, DATE('2031-01-01'))",
         {"op": "t_before", "args": [{"property": "horizon"}, {"date": "2031-01-01"}]}),
        ("T_AFTER(horizon, TIMESTAMP('2030-01-01T00:00:00Z'))",
         {"op": "t_after", "args": [{"property": "horizon"},
                                    {"timestamp": "2030-01-01T00:00:00Z"}]}),
    ],
)  # fmt: skip
def test_cql2_json_and_text_agree(client: TestClient, text: str, as_json: Any) -> None:
    from_text = query(client, text)
    from_json = query(client, as_json)
    assert [f["id"] for f in from_text["features"]] == [f["id"] for f in from_json["features"]]
    assert from_text["numberMatched"] == from_json["numberMatched"]


@pytest.mark.usefixtures("data")
def test_cql_text_is_cql2_text(client: TestClient) -> None:
    """cql-text, the name in Part 3's drafts that GDAL asks for, reads as cql2-text."""
    assert titels(client, "(thema = 'wonen')", **{"filter-lang": "cql-text"}) == WONEN
    spec = client.get("/ogc/api").json()
    for path in ("/ogc/collections/{collection_id}/items", "/collections/{collectionId}/items"):
        parameters = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        assert {"filter", "filter-lang", "filter-crs"} <= set(parameters)
        assert parameters["filter-lang"]["schema"]["enum"] == list(filtering.FILTER_LANGS)


@pytest.mark.usefixtures("data")
def test_number_matched_and_paging_keep_the_filter(client: TestClient) -> None:
    flt = "thema IN ('wonen', 'natuur', 'water-bodem')"
    first = client.get(ITEMS.format("opgaven"), params={"filter": flt, "limit": 2}).json()
    assert first["numberMatched"] == 4 and first["numberReturned"] == 2
    following = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "filter=" in following
    second = client.get(following).json()
    assert second["numberMatched"] == 4 and second["numberReturned"] == 2
    seen = {f["id"] for f in first["features"]} | {f["id"] for f in second["features"]}
    assert len(seen) == 4
    assert not [link for link in second["links"] if link["rel"] == "next"]
    # Together with the other parameters: all conditions hold.
    both = query(client, "horizon > 2026", thema="wonen", status="uitvoering")
    assert [f["properties"]["titel"] for f in both["features"]] == ["Wonen Ede-Noord"]
    thema = query(client, "horizon > 2031", "opgaven-wonen")
    assert [f["properties"]["titel"] for f in thema["features"]] == ["Wonen Ede-Noord"]
    assert query(client, "horizon = 2040", "opgaven-wonen")["numberMatched"] == 0
    # As HTML and as JSON-FG the same filter applies.
    page = client.get(ITEMS.format("opgaven"), params={"filter": "thema = 'natuur'", "f": "html"})
    assert (
        page.status_code == 200
        and "Natuur_Veluwe" in page.text
        and "Energie zon" not in (page.text)
    )
    fg = client.get(ITEMS.format("opgaven"), params={"filter": "thema = 'natuur'", "f": "jsonfg"})
    assert fg.json()["numberMatched"] == 1


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"filter": "kleur = 'rood'"}, "Onbekende eigenschap 'kleur'"),
        ({"filter": "thema = 'x'"}, None),  # fine: matches nothing
        ({"filter": "horizon = 'twintig'"}, "Typen passen niet"),
        ({"filter": "thema > 3"}, "Typen passen niet"),
        ({"filter": "titel LIKE 3"}, None),
        ({"filter": "horizon LIKE '20%'"}, "LIKE"),
        ({"filter": "geometry = 3"}, "geometrie"),
        ({"filter": "thema = 'wonen' AND"}, "niet te lezen"),
        ({"filter": "thema = = 'wonen'"}, "niet te lezen"),
        ({"filter": "thema ~ 'wonen'"}, "niet te lezen"),
        ({"filter": "   "}, "leeg"),
        ({"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))",
          "filter-crs": "EPSG:28992"}, "ongeldig"),
        ({"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 0)))"}, "geometrie"),
        ({"filter": "S_INTERSECTS(geometry, SRID=4326;POINT(5 52))"}, "filter-crs"),
        ({"filter": "S_INTERSECTS(thema, POINT(5 52))"}, "geometrie"),
        ({"filter": "S_INTERSECTS(geometry, POINT(500 52))"}, "buiten Europa"),
        ({"filter": "T_BEFORE(titel, DATE('2030-01-01'))"}, "geen tijdseigenschap"),
        ({"filter": "T_BEFORE(horizon, INTERVAL('2031-01-01', '2030-01-01'))"}, "begint niet"),
        ({"filter": "T_BEFORE(horizon, INTERVAL('gisteren', '..'))"}, "geen datum"),
        # CQL2 1.0 has only the function form, not pygeofilter's infix `horizon T_AFTER ...`.
        ({"filter": "horizon T_AFTER DATE('2035-12-31')"}, "positie 9: onverwacht 'T'"),
        ({"filter": "T_BEGINS(horizon, DATE('2030-01-01'))"}, "Onbekende tijdfunctie"),
        # A year is a whole number (cql2 reads every number as a float: 2030.0 is fine).
        ({"filter": "horizon = 2030.5"}, "'horizon' is een jaar (geheel getal); 2030.5"),
        ({"filter": "versie IN (1, 1.5)"}, "'versie' is een geheel getal; 1.5"),
        ({"filter": "horizon BETWEEN 2030 AND 2040.25"}, "geheel getal"),
        ({"filter": "DATE('2030-02-30') < aangemaakt_op"}, "geen datum"),
        ({"filter": "S_INTERSECTS(geometry, POINT EMPTY)"}, "niet te lezen"),
        ({"filter": "titel LIKE 'abc\\'"}, "losse"),
        ({"filter": "CASEI(titel) = 'wonen'"}, "CASEI"),
        ({"filter": "horizon + 1 > 2030"}, "Rekenen"),
        ({"filter": "thema = 'wonen'", "filter-lang": "cql-json"}, "filter-lang"),
        ({"filter-lang": "ecql"}, "filter-lang"),
        ({"filter": "thema = 'wonen'", "filter-crs": "EPSG:3857"}, "Toegestaan zijn"),
        ({"filter": '{"op": "=", "args": [{"property": "horizon"}, NaN]}',
          "filter-lang": "cql2-json"}, "geen getal"),
        ({"filter": '{"op": "=", "args": [', "filter-lang": "cql2-json"}, "Geen geldige JSON"),
        ({"filter": '{"op": "like", "args": [{"property": "titel"}, 3]}',
          "filter-lang": "cql2-json"}, "LIKE"),
        ({"filter": '{"op": "t_before", "args": [{"property": "horizon"}, {"timestamp": '
          '"volgende week"}]}', "filter-lang": "cql2-json"}, "geen datum"),
        ({"filter": '{"op": "s_intersects", "args": [{"property": "geometry"}, '
          '{"type": "Polygon", "coordinates": "vierkant"}]}', "filter-lang": "cql2-json"},
         "Geometrie niet te lezen"),
        ({"filter": "thema = 'wonen'", "filter-lang": "cql2-json"}, "Geen geldige JSON"),
    ],
)  # fmt: skip
def test_invalid_filters_are_a_400_that_says_why(
    client: TestClient, params: dict[str, str], says: str | None
) -> None:
    response = client.get(ITEMS.format("opgaven"), params=params)
    if says is None:
        assert response.status_code in (200, 400), response.text
        return
    reason = refused(client, params)
    assert says.lower() in reason.lower(), reason


@pytest.mark.usefixtures("data")
def test_hostile_filters_are_refused_quickly(client: TestClient) -> None:
    deep = "(" * 60 + "thema = 'wonen'" + ")" * 60
    assert "genest" in refused(client, {"filter": deep})
    deep_json = '{"op": "not", "args": [' * 30 + '{"op": "=", "args": [1, 1]}' + "]}" * 30
    assert "genest" in refused(client, {"filter": deep_json, "filter-lang": "cql2-json"})
    # Past 8 kB the URL is refused before the filter is read; in a body, by the parser.
    too_long = "thema = '" + "x" * 9_000 + "'"
    assert client.get(ITEMS.format("opgaven"), params={"filter": too_long}).status_code == 414
    with pytest.raises(InvalidInput, match="tekens lang"):
        cql2_parsing.parse(too_long, "cql2-text")
    many = "S_INTERSECTS(geometry, LINESTRING(" + ",".join(["0 0", "1 1"] * 501) + "))"
    assert "hoekpunten" in refused(client, {"filter": many, "filter-crs": "EPSG:28992"})
    # A long chain of ANDs is no nesting: answered, without recursion.
    chain = " AND ".join(["horizon > 2000"] * 300)
    assert query(client, chain)["numberMatched"] == 4
    negations = "NOT " * 1_500 + "thema = 'wonen'"
    assert titels(client, negations) == WONEN
    assert titels(client, "NOT " + negations) == ALL - WONEN
    # cql2 recurses once per NOT or minus sign (8 MB of stack ended at some 4,000): it parses
    # in a thread with a larger stack.
    assert cql2_parsing.parse("horizon = " + "-" * 8_000 + "1", "cql2-text")
    assert "genest" in refused(client, {"filter": "horizon = " + "- " * 2_000 + "horizon"})
    # On an error the text parser's work doubles with each group of parentheses: limited by
    # the length (4 groups at 8 kB), and the worst allowed is still quick.
    body = "thema = 'wonen' AND " * 380 + "= = 1"
    with pytest.raises(InvalidInput, match="te diep genest: 5 paar haakjes"):
        cql2_parsing.parse("NOT (" * 5 + body + ")" * 5, "cql2-text")
    start = time.perf_counter()
    with pytest.raises(InvalidInput, match="niet te lezen"):
        cql2_parsing.parse("NOT (" * 4 + body + ")" * 4, "cql2-text")
    assert time.perf_counter() - start < 2  # some 30-50 ms here; seconds at 10 groups
    assert titels(client, "((((((((thema = 'wonen'))))))))") == WONEN  # short: 8 may


def test_filter_on_gebieden(client: TestClient, session: Session) -> None:
    make_gebied(session, box(174_000, 448_000, 175_000, 449_000), slug="klein", naam="Klein",
                soort="deelgebied")  # fmt: skip
    make_gebied(session, box(100_000, 400_000, 110_000, 410_000), slug="groot", naam="Groot")
    body = query(client, "soort = 'deelgebied' OR oppervlakte_ha > 5000", "gebieden")
    assert {f["properties"]["slug"] for f in body["features"]} == {"klein", "groot"}
    body = query(client, "S_CONTAINS(geometry, POINT(174500 448500)) AND slug LIKE 'k%'",
                 "gebieden", **{"filter-crs": "EPSG:28992"})  # fmt: skip
    assert [f["properties"]["slug"] for f in body["features"]] == ["klein"]
    reason = refused(client, {"filter": "thema = 'wonen'"}, "gebieden")
    assert "thema" in reason and "slug" in reason  # names what may be used


def test_filter_on_a_referentielaag_with_typed_attributes(
    client: TestClient, session: Session
) -> None:
    laag = make_laag(session)  # objecten with {"nr": 1.., "klasse": "A"}
    collection = f"referentielaag-{laag.slug}"
    body = query(client, "nr >= 2 AND klasse = 'A'", collection)
    assert sorted(f["properties"]["naam"] for f in body["features"]) == ["Object 2", "Object 3"]
    assert query(client, "klasse IS NULL", collection)["numberMatched"] == 0
    assert query(client, "naam LIKE '%1'", collection)["numberMatched"] == 1
    reason = refused(client, {"filter": "nr = 'twee'"}, collection)
    assert "Typen passen niet" in reason
    queryables = client.get(f"/ogc/collections/{collection}/queryables").json()["properties"]
    assert queryables["nr"]["type"] == "number" and queryables["klasse"]["type"] == "string"


def test_filter_on_the_stapeling(client: TestClient, session: Session) -> None:
    make_data(session)
    everything = query(client, "INCLUDE", "stapeling", gebied="ede")["features"]
    assert everything
    deep = query(client, "aantal >= 2 AND themas = 'natuur'", "stapeling")["features"]
    assert deep and all(
        f["properties"]["aantal"] >= 2 and "natuur" in f["properties"]["themas"] for f in deep
    )
    expected = {
        f["id"] for f in everything
        if f["properties"]["aantal"] >= 2 and "natuur" in f["properties"]["themas"]
    }  # fmt: skip
    assert {f["id"] for f in deep} == expected
    both = query(client, "themas IN ('water-bodem', 'energie') AND gebied = 'ede'", "stapeling")
    assert {tuple(f["properties"]["themas"]) for f in both["features"]} == {
        ("energie",),
        ("water-bodem",),
    }
    assert query(client, "aantal_themas = 2 AND oppervlakte_ha > 0", "stapeling")[
        "numberMatched"
    ] == len([f for f in everything if f["properties"]["aantal_themas"] == 2])
    assert query(client, "gebied = 'elders'", "stapeling")["numberMatched"] == 0
    assert "lijst" in refused(client, {"filter": "themas > 'a'"}, "stapeling")


def test_filter_on_the_stapeling_of_a_variant(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    params = {"variant": variant, "filter": "themas = 'natuur'", "limit": 100}
    response = client.get(ITEMS.format("stapeling"), params=params)
    assert response.status_code == 200, response.text
    faces = response.json()["features"]
    assert faces and all("natuur" in f["properties"]["themas"] for f in faces)
    # A stapeling computed but not stored (the data changed meanwhile) takes no filter.
    stored = stapeling_service.stored

    def not_stored(*args: Any, **kwargs: Any) -> Any:
        view = stored(*args, **kwargs)
        return type(view)(
            view.samenvatting, None, stapeling_reads.faces_with_geometry(session, view)
        )

    monkeypatch.setattr(stapeling_service, "stored", not_stored)
    response = client.get(ITEMS.format("stapeling"), params=params)
    assert response.status_code == 409
    assert response.json()["errors"][0]["name"] == "filter"
