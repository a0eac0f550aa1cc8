"""Failures are visible in Django admin: the outbox row with its attempts and last error, and the
job itself under procrastinate's admin."""

import pytest
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from notifications.models import Notification, State
from reports.services import report_transition
from tests.factories import make_territory
from tests.reports.factories import make_report, make_user

from . import flaky_backend

pytestmark = pytest.mark.django_db


def test_a_failed_notification_shows_its_attempts_and_error(
    admin_client, jobs, settings, django_capture_on_commit_callbacks
):
    make_territory()
    staff = make_user("chapinero", role="locality_staff", localities=["01"])
    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FailOnceBackend"
    flaky_backend.state["failures_left"] = 1
    report = make_report(contact={"name": "", "email": "ana@example.org", "phone": "", "consent": True})
    with django_capture_on_commit_callbacks(execute=True):
        report_transition(report=report, actor=staff, to_status="in_review")
    jobs.run()
    notification = Notification.objects.get(report=report)
    assert notification.state == State.PENDING
    listing = admin_client.get("/admin/notifications/notification/?state=pending").content.decode()
    assert f"/admin/notifications/notification/{notification.pk}/change/" in listing
    detail = admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/").content.decode()
    assert "SMTP no disponible (prueba)" in detail
    assert "ana@example.org" not in detail, "the outbox does not copy the reporter's address"


def test_failed_jobs_are_listed_in_the_procrastinate_admin(admin_client):
    from notifications.tasks import send_notification

    with app.replace_connector(DjangoConnector(alias="default")):  # this test's transaction
        job_id = send_notification.defer(notification_id=987654)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'failed', attempts = 9 WHERE id = %s", [job_id]
        )
    page = admin_client.get("/admin/procrastinate/procrastinatejob/?status=failed")
    assert page.status_code == 200
    assert "notifications.send_notification" in page.content.decode()
    assert admin_client.get(f"/admin/procrastinate/procrastinatejob/{job_id}/change/").status_code == 200
