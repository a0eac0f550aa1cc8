"""The OpenAPI schema documents every reports endpoint, with examples for create, list, nearby and errors."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_reports_endpoint_is_documented(schema):
    paths = schema["paths"]
    for expected in [
        "/api/categories/",
        "/api/reports/",
        "/api/reports/nearby/",
        "/api/reports/mine/",
        "/api/reports/track/{tracking_code}/",
        "/api/reports/{id}/",
        "/api/reports/{id}/supports/",
        "/api/staff/reports/",
        "/api/staff/reports/{id}/",
        "/api/staff/reports/{id}/transition/",
        "/api/staff/reports/{id}/responses/",
        "/api/staff/reports/{id}/duplicate/",
        "/api/staff/reports/{id}/hide/",
        "/api/auth/token/",
        "/api/auth/login/",
        "/api/auth/logout/",
        "/api/auth/register/",
        "/api/auth/me/",
    ]:
        assert expected in paths, expected


def test_examples_for_create_list_nearby_and_errors(schema):
    create = schema["paths"]["/api/reports/"]["post"]
    assert "Reporte" in create["requestBody"]["content"]["application/json"]["examples"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert "examples" in create["responses"]["201"]["content"]["application/json"]
    assert "examples" in create["responses"]["400"]["content"]["application/json"]
    assert (
        "examples"
        in schema["paths"]["/api/reports/"]["get"]["responses"]["200"]["content"]["application/json"]
    )
    nearby = schema["paths"]["/api/reports/nearby/"]["get"]
    assert "examples" in nearby["responses"]["200"]["content"]["application/json"]
    assert {"Idempotency-Key", "X-Device-Id"} <= {p["name"] for p in create["parameters"]}


def test_the_schema_is_valid_openapi(schema):
    from openapi_spec_validator import OpenAPIV30SpecValidator

    errors = [str(e).splitlines()[0] for e in OpenAPIV30SpecValidator(schema).iter_errors()]
    assert errors == []


def test_geojson_pages_are_described_with_features_not_results(schema):
    components = schema["components"]["schemas"]
    for name in ("PaginatedPublicReportList", "PaginatedStaffReportList"):
        page = components[name]
        assert page["required"] == ["type", "count", "features"]
        assert "results" not in page["properties"]
        assert page["properties"]["features"]["type"] == "array"
    nearby = schema["paths"]["/api/reports/nearby/"]["get"]["responses"]["200"]["content"]["application/json"]
    collection = components[nearby["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert collection["properties"]["features"]["type"] == "array"
    assert {"radius_m", "days", "sensitive"} <= set(collection["properties"])


def test_geometries_of_public_and_staff_features_may_be_null(schema):
    components = schema["components"]["schemas"]
    for name in ("PublicReport", "NearbyReport", "StaffReport", "StaffReportDetail"):
        assert components[name]["properties"]["geometry"]["nullable"] is True, name


def test_tracking_code_and_public_id_paths_do_not_overlap(schema):
    assert "/api/reports/{tracking_code}/" not in schema["paths"]
    track = schema["paths"]["/api/reports/track/{tracking_code}/"]["get"]
    assert "THROTTLE_TRACK" in track["description"]


def test_transition_referred_to_has_no_default_outside_its_choices(schema):
    referred = schema["components"]["schemas"]["TransitionInput"]["properties"]["referred_to"]
    assert "default" not in referred


def test_the_reporters_public_point_may_be_null(schema):
    # Sensitive categories have no public point, also in the reporter's own view.
    detail = schema["components"]["schemas"]["ReportDetail"]["properties"]
    assert detail["public_location"]["nullable"] is True
