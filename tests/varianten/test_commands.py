"""`gebiedsregie variant list|create|show|apply` against a database of their own."""

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from gebiedsregie.auth.models import Rol
from gebiedsregie.cli import main, migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.historie.models import Historie
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.varianten import service
from tests.varianten.common import gebied_met_opgaven


@pytest.fixture
def cli_database(
    admin_engine_factory: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = admin_engine_factory()
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_variants_from_the_shell(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(cli_database)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        _gebied, opgaven = gebied_met_opgaven(session)
        natuur_id = opgaven["natuur"].id

    code, out, err = run(
        capsys, "variant", "create", "ede", "Meer natuur", "--beschrijving", "Proef"
    )
    assert code == 0, err
    variant_id = out.strip()
    assert out == variant_id + "\n" and "Meer natuur" in err
    code, _, err = run(capsys, "variant", "create", "ede", "\u202eomgekeerd")
    assert code == 2 and "naam" in err
    code, _, err = run(capsys, "variant", "create", "nergens", "X")
    assert code == 2 and "bestaat niet" in err

    code, out, _ = run(capsys, "variant", "list", "ede")
    assert code == 0 and variant_id in out and "concept" in out and "Meer natuur" in out

    with sessions() as session:
        variant = service.get_variant(session, variant_id)
        natuur = session.get(Opgave, natuur_id)
        assert natuur is not None
        service.put_wijziging(session, variant, natuur, None, None, None)
        natuur.beschrijving = "Intussen"
        session.commit()

    code, out, _ = run(capsys, "variant", "show", variant_id)
    assert code == 0
    assert "weggelaten  Natuur" in out and "register sindsdien gewijzigd: beschrijving" in out
    assert "gewijzigd   Natuur: beschrijving" in out

    code, _, err = run(capsys, "variant", "apply", variant_id)
    assert code == 2 and "vastgesteld" in err
    with sessions() as session:
        variant = service.get_variant(session, variant_id)
        service.update_variant(session, variant, {"status": "vastgesteld"}, Rol.BEHEERDER)
    code, _, err = run(capsys, "variant", "apply", variant_id)
    assert code == 2 and f"opgaven.{natuur_id}" in err  # the register changed since: 412
    with sessions() as session:
        variant = service.get_variant(session, variant_id)
        service.update_variant(session, variant, {"status": "concept"}, Rol.BEHEERDER)
        natuur = session.get(Opgave, natuur_id)
        assert natuur is not None
        service.put_wijziging(
            session,
            variant,
            natuur,
            service.find_wijziging(session, variant, natuur_id),
            None,
            None,
        )
        service.update_variant(session, variant, {"status": "vastgesteld"}, Rol.BEHEERDER)
    code, out, err = run(capsys, "variant", "apply", variant_id)
    assert code == 0, err
    assert "1 verwijderd" in out
    code, _, err = run(capsys, "variant", "show", "geen-id")
    assert code == 2 and "bestaat niet" in err

    with sessions() as session:
        natuur = session.get(Opgave, natuur_id)
        assert natuur is not None and natuur.verwijderd_op is not None
        door = session.scalar(
            select(Historie.door)
            .where(Historie.object_id == natuur_id)
            .order_by(Historie.id.desc())
        )
        assert door is not None and door.startswith("cli:")
    engine.dispose()
