"""The audit trail of variants and their changes, written by trigger with who did it."""

from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gebiedsregie.historie.models import Historie
from tests.factories import RD_URI, token_headers
from tests.varianten.common import gebied_met_opgaven, laat_weg, maak_variant, voeg_toe, wijzig


def test_every_change_of_a_variant_is_recorded_with_who(
    anonymous_client: TestClient, client: TestClient, session: Session
) -> None:
    _gebied, opgaven = gebied_met_opgaven(session)
    anonymous_client.headers.update(token_headers(session, "planner", "piet"))
    planner = anonymous_client
    created = maak_variant(planner)
    variant_id, url = created["id"], f"/api/v1/varianten/{created['id']}"
    wonen = opgaven["wonen"]
    smaller = box(171_000, 446_000, 172_000, 447_000)
    assert wijzig(planner, variant_id, wonen, smaller, status="uitvoering").is_success
    assert laat_weg(planner, variant_id, wonen).is_success  # the same change, now left out
    nieuw = voeg_toe(planner, variant_id).json()["id"]
    assert planner.delete(f"{url}/opgaven/{nieuw}").status_code == 204
    assert planner.patch(url, json={"beschrijving": "Waarom"}).is_success
    assert client.patch(url, json={"status": "vastgesteld"}).is_success

    trail = planner.get(f"{url}/historie", params={"crs": RD_URI})
    assert trail.status_code == 200
    entries = list(reversed(trail.json()["wijzigingen"]))
    assert [(e["soort"], e["actie"], e["door"]) for e in entries] == [
        ("variant", "aangemaakt", "piet"),
        ("variant_opgave", "aangemaakt", "piet"),
        ("variant_opgave", "gewijzigd", "piet"),
        ("variant_opgave", "aangemaakt", "piet"),
        ("variant_opgave", "gewist", "piet"),
        ("variant", "gewijzigd", "piet"),
        ("variant", "gewijzigd", "test-beheerder"),
    ]
    made, left_out = entries[1], entries[2]
    assert made["na"]["id"] == str(wonen.id)  # the opgave, not the variant
    assert made["na"]["properties"]["status"] == "uitvoering"
    assert shape(made["na"]["geometry"]).equals(smaller)
    assert "geometrie" in left_out["gewijzigde_velden"] and "soort" in left_out["gewijzigde_velden"]
    assert left_out["na"]["geometry"] is None
    assert entries[5]["gewijzigde_velden"] == ["beschrijving"]
    assert entries[6]["gewijzigde_velden"] == ["status"]

    # Changes bump the variant's counter, which is no edit of the variant itself.
    variant = planner.get(url).json()
    assert variant["inhoud_versie"] == 4 and variant["versie"] == 3
    assert planner.get("/api/v1/historie").status_code == 403
    everything = client.get("/api/v1/historie", params={"soort": "variant"}).json()
    assert everything["numberMatched"] == 3


def test_changes_outside_the_application_are_recorded_too(session: Session) -> None:
    _gebied, _opgaven = gebied_met_opgaven(session)
    session.execute(
        text(
            "INSERT INTO variant (gebied_id, naam, auteur, historie_stand) "
            "SELECT id, 'Met de hand', 'psql', 0 FROM gebied WHERE slug = 'ede'"
        )
    )
    door = session.scalar(select(Historie.door).where(Historie.soort == "variant"))
    assert door is not None and door.startswith("database:")
    count = select(func.count()).select_from(Historie).where(Historie.soort == "variant")
    assert session.scalar(count) == 1


def test_the_counter_moves_when_what_the_variant_holds_changes(
    client: TestClient, session: Session
) -> None:
    """`inhoud_versie`: its changes, and a register delete or restore of an opgave it changed
    (the gebied's epoch covers the register edits in the gebied)."""
    _gebied, opgaven = gebied_met_opgaven(session)
    variant_id = maak_variant(client)["id"]
    url = f"/api/v1/varianten/{variant_id}"

    def counter() -> int:
        return int(client.get(url).json()["inhoud_versie"])

    assert counter() == 0
    assert wijzig(client, variant_id, opgaven["wonen"], status="uitvoering").is_success
    assert counter() == 1
    patch = {"type": "Feature", "properties": {"titel": "Anders"}}
    assert client.patch(f"/api/v1/opgaven/{opgaven['energie'].id}", json=patch).is_success
    assert client.patch(f"/api/v1/opgaven/{opgaven['wonen'].id}", json=patch).is_success
    assert counter() == 1  # edits the variant's own version hides, or in the epoch's care
    assert client.delete(f"/api/v1/opgaven/{opgaven['wonen'].id}").status_code == 204
    assert counter() == 2
    assert client.post(f"/api/v1/opgaven/{opgaven['wonen'].id}/herstel").status_code == 200
    assert counter() == 3
    other = maak_variant(client, naam="Ander")
    assert other["inhoud_versie"] == 0
