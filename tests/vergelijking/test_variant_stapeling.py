"""The stapeling of a variant through the API: its opgaven, stored like the register's, and
stale after a change of the variant or of a register opgave it sees."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy.orm import Session

from tests.factories import RD_URI, make_gebied, make_opgave
from tests.varianten.common import BUITEN, gebied_met_opgaven, laat_weg, maak_variant, wijzig

RD = {"crs": RD_URI}


def stapeling(client: TestClient, variant: str | None = None, **params: Any) -> Any:
    if variant is not None:
        params["variant"] = variant
    answer = client.get("/api/v1/gebieden/ede/stapeling", params={**RD, **params})
    assert answer.status_code == 200, answer.text
    return answer


def opgaven_in(answer: Any) -> set[str]:
    return {o for f in answer.json()["features"] for o in f["properties"]["opgaven"]}


def bedekt_m2(answer: Any) -> float:
    return float(sum(shape(f["geometry"]).area for f in answer.json()["features"]))


def test_a_variants_stapeling_is_of_its_opgaven_and_stored(
    client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    wonen, natuur = str(opgaven["wonen"].id), str(opgaven["natuur"].id)
    variant = maak_variant(client)["id"]
    assert laat_weg(client, variant, opgaven["wonen"]).status_code == 200

    first = stapeling(client, variant)
    assert first.headers["gebiedsregie-stapeling"] == "berekend"
    assert first.headers["content-crs"] == f"<{RD_URI}>"
    assert wonen not in opgaven_in(first) and natuur in opgaven_in(first)
    again = stapeling(client, variant)
    assert again.headers["gebiedsregie-stapeling"] == "opgeslagen"
    assert again.json()["features"] == first.json()["features"]
    # The register's own stapeling is another, stored beside it.
    register = stapeling(client)
    assert wonen in opgaven_in(register)
    # natuur (9 km²) and energie (4 km²) alone; the register adds wonen, less its overlap.
    assert bedekt_m2(first) == 13_000_000
    assert bedekt_m2(register) == 13_000_000 + 4_000_000 - 1_000_000

    samenvatting = client.get(
        "/api/v1/gebieden/ede/stapeling/samenvatting", params={"variant": variant}
    )
    assert samenvatting.status_code == 200, samenvatting.text
    assert samenvatting.headers["gebiedsregie-stapeling"] == "opgeslagen"
    assert samenvatting.json()["aantal_opgaven"] == 2
    assert samenvatting.json()["max_diepte"] == 1
    # With a filter: another stored result of the same variant.
    filtered = stapeling(client, variant, thema="natuur")
    assert filtered.headers["gebiedsregie-stapeling"] == "berekend"
    assert opgaven_in(filtered) == {natuur}


def test_a_change_of_the_variant_makes_it_stale(client: TestClient, session: Session) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    stapeling(client, variant)
    assert stapeling(client, variant).headers["gebiedsregie-stapeling"] == "opgeslagen"

    # natuur moved onto wonen's square in the variant.
    moved = wijzig(client, variant, opgaven["natuur"], geom=box(171_000, 446_000, 173_000, 448_000))
    assert moved.status_code == 200, moved.text
    after = stapeling(client, variant)
    assert after.headers["gebiedsregie-stapeling"] == "berekend"
    assert max(f["properties"]["aantal"] for f in after.json()["features"]) == 2
    assert bedekt_m2(after) == 4_000_000 + 4_000_000
    # Undoing the change is another change: stale again, and the register's shape is back.
    undone = client.delete(
        f"/api/v1/varianten/{variant}/opgaven/{opgaven['natuur'].id}",
        headers={"If-Match": '"1"'},
    )
    assert undone.status_code == 204
    back = stapeling(client, variant)
    assert back.headers["gebiedsregie-stapeling"] == "berekend"
    assert bedekt_m2(back) == bedekt_m2(stapeling(client))


def test_a_change_of_a_register_opgave_it_sees_makes_it_stale(
    client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    before = stapeling(client, variant)
    assert stapeling(client, variant).headers["gebiedsregie-stapeling"] == "opgeslagen"

    energie = opgaven["energie"]
    url = f"/api/v1/opgaven/{energie.id}"
    patched = client.patch(
        url,
        json={"type": "Feature", "properties": {"thema": "natuur"}},
        headers={"If-Match": f'"{energie.versie}"'},
    )
    assert patched.status_code == 200, patched.text
    after = stapeling(client, variant)
    assert after.headers["gebiedsregie-stapeling"] == "berekend"
    themas = {t for f in after.json()["features"] for t in f["properties"]["themas"]}
    assert "energie" not in themas
    assert bedekt_m2(after) == bedekt_m2(before)


def test_a_register_opgave_deleted_goes_from_the_variant_that_changed_it(
    client: TestClient, session: Session
) -> None:
    """An opgave outside the gebied, moved into it by the variant: deleting it in the register
    moves no epoch of the gebied; the variant's inhoud_versie makes its stapeling stale."""
    _gebied, _opgaven = gebied_met_opgaven(session)
    elders = make_opgave(session, BUITEN, titel="Elders", thema="water-bodem")
    session.commit()
    variant = maak_variant(client)["id"]
    inside = box(176_000, 446_000, 177_000, 447_000)
    assert wijzig(client, variant, elders, geom=inside).status_code == 200
    assert str(elders.id) in opgaven_in(stapeling(client, variant))
    assert stapeling(client, variant).headers["gebiedsregie-stapeling"] == "opgeslagen"

    elders.verwijderd_op = datetime.now(UTC)
    session.commit()
    after = stapeling(client, variant)
    assert after.headers["gebiedsregie-stapeling"] == "berekend"
    assert str(elders.id) not in opgaven_in(after)
    # The register's stored stapeling of the gebied was not touched.
    assert stapeling(client).headers["gebiedsregie-stapeling"] == "berekend"  # first time
    assert stapeling(client).headers["gebiedsregie-stapeling"] == "opgeslagen"


def test_an_unknown_or_foreign_variant_is_refused(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    gebied_met_opgaven(session)
    make_gebied(session, box(190_000, 445_000, 195_000, 450_000), slug="elders", naam="Elders")
    session.commit()
    foreign = maak_variant(client, gebied="elders")["id"]
    own = maak_variant(client)["id"]
    for path in ("stapeling", "stapeling/samenvatting"):
        url = f"/api/v1/gebieden/ede/{path}"
        unknown = client.get(url, params={"variant": "0" * 8 + "-0000-4000-8000-" + "0" * 12})
        assert unknown.status_code == 404, unknown.text
        assert [e["name"] for e in unknown.json()["errors"]] == ["variant"]
        other = client.get(url, params={"variant": foreign})
        assert other.status_code == 400, other.text
        assert [e["name"] for e in other.json()["errors"]] == ["variant"]
        assert other.headers["content-type"] == "application/problem+json"
        malformed = client.get(url, params={"variant": "meer-natuur"})
        assert malformed.status_code == 400
        assert [e["name"] for e in malformed.json()["errors"]] == ["variant"]
        # Reading a variant needs an account, as the variant itself does.
        assert anonymous_client.get(url, params={"variant": own}).status_code == 401
        assert anonymous_client.get(url).status_code == 200
    deleted = client.delete(f"/api/v1/varianten/{own}", headers={"If-Match": '"1"'})
    assert deleted.status_code == 204, deleted.text
    gone = client.get("/api/v1/gebieden/ede/stapeling", params={"variant": own})
    assert gone.status_code == 404
