"""A referentielaag under /ogc: a collection of its own (live lagen only), its objecten as
items (paged, bbox, crs) and as vector tiles whose ETag moves with the laag's versie."""

import json
from pathlib import Path
from typing import Any

import geopandas
import shapely
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD, from_rd
from gebiedsregie.referentielagen import service
from gebiedsregie.referentielagen.service import NieuwObject
from tests.factories import multi
from tests.ogc.test_features import get, rels
from tests.ogc.test_tiles import GRONINGEN, ede_tile, features, get_tile, tile_of
from tests.referentielagen.lagen import VAKKEN, make_laag

COLLECTIE = "referentielaag-beschermd-gebied"
ITEMS = f"/ogc/collections/{COLLECTIE}/items"


def beschermd(session: Session, **fields: Any) -> Any:
    return make_laag(
        session,
        bron="Provincie Gelderland, register 2025",
        licentie="CC BY 4.0",
        omschrijving="Beschermde vlakken rond Ede.",
        **fields,
    )


def test_each_live_referentielaag_is_a_collection(client: TestClient, session: Session) -> None:
    beschermd(session)
    weg = make_laag(session, naam="Oude laag", soort="informatief")
    service.delete_laag(session, weg)
    body = get(client, "/ogc/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert COLLECTIE in ids and "referentielaag-oude-laag" not in ids
    assert ids[-1] == "stapeling"
    collection = get(client, f"/ogc/collections/{COLLECTIE}").json()
    assert collection["title"] == "Beschermd gebied"
    description = collection["description"]
    assert "Beschermde vlakken rond Ede." in description and "sturend" in description
    assert "Provincie Gelderland, register 2025" in description and "CC BY 4.0" in description
    assert collection["attribution"] == "Beschermd gebied: CC BY 4.0"
    assert collection["storageCrs"] == RD.uri
    minx, miny, maxx, maxy = collection["extent"]["spatial"]["bbox"][0]
    objecten = from_rd(shapely.union_all(VAKKEN), CRS84)
    assert shapely.box(minx, miny, maxx, maxy).contains(objecten.buffer(-1e-6))
    assert "temporal" not in collection["extent"]
    page = client.get(f"/ogc/collections/{COLLECTIE}", params={"f": "html"}).text
    assert "Naamsvermelding" in page and "Beschermd gebied: CC BY 4.0" in page
    # A deleted laag keeps its objecten, but is no collection.
    assert client.get("/ogc/collections/referentielaag-oude-laag").status_code == 404
    assert client.get("/ogc/collections/referentielaag-oude-laag/items").status_code == 404


def test_its_objecten_are_items_paged_with_bbox_and_crs(
    client: TestClient, session: Session
) -> None:
    laag = beschermd(session)
    first = get(client, ITEMS, limit=2).json()
    assert (first["numberMatched"], first["numberReturned"]) == (3, 2)
    assert "next" in rels(first)
    second = client.get(rels(first)["next"][0]["href"]).json()
    names = [f["properties"]["naam"] for f in first["features"] + second["features"]]
    assert names == ["Object 1", "Object 2", "Object 3"]
    # The source's attributes are properties of their own (GDAL makes columns of them).
    assert first["features"][0]["properties"] == {
        "naam": "Object 1",
        "extern_id": "1",
        "nr": 1,
        "klasse": "A",
    }
    # bbox in RD: only the square apart, east; its coordinates back in RD.
    body = get(
        client, ITEMS, bbox="176900,447900,177500,448500", **{"bbox-crs": RD.uri, "crs": RD.uri}
    ).json()
    [apart] = body["features"]
    assert apart["properties"]["naam"] == "Object 3"
    assert shape(apart["geometry"]).equals_exact(multi(VAKKEN[2]), 1e-3)
    # One item; not of another laag, nor an id that is none.
    one = get(client, f"{ITEMS}/{apart['id']}", crs=RD.uri).json()
    assert one["properties"]["naam"] == "Object 3"
    ander = make_laag(session, naam="Ander", objecten=[box(180_000, 450_000, 181_000, 451_000)])
    [vreemd] = get(client, "/ogc/collections/referentielaag-ander/items").json()["features"]
    assert client.get(f"{ITEMS}/{vreemd['id']}").status_code == 404
    assert client.get(f"{ITEMS}/geen-uuid").status_code == 404
    assert client.get(ITEMS, params={"thema": "wonen"}).status_code == 400
    assert laag.id != ander.id


def test_its_tiles_hold_the_objecten_with_their_attributes(
    client: TestClient, session: Session
) -> None:
    beschermd(session)
    response = get_tile(client, COLLECTIE, ede_tile(12))
    found = features(response, COLLECTIE)
    assert {f["properties"]["naam"] for f in found} >= {"Object 1", "Object 2"}
    first = next(f for f in found if f["properties"]["naam"] == "Object 1")
    assert set(first["properties"]) == {"id", "naam", "extern_id", "eigenschappen"}
    assert json.loads(first["properties"]["eigenschappen"]) == {"nr": 1, "klasse": "A"}
    assert get_tile(client, COLLECTIE, tile_of(*GRONINGEN, 12)).status_code == 204
    tileset = get(client, f"/ogc/collections/{COLLECTIE}/tiles/WebMercatorQuad").json()
    assert tileset["layers"][0]["id"] == COLLECTIE
    assert tileset["filters"] == []


def etag_of(client: TestClient, collection: str = COLLECTIE) -> str:
    return str(get_tile(client, collection, ede_tile(12)).headers["etag"])


def test_the_tile_etag_moves_with_an_import_and_an_edit(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    laag = beschermd(session)
    ander = make_laag(session, naam="Ander", soort="informatief")
    before, other = etag_of(client), etag_of(client, "referentielaag-ander")
    assert etag_of(client) == before  # stable while nothing changes

    # Re-imported through the API: other objecten, a new ETag, and no stale tile from the cache.
    path = tmp_path / "nieuw.geojson"
    nieuw = geopandas.GeoDataFrame(
        {"naam": ["Vervangen"]}, geometry=[box(174_200, 448_200, 174_800, 448_800)], crs=28992
    )
    nieuw.to_file(path, driver="GeoJSON")
    with path.open("rb") as file:
        imported = client.post(
            "/api/v1/import",
            files={"bestand": ("nieuw.geojson", file)},
            data={"referentielaag": laag.slug},
        )
    assert imported.status_code == 200, imported.text
    after_import = get_tile(client, COLLECTIE, ede_tile(12), headers={"If-None-Match": before})
    assert after_import.status_code == 200
    assert after_import.headers["etag"] != before
    assert [f["properties"]["naam"] for f in features(after_import, COLLECTIE)] == ["Vervangen"]
    # Another laag's tiles did not change.
    assert etag_of(client, "referentielaag-ander") == other

    # An edit of the laag (its versie) also gives a new ETag.
    edited = client.patch(f"/api/v1/referentielagen/{laag.slug}", json={"kleur": "#1b5e20"})
    assert edited.status_code == 200, edited.text
    assert etag_of(client) not in {before, after_import.headers["etag"]}

    # Replaced by the service, as the seed and the CLI do: new again.
    current = etag_of(client)
    service.replace_objecten(
        session, laag, [[NieuwObject(multi(box(174_000, 448_000, 174_100, 448_100)), "Klein")]]
    )
    assert etag_of(client) != current
    # Deleted: no tiles any more.
    service.delete_laag(session, laag)
    assert get_tile(client, COLLECTIE, ede_tile(12)).status_code == 404
    assert ander.verwijderd_op is None
