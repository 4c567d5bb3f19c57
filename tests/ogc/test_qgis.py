"""QGIS itself reads the OGC API: Debian's QGIS 3.22 (python3-qgis), headless.

tests/ogc/qgis_check.py runs under Debian's /usr/bin/python3 (python3-qgis is built for it, not
for the venv) against the running app and reports what QGIS did; these tests judge it. `make
test` installs python3-qgis (scripts/setup-system.sh --qgis). What QGIS 3.22 cannot do is pinned
here too, so that a newer QGIS shows up as a failure asking to update docs/beheer.md, where
the same checks are described for QGIS desktop.
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

SYSTEM_PYTHON = Path(os.environ.get("GEBIEDSREGIE_QGIS_PYTHON", "/usr/bin/python3"))
CHECK = Path(__file__).with_name("qgis_check.py")
CQL2 = "thema = 'wonen' AND horizon <= 2030"
FILTER_CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
RENDER_AGREEMENT = 0.8  # pixels painted by both the tiles and the features, of all painted
UPDATE_DOCS = "QGIS learned something: update the QGIS section of docs/beheer.md and this test"


def fetch(url: str) -> Any:
    with urlopen(url) as response:
        return json.loads(response.read())


def items_requests(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in case["requests"] if "/items" in r["url"]]


@pytest.fixture(scope="module")
def qgis(live_process_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What QGIS did against the running app (the report of qgis_check.py)."""
    home = tmp_path_factory.mktemp("qgis")  # QGIS's profile and Qt's runtime dir: 0700
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }  # nothing of the venv, no proxy
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import qgis.core"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        pytest.fail(
            f"{SYSTEM_PYTHON} cannot import qgis ({probe.stderr.strip()[-300:]}): `make test` "
            "installs Debian's python3-qgis and qgis-providers (scripts/setup-system.sh --qgis)"
        )
    report = home / "report.json"
    command = [str(SYSTEM_PYTHON), str(CHECK), live_process_url, CQL2, str(report)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and report.exists(), (
        f"qgis_check.py failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
    )
    return dict(json.loads(report.read_text()))


def test_qgis_is_debians_322(qgis: dict[str, Any]) -> None:
    assert qgis["qgis"].startswith("3.22."), qgis["qgis"]


def test_qgis_reads_every_collection(live_process_url: str, qgis: dict[str, Any]) -> None:
    collections = fetch(f"{live_process_url}/ogc/collections")["collections"]
    assert set(qgis["oapif"]) == {c["id"] for c in collections}
    for name, layer in qgis["oapif"].items():
        matched = fetch(f"{live_process_url}/ogc/collections/{name}/items?limit=1")["numberMatched"]
        assert layer["valid"], (name, layer["messages"])
        assert layer["crs"] == "EPSG:4326", name  # QGIS 3.22 asks for no crs: CRS84
        assert layer["count"] == matched, name  # QGIS shows numberMatched
        assert layer["iterated"] == matched, name
        assert all(r["status"] == 200 for r in layer["requests"]), layer["requests"]
        assert not layer["messages"], layer["messages"]
    # QGIS pages through the larger ones by the next links.
    stapeling = items_requests(qgis["oapif"]["stapeling"])
    assert qgis["oapif"]["stapeling"]["count"] > 100
    assert len(stapeling) > 2 and any("offset=" in r["url"] for r in stapeling), stapeling
    assert qgis["oapif"]["opgaven"]["fields"]["horizon"] == "Integer"
    assert qgis["oapif"]["opgaven"]["fields"]["gewijzigd_op"] == "DateTime"


def test_qgis_filters_opgaven(live_process_url: str, qgis: dict[str, Any]) -> None:
    expected = fetch(f"{live_process_url}/ogc/collections/opgaven/items?limit=1&thema=wonen")[
        "numberMatched"
    ]
    assert 0 < expected < qgis["oapif"]["opgaven"]["count"]

    # The layer's filter as a QGIS expression: QGIS 3.22 downloads everything and filters
    # itself (only DateTime comparisons go to the server, below).
    expression = qgis["filters"]["expression"]
    assert expression["filter_accepted"]
    assert expression["count"] == expression["iterated"] == expected
    assert expression["requests"], "QGIS downloaded nothing for the filtered layer"
    assert not any("thema" in r["url"] for r in expression["requests"]), expression["requests"]

    # A collection filter after `?` in the URL: QGIS sends it with every request, the server
    # filters, and QGIS shows the server's numberMatched.
    parameter = qgis["filters"]["url_parameter"]
    assert parameter["valid"], parameter["messages"]
    assert parameter["count"] == parameter["iterated"] == expected
    assert all(r["status"] == 200 for r in parameter["requests"]), parameter["requests"]
    assert all("thema=wonen" in r["url"] for r in items_requests(parameter))


def test_qgis_cql2_filter(live_process_url: str, qgis: dict[str, Any]) -> None:
    """A CQL2 filter in the URL, the only way QGIS 3.22 sends one: counted right where the
    server claims Part 3 filtering, refused (and so an invalid layer) where it does not."""
    cql2 = qgis["filters"]["cql2"]
    items = items_requests(cql2)
    sent = urlencode({"filter": CQL2, "filter-lang": "cql2-text"})
    assert items and all(sent in r["url"] for r in items), items
    conformance = fetch(f"{live_process_url}/ogc/conformance")["conformsTo"]
    if FILTER_CONFORMANCE in conformance:
        query = urlencode({"filter": CQL2, "filter-lang": "cql2-text", "limit": 1})
        expected = fetch(f"{live_process_url}/ogc/collections/opgaven/items?{query}")[
            "numberMatched"
        ]
        everything = fetch(f"{live_process_url}/ogc/collections/opgaven/items?limit=1000")
        by_hand = [
            f
            for f in everything["features"]
            if f["properties"]["thema"] == "wonen"
            and f["properties"]["horizon"] is not None
            and f["properties"]["horizon"] <= 2030
        ]
        assert expected == len(by_hand) > 0
        assert cql2["valid"], cql2["messages"]
        assert cql2["count"] == cql2["iterated"] == expected
        assert all(r["status"] == 200 for r in cql2["requests"]), cql2["requests"]
    else:
        # Not claimed, so refused: an unknown parameter is a 400, and QGIS says so.
        assert not cql2["valid"]
        assert items[0]["status"] == 400, items
        assert any("Bad Request" in m for m in cql2["messages"]), cql2["messages"]


def test_qgis_sends_datetime_comparisons_to_the_server(
    live_process_url: str, qgis: dict[str, Any]
) -> None:
    """QGIS 3.22 sends a comparison on a DateTime field (here gewijzigd_op) as `datetime`, and
    trusts the answer: the server applies `datetime` to the horizon (the collection's temporal
    property), so the layer shows the opgaven by horizon, not by gewijzigd_op. docs/beheer.md
    warns against such filters in QGIS 3.22."""
    since = qgis["filters"]["datetime_from"]
    sent = "datetime=2020-01-01T00:00:00Z%2F9999-12-31T00:00:00Z"
    assert any(sent in r["url"] for r in items_requests(since)), since["requests"]
    query = "datetime=2020-01-01T00:00:00Z/9999-12-31T00:00:00Z&limit=1"
    expected = fetch(f"{live_process_url}/ogc/collections/opgaven/items?{query}")["numberMatched"]
    assert since["count"] == since["iterated"] == expected
    # The open start QGIS writes (0000-01-01T00:00:00Z) goes to the server the same way, and
    # the server reads it as open (year 0000 is no date to Python).
    until = qgis["filters"]["datetime_until"]
    assert any("datetime=0000-01-01T00:00:00Z%2F" in r["url"] for r in items_requests(until))
    query = "datetime=../2100-01-01T00:00:00Z&limit=1"
    expected = fetch(f"{live_process_url}/ogc/collections/opgaven/items?{query}")["numberMatched"]
    assert until["count"] == until["iterated"] == expected > 0


def test_qgis_shows_the_web_mercator_tiles(qgis: dict[str, Any]) -> None:
    tiles = qgis["tiles"]["WebMercatorQuad"]
    assert tiles["valid"], tiles["messages"]
    assert tiles["template"].endswith("/WebMercatorQuad/{z}/{y}/{x}?f=mvt")  # OGC order
    assert tiles["crs"] == "EPSG:3857"
    statuses = [r["status"] for r in tiles["requests"]]
    assert 200 in statuses and set(statuses) <= {200, 204}, tiles["requests"]
    # The tiles paint where the OAPIF layer paints the same opgaven, in a Web Mercator map and
    # (reprojected by QGIS) in an RD map.
    assert qgis["tiles"]["reference_pixels"] > 1000
    assert tiles["iou"] >= RENDER_AGREEMENT, (tiles["iou"], tiles["pixels"])
    assert tiles["iou_rd_map"] >= RENDER_AGREEMENT, tiles["iou_rd_map"]


def test_qgis_322_cannot_show_the_rd_tiles(qgis: dict[str, Any]) -> None:
    """QGIS 3.22 knows one grid for vector tiles, WebMercatorQuad: given the RD template as
    XYZ it asks for the Web Mercator tile numbers of the view, which are other places (or no
    tiles) in NetherlandsRDNewQuad. Its GDAL 3.6 reads neither tileset through the OGCAPI
    driver (it follows a draft of OGC API Tiles). See docs/beheer.md for QGIS desktop."""
    rd = qgis["tiles"]["NetherlandsRDNewQuad"]
    web = qgis["tiles"]["WebMercatorQuad"]
    assert rd["template"].endswith("/NetherlandsRDNewQuad/{z}/{y}/{x}?f=mvt")
    assert rd["crs"] == "EPSG:3857", UPDATE_DOCS  # the XYZ layer is always Web Mercator
    web_numbers = sorted(r["url"].split("/WebMercatorQuad/")[1] for r in web["requests"])
    rd_numbers = sorted(r["url"].split("/NetherlandsRDNewQuad/")[1] for r in rd["requests"])
    assert rd_numbers == web_numbers, UPDATE_DOCS
    assert rd["iou"] < 0.1 and rd["iou_rd_map"] < 0.1, UPDATE_DOCS
    for tms, layer in qgis["gdal_tiles"].items():
        assert not layer["valid"], (tms, UPDATE_DOCS)
