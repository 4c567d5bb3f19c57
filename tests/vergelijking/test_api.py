"""GET /api/v1/gebieden/{id}/vergelijking: two situations side by side, through the API.

The situations are drawn here in shapely as well, so every face is checked against a
point-in-polygon count of its own, and the sums against the situations' areas.
"""

from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.vergelijking.models import Vergelijking
from tests.factories import RD_URI, make_opgave
from tests.varianten.common import (
    GEBIED,
    gebied_met_opgaven,
    laat_weg,
    maak_variant,
    voeg_toe,
    wijzig,
)

URL = "/api/v1/gebieden/ede/vergelijking"
RD = {"crs": RD_URI}
NIEUW = box(173_000, 452_000, 174_000, 453_000)  # voeg_toe's default
NATUUR_VARIANT = box(172_000, 447_000, 177_000, 452_000)


def vergelijk(client: TestClient, **params: Any) -> Any:
    answer = client.get(URL, params={**RD, **params})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/geo+json"
    return answer


def _situaties(session: Session, client: TestClient) -> tuple[str, dict[str, Any], Any, Any]:
    """The register (wonen, natuur, energie) and a variant that leaves wonen out, makes natuur
    larger and in uitvoering, and adds a new opgave."""
    _gebied, opgaven = gebied_met_opgaven(session)
    variant = maak_variant(client)["id"]
    assert laat_weg(client, variant, opgaven["wonen"]).status_code == 200
    changed = wijzig(client, variant, opgaven["natuur"], geom=NATUUR_VARIANT, status="uitvoering")
    assert changed.status_code == 200, changed.text
    added = voeg_toe(client, variant)
    assert added.status_code == 201, added.text
    register = {str(o.id): shapely.box(*_bounds(o)) for o in opgaven.values()}
    varianted = dict(register)
    del varianted[str(opgaven["wonen"].id)]
    varianted[str(opgaven["natuur"].id)] = NATUUR_VARIANT
    varianted[added.json()["id"]] = NIEUW
    return (
        variant,
        {k: str(o.id) for k, o in opgaven.items()} | {"nieuw": added.json()["id"]},
        register,
        varianted,
    )


def _bounds(opgave: Any) -> tuple[float, float, float, float]:
    from gebiedsregie.opgaven.service import opgave_shape

    return opgave_shape(opgave).bounds  # type: ignore[no-any-return]


def _containing(situation: dict[str, Any], point: shapely.Point) -> list[str]:
    return sorted(key for key, geom in situation.items() if geom.contains(point))


def test_the_register_against_a_variant(client: TestClient, session: Session) -> None:
    variant, ids, register, varianted = _situaties(session, client)
    answer = vergelijk(client, a="huidig", b=f"variant:{variant}")
    assert answer.headers["content-crs"] == f"<{RD_URI}>"
    assert answer.headers["gebiedsregie-vergelijking"] == "berekend"
    body = answer.json()
    assert body["gebied"]["slug"] == "ede"
    assert body["a"]["situatie"] == "huidig" and body["a"]["variant"] is None
    assert body["b"]["situatie"] == f"variant:{variant}"
    assert body["b"]["variant"]["naam"] == "Meer natuur"
    assert body["b"]["variant"]["status"] == "concept"

    # Both samenvattingen are the stapeling's own.
    for side, params in (("a", {}), ("b", {"variant": variant})):
        own = client.get("/api/v1/gebieden/ede/stapeling/samenvatting", params={**RD, **params})
        assert body[side]["samenvatting"] == own.json()
    drukken = [body[side]["samenvatting"]["ruimtedruk_vraag"] for side in ("a", "b")]
    assert body["verschillen"]["ruimtedruk_vraag"] == {
        "a": drukken[0],
        "b": drukken[1],
        "verschil": pytest.approx(drukken[1] - drukken[0], abs=1e-4),
    }

    # Which opgaven differ, with the fields.
    opgaven = body["opgaven"]
    assert [o["id"] for o in opgaven["toegevoegd"]] == [ids["nieuw"]]
    assert opgaven["toegevoegd"][0]["a"] is None and opgaven["toegevoegd"][0]["b"]["titel"] == (
        "Nieuw bos"
    )
    assert [o["id"] for o in opgaven["weggelaten"]] == [ids["wonen"]]
    assert [(o["id"], o["velden"]) for o in opgaven["gewijzigd"]] == [
        (ids["natuur"], ["status", "geometrie"])
    ]
    natuur = opgaven["gewijzigd"][0]
    assert (natuur["a"]["oppervlakte_ha"], natuur["b"]["oppervlakte_ha"]) == (900.0, 2500.0)
    assert (natuur["a"]["status"], natuur["b"]["status"]) == ("planvorming", "uitvoering")

    # The differences of the key figures.
    verschillen = body["verschillen"]
    a_sam, b_sam = body["a"]["samenvatting"], body["b"]["samenvatting"]
    assert verschillen["max_diepte"] == {"a": 2, "b": 2, "verschil": 0}
    assert verschillen["ruimtedruk"]["verschil"] == pytest.approx(
        b_sam["ruimtedruk"] - a_sam["ruimtedruk"], abs=1e-4
    )
    # natuur grows from 900 to 2,500 ha, and the new opgave (natuur too) adds 100.
    per_thema = {t["thema"]: t["verschil_ha"] for t in verschillen["per_thema"]}
    assert per_thema == {"energie": 0.0, "natuur": 1600.0 + 100.0, "wonen": -400.0}

    # Every face against a point-in-polygon count of both situations.
    features = body["features"]
    assert body["numberMatched"] == body["numberReturned"] == len(features)
    assert body["overzicht"]["aantal_vlakken"] == len(features)
    total = 0.0
    for feature in features:
        face = shape(feature["geometry"])
        props = feature["properties"]
        point = face.point_on_surface()
        assert props["opgaven_a"] == _containing(register, point), props
        assert props["opgaven_b"] == _containing(varianted, point), props
        assert props["verschil"] == props["aantal_b"] - props["aantal_a"]
        assert props["oppervlakte_ha"] == pytest.approx(face.area / 10_000, abs=1e-4)
        total += props["verschil"] * face.area
    # The invariant: the sum of verschil x area is the difference of the situations' areas.
    clipped = [sum(g.intersection(GEBIED).area for g in s.values()) for s in (register, varianted)]
    assert total == pytest.approx(clipped[1] - clipped[0], abs=1e-3)
    assert body["overzicht"]["verschil_ha"] == pytest.approx(total / 10_000, abs=1e-4)
    # Changed faces first.
    changed = [f["properties"]["gewijzigd"] for f in features]
    assert changed == sorted(changed, reverse=True)
    assert sum(changed) == body["overzicht"]["gewijzigde_vlakken"]


