"""The platform runs on a real PostGIS and serves its API description."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_postgis():
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        (version,) = cursor.fetchone()
    assert version.split(".")[0] == "3"


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served_without_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
