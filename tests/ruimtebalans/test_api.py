"""GET /api/v1/gebieden/{id}/ruimtebalans against an independent computation
(tests/ruimtebalans/oracle.py) on hand-drawn rectangles in RD, in a real PostGIS."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely import box
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW
from gebiedsregie.referentielagen.models import Referentielaag, Referentieobject
from tests.factories import make_gebied, make_opgave, multi
from tests.ruimtebalans import oracle
from tests.ruimtebalans.oracle import Laag, Opg, Rect
from tests.varianten.common import laat_weg, maak_variant, wijzig

X, Y = 170_000, 445_000  # south-west corner of the gebied, near Ede
GEBIED: Rect = (X, Y, X + 2000, Y + 1000)  # 200 ha
URL = "/api/v1/gebieden/ede/ruimtebalans"
TOL = 1e-4


def r(x0: float, y0: float, x1: float, y1: float) -> Rect:
    """A rectangle given relative to the gebied's corner."""
    return (X + x0, Y + y0, X + x1, Y + y1)


def make_laag(session: Session, naam: str, soort: str, *rects: Rect, **fields: Any) -> None:
    laag = Referentielaag(
        slug=naam.lower().replace(" ", "-"),
        naam=naam,
        soort=soort,
        kleur="#2e7d32",
        aantal_objecten=len(rects),
        **fields,
    )
    session.add(laag)
    session.flush()
    for rect in rects:
        session.add(
            Referentieobject(laag_id=laag.id, naam=naam, geom=from_shape(multi(box(*rect)), RD_NEW))
        )
    session.flush()


# Two sturende lagen overlapping each other (10 ha) and the opgaven; an informatieve laag over
# everything, and a deleted sturende one: neither may count.
STUREND = [
    Laag("Natura 2000", (r(1000, 0, 1600, 1000),)),
    Laag("Waterberging", (r(1400, 500, 2500, 1000), r(-300, -300, 100, 100))),
]
OPGAVEN = {
    "wonen-a": (Opg("wonen", 12.5, (r(0, 0, 500, 400),)), 2030),
    "wonen-b": (Opg("wonen", None, (r(300, 0, 800, 400),)), 2030),
    "natuur": (Opg("natuur", None, (r(1300, 0, 1800, 1000),)), 2040),
    # Partly outside the gebied: 10 of its 30 ha inside, its 25 ha of vraag in full.
    "energie": (Opg("energie", 25.0, (r(1800, 0, 2400, 500),)), 2035),
}


@pytest.fixture
def gebied(session: Session) -> dict[str, Any]:
    made = make_gebied(session, box(*GEBIED), slug="ede", naam="Ede")
    ids = {}
    for key, (o, horizon) in OPGAVEN.items():
        opgave = make_opgave(
            session,
            box(*o.rects[0]),
            titel=key,
            thema=o.thema,
            ruimtevraag_ha=o.ruimtevraag_ha,
            horizon=horizon,
        )
        ids[key] = opgave
    # Outside, and only touching: not in the balans.
    make_opgave(session, box(X + 3000, Y, X + 3500, Y + 500), titel="ver weg", ruimtevraag_ha=9)
    make_opgave(session, box(X - 500, Y, X, Y + 500), titel="raakt", ruimtevraag_ha=9)
    for laag in STUREND:
        make_laag(session, laag.naam, "sturend", *laag.rects)
    make_laag(session, "Bodemkaart", "informatief", r(-100, -100, 2100, 1100))
    make_laag(session, "Oud", "sturend", r(0, 0, 2000, 1000), verwijderd_op=datetime.now(UTC))
    session.commit()
    return {"gebied": made, "opgaven": ids}


def expected(keys: list[str]) -> dict[str, Any]:
    return oracle.balans([GEBIED], [OPGAVEN[k][0] for k in keys], STUREND)


