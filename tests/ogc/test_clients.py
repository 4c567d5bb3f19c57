"""Clients no one here wrote read the OGC API: GDAL's OAPIF driver and OWSLib."""

import json
from typing import Any
from urllib.parse import quote
from urllib.request import urlopen

import pyogrio
import pytest
from owslib.ogcapi.features import Features

VOORBEELDGEBIEDEN = ("food-valley", "zuidoost-drenthe", "chemelot")


def fetch(url: str) -> Any:
    with urlopen(url) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def expected(live_process_url: str) -> dict[str, int]:
    """numberMatched of every collection, as the API itself reports it."""
    collections = fetch(f"{live_process_url}/ogc/collections")["collections"]
    return {
        c["id"]: fetch(f"{live_process_url}/ogc/collections/{c['id']}/items?limit=1")[
            "numberMatched"
        ]
        for c in collections
    }


def test_gdal_lists_and_reads_every_collection(
    live_process_url: str, expected: dict[str, int]
) -> None:
    source = f"OAPIF:{live_process_url}/ogc"
    layers = dict(pyogrio.list_layers(source))
    assert set(layers) == set(expected)
    assert layers["gebieden"] == "MultiPolygon"
    for name, count in expected.items():
        frame = pyogrio.read_dataframe(source, layer=name)
        assert len(frame) == count, name
        assert frame.crs.to_epsg() == 28992  # GDAL asks for the storage CRS
    opgaven = pyogrio.read_dataframe(source, layer="opgaven")
    assert expected["opgaven"] == 53
    assert set(opgaven["thema"]) >= {"wonen", "natuur", "energie"}
    assert opgaven.area.min() > 0
    gebieden = pyogrio.read_dataframe(source, layer="gebieden")
    assert set(gebieden["slug"]) == set(VOORBEELDGEBIEDEN)
    # Its areas agree with ours (GDAL read the geometry in RD, metres).
    for _, row in gebieden.iterrows():
        assert row.geometry.area / 10_000 == pytest.approx(row["oppervlakte_ha"], rel=1e-6)


def test_gdal_spatial_filter_pages_through_bbox(live_process_url: str) -> None:
    source = f"OAPIF:{live_process_url}/ogc"
    food_valley = fetch(
        f"{live_process_url}/ogc/collections/gebieden/items/food-valley?crs=EPSG:28992"
    )
    xs = [p[0] for ring in food_valley["geometry"]["coordinates"][0] for p in ring]
    ys = [p[1] for ring in food_valley["geometry"]["coordinates"][0] for p in ring]
    bbox = (min(xs), min(ys), max(xs), max(ys))
    inside = pyogrio.read_dataframe(source, layer="opgaven", bbox=bbox)
    assert 0 < len(inside) < 53
    assert "food-valley" in ",".join(str(v) for v in inside["gebieden"])


def test_owslib_reads_the_same(live_process_url: str, expected: dict[str, int]) -> None:
    api = Features(f"{live_process_url}/ogc")
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )
    ids = [c["id"] for c in api.collections()["collections"]]
    assert set(ids) == set(expected)
    for name in ("gebieden", "opgaven-wonen", "stapeling"):
        collection = api.collection(name)
        assert collection["storageCrs"].endswith("/28992")
        items = api.collection_items(name, limit=10_000)
        assert items["numberMatched"] == expected[name]
        assert len(items["features"]) == expected[name]
    queryables_free = api.collection_items("opgaven", limit=5, thema="natuur")
    assert {f["properties"]["thema"] for f in queryables_free["features"]} == {"natuur"}


def test_gdal_reads_a_referentielaag(live_process_url: str) -> None:
    """The seeded Natura 2000 laag: listed, read whole with its attributes as columns, and
    cut by a bbox to what meets Food Valley."""
    source = f"OAPIF:{live_process_url}/ogc"
    layer = "referentielaag-natura-2000"
    assert dict(pyogrio.list_layers(source))[layer] in ("MultiPolygon", "Polygon", "Unknown")
    info = fetch(f"{live_process_url}/ogc/collections/{layer}")
    assert "RVO / PDOK" in info["attribution"]
    natura = pyogrio.read_dataframe(source, layer=layer)
    matched = fetch(f"{live_process_url}/ogc/collections/{layer}/items?limit=1")["numberMatched"]
    assert len(natura) == matched == 156  # 160 in the source, 4 in the EEZ left out
    assert natura.crs.to_epsg() == 28992
    assert {"naam", "extern_id", "bescherming", "sitecode_hr"} <= set(natura.columns)
    assert "Veluwe" in set(natura["naam"])
    food_valley = fetch(
        f"{live_process_url}/ogc/collections/gebieden/items/food-valley?crs=EPSG:28992"
    )
    xs = [p[0] for ring in food_valley["geometry"]["coordinates"][0] for p in ring]
    ys = [p[1] for ring in food_valley["geometry"]["coordinates"][0] for p in ring]
    inside = pyogrio.read_dataframe(source, layer=layer, bbox=(min(xs), min(ys), max(xs), max(ys)))
    assert "Veluwe" in set(inside["naam"]) and 0 < len(inside) < 20


def test_gdal_pushes_a_filter_to_the_server(live_process_url: str, tmp_path: Any) -> None:
    """GDAL (3.12) finds `filter` and `filter-lang` (with cql-text, its name for CQL text) in
    the OpenAPI document and sends the part of an attribute filter on parameters it knows
    (thema) to the server: its HTTP log shows `filter=` in the items requests. What it reads
    is what the server answers to the whole filter."""
    log = tmp_path / "gdal.log"
    source = f"OAPIF:{live_process_url}/ogc"
    where = "thema = 'wonen' AND horizon <= 2030"
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON", "CPL_LOG": str(log)})
    try:
        frame = pyogrio.read_dataframe(source, layer="opgaven", where=where)
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None, "CPL_LOG": None})
    requests = [
        line for line in log.read_text(errors="replace").splitlines()
        if "/collections/opgaven/items" in line and "filter=" in line
    ]  # fmt: skip
    assert requests, "GDAL did not send the filter to the server"
    flt = quote("thema = 'wonen' AND horizon <= 2030")
    answer = fetch(f"{live_process_url}/ogc/collections/opgaven/items?limit=1&filter={flt}")
    assert len(frame) == answer["numberMatched"] > 0
    assert set(frame["thema"]) == {"wonen"} and frame["horizon"].max() <= 2030


def test_owslib_filters_and_reads_queryables(live_process_url: str) -> None:
    api = Features(f"{live_process_url}/ogc")
    conforms = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in conforms
    queryables = api.collection_queryables("opgaven")["properties"]
    assert queryables["horizon"]["type"] == ["integer", "null"]
    assert queryables["geometry"]["x-ogc-role"] == "primary-geometry"
    text = api.collection_items("opgaven", limit=100, filter="thema = 'natuur'")
    as_json = api.collection_items(
        "opgaven",
        limit=100,
        **{
            "filter": json.dumps({"op": "=", "args": [{"property": "thema"}, "natuur"]}),
            "filter-lang": "cql2-json",
        },
    )
    assert text["numberMatched"] == as_json["numberMatched"] > 0
    assert {f["properties"]["thema"] for f in text["features"]} == {"natuur"}
    assert [f["id"] for f in text["features"]] == [f["id"] for f in as_json["features"]]
