"""`gebiedsregie vergelijk GEBIED A B` against a database of its own."""

import pytest
from shapely import box

from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.varianten import service
from tests.factories import make_opgave
from tests.varianten.common import gebied_met_opgaven
from tests.varianten.test_commands import cli_database, run  # noqa: F401  (a fixture)


def test_vergelijk_from_the_shell(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    engine = make_engine(cli_database)
    with make_sessionmaker(engine)() as session:
        gebied, opgaven = gebied_met_opgaven(session)
        make_opgave(session, box(171_500, 446_500, 172_500, 447_500), titel="Later", horizon=2038)
        session.commit()
        variant = service.create_variant(session, gebied, {"naam": "Zonder wonen"}, "test", None)
        wonen = session.get(Opgave, opgaven["wonen"].id)
        assert wonen is not None
        service.put_wijziging(session, variant, wonen, None, None, None)
        variant_id = str(variant.id)
    engine.dispose()

    code, out, err = run(capsys, "vergelijk", "ede", "huidig", f"variant:{variant_id}")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Vergelijking in Ede"
    assert lines[1] == "  A: huidige situatie"
    assert lines[2] == "  B: variant Zonder wonen (concept)"
    # wonen (400 ha, with Later inside it and natuur over 100 ha of it) is gone in B.
    assert "  opgaven                          4           3          -1" in lines
    assert "  wonen                        400,0       100,0      -300,0" in lines
    assert "  natuur                       900,0       900,0         0,0" in lines
    assert "  maximale stapeling               3           2          -1" in lines
    assert "  opgaven alleen in A: 1" in lines and "    Wonen (wonen)" in lines
    assert "  opgaven alleen in B: 0" in lines

    # Two horizons of the register; a bare variant id is taken for variant:<id>.
    code, out, err = run(
        capsys, "vergelijk", "ede", "huidig", "huidig", "--a-horizon", "2030", "--b-horizon", "2040"
    )
    assert code == 0, err
    assert "  A: huidige situatie, horizon t/m 2030" in out
    assert "    Later (wonen)" in out.split("opgaven alleen in B: 1")[1]
    code, out, err = run(capsys, "vergelijk", "ede", variant_id, "huidig")
    assert code == 0, err
    assert "  A: variant Zonder wonen (concept)" in out

    code, _out, err = run(capsys, "vergelijk", "ede", "huidig", "morgen")
    assert code == 2 and "geen variant-id" in err
    code, _out, err = run(capsys, "vergelijk", "nergens", "huidig", "huidig")
    assert code == 2 and "bestaat niet" in err
