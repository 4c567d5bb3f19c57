"""The shipped voorbeeld: complete, one line a reden, and in the database as the file says
(a change to the file without a migration that loads it fails here)."""

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.combinaties import voorbeeld
from gebiedsregie.combinaties.models import (
    REDEN_MAX,
    SET_ID,
    Combinatieset,
    LaagCombinatie,
    ThemaCombinatie,
    Waarde,
)
from gebiedsregie.opgaven.models import Thema


def test_every_pair_of_themas_once_with_a_one_line_reden(session: Session) -> None:
    codes = sorted(session.scalars(select(Thema.code)))
    rows = voorbeeld.thema_rows()
    pairs = [(r["thema_a"], r["thema_b"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == set(itertools.combinations_with_replacement(codes, 2))
    laag_rows = voorbeeld.laag_rows()
    assert {r["thema"] for r in laag_rows} == set(codes)
    assert {r["laag"] for r in laag_rows} == {"natura-2000"}
    for row in [*rows, *laag_rows]:
        assert row["waarde"] in set(Waarde)
        assert 0 < len(row["reden"]) <= REDEN_MAX and "\n" not in row["reden"]
    # An example with all three values, each in both matrices.
    assert {r["waarde"] for r in rows} == {r["waarde"] for r in laag_rows} == set(Waarde)


def test_the_database_holds_the_file(session: Session) -> None:
    stand = session.get(Combinatieset, SET_ID)
    assert stand is not None, (
        "no combinatieset: voorbeeld.json changed since migration 0013 pinned "
        f"{voorbeeld.fingerprint()}? A migration of its own must load it"
    )
    assert (stand.versie, stand.voorbeeld, stand.toelichting) == (1, True, voorbeeld.toelichting())
    thema_cells = [
        {"thema_a": c.thema_a, "thema_b": c.thema_b, "waarde": c.waarde, "reden": c.reden}
        for c in session.scalars(select(ThemaCombinatie))
    ]
    key = lambda r: sorted(r.items())  # noqa: E731
    assert sorted(thema_cells, key=key) == sorted(voorbeeld.thema_rows(), key=key)
    laag_cells = [
        {"thema": c.thema, "laag": c.laag, "waarde": c.waarde, "reden": c.reden}
        for c in session.scalars(select(LaagCombinatie))
    ]
    assert sorted(laag_cells, key=key) == sorted(voorbeeld.laag_rows(), key=key)


def test_a_migration_skips_a_changed_voorbeeld() -> None:
    class Op:
        def get_bind(self) -> object:
            raise AssertionError("nothing may be written")

    assert not voorbeeld.load(Op(), "0" * 16)
