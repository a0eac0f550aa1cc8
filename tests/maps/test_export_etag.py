"""The exports' ETag (geo.caching.data_version) changes after every kind of write, including the ones
made with QuerySet.update(), which Django's auto_now does not see (reports migration 0006)."""

import pytest
from django.test import Client

from reports import services
from reports.models import Category, Report, Status
from tests.factories import make_territory
from tests.reports.factories import make_category, make_report, make_user

pytestmark = pytest.mark.django_db

EXPORTS = ("/api/exports/reports.csv", "/api/exports/reports.geojson", "/api/exports/aggregates.geojson")


@pytest.fixture
def setup(db):
    make_territory()
    hurto = make_category("hurto")
    reports = [make_report(category=hurto) for _ in range(3)]
    staff = make_user("func01", role="locality_staff", localities=["01"])
    return hurto, reports, staff


def _etags():
    client = Client()
    return {path: client.get(path)["ETag"] for path in EXPORTS}


def _changes_every_etag(write):
    before = _etags()
    write()
    after = _etags()
    return all(after[path] != before[path] for path in EXPORTS)


def test_writes_through_queryset_update_change_the_export_etag(setup):
    hurto, (first, second, third), staff = setup
    # reports.services paths that write with .update(): a public response's first_response_at and
    # the support counter.
    assert _changes_every_etag(lambda: services.report_respond(report=first, author=staff, body="Atendido"))
    assert _changes_every_etag(lambda: services.support_add(report=second, device_id="telefono-1"))
    # Any other path (bulk changes, admin actions, scripts): status and moderation by .update().
    assert _changes_every_etag(lambda: Report.objects.filter(pk=third.pk).update(status=Status.IN_REVIEW))
    assert _changes_every_etag(lambda: Report.objects.filter(pk=third.pk).update(hidden=True))
    # reports.categories writes categories with .update(): a category turned sensitive takes its
    # points off the public export, so the ETag must not let a cache keep them.
    assert _changes_every_etag(lambda: Category.objects.filter(pk=hurto.pk).update(sensitive=True))


def test_an_unchanged_export_keeps_its_etag(setup):
    assert _etags() == _etags()


def test_updated_at_moves_on_update_and_keeps_what_save_sets(setup):
    _, (report, *_), _ = setup
    before = Report.objects.get(pk=report.pk).updated_at
    Report.objects.filter(pk=report.pk).update(support_count=5)
    touched = Report.objects.get(pk=report.pk).updated_at
    assert touched > before
    report.refresh_from_db()
    report.status = Status.IN_REVIEW
    report.save()
    assert Report.objects.get(pk=report.pk).updated_at == report.updated_at  # auto_now's value stays
