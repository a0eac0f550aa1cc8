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
