"""Schemathesis against the live OpenAPI schema: no 5xx, and responses conform to the schema.

Every operation of /api/schema/ is exercised for three callers (anonymous, a citizen with a token,
the staff of both toy localities with a token), with valid and invalid inputs generated from the
schema, on a small seeded territory with reports; about half of the generated report ids and
tracking codes are replaced by seeded ones, so that detail, support and workflow paths are reached. The number of examples per operation and caller is bounded
(SCHEMATHESIS_MAX_EXAMPLES, default 12) and the generation is derandomised, so a run is repeatable
and adds a couple of minutes to `make test`.
"""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import make_territory
from tests.reports.factories import POINT_01, POINT_02, make_category, make_report, make_user

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
CALLERS = ["anonymous", "citizen", "staff"]


def _live_schema() -> dict:
    """The schema exactly as GET /api/schema/ serves it (JSON), built once at collection."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


SCHEMA = schemathesis.openapi.from_dict(_live_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
APP = WSGIHandler()

# Operations whose check is known to fail, with the reason; `strict` makes the test fail as soon as the
# operation passes, so an entry must go when its fix lands. Empty: every operation conforms.
KNOWN_FAILURES: dict[str, str] = {}


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _params():
    for operation in OPERATIONS:
        reason = KNOWN_FAILURES.get(_label(operation))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(operation, marks=marks, id=_label(operation))


@pytest.fixture
def wsgi_requests_share_the_test_transaction():
    # Django closes "obsolete" connections around each request; inside a test transaction that would
    # close the connection the seeded data lives in (Django's own test client disconnects these too).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, wsgi_requests_share_the_test_transaction):
    """Toy territory, a public and a sensitive category, a few reports and one token per caller."""
    make_territory()
    hurto = make_category("hurto")
    extorsion = make_category("extorsion", sensitive=True)
    citizen = make_user("ciudadana")
    staff = make_user("funcionaria", role="locality_staff", localities=["01", "02"])
    reports = [
        make_report(category=hurto, reporter=citizen),
        make_report(category=hurto, lonlat=POINT_02),
        make_report(category=extorsion, lonlat=POINT_01),
    ]
    return {
        "headers": {
            "anonymous": {},
            "citizen": {"Authorization": f"Token {Token.objects.create(user=citizen).key}"},
            "staff": {"Authorization": f"Token {Token.objects.create(user=staff).key}"},
        },
        "path_values": {
            "id": [r.pk for r in reports],
            "tracking_code": [r.tracking_code for r in reports],
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", list(_params()))
def test_no_server_error_and_responses_match_the_schema(seeded, operation, caller):
    # Schemathesis' WSGI transport asks for gzip but does not decode it; compression itself is checked
    # in tests/test_production.py.
    headers = {**seeded["headers"][caller], "Accept-Encoding": "identity"}
    path_values = seeded["path_values"]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @hypothesis.given(case=cases, seeded_value=st.integers(min_value=0, max_value=5))
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
    )
    def check(case, seeded_value):
        from django.core.cache import cache

        for name, values in path_values.items():
            if case.path_parameters and name in case.path_parameters and seeded_value < len(values):
                case.path_parameters[name] = values[seeded_value]

        cache.clear()  # throttles: every example starts with fresh counters, as separate clients would
        response = case.call(app=APP, headers=headers)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    check()
