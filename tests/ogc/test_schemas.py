"""OGC API Features Part 5 (schemas) and Part 3's queryables resource: every collection
describes its features, and real items validate against that description."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from owslib.ogcapi.features import Features
from sqlalchemy.orm import Session

from gebiedsregie.ogc import jsonschemas
from gebiedsregie.ogc.router import CONFORMANCE
from gebiedsregie.referentielagen import service as referentielagen_service
from gebiedsregie.referentielagen.service import NieuwObject
from tests.factories import multi
from tests.ogc.test_features import fixture_data, get, rels
from tests.referentielagen.lagen import VAKKEN

SCHEMA_JSON = "application/schema+json"
LAAG = "referentielaag-beschermd-gebied"


def make_laag_with_attributes(session: Session) -> None:
    """A laag whose objecten carry different attributes, one named as a fixed property."""
    laag = referentielagen_service.create_laag(
        session, {"naam": "Beschermd gebied", "soort": "sturend", "kleur": "#2e7d32"}
    )
    objecten = [
        NieuwObject(multi(VAKKEN[0]), "Vak 1", "1", {"klasse": "A", "oppervlak": 12.5}),
        NieuwObject(multi(VAKKEN[1]), "Vak 2", None, {"klasse": None, "Naam": "Anders"}),
        NieuwObject(multi(VAKKEN[2]), "Vak 3", "3", {"beschermd": True, "oppervlak": 3}),
    ]
    referentielagen_service.replace_objecten(session, laag, [objecten])


def collection_ids(client: TestClient) -> list[str]:
    return [c["id"] for c in get(client, "/ogc/collections").json()["collections"]]


def all_items(client: TestClient, collection_id: str) -> list[dict[str, Any]]:
    path = f"/ogc/collections/{collection_id}/items"
    return get(client, path, limit=1_000).json()["features"]


@pytest.fixture
def data(session: Session) -> None:
    fixture_data(session)
    make_laag_with_attributes(session)


@pytest.mark.usefixtures("data")
def test_every_collection_links_its_schema_and_queryables(client: TestClient) -> None:
    ids = collection_ids(client)
    assert {"gebieden", "opgaven", "opgaven-wonen", "stapeling", LAAG} <= set(ids)
    for collection_id in ids:
        body = get(client, f"/ogc/collections/{collection_id}").json()
        links = rels(body)
        for rel, path in ((jsonschemas.SCHEMA_REL, "schema"),
                          (jsonschemas.QUERYABLES_REL, "queryables")):  # fmt: skip
            (link,) = links[rel]
            assert link["type"] == SCHEMA_JSON
            assert link["href"].endswith(f"/ogc/collections/{collection_id}/{path}")
            assert client.get(link["href"]).status_code == 200
    listed = get(client, "/ogc/collections").json()["collections"]
    assert all(jsonschemas.SCHEMA_REL in rels(c) for c in listed)


def test_conformance_claims_part_5_schemas_and_part_3_filtering(client: TestClient) -> None:
    claimed = get(client, "/ogc/conformance").json()["conformsTo"]
    assert claimed == CONFORMANCE
    assert "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas" in claimed
    assert "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features" in claimed
    # Part 3 and CQL2: exactly these (each proved in tests/ogc/test_filter.py); not
    # temporal-functions, queryables-query-parameters, case- or accent-insensitivity,
    # arrays, property-property, functions or arithmetic.
    part3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
    cql2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
    assert sorted(uri for uri in claimed if uri.startswith((part3, cql2))) == sorted(
        [f"{part3}{name}" for name in ("queryables", "filter", "features-filter")]
        + [
            f"{cql2}{name}"
            for name in (
                "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
                "basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions",
            )
        ]
    )  # fmt: skip


@pytest.mark.usefixtures("data")
def test_schemas_are_valid_json_schemas_with_roles(client: TestClient) -> None:
    for collection_id in collection_ids(client):
        response = get(client, f"/ogc/collections/{collection_id}/schema")
        assert response.headers["content-type"] == SCHEMA_JSON
        schema = response.json()
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/ogc/collections/{collection_id}/schema")
        assert schema["type"] == "object" and schema["title"]
        properties = schema["properties"]
        roles = {name: p["x-ogc-role"] for name, p in properties.items() if "x-ogc-role" in p}
        assert roles == {"id": "id", "geometry": "primary-geometry"}, collection_id
        assert properties["geometry"]["format"].startswith("geometry-")
        for name, prop in properties.items():
            assert prop["title"], (collection_id, name)
            assert "type" in prop or "format" in prop, (collection_id, name)


@pytest.mark.usefixtures("data")
def test_real_items_validate_against_their_schema(client: TestClient) -> None:
    filled = {"gebieden", "opgaven", "opgaven-wonen", "opgaven-natuur", "stapeling", LAAG}
    for collection_id in collection_ids(client):
        schema = get(client, f"/ogc/collections/{collection_id}/schema").json()
        checker = Draft202012Validator.FORMAT_CHECKER
        validator = Draft202012Validator(schema, format_checker=checker)
        items = all_items(client, collection_id)
        if not items:  # a thema without opgaven here
            assert collection_id not in filled
            continue
        filled.discard(collection_id)
        for feature in items:
            validator.validate(feature["properties"])
            validator.validate({"id": feature["id"]})
            # Each property the items endpoint returns is named in the schema.
            assert set(feature["properties"]) <= set(schema["properties"]), collection_id
        named = set().union(*(f["properties"] for f in items)) | {"id", "geometry"}
        # And the schema names nothing they do not return (a variant's faces aside).
        assert set(schema["properties"]) - named <= {"variant"}, collection_id
    assert not filled


@pytest.mark.usefixtures("data")
def test_schema_enums_and_types(client: TestClient) -> None:
    def schema(collection_id: str) -> dict[str, Any]:
        path = f"/ogc/collections/{collection_id}/schema"
        return get(client, path).json()["properties"]

    opgaven = schema("opgaven")
    assert opgaven["status"]["enum"] == [
        "verkenning", "planvorming", "besluitvorming", "uitvoering", "gerealiseerd"
    ]  # fmt: skip
    assert "provincie" in opgaven["trekker"]["enum"]
    assert {"wonen", "natuur", "energie"} <= set(opgaven["thema"]["enum"])
    assert opgaven["horizon"]["type"] == ["integer", "null"]
    assert opgaven["aangemaakt_op"]["format"] == "date-time"
    assert opgaven["id"]["format"] == "uuid"
    assert schema("opgaven-wonen")["thema"]["enum"] == ["wonen"]
    assert schema("gebieden")["soort"]["enum"] == [
        "voorbeeldgebied", "novex-gebied", "deelgebied", "eigen"
    ]  # fmt: skip
    assert schema("stapeling")["geometry"]["format"] == "geometry-polygon"
    laag = get(client, f"/ogc/collections/{LAAG}/schema").json()
    assert laag["additionalProperties"] is True  # objecten differ in their attributes
    properties = laag["properties"]
    assert properties["klasse"]["type"] == ["null", "string"]
    assert properties["oppervlak"]["type"] == "number"
    assert properties["beschermd"]["type"] == "boolean"
    assert properties["bron_Naam"]["title"] == "Naam"  # as the items name it


@pytest.mark.usefixtures("data")
def test_queryables(client: TestClient) -> None:
    opgave = {
        "id", "titel", "beschrijving", "trekker", "status", "horizon", "ruimtevraag_ha", "bron",
        "extern_id", "oppervlakte_ha", "versie", "aangemaakt_op", "gewijzigd_op", "geometry",
    }  # fmt: skip
    gebied = {"id", "slug", "naam", "soort", "beschrijving", "bron", "oppervlakte_ha", "versie",
              "aangemaakt_op", "gewijzigd_op", "geometry"}  # fmt: skip
    # Exactly what a filter accepts (filtering.queryables); a laag's attributes of one type.
    expected = {
        "gebieden": gebied,
        "opgaven": opgave | {"thema"},
        "opgaven-wonen": opgave,
        "stapeling": {"geometry", "gebied", "nr", "aantal", "aantal_themas", "themas",
                      "oppervlakte_ha"},
        LAAG: {"id", "naam", "extern_id", "klasse", "oppervlak", "beschermd", "bron_Naam",
               "geometry"},
    }  # fmt: skip
    for collection_id, names in expected.items():
        response = get(client, f"/ogc/collections/{collection_id}/queryables")
        assert response.headers["content-type"] == SCHEMA_JSON
        queryables = response.json()
        Draft202012Validator.check_schema(queryables)
        assert queryables["$id"].endswith(f"/ogc/collections/{collection_id}/queryables")
        assert queryables["type"] == "object" and queryables["additionalProperties"] is False
        assert set(queryables["properties"]) == names, collection_id
        schema = get(client, f"/ogc/collections/{collection_id}/schema").json()["properties"]
        for name, prop in queryables["properties"].items():
            # The same JSON Schema as in /schema, saying which parameter filters on it.
            assert {k: v for k, v in prop.items() if k != "description"} == {
                k: v for k, v in schema[name].items() if k != "description"
            }
            assert prop["description"]
    opgaven = get(client, "/ogc/collections/opgaven/queryables").json()["properties"]
    assert opgaven["status"]["enum"][0] == "verkenning"
    assert "2030 = [2030-01-01, 2030-12-31]" in opgaven["horizon"]["description"]


def test_unknown_collection_is_a_404(client: TestClient) -> None:
    for path in ("schema", "queryables"):
        response = client.get(f"/ogc/collections/bestaat-niet/{path}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "bestaat-niet" in response.json()["detail"]
    assert client.get("/ogc/collections/gebieden/schema", params={"f": "xml"}).status_code == 400


def test_owslib_reads_schema_and_queryables(live_process_url: str) -> None:
    api = Features(f"{live_process_url}/ogc")
    queryables = api.collection_queryables("opgaven")
    assert "status" in queryables["properties"]
    assert queryables["properties"]["thema"]["type"] == "string"
    schema = api.collection_schema("opgaven")
    assert schema["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
    # The seeded opgaven validate against it too.
    items = api.collection_items("opgaven", limit=100)["features"]
    validator = Draft202012Validator(schema)
    for feature in items:
        validator.validate(feature["properties"])
