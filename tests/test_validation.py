"""Every validation rule, through the API, with the field and the Dutch reason it reports."""

import json
import time
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import Polygon
from shapely.geometry import mapping

from gebiedsregie.crs import CRS84, RD, Crs, from_rd
from gebiedsregie.geometry import to_geojson, to_geojsons
from gebiedsregie.settings import Settings
from tests.conftest import app_on
from tests.factories import EDE, RD_HEADERS, feature, opgave_properties

SQUARE_84 = [[5.70, 52.03], [5.71, 52.03], [5.71, 52.04], [5.70, 52.04], [5.70, 52.03]]


def _refused(client: TestClient, body: Any, status: int = 400, **kwargs: Any) -> dict:
    if isinstance(body, bytes | str):
        kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        response = client.post("/api/v1/opgaven", content=body, **kwargs)
    else:
        response = client.post("/api/v1/opgaven", json=body, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


def _only_error(problem: dict) -> dict:
    assert len(problem["errors"]) == 1, problem
    return problem["errors"][0]


def _polygon(coordinates: Any, kind: str = "Polygon") -> dict:
    return feature({"type": kind, "coordinates": coordinates}, **opgave_properties())


@pytest.mark.parametrize(
    ("geometry", "fragment"),
    [
        ({"type": "Point", "coordinates": [5.7, 52.0]}, "niet een Point"),
        ({"type": "LineString", "coordinates": [[5.7, 52.0], [5.8, 52.1]]}, "niet een LineString"),
        ({"type": "GeometryCollection", "geometries": []}, "niet een GeometryCollection"),
        ({"type": "Vlak", "coordinates": []}, "niet een Vlak"),
    ],
)
def test_non_areal_geometry(client: TestClient, geometry: dict, fragment: str) -> None:
    error = _only_error(_refused(client, feature(geometry, **opgave_properties())))
    assert error["name"] == "geometry.type" and error["code"] == "geen_vlak"
    assert fragment in error["reason"] and "Polygon of MultiPolygon" in error["reason"]


def test_missing_geometry(client: TestClient) -> None:
    error = _only_error(_refused(client, {"type": "Feature", "properties": opgave_properties()}))
    assert error["name"] == "geometry" and error["code"] == "verplicht"


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": [[]]},
    ],
)
def test_empty_geometry(client: TestClient, geometry: dict) -> None:
    error = _only_error(_refused(client, feature(geometry, **opgave_properties())))
    assert error["code"] in ("leeg", "ongeldige_ring"), error
    assert error["name"].startswith("geometry")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_json(client: TestClient, literal: str) -> None:
    body = (
        '{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":'
        f"[[[5.7,52.0],[5.8,{literal}],[5.8,52.1],[5.7,52.0]]]}}}}"
    )
    error = _only_error(_refused(client, body))
    assert error["code"] == "niet_eindig" and literal in error["reason"]


def test_bad_positions(client: TestClient) -> None:
    error = _only_error(
        _refused(client, _polygon([[[5.7, 52.0], [5.8], [5.8, 52.1], [5.7, 52.0]]]))
    )
    assert error["name"] == "geometry.coordinates[0][1]"
    assert error["code"] == "ongeldige_positie"
    error = _only_error(
        _refused(client, _polygon([[[5.7, 52.0], ["5.8", 52.0], [5.8, 52.1], [5.7, 52.0]]]))
    )
    assert "getallen" in error["reason"]


def test_unclosed_and_short_rings(client: TestClient) -> None:
    error = _only_error(_refused(client, _polygon([SQUARE_84[:-1]])))
    assert error["code"] == "ring_niet_gesloten" and "gesloten" in error["reason"]
    error = _only_error(_refused(client, _polygon([[[5.7, 52.0], [5.8, 52.0], [5.7, 52.0]]])))
    assert error["code"] == "ring_te_kort"


def test_swapped_lat_lon(client: TestClient) -> None:
    swapped = [[lat, lon] for lon, lat in SQUARE_84]
    error = _only_error(_refused(client, _polygon([swapped])))
    assert error["code"] == "lat_lon_verwisseld"
    assert "verwisseld" in error["reason"] and "lengtegraad" in error["reason"]


def test_rd_coordinates_without_content_crs(client: TestClient) -> None:
    coords = [list(c) for c in EDE.exterior.coords]
    error = _only_error(_refused(client, _polygon([coords])))
    assert error["code"] == "verkeerd_crs" and "Content-Crs" in error["reason"]


def test_degrees_declared_as_rd(client: TestClient) -> None:
    error = _only_error(_refused(client, _polygon([SQUARE_84]), headers=RD_HEADERS))
    assert error["code"] == "verkeerd_crs"


@pytest.mark.parametrize(
    "coords",
    [
        [[2.0, 48.8], [2.1, 48.8], [2.1, 48.9], [2.0, 48.8]],  # Paris
        [[5.60, 50.60], [5.62, 50.60], [5.62, 50.62], [5.60, 50.60]],  # Liège: inside the envelope
    ],
)
def test_outside_the_netherlands(client: TestClient, coords: list) -> None:
    error = _only_error(_refused(client, _polygon([coords])))
    assert error["code"] == "buiten_nederland" and "buiten Nederland" in error["reason"]


