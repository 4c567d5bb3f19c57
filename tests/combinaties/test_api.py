"""GET|PUT /api/v1/combinaties: who may, If-Match, validation, the audit trail; and the
koppelkansen and conflicten in a gebied's stapeling (faces, samenvatting, variant), stale
after every edit."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gebiedsregie.auth.models import Rol
from gebiedsregie.combinaties.models import SET_ID
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.historie.models import Historie
from gebiedsregie.stapeling import compute, service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.models import Stapeling, StapelingEpoch
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from tests.combinaties.common import (
    NATURA,
    combinaties,
    gebied_met_conflicten,
    make_laag,
    set_cell,
)
from tests.factories import token_headers
from tests.varianten.common import maak_variant, wijzig

URL = "/api/v1/combinaties"


def _put(client: TestClient, body: dict[str, Any], etag: str | None = '"1"', **headers: str) -> Any:
    sent = {**headers, **({"If-Match": etag} if etag is not None else {})}
    return client.put(URL, json=body, headers=sent)


def _names(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["name"] for e in response.json()["errors"]]


# --- reading -------------------------------------------------------------------------------


def test_the_voorbeeld_is_served_and_labelled(anonymous_client: TestClient) -> None:
    stand = combinaties(anonymous_client)
    assert stand["versie"] == 1 and stand["voorbeeld"] is True
    assert stand["label"] == "voorbeeld; stel vast per provincie"
    codes = [t["code"] for t in stand["themas"]]
    assert len(stand["thema_thema"]) == len(codes) * (len(codes) + 1) // 2
    assert all(c["thema_a"] <= c["thema_b"] for c in stand["thema_thema"])
    cells = {(c["thema_a"], c["thema_b"]): c for c in stand["thema_thema"]}
    assert cells[("natuur", "wonen")]["waarde"] == "conflict"
    assert cells[("natuur", "water-bodem")]["waarde"] == "koppelkans"
    assert all(c["reden"] and "\n" not in c["reden"] for c in stand["thema_thema"])
    assert stand["thema_laag"] == [] and stand["lagen"] == []  # no laag in this database yet


def test_laag_cells_wait_for_their_laag(client: TestClient, session: Session) -> None:
    """The voorbeeld's Natura 2000 cells apply once a laag with that slug exists; a laag
    without cells shows neutraal, not yet set."""
    make_laag(session, NATURA)
    make_laag(session, box(0, 0, 1, 1), slug="beekdalen", naam="Beekdalen", soort="informatief")
    stand = combinaties(client)
    cells = {(c["thema"], c["laag"]): c for c in stand["thema_laag"]}
    assert cells[("wonen", "natura-2000")]["waarde"] == "conflict"
    assert cells[("natuur", "natura-2000")]["waarde"] == "koppelkans"
    assert cells[("wonen", "beekdalen")] == {
        "thema": "wonen",
        "laag": "beekdalen",
        "waarde": "neutraal",
        "reden": "Nog niet vastgesteld.",
    }
    assert {laag["slug"] for laag in stand["lagen"]} == {"natura-2000", "beekdalen"}


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("rol", "status"), [(None, 401), (Rol.LEZER, 403), (Rol.PLANNER, 403)])
def test_only_a_beheerder_may_put(
    anonymous_client: TestClient, session: Session, rol: Rol | None, status: int
) -> None:
    stand = combinaties(anonymous_client)
    headers = token_headers(session, rol) if rol is not None else {}
    answer = _put(
        anonymous_client, set_cell(stand, "wonen", "natuur", "neutraal", "Kan."), **headers
    )
    assert answer.status_code == status, answer.text
    assert combinaties(anonymous_client)["versie"] == 1


def test_if_match_is_required_and_must_be_current(client: TestClient) -> None:
    stand = combinaties(client)
    body = set_cell(stand, "wonen", "natuur", "neutraal", "Natuurinclusief bouwen kan hier.")
    assert _put(client, body, etag=None).status_code == 428
    for stale in ('"0"', 'W/"1"', '"2"'):
        refused = _put(client, body, etag=stale)
        assert refused.status_code == 412, refused.text
        assert refused.headers["etag"] == '"1"'
    assert _put(client, body, etag="nonsense").status_code == 400
    done = _put(client, body)
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"2"'
    assert done.json()["versie"] == 2
    # The next edit needs the new ETag.
    assert (
        _put(client, set_cell(done.json(), "wonen", "natuur", "conflict", "Toch niet.")).status_code
        == 412
    )


def test_a_put_replaces_the_set_as_one_versie_and_is_audited(
    client: TestClient, session: Session
) -> None:
    stand = combinaties(client)
    body = set_cell(stand, "wonen", "natuur", "koppelkans", "Natuurinclusief bouwen.")
    body = set_cell({**stand, **body}, "defensie", "defensie", "conflict", "Eén oefenterrein.")
    done = _put(client, {**body, "voorbeeld": False, "toelichting": "Vastgesteld door GS."})
    assert done.status_code == 200, done.text
    after = done.json()
    assert after["voorbeeld"] is False and after["label"] is None
    assert after["toelichting"] == "Vastgesteld door GS."
    cells = {(c["thema_a"], c["thema_b"]): c for c in after["thema_thema"]}
    assert cells[("natuur", "wonen")]["waarde"] == "koppelkans"
    assert cells[("defensie", "defensie")]["reden"] == "Eén oefenterrein."

    rows = session.scalars(
        select(Historie).where(Historie.soort == "combinatie").order_by(Historie.id)
    ).all()
    assert {r.object_id for r in rows} == {SET_ID}
    assert {r.versie for r in rows} == {2}
    assert all(r.door == "test-beheerder" and r.actie == "gewijzigd" for r in rows)
    changed = sorted((r.na or {}).get("thema_a", "set") for r in rows)
    assert changed == ["defensie", "natuur", "set"]  # the set, and the two cells that changed
    natuur = next(r for r in rows if (r.na or {}).get("thema_a") == "natuur")
    assert natuur.voor is not None and natuur.na is not None
    assert (natuur.voor["waarde"], natuur.na["waarde"]) == ("conflict", "koppelkans")

    trail = client.get(f"{URL}/historie")
    assert trail.status_code == 200
    assert trail.json()["numberMatched"] == 3
    assert {w["versie"] for w in trail.json()["wijzigingen"]} == {2}
    # In the whole trail too, for the beheerder.
    whole = client.get("/api/v1/historie", params={"soort": "combinatie"})
    assert whole.status_code == 200, whole.text
    assert whole.json()["numberMatched"] == 3


def test_a_put_that_changes_nothing_keeps_the_versie(client: TestClient, session: Session) -> None:
    stand = combinaties(client)
    echoed = _put(client, stand)  # GET's own body, read-only fields and all
    assert echoed.status_code == 200, echoed.text
    assert echoed.headers["etag"] == '"1"'
    assert (
        session.scalar(
            select(func.count()).select_from(Historie).where(Historie.soort == "combinatie")
        )
        == 0
    )


def test_a_pair_both_ways_round_is_one_cell_if_it_agrees(client: TestClient) -> None:
    stand = combinaties(client)
    # A square matrix: each pair off the diagonal both ways round.
    mirrored = [
        {**c, "thema_a": c["thema_b"], "thema_b": c["thema_a"]}
        for c in stand["thema_thema"]
        if c["thema_a"] != c["thema_b"]
    ]
    square = {"thema_thema": stand["thema_thema"] + mirrored, "thema_laag": []}
    assert _put(client, square).status_code == 200
    disagreeing = [dict(c) for c in mirrored]
    index = next(
        i for i, c in enumerate(disagreeing) if c["thema_a"] == "wonen" and c["thema_b"] == "natuur"
    )
    disagreeing[index]["waarde"] = "koppelkans"
    refused = _put(client, {"thema_thema": stand["thema_thema"] + disagreeing, "thema_laag": []})
    assert _names(refused) == [f"thema_thema[{len(stand['thema_thema']) + index}]"]
    assert refused.json()["errors"][0]["code"] == "asymmetrisch"


def test_every_cell_is_validated(client: TestClient, session: Session) -> None:
    make_laag(session, NATURA)
    stand = combinaties(client)
    cells = [dict(c) for c in stand["thema_thema"]]
    cells[0]["thema_a"] = "vliegvelden"
    cells[1]["waarde"] = "misschien"
    cells[2]["reden"] = "twee\nregels"
    cells[3]["reden"] = ""
    cells.append(dict(cells[4]))  # the same pair, the same way round
    laag_cells = [dict(c) for c in stand["thema_laag"]]
    laag_cells[0]["laag"] = "stiltegebied"
    laag_cells[1]["thema"] = "vliegvelden"
    # Schema errors come first, all of them at once.
    first = _names(_put(client, {"thema_thema": cells, "thema_laag": laag_cells}))
    assert first == [
        "thema_thema[1].waarde",
        "thema_thema[2].reden",
        "thema_thema[3].reden",
    ]
    cells[1]["waarde"], cells[2]["reden"], cells[3]["reden"] = "neutraal", "Eén regel.", "Ook."
    refused = _put(client, {"thema_thema": cells, "thema_laag": laag_cells})
    assert _names(refused) == [
        "thema_thema[0].thema_a",
        f"thema_thema[{len(cells) - 1}]",
        "thema_laag[0].laag",
        "thema_laag[1].thema",
    ]
    codes = [e["code"] for e in refused.json()["errors"]]
    assert codes == ["onbekend_thema", "dubbel", "onbekende_laag", "onbekend_thema"]

    missing = _put(
        client, {"thema_thema": stand["thema_thema"][1:], "thema_laag": stand["thema_laag"][1:]}
    )
    errors = missing.json()["errors"]
    assert [e["name"] for e in errors] == ["thema_thema", "thema_laag"]
    assert all(e["code"] == "ontbreekt" for e in errors)
    assert "ontbreekt" in errors[0]["reason"]

    assert _names(_put(client, {**stand, "onbekend": 1})) == ["onbekend"]
    assert _names(_put(client, ["geen", "object"])) == ["body"]  # type: ignore[arg-type]
    assert combinaties(client)["versie"] == 1


# --- in the stapeling ----------------------------------------------------------------------


def test_faces_and_samenvatting_carry_the_combinaties(client: TestClient, session: Session) -> None:
    _, opgaven = gebied_met_conflicten(session)
    make_laag(session, NATURA)
    faces = client.get("/api/v1/gebieden/ede/stapeling").json()["features"]
    both = next(f for f in faces if set(f["properties"]["themas"]) == {"natuur", "wonen"})
    props = both["properties"]
    assert {"thema_a": "natuur", "thema_b": "wonen"} in props["conflicten"]
    assert props["koppelkansen"] in ([], [{"thema": "natuur", "laag": "natura-2000"}])
    alone = next(f for f in faces if f["properties"]["themas"] == ["water-bodem"])
    assert alone["properties"]["conflicten"] == alone["properties"]["koppelkansen"] == []
    assert sum(
        d["oppervlakte_ha"] for f in faces for d in f["properties"]["lagen"]
    ) == pytest.approx(1_000, abs=1e-3)  # wonen's 300 ha, natuur's 900 ha, 200 ha of both

    samen = client.get("/api/v1/gebieden/ede/stapeling/samenvatting").json()["combinaties"]
    assert (samen["versie"], samen["voorbeeld"]) == (1, True)
    assert samen["conflict_ha"] == pytest.approx(500)  # 400 ha wonen x natuur, 300 ha in N2000
    assert samen["koppelkans_ha"] == pytest.approx(1_000)
    assert samen["beide_ha"] == pytest.approx(200)
    paren = {(p["thema_a"], p["thema_b"]): p["oppervlakte_ha"] for p in samen["paren"]}
    assert paren == {("natuur", "wonen"): 400, ("natuur", "water-bodem"): 100}
    laag_paren = {(p["thema"], p["laag"]): p["oppervlakte_ha"] for p in samen["laag_paren"]}
    assert laag_paren == {("wonen", "natura-2000"): 300, ("natuur", "natura-2000"): 900}
    assert samen["lagen"] == [
        {"laag": "natura-2000", "naam": "Natura 2000", "soort": "sturend", "oppervlakte_ha": 3_000}
    ]
    knelpunten = {k["opgave"]: k for k in samen["knelpunten"]}
    wonen = knelpunten[str(opgaven["wonen"].id)]
    assert wonen["conflict_ha"] == pytest.approx(500)
    assert wonen["met_opgaven"] == [
        {"opgave": str(opgaven["natuur"].id), "thema": "natuur", "oppervlakte_ha": 400}
    ]
    assert wonen["met_lagen"] == [{"laag": "natura-2000", "oppervlakte_ha": 300}]
    assert knelpunten[str(opgaven["natuur"].id)]["met_lagen"] == []  # a koppelkans
    assert str(opgaven["water"].id) not in knelpunten
    spot = samen["hotspots"][0]
    assert spot["conflict_ha"] == max(h["conflict_ha"] for h in samen["hotspots"])
    assert 5.5 < spot["punt"][0] < 5.8 and 52.0 < spot["punt"][1] < 52.2  # CRS84, near Ede

    rd = client.get(
        "/api/v1/gebieden/ede/stapeling/samenvatting",
        params={"crs": "http://www.opengis.net/def/crs/EPSG/0/28992"},
    ).json()["combinaties"]["hotspots"][0]["punt"]
    assert 170_000 < rd[0] < 180_000 and 445_000 < rd[1] < 455_000


def test_a_variant_has_its_own_combinaties(client: TestClient, session: Session) -> None:
    _, opgaven = gebied_met_conflicten(session)
    variant = maak_variant(client)
    # In the variant, the natuur opgave moves away from wonen: no conflict between them.
    moved = wijzig(
        client, variant["id"], opgaven["natuur"], box(176_000, 447_000, 178_000, 452_000)
    )
    assert moved.status_code == 200, moved.text
    register = client.get("/api/v1/gebieden/ede/stapeling/samenvatting").json()["combinaties"]
    asked = {"variant": variant["id"]}
    in_variant = client.get("/api/v1/gebieden/ede/stapeling/samenvatting", params=asked)
    assert in_variant.status_code == 200, in_variant.text
    assert register["conflict_ha"] == pytest.approx(400)
    assert in_variant.json()["combinaties"]["conflict_ha"] == 0
    faces = client.get("/api/v1/gebieden/ede/stapeling", params=asked).json()["features"]
    assert all(f["properties"]["conflicten"] == [] for f in faces)


def _stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Stapeling)) or 0


def _epoch(session: Session) -> int:
    return sum(session.scalars(select(StapelingEpoch.epoch)).all())


def test_an_edit_drops_every_stored_stapeling(client: TestClient, session: Session) -> None:
    gebied_met_conflicten(session)
    first = client.get("/api/v1/gebieden/ede/stapeling/samenvatting")
    assert first.json()["combinaties"]["conflict_ha"] == pytest.approx(400)
    assert (
        client.get("/api/v1/gebieden/ede/stapeling").headers["gebiedsregie-stapeling"]
        == "opgeslagen"
    )
    assert _stored(session) == 1
    epoch = _epoch(session)

    stand = combinaties(client)
    done = _put(client, set_cell(stand, "wonen", "natuur", "neutraal", "Goed te combineren."))
    assert done.status_code == 200
    # Gone in the PUT's own transaction, and the epoch moved: nothing older is kept.
    assert _stored(session) == 0
    assert _epoch(session) > epoch

    again = client.get("/api/v1/gebieden/ede/stapeling/samenvatting")
    assert again.headers["gebiedsregie-stapeling"] == "berekend"
    assert again.json()["combinaties"]["conflict_ha"] == 0
    assert again.json()["combinaties"]["versie"] == 2


def test_a_laag_change_drops_every_stored_stapeling(client: TestClient, session: Session) -> None:
    gebied_met_conflicten(session)
    client.get("/api/v1/gebieden/ede/stapeling/samenvatting")
    assert _stored(session) == 1
    laag = make_laag(session, NATURA)  # imported later: its voorbeeld cells now apply
    assert _stored(session) == 0
    after = client.get("/api/v1/gebieden/ede/stapeling/samenvatting").json()["combinaties"]
    assert after["conflict_ha"] == pytest.approx(500)
    assert _stored(session) == 1
    session.execute(
        text("UPDATE referentielaag SET kleur = '#000000' WHERE id = :id"), {"id": laag.id}
    )
    assert _stored(session) == 1  # its colour is in no stored figure
    session.execute(
        text("UPDATE referentielaag SET soort = 'informatief' WHERE id = :id"), {"id": laag.id}
    )
    assert _stored(session) == 0


def test_an_edit_during_computation_is_not_stored(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    gebied_met_conflicten(session)
    real = compute.analyse

    def analyse_while_the_matrix_changes(*args: Any, **kwargs: Any) -> compute.Result:
        result = real(*args, **kwargs)
        session.execute(
            text(
                "UPDATE thema_combinatie SET waarde = 'neutraal' "
                "WHERE thema_a = 'natuur' AND thema_b = 'wonen'"
            )
        )
        return result

    monkeypatch.setattr(compute, "analyse", analyse_while_the_matrix_changes)
    ede = HuidigeSituatie(gebieden_service.get_gebied(session, "ede"))
    view = service.stored(session, ede, StapelingFilter())
    assert view.stapeling_id is None and view.faces  # answered, not kept
    assert _stored(session) == 0
