"""The OpenAPI description documents the territory endpoints with their parameters."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_documents_the_territory_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in ["/api/localities/", "/api/localities/{code}/", "/api/upz/", "/api/locate/"]:
        assert "get" in paths[path], path

    def params(path):
        return {p["name"]: p for p in paths[path]["get"].get("parameters", [])}

    assert params("/api/locate/")["lat"]["required"] and params("/api/locate/")["lon"]["required"]
    assert "simplify" in params("/api/localities/")
    assert {"locality", "rural", "simplify"} <= set(params("/api/upz/"))
    responses = paths["/api/locate/"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(responses)
    locality = schema["components"]["schemas"]["Locality"]
    assert locality["properties"]["geometry"]["properties"]["type"]["enum"] == ["MultiPolygon"]
    assert set(locality["properties"]["properties"]["properties"]) == {
        "code",
        "name",
        "area_km2",
        "upz_count",
    }


def test_schema_is_valid_openapi():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    validate_schema(SchemaGenerator().get_schema(request=None, public=True))