def test_vertex_limit(client: TestClient) -> None:
    # The test settings allow 5,000 vertices.
    ring = from_rd(EDE.buffer(400, quad_segs=1500).exterior, CRS84)
    coords = [list(c) for c in ring.coords]
    assert len(coords) > 5_000
    error = _only_error(_refused(client, _polygon([coords])))
    assert error["code"] == "te_veel_hoekpunten" and "5000" in error["reason"]


def test_self_intersection_is_repaired_and_said(client: TestClient) -> None:
    bowtie = Polygon(
        [
            (174_000, 448_000),
            (175_000, 449_000),
            (175_000, 448_000),
            (174_000, 449_000),
            (174_000, 448_000),
        ]
    )
    response = client.post("/api/v1/opgaven", json=feature(bowtie, **opgave_properties()))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["meldingen"][0]["code"] == "geometrie_hersteld"
    assert "make_valid" in body["meldingen"][0]["reason"]
    assert body["geometry"]["type"] == "MultiPolygon"
    assert len(body["geometry"]["coordinates"]) == 2  # two triangles
    assert body["properties"]["oppervlakte_ha"] == pytest.approx(50.0, abs=0.01)


def test_zero_area_polygon(client: TestClient) -> None:
    # Collinear in RD (a parallel in CRS84 is no straight line in RD: that is a thin sliver).
    flat = [[174_000, 448_000], [175_000, 448_000], [176_000, 448_000], [174_000, 448_000]]
    error = _only_error(_refused(client, _polygon([flat]), headers=RD_HEADERS))
    assert error["code"] == "geen_oppervlakte"


def test_all_invalid_fields_are_listed(client: TestClient) -> None:
    props = {
        "titel": "",
        "thema": "onbekend",
        "trekker": "koning",
        "status": "klaar",
        "horizon": 1800,
        "ruimtevraag_ha": -1,
        "titl": "typo",
    }
    swapped = [[lat, lon] for lon, lat in SQUARE_84]
    problem = _refused(client, feature({"type": "Polygon", "coordinates": [swapped]}, **props))
    names = {e["name"]: e for e in problem["errors"]}
    assert set(names) == {
        "properties.titel",
        "properties.thema",
        "properties.trekker",
        "properties.status",
        "properties.horizon",
        "properties.ruimtevraag_ha",
        "properties.titl",
        "geometry",
    }
    assert "kies uit" in names["properties.trekker"]["reason"]
    assert names["properties.titl"]["reason"] == "Onbekend veld."
    assert "2000" in names["properties.horizon"]["reason"]


def test_unknown_thema_lists_the_known_ones(client: TestClient) -> None:
    error = _only_error(_refused(client, feature(EDE, **opgave_properties(thema="ruimtevaart"))))
    assert error["name"] == "properties.thema"
    assert "wonen" in error["reason"] and "ruimtevaart" in error["reason"]


def test_required_properties(client: TestClient) -> None:
    problem = _refused(client, feature(EDE))
    assert {e["name"] for e in problem["errors"]} == {
        "properties.titel",
        "properties.thema",
        "properties.trekker",
        "properties.status",
    }
    assert all(e["reason"] == "Dit veld is verplicht." for e in problem["errors"])


def test_horizon_must_be_an_integer(client: TestClient) -> None:
    for value in ("2030", 2030.5):
        error = _only_error(_refused(client, feature(EDE, **opgave_properties(horizon=value))))
        assert error["name"] == "properties.horizon"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{niet json", "json_invalid"),
        (b"", "verplicht"),
        (b"[1, 2]", "geen_feature"),
    ],
)
def test_malformed_bodies(client: TestClient, body: bytes, code: str) -> None:
    assert _only_error(_refused(client, body))["code"] == code


def test_wrong_media_type(client: TestClient) -> None:
    response = client.post(
        "/api/v1/opgaven",
        content=b"titel=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["name"] == "Content-Type"


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("crs", "http://www.opengis.net/def/crs/EPSG/0/4326"),
        ("bbox-crs", "EPSG:3857"),
    ],
)
def test_unsupported_crs_parameters(client: TestClient, param: str, value: str) -> None:
    response = client.get("/api/v1/opgaven", params={param: value, "bbox": "5,52,6,53"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["name"] == param and error["code"] == "crs_niet_ondersteund"


def test_unsupported_content_crs(client: TestClient) -> None:
    problem = _refused(
        client,
        feature(EDE, **opgave_properties()),
        headers={"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/3857>"},
    )
    assert problem["errors"][0]["name"] == "Content-Crs"


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "6,52,5,53", "5,52,6,nan"])
def test_bad_bbox(client: TestClient, bbox: str) -> None:
    response = client.get("/api/v1/opgaven", params={"bbox": bbox})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "bbox"


