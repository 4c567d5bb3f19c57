"""The comparison of generated situations on a real database, against the situations applied
in Python (tests/varianten/test_situatie.py): every stored difference face against a
point-in-polygon count, the sum of verschil x area against the situations' areas, and the
opgaven that differ."""

import dataclasses
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box
from shapely.geometry import shape
from sqlalchemy import delete
from sqlalchemy.orm import Session

from gebiedsregie.crs import RD
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.varianten.models import Variant, VariantOpgave
from gebiedsregie.vergelijking import service, store
from tests.factories import make_gebied, make_opgave
from tests.varianten.test_situatie import (
    GEBIED,
    STATUSSEN,
    THEMAS,
    TREKKERS,
    X0,
    Y0,
    Geval,
    Velden,
    _expected,
    _set,
    _store_changes,
    _variant,
    filters,
)

HORIZONS = st.sampled_from((None, None, 2030, 2035, 2040))
NO_FILTER = {"themas": [], "status": [], "trekker": [], "horizon_tot": None}
# Mostly inside the 4 km gebied, some across its border; overlapping often.
cells = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 2), st.integers(1, 2))
velden = st.builds(
    Velden,
    st.sampled_from(THEMAS),
    st.sampled_from(STATUSSEN),
    st.sampled_from(TREKKERS),
    st.sampled_from((None, 2030, 2040)),
    cells.map(
        lambda c: box(
            X0 + c[0] * 1_000,
            Y0 + c[1] * 1_000,
            X0 + (c[0] + c[2]) * 1_000,
            Y0 + (c[1] + c[3]) * 1_000,
        )
    ),
)


@st.composite
def vergelijkingen(draw: st.DrawFn) -> Geval:
    """A register of a few opgaven (some deleted), a variant's changes, mostly no filter
    (test_situatie's cases leave nothing too often for a comparison)."""
    register = draw(
        st.lists(
            st.tuples(velden, st.sampled_from((False, False, False, True))), min_size=1, max_size=7
        )
    )
    changes = draw(
        st.lists(
            st.one_of(st.none(), st.just("weg"), velden),
            min_size=len(register),
            max_size=len(register),
        )
    )
    flt = draw(st.one_of(st.just(NO_FILTER), filters))
    return Geval(register, changes, draw(st.lists(velden, max_size=3)), [None] * len(register), flt)


def _build(session: Session, geval: Geval) -> tuple[Gebied, list[uuid.UUID], Variant, list[Any]]:
    gebied = make_gebied(session, GEBIED, slug=f"proef-{uuid.uuid4().hex[:8]}")
    opgaven = []
    for fields, deleted in geval.register:
        opgave = make_opgave(
            session, fields.geom, thema=fields.thema, status=fields.status,
            trekker=fields.trekker, horizon=fields.horizon,
        )  # fmt: skip
        if deleted:
            opgave.verwijderd_op = datetime.now(UTC)
        opgaven.append(opgave)
    variant = _variant(session, gebied.id)
    _store_changes(session, variant, opgaven, geval.changes)
    nieuw_ids = []
    for fields in geval.nieuw:
        row_id = uuid.uuid4()
        row = VariantOpgave(id=row_id, variant_id=variant.id, soort="nieuw", sleutel=row_id)
        _set(row, fields)
        session.add(row)
        nieuw_ids.append(row_id)
    session.commit()
    return gebied, [o.id for o in opgaven], variant, nieuw_ids


def _clean(session: Session, gebied: Gebied, ids: list[uuid.UUID]) -> None:
    session.rollback()
    session.execute(delete(Variant).where(Variant.gebied_id == gebied.id))
    session.execute(delete(Opgave).where(Opgave.id.in_(ids)))
    session.execute(delete(Gebied).where(Gebied.id == gebied.id))
    session.commit()


def _inside(situation: dict[uuid.UUID, Velden], point: shapely.Point) -> list[str]:
    return sorted(str(k) for k, v in situation.items() if v.geom.contains(point))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(geval=vergelijkingen(), horizon_a=HORIZONS, horizon_b=HORIZONS)