def test_stored_paged_and_stale_after_a_change(client: TestClient, session: Session) -> None:
    variant, ids, _register, _varianted = _situaties(session, client)
    b = f"variant:{variant}"
    whole = vergelijk(client, b=b).json()
    again = vergelijk(client, b=b)
    assert again.headers["gebiedsregie-vergelijking"] == "opgeslagen"
    assert again.json()["b"]["stapeling"] == "opgeslagen"
    for member in ("features", "opgaven", "verschillen", "overzicht", "numberMatched"):
        assert again.json()[member] == whole[member]
    stored = session.scalar(select(func.count()).select_from(Vergelijking))
    assert stored == 1

    # Pages, with links, in CRS84 by default.
    first = client.get(URL, params={"b": b, "limit": 2})
    assert first.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    page = first.json()
    assert page["numberMatched"] == len(whole["features"]) and page["numberReturned"] == 2
    assert [f["id"] for f in page["features"]] == [0, 1]
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert "offset=2" in rels["next"] and "prev" not in rels
    second = client.get(rels["next"]).json()
    assert [f["id"] for f in second["features"]] == [2, 3]
    changed = client.get(URL, params={"b": b, "alleen_gewijzigd": "true", **RD}).json()
    assert changed["numberMatched"] == whole["overzicht"]["gewijzigde_vlakken"]
    assert changed["features"] == whole["features"][: changed["numberMatched"]]
    tables = client.get(URL, params={"b": b, "limit": 0}).json()
    assert tables["features"] == [] and tables["numberMatched"] == len(whole["features"])
    assert [link["rel"] for link in tables["links"]] == ["self"]
    assert tables["opgaven"] == whole["opgaven"]

    # A change of the variant: computed again, and the old comparison is never asked again.
    assert laat_weg(client, variant, _opgave(session, ids["energie"])).status_code == 200
    after = vergelijk(client, b=b)
    assert after.headers["gebiedsregie-vergelijking"] == "berekend"
    assert ids["energie"] in [o["id"] for o in after.json()["opgaven"]["weggelaten"]]
    # A change in the register moves the gebied's epoch: the stored comparisons are stale.
    later = make_opgave(session, box(178_000, 446_000, 179_000, 447_000), titel="Later")
    session.commit()
    latest = vergelijk(client, b=b)
    assert latest.headers["gebiedsregie-vergelijking"] == "berekend"
    # Computed again, it replaced its stale self and the gebied's other stale one.
    assert session.scalar(select(func.count()).select_from(Vergelijking)) == 1
    # Later is in both (the register's, in no variant change): in the faces of both sides.
    assert latest.json()["verschillen"]["aantal_opgaven"] == {"a": 4, "b": 3, "verschil": -1}
    sets = [
        (f["properties"]["opgaven_a"], f["properties"]["opgaven_b"])
        for f in latest.json()["features"]
    ]
    assert ([str(later.id)], [str(later.id)]) in sets


def _opgave(session: Session, key: str) -> Any:
    from gebiedsregie.opgaven.models import Opgave

    return session.get(Opgave, key)