def test_body_size_limit(client: TestClient, settings: Any) -> None:
    settings.max_body_bytes = 2_000
    ring = [list(c) for c in from_rd(EDE.buffer(300, quad_segs=50).exterior, CRS84).coords]
    problem = _refused(client, _polygon([ring]), status=413)
    assert problem["errors"][0]["code"] == "te_groot"


def _spiral(turns: int, vertices: int, spread_m: float) -> Polygon:
    """A spiral whose turns lie `spread_m / turns` apart, closed across all of them."""
    t = np.linspace(0, 2 * np.pi * turns, vertices)
    r = 50 + spread_m * t / t[-1]
    ring = np.column_stack([174_500 + r * np.cos(t), 448_500 + r * np.sin(t)])
    return Polygon(np.vstack([ring, ring[:1]]))


def _peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if "VmHWM" in line) / 1024


def test_a_repair_beyond_its_budget_is_refused_and_costs_the_server_nothing(
    settings: Settings, session: Any, database_url: str
) -> None:
    # 4,000 vertices in 80 turns half a millimetre apart: GEOS needs about 10 s and 1 GB to
    # repair it. The repair runs in a process of its own, stopped after a second.
    app = app_on(session, settings, database_url, repair_seconds=1.0, repair_memory_mb=256)
    spiral = _spiral(80, 4_000, 0.04)
    before = _peak_mb()
    with TestClient(app) as client:
        started = time.monotonic()
        response = client.post("/api/v1/stapeling", json=mapping(spiral), headers=RD_HEADERS)
        elapsed = time.monotonic() - started
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == "herstel_te_zwaar"
    assert elapsed < 5
    assert _peak_mb() - before < 100  # the work was done elsewhere


def test_an_ordinary_repair_still_runs_within_the_budget(client: TestClient) -> None:
    spiral = _spiral(10, 2_000, 2_000.0)  # invalid (closed across its turns), quick to repair
    body = {"type": "Feature", "geometry": mapping(spiral), "properties": opgave_properties()}
    response = client.post("/api/v1/opgaven", json=body, headers=RD_HEADERS)
    assert response.status_code == 201, response.text
    assert response.json()["meldingen"][0]["code"] == "geometrie_hersteld"


def test_positions_of_mixed_dimensions_are_refused(client: TestClient) -> None:
    ring = [[5.70, 52.03], [5.71, 52.03, 0.0], [5.71, 52.04], [5.70, 52.04], [5.70, 52.03]]
    error = _only_error(_refused(client, _polygon([ring])))
    assert error["code"] == "gemengde_dimensies" and error["name"] == "geometry.coordinates"
    drawn = client.post("/api/v1/stapeling", json={"type": "Polygon", "coordinates": [ring]})
    assert drawn.status_code == 400 and "gemengd" in drawn.text
    holes = [
        SQUARE_84,
        [[5.702, 52.032, 1.0], [5.703, 52.032, 1.0], [5.703, 52.033, 1.0], [5.702, 52.032, 1.0]],
    ]
    assert _only_error(_refused(client, _polygon(holes)))["code"] == "gemengde_dimensies"


@pytest.mark.parametrize(
    ("field", "value", "teken"),
    [
        ("titel", "Woningbouw \x1b[31mEde", "U+001B"),
        ("titel", "Zoekgebied \u202eniwdniw", "U+202E"),
        ("beschrijving", "regel\x07bel", "U+0007"),
        ("bron", "kaart\u2066x", "U+2066"),
    ],
)
def test_hidden_characters_are_refused(
    client: TestClient, field: str, value: str, teken: str
) -> None:
    body = feature(EDE, **opgave_properties(**{field: value}))
    error = _only_error(_refused(client, body))
    assert error["code"] == "verborgen_teken" and teken in error["reason"]
    assert error["name"] == f"properties.{field}"


def test_tabs_and_line_breaks_stay_in_a_beschrijving(client: TestClient) -> None:
    body = feature(EDE, **opgave_properties(beschrijving="eerste regel\n\tingesprongen"))
    assert client.post("/api/v1/opgaven", json=body).status_code == 201


def test_a_key_twice_is_refused(client: TestClient) -> None:
    body = '{"type": "Feature", "geometry": null, "properties": {"titel": "a", "titel": "b"}}'
    error = _only_error(_refused(client, body))
    assert error["code"] == "dubbele_sleutel" and "'titel'" in error["reason"]


@pytest.mark.parametrize("crs", [CRS84, RD], ids=["crs84", "rd"])
def test_a_page_of_geometries_is_written_as_one_at_a_time(crs: Crs) -> None:
    # A list is transformed at once and written by GEOS; it must read as each alone does.
    rng = np.random.default_rng(7)
    geoms = []
    for _ in range(300):
        centre = rng.uniform((13_000, 306_000), (278_000, 619_000))
        hull = shapely.MultiPoint(centre + rng.uniform(-500, 500, (30, 2))).convex_hull
        geoms.append(shapely.MultiPolygon([shapely.set_precision(hull, 0.001)]))
    assert json.dumps(to_geojsons(geoms, crs)) == json.dumps([to_geojson(g, crs) for g in geoms])
