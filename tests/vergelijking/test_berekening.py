"""The comparison's computation in a bounded child (413 past its budget), and its faces
stored and read back: byte for byte the texts of the computed ones, in RD (written by
PostGIS) and in CRS84 (written here)."""

import dataclasses
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from gebiedsregie.crs import CRS84, RD
from gebiedsregie.gebieden import service as gebieden_service
from gebiedsregie.settings import Settings
from gebiedsregie.stapeling.filters import StapelingFilter
from gebiedsregie.vergelijking import overlay, service, store
from gebiedsregie.vergelijking.models import Vergelijking
from gebiedsregie.vergelijking.overlay import VerschilVlak
from tests.conftest import app_on
from tests.varianten.common import gebied_met_opgaven
from tests.vergelijking.test_api import URL, _situaties


def test_a_comparison_past_its_budget_is_stopped_and_refused(
    settings: Settings, session: Session, database_url: str
) -> None:
    gebied_met_opgaven(session)
    app = app_on(session, settings, database_url, vergelijking_seconds=0.001)
    with TestClient(app) as client:
        refused = client.get(URL, params={"a_horizon": 2030, "b_horizon": 2040})
    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "0.001 s" in refused.json()["detail"]
    assert refused.json()["errors"] == [
        {
            "name": "gebied_id",
            "reason": "Te zware vergelijking voor dit gebied.",
            "code": "analyse_te_zwaar",
        }
    ]


def test_stored_faces_read_back_as_the_computed_ones(client: TestClient, session: Session) -> None:
    variant, _ids, _register, _varianted = _situaties(session, client)
    gebied = gebieden_service.get_gebied(session, "ede")
    a = service.kant(session, gebied, "huidig", "a", StapelingFilter())
    b = service.kant(session, gebied, f"variant:{variant}", "b", StapelingFilter())
    found = service.vergelijk(session, a, b).stand
    assert found.vergelijking_id is not None and found.overlay is not None
    stored = dataclasses.replace(found, overlay=None)  # as found by a later request
    computed = dataclasses.replace(
        found,
        vergelijking_id=None,
        overlay=overlay.overlay(
            gebieden_service.gebied_shape(gebied),
            a.situatie.opgaven(session, a.flt),
            b.situatie.opgaven(session, b.flt),
        ),
    )
    assert found.overzicht["gewijzigde_vlakken"] < found.overzicht["aantal_vlakken"]
    for crs in (RD, CRS84):
        for gewijzigd, offset, limit in ((False, 0, None), (True, 0, None), (False, 2, 3)):
            asked = (crs, gewijzigd, offset, limit)
            read = list(store.iter_features(session, stored, *asked))
            assert read == list(store.iter_features(session, computed, *asked)) and read, asked

    # Replaced by another request's before this one read it: its own faces are answered;
    # when it has none (found stored), the stream breaks off rather than end short.
    session.execute(delete(Vergelijking).where(Vergelijking.id == found.vergelijking_id))
    assert list(store.iter_features(session, found, RD, False)) == list(
        store.iter_features(session, computed, RD, False)
    )
    with pytest.raises(RuntimeError, match="0 faces read"):
        list(store.iter_features(session, stored, RD, False))


def test_a_feature_text_is_what_json_dumps_makes() -> None:
    ids = ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]
    geometry = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}'
    for vlak in (
        VerschilVlak(0, ids, ids[1:], 12.3456, None),
        VerschilVlak(7, [], ids, 2.0, None),
        VerschilVlak(8, ids[:1], [], 0.0001, None),
        VerschilVlak(9, ids, ids, 0.0, None),
    ):
        expected = json.dumps(
            {
                "type": "Feature",
                "id": vlak.nr,
                "geometry": json.loads(geometry),
                "properties": {
                    "nr": vlak.nr,
                    "aantal_a": vlak.aantal_a,
                    "aantal_b": vlak.aantal_b,
                    "verschil": vlak.verschil,
                    "gewijzigd": vlak.gewijzigd,
                    "opgaven_a": vlak.opgaven_a,
                    "opgaven_b": vlak.opgaven_b,
                    "oppervlakte_ha": vlak.oppervlakte_ha,
                },
            },
            ensure_ascii=False,
        )
        compact = expected.replace(json.dumps(json.loads(geometry)), geometry)
        assert store.feature_json(vlak, geometry) == compact