def test_the_comparison_of_generated_situations(
    session: Session, geval: Geval, horizon_a: int | None, horizon_b: int | None
) -> None:
    gebied, ids, variant, nieuw_ids = _build(session, geval)
    try:
        flt = StapelingFilter.of(
            geval.flt["themas"], geval.flt["status"], geval.flt["trekker"], None
        )
        a = service.kant(session, gebied, "huidig", "a", service.met_horizon(flt, horizon_a))
        b_naam = f"variant:{variant.id}"
        b = service.kant(session, gebied, b_naam, "b", service.met_horizon(flt, horizon_b))
        found = service.vergelijk(session, a, b)
        assert found.stand.vergelijking_id is not None  # kept: nothing changed meanwhile

        def expected(horizon: int | None, changes: list[Any] | None) -> dict[uuid.UUID, Velden]:
            asked = dataclasses.replace(geval, flt={**geval.flt, "horizon_tot": horizon})
            return _expected(ids, asked, nieuw_ids, changes)

        in_a, in_b = expected(horizon_a, None), expected(horizon_b, geval.changes)
        features = [json.loads(f) for f in store.iter_features(session, found.stand, RD, False)]
        assert [f["id"] for f in features] == list(range(found.stand.overzicht["aantal_vlakken"]))
        total = 0.0
        print(
            "FACES",
            len(features),
            len(geval.register),
            len(geval.nieuw),
            len(in_a),
            len(in_b),
            geval.flt,
            horizon_a,
            horizon_b,
        )
        for feature in features:
            face = shape(feature["geometry"])
            point = shapely.get_point(shapely.maximum_inscribed_circle(face, 0.01), 0)
            props = feature["properties"]
            assert props["opgaven_a"] == _inside(in_a, point)
            assert props["opgaven_b"] == _inside(in_b, point)
            total += props["verschil"] * face.area
        area = {
            side: sum(v.geom.intersection(GEBIED).area for v in situation.values())
            for side, situation in (("a", in_a), ("b", in_b))
        }
        assert total == pytest.approx(area["b"] - area["a"], abs=1e-3)
        sam_a, sam_b = found.stand.samenvatting_a, found.stand.samenvatting_b
        assert sam_a["aantal_opgaven"] == len(in_a) and sam_b["aantal_opgaven"] == len(in_b)
        per_depth = sum(d["aantal"] * d["verschil_ha"] for d in found.verschillen["per_diepte"])
        depths = len(found.verschillen["per_diepte"])
        assert per_depth * 10_000 == pytest.approx(total, abs=1 + depths * depths)

        opgaven = found.opgaven
        assert {o["id"] for o in opgaven["toegevoegd"]} == {str(k) for k in in_b.keys() - in_a}
        assert {o["id"] for o in opgaven["weggelaten"]} == {str(k) for k in in_a.keys() - in_b}
        changed = {
            str(k): dataclasses.astuple(in_a[k]) != dataclasses.astuple(in_b[k])
            for k in in_a.keys() & in_b.keys()
            if k in ids and isinstance(geval.changes[ids.index(k)], Velden)
        }  # the variant's own version: its titel ("T") differs from the register's anyway
        assert {o["id"] for o in opgaven["gewijzigd"]} == set(changed)
        for o in opgaven["gewijzigd"]:
            key = uuid.UUID(o["id"])
            geom_changed = not in_a[key].geom.equals(in_b[key].geom)
            assert ("geometrie" in o["velden"]) == geom_changed
            assert ("thema" in o["velden"]) == (in_a[key].thema != in_b[key].thema)
            assert "titel" in o["velden"]
        # The same comparison again: stored, the same faces.
        again = service.vergelijk(session, a, b)
        assert again.stand.vergelijking_id == found.stand.vergelijking_id
        assert not again.stand.berekend
    finally:
        _clean(session, gebied, ids)