def assert_balans(body: dict[str, Any], want: dict[str, Any]) -> None:
    for key in (
        "gebied_ha",
        "sturend_ha",
        "beschikbaar_ha",
        "vraag_ha",
        "saldo_ha",
        "zoekgebied_ha_som",
        "zoekgebied_ha_unie",
        "zoekgebied_in_sturend_ha",
    ):
        assert body[key] == pytest.approx(want[key], abs=3 * TOL), key
    lagen = {lg["naam"]: lg["oppervlakte_ha"] for lg in body["sturende_lagen"]}
    assert lagen == pytest.approx(want["lagen"], abs=TOL)
    themas = {t["thema"]: t for t in body["themas"]}
    assert set(themas) == set(want["themas"])
    for code, w in want["themas"].items():
        t = themas[code]
        assert t["aantal_opgaven"] == w["aantal"] and t["aantal_geschat"] == w["geschat"]
        assert t["vraag_ha"] == pytest.approx(w["vraag"], abs=TOL)
        assert t["zoekgebied_ha_som"] == pytest.approx(w["som"], abs=TOL)
        assert t["zoekgebied_ha_unie"] == pytest.approx(w["unie"], abs=TOL)
        assert t["zoekgebied_in_sturend_ha"] == pytest.approx(w["in_sturend"], abs=TOL)
    vraag, beschikbaar = want["vraag_ha"], want["beschikbaar_ha"]
    assert body["ratio"] == pytest.approx(vraag / beschikbaar, abs=TOL)
    assert body["ruimtedruk_vraag"] == pytest.approx(vraag / want["gebied_ha"], abs=TOL)


