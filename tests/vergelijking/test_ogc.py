"""The OGC `stapeling` collection filtered by variant."""

from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy.orm import Session

from tests.factories import make_gebied
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant

ITEMS = "/ogc/collections/stapeling/items"


def test_the_faces_of_a_variant(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    wonen = str(opgaven["wonen"].id)
    variant = maak_variant(client)["id"]
    assert laat_weg(client, variant, opgaven["wonen"]).status_code == 200

    register = client.get(ITEMS, params={"gebied": "ede", "limit": 100}).json()
    assert wonen in {o for f in register["features"] for o in f["properties"]["opgaven"]}
    answer = client.get(ITEMS, params={"variant": variant, "limit": 100})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["numberMatched"] == len(body["features"]) == 2  # natuur and energie
    assert wonen not in {o for f in body["features"] for o in f["properties"]["opgaven"]}
    first = body["features"][0]
    assert first["id"] == f"ede.{variant}.0"
    assert first["properties"]["variant"] == variant and first["properties"]["gebied"] == "ede"
    # The same with the gebied named, one face at a time, and as a single item.
    page = client.get(ITEMS, params={"variant": variant, "gebied": "ede", "limit": 1}).json()
    assert page["features"] == [first] and page["numberMatched"] == 2
    one = client.get(f"{ITEMS}/{first['id']}")
    assert one.status_code == 200, one.text
    assert one.json()["properties"] == first["properties"]
    assert client.get(f"{ITEMS}/ede.{variant}.2").status_code == 404
    assert client.get(f"{ITEMS}/ede.geen-variant.0").status_code == 404
    deep = client.get(ITEMS, params={"variant": variant, "min_aantal": 2}).json()
    assert deep["numberMatched"] == 0

    # A variant is read with an account.
    assert anonymous_client.get(ITEMS, params={"variant": variant}).status_code == 401
    assert anonymous_client.get(f"{ITEMS}/{first['id']}").status_code == 401
    assert anonymous_client.get(ITEMS).status_code == 200


def test_bad_variants_are_refused(client: TestClient, session: Session) -> None:
    gebied_met_opgaven(session)
    make_gebied(session, box(190_000, 445_000, 195_000, 450_000), slug="elders", naam="Elders")
    session.commit()
    variant = maak_variant(client)["id"]
    other = maak_variant(client, naam="Tweede")["id"]
    cases = [
        ({"variant": "abc"}, 400, ["variant"]),
        ({"variant": "00000000-0000-4000-8000-000000000000"}, 404, ["variant"]),
        ({"variant": variant, "gebied": "elders"}, 400, ["variant"]),
        ({"variant": [variant, other]}, 400, ["variant"]),
        ({"variant": variant, "gebied": ["ede", "elders"]}, 400, ["gebied"]),
    ]
    for params, status, names in cases:
        answer = client.get(ITEMS, params=params)
        assert answer.status_code == status, (params, answer.text)
        assert [e["name"] for e in answer.json()["errors"]] == names
    # Only the stapeling collection takes a variant.
    assert (
        client.get("/ogc/collections/opgaven/items", params={"variant": variant}).status_code == 400
    )
