"""`opgaven_van`: the opgaven of a situation, against the changes applied in Python.

Generated registers and variants on a 1 km grid around a 4 km gebied, so that opgaven lie
inside, across, outside and touching its border (touching is not meeting); changes that
move, retheme or refile them; deleted register opgaven; a second variant of the same gebied
that must not leak into the first; and the stapeling's filters.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon, box
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD_NEW
from gebiedsregie.errors import InvalidInput
from gebiedsregie.opgaven import service as opgaven_service
from gebiedsregie.opgaven.service import OpgaveFilter
from gebiedsregie.varianten.models import Variant, VariantOpgave, Wijziging
from gebiedsregie.varianten.situatie import opgaven_van, tel_opgaven_van
from tests.factories import make_gebied, make_opgave, multi

X0, Y0 = 170_000, 445_000
GEBIED = box(X0, Y0, X0 + 4_000, Y0 + 4_000)
THEMAS = ("wonen", "natuur", "energie")
STATUSSEN = ("verkenning", "uitvoering")
TREKKERS = ("rijk", "gemeente")
HORIZONS = (None, 2030, 2040)


@dataclass(frozen=True)
class Velden:
    thema: str
    status: str
    trekker: str
    horizon: int | None
    geom: Polygon


@dataclass(frozen=True)
class Geval:
    register: list[tuple[Velden, bool]]  # fields, deleted
    changes: list[Any]  # per register opgave: None, "weg", or Velden
    nieuw: list[Velden]
    other_changes: list[Any]  # the second variant's, per register opgave
    flt: dict[str, Any]


cells = st.tuples(st.integers(-1, 4), st.integers(-1, 4), st.integers(1, 2), st.integers(1, 2))
velden = st.builds(
    Velden,
    st.sampled_from(THEMAS),
    st.sampled_from(STATUSSEN),
    st.sampled_from(TREKKERS),
    st.sampled_from(HORIZONS),
    cells.map(
        lambda c: box(
            X0 + c[0] * 1_000,
            Y0 + c[1] * 1_000,
            X0 + (c[0] + c[2]) * 1_000,
            Y0 + (c[1] + c[3]) * 1_000,
        )
    ),
)
change = st.one_of(st.none(), st.just("weg"), velden)
filters = st.fixed_dictionaries(
    {
        "themas": st.lists(st.sampled_from(THEMAS), max_size=2, unique=True),
        "status": st.lists(st.sampled_from(STATUSSEN), max_size=1),
        "trekker": st.lists(st.sampled_from(TREKKERS), max_size=1),
        "horizon_tot": st.sampled_from((None, 2035)),
    }
)


@st.composite
def gevallen(draw: st.DrawFn) -> Geval:
    register = draw(st.lists(st.tuples(velden, st.booleans()), max_size=6))
    n = len(register)
    changes = draw(st.lists(change, min_size=n, max_size=n))
    other = draw(st.lists(change, min_size=n, max_size=n))
    return Geval(register, changes, draw(st.lists(velden, max_size=3)), other, draw(filters))


def _meets(geom: Polygon) -> bool:
    return bool(geom.intersects(GEBIED) and not geom.touches(GEBIED))


def _passes(v: Velden, flt: dict[str, Any]) -> bool:
    horizon = flt["horizon_tot"]
    return (
        (not flt["themas"] or v.thema in flt["themas"])
        and (not flt["status"] or v.status in flt["status"])
        and (not flt["trekker"] or v.trekker in flt["trekker"])
        and (horizon is None or (v.horizon is not None and v.horizon <= horizon))
        and _meets(v.geom)
    )


def _expected(
    ids: list[uuid.UUID], geval: Geval, nieuw_ids: list[uuid.UUID], changes: list[Any] | None
) -> dict[uuid.UUID, Velden]:
    """The situation computed in Python: the live register with the changes applied."""
    situation: dict[uuid.UUID, Velden] = {}
    for opgave_id, (fields, deleted), changed in zip(
        ids, geval.register, changes or [None] * len(ids), strict=True
    ):
        if deleted or changed == "weg":
            continue
        situation[opgave_id] = changed if isinstance(changed, Velden) else fields
    if changes is not None:
        situation.update(zip(nieuw_ids, geval.nieuw, strict=True))
    return {k: v for k, v in situation.items() if _passes(v, geval.flt)}


def _store_changes(
    session: Session, variant: Variant, opgaven: list[Any], changes: list[Any]
) -> None:
    for opgave, changed in zip(opgaven, changes, strict=True):
        if changed is None:
            continue
        row = VariantOpgave(
            id=uuid.uuid4(),
            variant_id=variant.id,
            opgave_id=opgave.id,
            sleutel=opgave.id,
            register_versie=opgave.versie,
        )
        if changed == "weg":
            row.soort = Wijziging.WEGGELATEN.value
        else:
            row.soort = Wijziging.GEWIJZIGD.value
            _set(row, changed)
        session.add(row)


def _set(row: VariantOpgave, v: Velden) -> None:
    row.titel, row.thema, row.beschrijving, row.bron = "T", v.thema, "", ""
    row.status, row.trekker, row.horizon = v.status, v.trekker, v.horizon
    row.geom = from_shape(multi(v.geom), srid=RD_NEW)


def _variant(session: Session, gebied_id: uuid.UUID) -> Variant:
    variant = Variant(gebied_id=gebied_id, naam="V", auteur="test", historie_stand=0)
    session.add(variant)
    session.flush()
    return variant


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(geval=gevallen())
def test_the_situation_is_the_register_with_the_changes_applied(
    session: Session, geval: Geval
) -> None:
    nested = session.begin_nested()
    try:
        gebied = make_gebied(session, GEBIED, slug="proef")
        opgaven = []
        for fields, deleted in geval.register:
            opgave = make_opgave(
                session, fields.geom, thema=fields.thema, status=fields.status,
                trekker=fields.trekker, horizon=fields.horizon,
            )  # fmt: skip
            if deleted:
                opgave.verwijderd_op = datetime.now(UTC)
            opgaven.append(opgave)
        variant, other = _variant(session, gebied.id), _variant(session, gebied.id)
        _store_changes(session, variant, opgaven, geval.changes)
        _store_changes(session, other, opgaven, geval.other_changes)
        nieuw_ids = []
        for fields in geval.nieuw:
            row_id = uuid.uuid4()
            row = VariantOpgave(id=row_id, variant_id=variant.id, soort="nieuw", sleutel=row_id)
            _set(row, fields)
            session.add(row)
            nieuw_ids.append(row_id)
        session.flush()
        ids = [o.id for o in opgaven]
        flt = OpgaveFilter(**geval.flt)

        for variant_id, changes in ((variant.id, geval.changes), (None, None)):
            found = opgaven_van(session, gebied, variant_id, flt)
            expected = _expected(ids, geval, nieuw_ids, changes)
            assert [k for k, _t, _g in found] == sorted(expected)
            for key, thema, wkb in found:
                assert thema == expected[key].thema
                assert shapely.from_wkb(wkb).equals(multi(expected[key].geom))
            assert tel_opgaven_van(session, gebied, variant_id, flt) == len(found)

        area = OpgaveFilter(**geval.flt, area=_gebied_expr(gebied.id))
        assert opgaven_van(session, gebied, None, flt) == opgaven_service.geometries(session, area)
    finally:
        nested.rollback()


def _gebied_expr(gebied_id: uuid.UUID) -> Any:
    from gebiedsregie.gebieden.service import gebied_geom_expr

    return gebied_geom_expr(str(gebied_id))


def test_a_variant_of_another_gebied_is_refused(session: Session) -> None:
    ede = make_gebied(session, GEBIED, slug="ede")
    elders = make_gebied(session, box(0, 300_000, 1_000, 301_000), slug="elders", naam="Elders")
    variant = _variant(session, elders.id)
    for variant_id in (variant.id, uuid.uuid4()):
        try:
            opgaven_van(session, ede, variant_id, OpgaveFilter())
        except InvalidInput as exc:
            assert [e.name for e in exc.errors] == ["variant"]
        else:
            raise AssertionError("another gebied's variant was accepted")
    assert opgaven_van(session, elders, variant.id, OpgaveFilter()) == []


def test_a_variant_change_moves_an_opgave_into_the_gebied(session: Session) -> None:
    """The gebied test is on the variant's shape: an opgave outside the gebied in the
    register counts in the variant that moves it in, and the other way round."""
    gebied = make_gebied(session, GEBIED, slug="ede")
    buiten = make_opgave(session, box(X0 - 2_000, Y0, X0 - 1_000, Y0 + 1_000))
    binnen = make_opgave(session, box(X0, Y0, X0 + 1_000, Y0 + 1_000))
    variant = _variant(session, gebied.id)
    inside = Velden(
        "wonen", "uitvoering", "rijk", 2030, box(X0 + 1_000, Y0, X0 + 2_000, Y0 + 1_000)
    )
    outside = Velden("wonen", "uitvoering", "rijk", 2030, box(X0 - 1_000, Y0, X0, Y0 + 1_000))
    _store_changes(session, variant, [buiten, binnen], [inside, outside])  # outside touches
    session.flush()
    assert [k for k, _t, _g in opgaven_van(session, gebied, variant.id, OpgaveFilter())] == [
        buiten.id
    ]
    assert [k for k, _t, _g in opgaven_van(session, gebied, None, OpgaveFilter())] == [binnen.id]
    assert isinstance(
        shapely.from_wkb(opgaven_van(session, gebied, variant.id, OpgaveFilter())[0][2]),
        MultiPolygon,
    )
