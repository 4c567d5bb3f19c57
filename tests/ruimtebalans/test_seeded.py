"""The seeded voorbeeldgebieden: illustrative ruimtevraag on every opgave, the ruimtebalans
against the Natura 2000 source, and the CLI."""

import gzip
import json
import subprocess
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gebiedsregie.db import make_engine, make_sessionmaker
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.gebieden.models import Gebied
from gebiedsregie.opgaven.models import Opgave
from gebiedsregie.ruimtebalans import service
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.stapeling.situatie import HuidigeSituatie
from tests.conftest import GEODATA, ROOT, seeded_database

SLUGS = ("food-valley", "zuidoost-drenthe", "chemelot")
# The shipped copy: tests/referentielagen/test_natura2000.py holds it to the source digest.
NATURA2000 = GEODATA / "natura2000.geojson.gz"


@pytest.fixture(scope="module")
def seeded(fresh_database: tuple[str, str]) -> Iterator[str]:
    with seeded_database(fresh_database, "ruimtebalans") as url:
        yield url


@pytest.fixture
def seeded_session(seeded: str) -> Iterator[Session]:
    engine = make_engine(seeded)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


def test_every_seeded_opgave_has_an_illustrative_ruimtevraag_within_its_area(
    seeded_session: Session,
) -> None:
    rows = seeded_session.execute(
        select(
            Opgave.extern_id,
            Opgave.ruimtevraag_ha,
            Opgave.bron,
            Opgave.beschrijving,
            func.ST_Area(func.ST_Intersection(Opgave.geom, Gebied.geom)) / 10_000,
        ).join(Gebied, Gebied.slug == func.split_part(Opgave.extern_id, ":", 2))
    ).all()
    assert len(rows) == 53
    for extern_id, vraag, bron, beschrijving, inside_ha in rows:
        assert vraag is not None and 0 <= vraag <= inside_ha, extern_id
        assert "ruimtevraag illustratief" in bron, extern_id
        assert "Ruimtevraag" in beschrijving and "illustratief" in beschrijving, extern_id


def _natura2000_in(gebied_rd: shapely.Geometry) -> float:
    """The Natura 2000 area (ha) inside a gebied, from the source file, by shapely alone."""
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    with gzip.open(NATURA2000, "rb") as f:
        features = json.loads(f.read())["features"]
    minx, miny, maxx, maxy = gebied_rd.bounds
    parts = []
    for feature in features:
        geom = shapely.transform(
            shape(feature["geometry"]),
            lambda xy: np.column_stack(to_rd.transform(xy[:, 0], xy[:, 1])),
        )
        bx = geom.bounds
        if bx[0] > maxx or bx[2] < minx or bx[1] > maxy or bx[3] < miny:
            continue
        parts.append(shapely.make_valid(geom).intersection(gebied_rd))
    return float(shapely.union_all(parts).area / 10_000) if parts else 0.0


@pytest.mark.parametrize("slug", SLUGS)
def test_the_voorbeeldgebieden(seeded_session: Session, slug: str) -> None:
    gebied = gebieden_service.get_gebied(seeded_session, slug)
    uitkomst = service.ruimtebalans(
        seeded_session, HuidigeSituatie(gebied), StapelingFilter(), max_opgaven=1000
    )
    b = uitkomst.balans
    vraag = seeded_session.scalar(
        select(func.sum(Opgave.ruimtevraag_ha)).where(Opgave.extern_id.like(f"seed:{slug}:%"))
    )
    assert b.vraag_ha == pytest.approx(vraag, abs=1e-3)
    assert b.aantal_geschat == 0 and all(t.geschat == "nee" for t in b.themas)
    assert [lg.naam for lg in b.sturende_lagen] == ["Natura 2000"]
    assert uitkomst.aantal_illustratief == b.aantal_opgaven > 0
    # The sturend area as the source has it, computed without the app (within 0.1%).
    expected = _natura2000_in(gebieden_service.gebied_shape(gebied))
    assert b.sturend_ha == pytest.approx(expected, rel=1e-3)
    assert b.beschikbaar_ha == pytest.approx(b.gebied_ha - b.sturend_ha, abs=1e-3)
    print(
        f"\n{slug}: gebied {b.gebied_ha:.0f} ha, sturend {b.sturend_ha:.0f}, beschikbaar "
        f"{b.beschikbaar_ha:.0f}, vraag {b.vraag_ha:.0f}, saldo {b.saldo_ha:.0f}, "
        f"ratio {b.ratio}, ruimtedruk zoekgebied {b.ruimtedruk_zoekgebied} / vraag "
        f"{b.ruimtedruk_vraag}, zoekgebied in sturend {b.zoekgebied_in_sturend_ha:.0f} ha"
    )


def test_cli(seeded: str) -> None:
    command = str(ROOT / ".venv" / "bin" / "gebiedsregie")
    env = {"DATABASE_URL": seeded, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, "ruimtebalans", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            cwd=ROOT,
        )

    result = run("chemelot")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Ruimtebalans van Chemelot, huidige situatie")
    for label in (
        "Wonen",
        "Natura 2000",
        "beschikbaar",
        "saldo",
        "ruimtedruk naar vraag",
        "Illustratief: 17 van de 17 opgaven",
    ):
        assert label in out, label
    horizon = run("chemelot", "--horizon", "2028")
    assert horizon.returncode == 0 and "opgaven tot en met 2028" in horizon.stdout
    assert "Wonen" not in horizon.stdout  # the wonen opgaven run to 2030 and later
    bad = run("chemelot", "--variant", "geen-id")
    assert bad.returncode == 2 and "geen variant-id" in bad.stderr
    missing = run("nergens")
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr
    unknown = run("chemelot", "--thema", "onzin")
    assert unknown.returncode == 2


def test_the_table_text() -> None:
    from gebiedsregie.ruimtebalans.commands import balans_table
    from gebiedsregie.ruimtebalans.compute import OpgaveVraag, SturendeLaag, compute_balans
    from gebiedsregie.ruimtebalans.service import Ruimtebalans

    balans = compute_balans(
        shapely.box(0, 0, 1000, 1000),
        [OpgaveVraag("wonen", None, shapely.box(0, 0, 500, 1000))],
        [SturendeLaag("n2000", "Natura 2000", "#2e7d32", shapely.box(0, 0, 800, 1000))],
    )
    uitkomst = Ruimtebalans(
        {"id": "x", "slug": "proef", "naam": "Proef"},
        None,
        {"thema": [], "status": [], "trekker": [], "horizon": 2030},
        balans,
    )
    text = balans_table(uitkomst, {"wonen": "Wonen"})
    assert "Ruimtebalans van Proef, huidige situatie, opgaven tot en met 2030" in text
    assert "saldo" in text and "-30,0 ha (tekort)" in text
    assert "1 van 1" in text and "zoekgebied in het gebied telt als vraag" in text
