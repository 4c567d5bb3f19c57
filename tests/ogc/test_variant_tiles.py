"""Vector tiles of a variant's stapeling (`variant` on the stapeling collection): its faces, an
ETag and a kept tile that follow every change of the variant, and no faces lost to a race."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.ogc import tile_service
from gebiedsregie.stapeling import compute
from gebiedsregie.stapeling import service as stapeling_service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie, Situatie
from gebiedsregie.varianten.stapeling import VariantSituatie
from tests.factories import make_gebied, make_opgave
from tests.ogc.test_tiles import features, get_tile, tile_of
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant, wijzig

# Zoom 9 (about 78 km a side): the whole gebied (10 km around Ede) in one tile.
TILE = tile_of(175_000, 450_000, 9)


def themas(response: Response) -> list[str]:
    return sorted(f["properties"]["themas"] for f in features(response, "stapeling"))


def variant_tile(
    client: TestClient, variant: str, headers: dict[str, str] | None = None, **params: Any
) -> Response:
    return get_tile(
        client, "stapeling", TILE, params={"variant": variant, **params}, headers=headers
    )


def test_the_tile_of_a_variant_holds_its_faces(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    register = get_tile(client, "stapeling", TILE)
    assert themas(register) == ["energie", "natuur", "natuur,wonen", "wonen"]
    # A variant without changes has the register's faces, under an ETag of its own.
    same = variant_tile(client, variant)
    assert themas(same) == themas(register)
    assert same.headers["etag"] != register.headers["etag"]

    assert laat_weg(client, variant, opgaven["wonen"]).status_code == 200
    without = variant_tile(client, variant)
    assert themas(without) == ["energie", "natuur"]
    # The faces of the OGC items of the variant.
    items = client.get("/ogc/collections/stapeling/items", params={"variant": variant}).json()
    assert sorted(f["properties"]["nr"] for f in features(without, "stapeling")) == sorted(
        f["properties"]["nr"] for f in items["features"]
    )
    assert {f["properties"]["gebied"] for f in features(without, "stapeling")} == {"ede"}
    # With the gebied named, and min_aantal: as for the register.
    assert themas(variant_tile(client, variant, gebied="ede")) == themas(without)
    assert variant_tile(client, variant, min_aantal=2).status_code == 204
    # The register's tile did not change.
    assert get_tile(client, "stapeling", TILE).headers["etag"] == register.headers["etag"]
    # Far from the gebied: empty.
    far = get_tile(client, "stapeling", (9, 0, 0), params={"variant": variant})
    assert far.status_code == 204

    # A variant is read with an account; the register is not.
    assert variant_tile(anonymous_client, variant).status_code == 401
    assert get_tile(anonymous_client, "stapeling", TILE).status_code == 200


def test_bad_variants_are_refused(client: TestClient, session: Session) -> None:
    gebied_met_opgaven(session)
    make_gebied(session, box(190_000, 445_000, 195_000, 450_000), slug="elders", naam="Elders")
    session.commit()
    variant = maak_variant(client)["id"]
    cases = [
        ("stapeling", {"variant": "abc"}, 400, ["variant"]),
        ("stapeling", {"variant": "00000000-0000-4000-8000-000000000000"}, 404, ["variant"]),
        ("stapeling", {"variant": variant, "gebied": "elders"}, 400, ["variant"]),
        # Only the stapeling takes a variant.
        ("opgaven", {"variant": variant}, 400, ["variant"]),
        ("gebieden", {"variant": variant}, 400, ["variant"]),
    ]
    for collection, params, status, names in cases:
        answer = get_tile(client, collection, TILE, params=params)
        assert answer.status_code == status, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["name"] for e in answer.json()["errors"]] == names
    # The tileset names the filter.
    tileset = client.get("/ogc/collections/stapeling/tiles/NetherlandsRDNewQuad").json()
    assert "variant" in tileset["filters"]


def test_every_change_of_the_variant_is_a_new_tile(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[int, int, int]] = []
    tile = tile_service.tile

    def counted(*args: Any) -> bytes:
        made.append((args[2].z, args[2].col, args[2].row))
        return tile(*args)

    monkeypatch.setattr(tile_service, "tile", counted)
    _gebied, opgaven = gebied_met_opgaven(session)
    variant, other = maak_variant(client)["id"], maak_variant(client, naam="Tweede")["id"]
    first = variant_tile(client, variant)
    etag = first.headers["etag"]
    again = variant_tile(client, variant)
    assert again.headers["etag"] == etag and again.content == first.content
    assert len(made) == 1  # kept under its ETag
    assert variant_tile(client, variant, headers={"If-None-Match": etag}).status_code == 304
    # Another variant, even with the same faces, has tiles of its own.
    assert variant_tile(client, other).headers["etag"] != etag and len(made) == 2

    # A change of the variant: a new ETag, and the tile made anew from the changed variant.
    assert laat_weg(client, variant, opgaven["natuur"]).status_code == 200
    changed = variant_tile(client, variant, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert themas(changed) == ["energie", "wonen"] and len(made) == 3
    # Its change changed: again.
    groter = box(170_500, 445_500, 173_500, 448_500)
    assert wijzig(client, variant, opgaven["wonen"], geom=groter).status_code == 200
    bigger = variant_tile(client, variant, headers={"If-None-Match": changed.headers["etag"]})
    assert bigger.status_code == 200 and len(made) == 4
    assert themas(bigger) == ["energie", "wonen"]
    # The other variant saw none of it.
    assert variant_tile(client, other).status_code == 200 and len(made) == 4

    # A register edit in the gebied changes every variant's tile too.
    before = variant_tile(client, other).headers["etag"]
    make_opgave(
        session, box(176_000, 446_000, 177_000, 447_000), titel="Nieuw", thema="water-bodem"
    )
    session.commit()
    after = variant_tile(client, other, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["etag"] != before
    assert "water-bodem" in themas(after)


@pytest.mark.parametrize("of_variant", [False, True])
def test_a_stapeling_stored_meanwhile_by_another_request_is_in_the_tile(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch, of_variant: bool
) -> None:
    """Tiles come many at once: while one request computes a stapeling, another stores the
    same first. Ours is then not kept; the tile must still show the stored one (an empty tile
    under the current ETag would stay, here and in the client)."""
    gebied, _opgaven = gebied_met_opgaven(session)
    params = {"variant": maak_variant(client)["id"]} if of_variant else {}
    situatie: Situatie = (
        VariantSituatie.of(session, gebied, params["variant"])
        if of_variant
        else HuidigeSituatie(gebied)
    )
    analyse = compute.analyse

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(compute, "analyse", analyse)
        other = stapeling_service.stored(session, situatie, StapelingFilter())  # stored first
        assert other.stapeling_id is not None
        return analyse(*args, **kwargs)

    monkeypatch.setattr(compute, "analyse", meanwhile)
    response = get_tile(client, "stapeling", TILE, params=params)
    assert compute.analyse is analyse  # the race happened
    assert themas(response) == ["energie", "natuur", "natuur,wonen", "wonen"]
