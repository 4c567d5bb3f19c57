"""Import into a new referentielaag through the API (`nieuwe_referentielaag`): the laag is
made in the import's transaction, so a dry run or a refused file leaves nothing behind."""

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from shapely import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from gebiedsregie.historie.models import Historie
from gebiedsregie.referentielagen import service
from tests.referentielagen.lagen import make_laag
from tests.referentielagen.test_import import RECORDS, VLAKKEN, layer

NIEUW = {
    "naam": "Grondwaterbescherming",
    "soort": "informatief",
    "kleur": "#1565C0",
    "bron": "Provincie Gelderland",
    "licentie": "CC0",
    "peildatum": "2025-06-01",
}


def upload(client: TestClient, path: Path, **form: Any) -> Any:
    with path.open("rb") as file:
        return client.post(
            "/api/v1/import", files={"bestand": (path.name, file)}, data=form or None
        )


def bestand(tmp_path: Path, geoms: list[Any] | None = None) -> Path:
    path = tmp_path / "grondwater.gpkg"
    records = RECORDS if geoms is None else [{"NAAM": f"Vlak {i}"} for i in range(len(geoms))]
    layer(geoms or VLAKKEN, records).to_file(path, driver="GPKG")
    return path


def lagen(client: TestClient) -> list[str]:
    return [lg["slug"] for lg in client.get("/api/v1/referentielagen").json()["referentielagen"]]


def test_a_dry_run_makes_no_laag(client: TestClient, tmp_path: Path) -> None:
    response = upload(
        client, bestand(tmp_path), nieuwe_referentielaag=json.dumps(NIEUW), dry_run="true"
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["referentielaag"]["slug"] == "grondwaterbescherming"
    assert report["samenvatting"]["geaccepteerd"] == 3
    assert report["samenvatting"]["geschreven"] == 0
    assert lagen(client) == []


def test_the_import_makes_and_fills_the_laag(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    response = upload(client, bestand(tmp_path), nieuwe_referentielaag=json.dumps(NIEUW))
    assert response.status_code == 200, response.text
    laag = service.get_laag(session, "grondwaterbescherming")
    assert (laag.soort, laag.kleur, laag.bron, laag.licentie) == (
        "informatief",
        "#1565c0",
        "Provincie Gelderland",
        "CC0",
    )
    assert laag.peildatum is not None and laag.peildatum.isoformat() == "2025-06-01"
    assert laag.aantal_objecten == 3
    # Made and filled: both in the audit trail, by the beheerder who imported.
    acties = session.scalars(
        select(Historie.actie).where(Historie.object_id == laag.id).order_by(Historie.versie)
    ).all()
    assert acties == ["aangemaakt", "gewijzigd"]


def test_a_refused_file_leaves_no_laag(client: TestClient, tmp_path: Path) -> None:
    path = bestand(tmp_path, [*VLAKKEN[:2], Point(174_000, 448_000)])
    response = upload(client, path, nieuwe_referentielaag=json.dumps(NIEUW))
    assert response.status_code == 400
    assert lagen(client) == []


def test_bad_new_lagen_are_refused_by_field(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    path = bestand(tmp_path)

    def errors(**form: Any) -> list[str]:
        response = upload(client, path, **form)
        assert response.status_code in (400, 409), response.text
        return [e["name"] for e in response.json()["errors"]]

    assert errors(nieuwe_referentielaag="{geen json") == ["nieuwe_referentielaag"]
    assert errors(nieuwe_referentielaag="[1, 2]") == ["nieuwe_referentielaag"]
    assert errors(nieuwe_referentielaag=json.dumps({**NIEUW, "kleur": "blauw"})) == [
        "nieuwe_referentielaag.kleur"
    ]
    assert errors(nieuwe_referentielaag=json.dumps({"soort": "sturend"})) == [
        "nieuwe_referentielaag.naam",
        "nieuwe_referentielaag.kleur",
    ]
    make_laag(session, naam="Grondwaterbescherming")
    taken = json.dumps({**NIEUW, "slug": "grondwaterbescherming"})
    assert errors(nieuwe_referentielaag=taken) == ["slug"]
    both = errors(referentielaag="grondwaterbescherming", nieuwe_referentielaag=json.dumps(NIEUW))
    assert both == ["nieuwe_referentielaag"]
    assert lagen(client) == ["grondwaterbescherming"]
