"""The seed: idempotent, and the voorbeeldgebieden true to the CBS boundaries they come from."""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, to_rd
from gebiedsregie.gebieden.models import Gebied, Gemeente
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.seed import _gemeente_shapes, seed
from tests.conftest import GEODATA, ROOT

SOURCE = ROOT.parent / "shared" / "geodata" / "gemeenten_2024.geojson"
SOURCE_DIGEST = "e1dad59d69eae58f73aa2257f870f4eeb79d38861b133be39b82380ac6e80e79"
EXPECTED = {
    "food-valley": [
        "Barneveld",
        "Ede",
        "Nijkerk",
        "Renswoude",
        "Rhenen",
        "Scherpenzeel",
        "Veenendaal",
        "Wageningen",
    ],
    "zuidoost-drenthe": ["Emmen", "Coevorden", "Borger-Odoorn"],
    "chemelot": ["Sittard-Geleen", "Stein (L.)", "Beek (L.)"],
}


@cache
def gemeente_shapes() -> dict[str, tuple[str, str, Any]]:
    return _gemeente_shapes(GEODATA)


def _source_features() -> list[dict[str, Any]]:
    # The shipped copy equals the source (test_shipped_gemeenten_equal_the_source).
    path = GEODATA / "gemeenten_2024.geojson"
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(m))  # type: ignore[return-value]
        for m in (Gemeente, Gebied, Opgave)
    )


def test_seed_twice_changes_nothing(session: Session) -> None:
    first = seed(session, GEODATA)
    assert first.gemeenten == 342 and first.gebieden == 3 and first.opgaven >= 36
    counts = _counts(session)
    versions = dict(session.execute(select(Opgave.extern_id, Opgave.versie)).all())
    second = seed(session, GEODATA)
    assert (second.gemeenten, second.gebieden, second.opgaven) == (0, 0, 0)
    assert _counts(session) == counts
    assert dict(session.execute(select(Opgave.extern_id, Opgave.versie)).all()) == versions


def test_seed_keeps_a_planners_edit(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    gebied = client.get("/api/v1/gebieden/chemelot").json()
    client.patch(
        f"/api/v1/gebieden/{gebied['id']}",
        json={"type": "Feature", "properties": {"beschrijving": "Bijgewerkt."}},
    )
    seed(session, GEODATA)
    assert (
        client.get("/api/v1/gebieden/chemelot").json()["properties"]["beschrijving"]
        == "Bijgewerkt."
    )


def test_seed_leaves_deleted_things_deleted(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    opgave = client.get("/api/v1/opgaven", params={"gebied": "chemelot", "limit": 1}).json()
    assert client.delete(f"/api/v1/opgaven/{opgave['features'][0]['id']}").status_code == 204
    assert client.delete("/api/v1/gebieden/chemelot").status_code == 204
    again = seed(session, GEODATA)
    assert (again.gebieden, again.opgaven) == (0, 0)
    assert client.get("/api/v1/gebieden/chemelot").status_code == 410


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_gebied_matches_its_source_gemeenten(
    client: TestClient, session: Session, slug: str
) -> None:
    seed(session, GEODATA)
    props = client.get(f"/api/v1/gebieden/{slug}").json()["properties"]
    assert sorted(props["gemeenten"]) == sorted(EXPECTED[slug])
    assert props["soort"] == "voorbeeldgebied"
    assert "CBS" in props["bron"]

    source = [f for f in _source_features() if f["properties"]["statnaam"] in EXPECTED[slug]]
    assert len(source) == len(EXPECTED[slug])
    source_ha = sum(to_rd(shape(f["geometry"]), CRS84).area for f in source) / 10_000
    assert props["oppervlakte_ha"] == pytest.approx(source_ha, rel=1e-4)

    # And the outline is the union of those gemeenten, not just of the same size.
    union = shapely.union_all([to_rd(shape(f["geometry"]), CRS84) for f in source])
    stored = to_rd(shape(client.get(f"/api/v1/gebieden/{slug}").json()["geometry"]), CRS84)
    assert stored.symmetric_difference(union).area / union.area < 1e-5


def test_provincies_of_the_voorbeeldgebieden(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    provincies = {
        slug: client.get(f"/api/v1/gebieden/{slug}").json()["properties"]["provincies"]
        for slug in EXPECTED
    }
    assert provincies == {
        "food-valley": ["Gelderland", "Utrecht"],
        "zuidoost-drenthe": ["Drenthe"],
        "chemelot": ["Limburg"],
    }


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_gebied_has_overlapping_illustrative_opgaven(
    client: TestClient, session: Session, slug: str
) -> None:
    seed(session, GEODATA)
    features = client.get("/api/v1/opgaven", params={"gebied": slug, "limit": 1000}).json()[
        "features"
    ]
    assert len(features) >= 12
    assert len({f["properties"]["thema"] for f in features}) >= 6
    assert all("llustratief" in f["properties"]["bron"] for f in features)
    shapes = [to_rd(shape(f["geometry"]), CRS84) for f in features]
    # Claims overlap as real ones do: somewhere at least three meet.
    overlaps = sum(
        1 for i, a in enumerate(shapes) for b in shapes[i + 1 :] if a.intersection(b).area > 10_000
    )
    assert overlaps >= 5
    # Believable shapes: not boxes.
    assert all(shapely.get_num_coordinates(s) > 12 for s in shapes)


def _boundary_digest(path: Path) -> str:
    digest = hashlib.sha256()
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    for f in sorted(features, key=lambda f: f["properties"]["statcode"]):
        props = f["properties"]
        item = [props["statcode"], props["statnaam"], f["geometry"]]
        digest.update(json.dumps(item, separators=(",", ":")).encode())
    return digest.hexdigest()


def test_shipped_gemeenten_equal_the_source() -> None:
    # Geometry, codes and names as in ../shared/geodata (whose digest this is); we only added
    # `provincie`. Where the shared folder is beside the checkout, it is compared directly too.
    shipped = GEODATA / "gemeenten_2024.geojson"
    assert _boundary_digest(shipped) == SOURCE_DIGEST
    if SOURCE.exists():
        assert _boundary_digest(SOURCE) == SOURCE_DIGEST
    data = json.loads(shipped.read_text(encoding="utf-8"))
    assert len(data["features"]) == 342
    assert "CBS" in data["attribution"]
    assert all(f["properties"]["provincie"] for f in data["features"])


def test_provincie_outlines_for_the_maps(client: TestClient, session: Session) -> None:
    seed(session, GEODATA)
    response = client.get("/api/v1/provincies")
    assert response.status_code == 200
    assert response.headers["content-crs"] == f"<{CRS84.uri}>"
    features = response.json()["features"]
    assert len(features) == 12
    by_name = {f["properties"]["naam"]: f for f in features}
    assert sum(f["properties"]["aantal_gemeenten"] for f in features) == 342
    assert by_name["Utrecht"]["properties"]["aantal_gemeenten"] == 26
    assert "CBS" in by_name["Utrecht"]["properties"]["bron"]
    # Simplified, yet the same province: areas within 1% of the gemeenten's union.
    rd = client.get("/api/v1/provincies", params={"crs": RD.uri}).json()["features"]
    drenthe = next(shape(f["geometry"]) for f in rd if f["properties"]["naam"] == "Drenthe")
    exact = session.scalar(
        select(func.sum(func.ST_Area(Gemeente.geom))).where(Gemeente.provincie == "Drenthe")
    )
    assert drenthe.area == pytest.approx(exact, rel=0.01)