def test_two_horizons_of_the_register(client: TestClient, session: Session) -> None:
    gebied_met_opgaven(session)  # their horizon is 2030
    later = make_opgave(
        session, box(171_500, 446_500, 172_500, 447_500), titel="Later", horizon=2038
    )
    session.commit()
    body = vergelijk(client, a_horizon=2030, b_horizon=2040, limit=0).json()
    assert body["a"]["filters"]["horizon"] == 2030 and body["b"]["filters"]["horizon"] == 2040
    assert [o["id"] for o in body["opgaven"]["toegevoegd"]] == [str(later.id)]
    assert body["opgaven"]["weggelaten"] == body["opgaven"]["gewijzigd"] == []
    assert body["verschillen"]["aantal_opgaven"] == {"a": 3, "b": 4, "verschil": 1}
    # `horizon` is both sides', unless one has its own; the other filters are both sides'.
    body = vergelijk(client, horizon=2030, b_horizon=2040, thema="wonen", limit=0).json()
    assert body["a"]["filters"] == {
        "thema": ["wonen"],
        "status": [],
        "trekker": [],
        "horizon": 2030,
    }
    assert body["b"]["filters"]["horizon"] == 2040
    assert body["verschillen"]["aantal_opgaven"] == {"a": 1, "b": 2, "verschil": 1}


def test_a_variant_against_itself_and_another(client: TestClient, session: Session) -> None:
    variant, ids, _register, _varianted = _situaties(session, client)
    other = maak_variant(client, naam="Niets")["id"]
    same = vergelijk(client, a=f"variant:{variant}", b=f"variant:{variant}").json()
    assert same["opgaven"] == {"toegevoegd": [], "weggelaten": [], "gewijzigd": []}
    assert same["overzicht"]["gewijzigde_vlakken"] == 0
    assert all(f["properties"]["verschil"] == 0 for f in same["features"])
    # A variant without changes is the register.
    body = vergelijk(client, a=f"variant:{variant}", b=f"variant:{other}", limit=0).json()
    assert [o["id"] for o in body["opgaven"]["toegevoegd"]] == [ids["wonen"]]
    assert [o["id"] for o in body["opgaven"]["weggelaten"]] == [ids["nieuw"]]


def test_bad_situations_are_refused(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    variant, _ids, _register, _varianted = _situaties(session, client)
    cases = [
        ({"a": "morgen"}, 400, ["a"]),
        ({"b": "variant:geen-uuid"}, 400, ["b"]),
        ({"b": "variant:00000000-0000-4000-8000-000000000000"}, 404, ["b"]),
        ({"thema": "onbekend"}, 400, ["thema"]),
        ({"a_horizon": "1999"}, 400, ["a_horizon"]),
    ]
    for params, status, names in cases:
        answer = client.get(URL, params=params)
        assert answer.status_code == status, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["name"] for e in answer.json()["errors"]] == names, answer.json()
    assert client.get("/api/v1/gebieden/nergens/vergelijking").status_code == 404
    # Variants need an account; the register against itself (two horizons) does not.
    assert anonymous_client.get(URL, params={"b": f"variant:{variant}"}).status_code == 401
    assert anonymous_client.get(URL, params={"b_horizon": 2040}).status_code == 200


def test_status_and_trekker_apply_to_both_situations(client: TestClient, session: Session) -> None:
    """The register's opgaven are in planvorming, of the gemeente; the variant puts natuur in
    uitvoering and adds one of the provincie (in verkenning)."""
    variant, ids, _register, _varianted = _situaties(session, client)
    b = f"variant:{variant}"
    body = vergelijk(client, a="huidig", b=b, status="uitvoering", limit=0).json()
    assert body["a"]["filters"]["status"] == body["b"]["filters"]["status"] == ["uitvoering"]
    assert body["verschillen"]["aantal_opgaven"] == {"a": 0, "b": 1, "verschil": 1}
    assert [o["id"] for o in body["opgaven"]["toegevoegd"]] == [ids["natuur"]]
    body = vergelijk(client, a="huidig", b=b, trekker="provincie", limit=0).json()
    assert body["a"]["filters"]["trekker"] == body["b"]["filters"]["trekker"] == ["provincie"]
    assert body["verschillen"]["aantal_opgaven"] == {"a": 0, "b": 1, "verschil": 1}
    assert [o["id"] for o in body["opgaven"]["toegevoegd"]] == [ids["nieuw"]]
    # Repeated, a filter takes either; with the thema, all must hold.
    both = {"status": ["planvorming", "uitvoering"]}
    body = vergelijk(client, a="huidig", b=b, **both, limit=0).json()
    assert body["verschillen"]["aantal_opgaven"] == {"a": 3, "b": 2, "verschil": -1}
    body = vergelijk(client, a="huidig", b=b, **both, thema="natuur", limit=0).json()
    assert body["verschillen"]["aantal_opgaven"] == {"a": 1, "b": 1, "verschil": 0}
    assert [(o["id"], o["velden"]) for o in body["opgaven"]["gewijzigd"]] == [
        (ids["natuur"], ["status", "geometrie"])
    ]
    # An unknown value is named.
    for params in ({"status": "klaar"}, {"trekker": "iemand"}):
        answer = client.get(URL, params={"b": b, **params})
        assert answer.status_code == 400, answer.text
        [error] = answer.json()["errors"]
        assert error["name"].removeprefix("query.").startswith(next(iter(params))), error
