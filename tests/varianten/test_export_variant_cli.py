"""`gebiedsregie export … --variant ID` and `gebiedsregie stapeling … --variant ID`, against a
database of their own: the variant's opgaven and stapeling, as the API gives them."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from shapely import MultiPolygon, box

from gebiedsregie.cli import main, migrate
from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.varianten import service
from tests.uitwisseling.test_export import features_of
from tests.varianten.common import gebied_met_opgaven

ONBEKEND = "00000000-0000-4000-8000-000000000000"


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


def _variant(url: str) -> tuple[str, dict[str, str], str]:
    """Variant "Meer natuur" of ede: natuur left out, "Nieuw bos" on energie added."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        _gebied, opgaven = gebied_met_opgaven(session)
        gebied = gebieden_service.get_gebied(session, "ede")
        variant = service.create_variant(
            session, gebied, {"naam": "Meer natuur", "beschrijving": ""}, "test", None
        )
        service.put_wijziging(session, variant, opgaven["natuur"], None, None, None)
        values = {
            "titel": "Nieuw bos",
            "thema": "natuur",
            "beschrijving": "",
            "trekker": "provincie",
            "status": "verkenning",
            "horizon": 2035,
            "ruimtevraag_ha": None,
            "bron": "",
        }
        nieuw = service.create_nieuw(
            session, variant, values, MultiPolygon([box(177_000, 452_000, 179_000, 454_000)])
        )
        ids = {k: str(o.id) for k, o in opgaven.items()}
        result = str(variant.id), ids, str(nieuw.sleutel)
    engine.dispose()
    return result


def test_export_and_stapeling_of_a_variant(
    cli_database: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variant, ids, nieuw = _variant(cli_database)

    out = tmp_path / "variant.geojson"
    code, stdout, err = run(capsys, "export", "ede", "--variant", variant, "--out", str(out))
    assert code == 0, err
    assert "variant Meer natuur (concept)" in stdout
    collection = json.loads(out.read_text())
    assert collection["novex"]["variant"]["id"] == variant
    assert collection["novex"]["variant"]["status"] == "concept"
    opgaven = {f["properties"]["id"]: f["properties"] for f in features_of(collection, "opgave")}
    assert set(opgaven) == {ids["wonen"], ids["energie"], nieuw}
    assert opgaven[nieuw]["wijziging"] == "nieuw"
    faces = features_of(collection, "stapeling")
    assert max(f["properties"]["aantal"] for f in faces) == 2
    assert ids["natuur"] not in {o for f in faces for o in f["properties"]["opgaven"]}

    # Without --out, the file's name says it is a variant's, as the API's does.
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "export", "ede", "--variant", variant, "--formaat", "gpkg")
    assert code == 0, err
    [written] = tmp_path.glob("*.gpkg")
    assert written.name.startswith(f"ede-variant-{variant[:8]}-novex-rd-")
    # The register's export is as before.
    register = tmp_path / "register.geojson"
    assert run(capsys, "export", "ede", "--out", str(register))[0] == 0
    assert "variant" not in json.loads(register.read_text())["novex"]

    code, stdout, err = run(capsys, "stapeling", "ede", "--variant", variant)
    assert code == 0, err
    assert "variant Meer natuur (concept)" in stdout

    for command in ("export", "stapeling"):
        code, _, err = run(capsys, command, "ede", "--variant", ONBEKEND)
        assert code == 2 and "bestaat niet" in err
        code, _, err = run(capsys, command, "ede", "--variant", "meer-natuur")
        assert code == 2 and "geen variant-id" in err