def test_the_register(client: TestClient, gebied: dict[str, Any]) -> None:
    response = client.get(URL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_balans(body, expected(list(OPGAVEN)))
    assert body["gebied"]["slug"] == "ede" and body["variant"] is None
    # Hand-checked: 200 ha, sturend 60 + (30 + 1) - 10 = 81 ha (the informatieve and the
    # deleted laag do not count), vraag 12.5 + 20 + 50 + 25.
    assert (body["gebied_ha"], body["sturend_ha"], body["beschikbaar_ha"]) == (200, 81, 119)
    assert (body["vraag_ha"], body["saldo_ha"]) == (107.5, 11.5)
    assert [lg["naam"] for lg in body["sturende_lagen"]] == ["Natura 2000", "Waterberging"]
    themas = {t["thema"]: t for t in body["themas"]}
    assert themas["wonen"]["geschat"] == "deels" and themas["wonen"]["geschat_ha"] == 20
    assert themas["natuur"]["geschat"] == "geheel"
    assert themas["energie"]["geschat"] == "nee"
    assert (body["aantal_opgaven"], body["aantal_geschat"], body["aantal_deels_buiten"]) == (
        4,
        2,
        1,
    )
    assert body["aantal_illustratief"] == 0


def test_ruimtedruk_by_zoekgebied_is_the_samenvattings(
    client: TestClient, gebied: dict[str, Any]
) -> None:
    balans = client.get(URL).json()
    samenvatting = client.get("/api/v1/gebieden/ede/stapeling/samenvatting").json()
    assert balans["ruimtedruk_zoekgebied"] == pytest.approx(samenvatting["ruimtedruk"], abs=TOL)
    assert balans["zoekgebied_ha_unie"] == pytest.approx(samenvatting["bedekt_ha"], abs=TOL)
    # Both ruimtedrukken in the samenvatting too, the one by vraag as the ruimtebalans has it.
    assert samenvatting["ruimtedruk_vraag"] == pytest.approx(balans["ruimtedruk_vraag"], abs=TOL)
    assert samenvatting["vraag_ha"] == pytest.approx(balans["vraag_ha"], abs=TOL)
    geschat = sum(t["aantal_geschat"] for t in balans["themas"])
    assert samenvatting["vraag_aantal_geschat"] == geschat


def test_a_horizon_filter(client: TestClient, gebied: dict[str, Any]) -> None:
    body = client.get(URL, params={"horizon": 2035}).json()
    assert body["filters"]["horizon"] == 2035
    assert_balans(body, expected(["wonen-a", "wonen-b", "energie"]))
    assert [t["thema"] for t in body["themas"]] == ["wonen", "energie"]  # thema volgorde


def test_thema_and_status_filters(client: TestClient, gebied: dict[str, Any]) -> None:
    body = client.get(URL, params={"thema": ["wonen"], "status": "planvorming"}).json()
    assert_balans(body, expected(["wonen-a", "wonen-b"]))


def test_a_variant_that_leaves_an_opgave_out(client: TestClient, gebied: dict[str, Any]) -> None:
    opgaven = gebied["opgaven"]
    variant = maak_variant(client)
    assert laat_weg(client, variant["id"], opgaven["natuur"]).is_success
    # And asks less for wonen-a.
    assert wijzig(client, variant["id"], opgaven["wonen-a"], ruimtevraag_ha=4.0).is_success
    body = client.get(URL, params={"variant": variant["id"]}).json()
    assert body["variant"]["id"] == variant["id"]
    keys = ["wonen-a", "wonen-b", "energie"]
    want = oracle.balans(
        [GEBIED],
        [Opg("wonen", 4.0, OPGAVEN["wonen-a"][0].rects), *(OPGAVEN[k][0] for k in keys[1:])],
        STUREND,
    )
    assert_balans(body, want)
    # The samenvatting of the variant has the same ruimtedruk by vraag.
    samenvatting = client.get(
        "/api/v1/gebieden/ede/stapeling/samenvatting", params={"variant": variant["id"]}
    ).json()
    assert samenvatting["ruimtedruk_vraag"] == pytest.approx(body["ruimtedruk_vraag"], abs=TOL)
    # The register is unchanged.
    assert client.get(URL).json()["vraag_ha"] == 107.5


def test_a_variant_needs_an_account(
    client: TestClient, anonymous_client: TestClient, gebied: dict[str, Any]
) -> None:
    variant = maak_variant(client)
    response = anonymous_client.get(URL, params={"variant": variant["id"]})
    assert response.status_code == 401
    assert anonymous_client.get(URL).status_code == 200  # the register is open


def _fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["name"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"thema": "onbekend"}, "thema"),
        ({"horizon": "volgend jaar"}, "horizon"),
        ({"horizon": "1500"}, "horizon"),
        ({"status": "klaar"}, "status"),
        ({"trekker": "niemand"}, "trekker"),
        ({"variant": "geen-uuid"}, "variant"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(
    client: TestClient, gebied: dict[str, Any], params: dict[str, str], field: str
) -> None:
    response = client.get(URL, params=params)
    assert response.status_code == 400, response.text
    assert any(field in name for name in _fields(response))


def test_another_gebieds_variant_is_a_400(
    client: TestClient, session: Session, gebied: dict[str, Any]
) -> None:
    make_gebied(session, box(0, 300_000, 1000, 301_000), slug="elders", naam="Elders")
    session.commit()
    variant = maak_variant(client, "elders")
    response = client.get(URL, params={"variant": variant["id"]})
    assert response.status_code == 400
    assert _fields(response) == ["variant"]


def test_unknown_gebied_and_variant_are_404(client: TestClient, gebied: dict[str, Any]) -> None:
    assert client.get("/api/v1/gebieden/nergens/ruimtebalans").status_code == 404
    response = client.get(URL, params={"variant": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 404 and _fields(response) == ["variant"]


def test_too_many_opgaven_is_a_413(
    session: Session, settings: Any, database_url: str, gebied: dict[str, Any]
) -> None:
    from tests.conftest import app_on
    from tests.factories import token_headers

    app = app_on(session, settings, database_url, stapeling_max_opgaven=3)
    with TestClient(app) as small:
        small.headers.update(token_headers(session, "lezer"))
        response = small.get(URL)
    assert response.status_code == 413
    assert _fields(response) == ["gebied_id"]
