"""E-mails to reporters and staff digests: sent by background jobs, once per event, only with consent,
retried with backoff when the mail server fails; subjects without sensitive detail."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Kind, Notification, StaffDigest, State
from reports.models import Report
from reports.services import report_respond, report_transition
from tests.factories import make_territory
from tests.reports.factories import POINT_02, make_category, make_report, make_user

from . import flaky_backend

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ana", "email": "ana@example.org", "phone": "", "consent": True}


@pytest.fixture
def world():
    make_territory()
    staff = make_user("chapinero", role="locality_staff", localities=["01"])
    return staff


def _commit(django_capture_on_commit_callbacks, fn, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return fn(**kwargs)


def test_one_email_per_status_change_and_public_response(world, jobs, django_capture_on_commit_callbacks):
    report = make_report(category=make_category("hurto", name_es="Hurto a personas"), contact=CONTACT)
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="in_review",
        note="Lo revisamos con la policía del cuadrante.",
    )
    assert mail.outbox == [], "nothing is sent inside the request"
    jobs.run()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.subject == "Convive Bogotá: su reporte de «Hurto a personas» ahora está «En revisión»"
    assert f"/seguimiento/{report.tracking_code}/" in message.body
    assert "Lo revisamos con la policía del cuadrante." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f"/seguimiento/{report.tracking_code}/" in html
    assert report.tracking_code not in message.subject

    # The same event again (a second job, a redelivered one): nothing more is sent.
    notification = Notification.objects.get(report=report)
    assert notification.state == State.SENT and notification.attempts == 1
    assert services.notification_enqueue(notification_id=notification.pk)
    jobs.run()
    assert len(mail.outbox) == 1

    _commit(
        django_capture_on_commit_callbacks,
        report_respond,
        report=report,
        author=world,
        body="Se programó un patrullaje <b>nocturno</b>.",
    )
    _commit(
        django_capture_on_commit_callbacks,
        report_respond,
        report=report,
        author=world,
        body="Nota interna: no enviar",
        public=False,
    )
    report.refresh_from_db()
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="resolved",
    )
    jobs.run()
    subjects = [m.subject for m in mail.outbox]
    assert subjects[1:] == [
        "Convive Bogotá: respuesta a su reporte de «Hurto a personas»",
        "Convive Bogotá: su reporte de «Hurto a personas» ahora está «Resuelto»",
    ]
    response_mail = mail.outbox[1]
    assert "Se programó un patrullaje <b>nocturno</b>." in response_mail.body
    assert "patrullaje &lt;b&gt;nocturno&lt;/b&gt;" in response_mail.alternatives[0][0], "HTML is escaped"
    assert all("Nota interna" not in m.body for m in mail.outbox)
    assert Notification.objects.filter(report=report).count() == 3


def test_no_email_without_an_email_and_consent(world, jobs, django_capture_on_commit_callbacks):
    anonymous = make_report()
    phone_only = make_report(contact={"name": "", "email": "", "phone": "3001234567", "consent": True})
    for report in (anonymous, phone_only):
        _commit(
            django_capture_on_commit_callbacks,
            report_transition,
            report=report,
            actor=world,
            to_status="in_review",
        )
        _commit(
            django_capture_on_commit_callbacks, report_respond, report=report, author=world, body="Atendido"
        )
    jobs.run()
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert jobs.jobs("notifications.send_notification") == []


def test_contact_withdrawn_before_the_job_runs_sends_nothing(world, jobs, django_capture_on_commit_callbacks):
    report = make_report(contact=CONTACT)
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="in_review",
    )
    report.contact.delete()
    jobs.run()
    assert mail.outbox == []
    assert Notification.objects.get(report=report).state == State.SKIPPED


def test_sensitive_report_subject_has_no_category_nor_description(
    world, jobs, django_capture_on_commit_callbacks
):
    sensitive = make_category("violencia_intrafamiliar", sensitive=True, name_es="Violencia intrafamiliar")
    report = make_report(category=sensitive, description="Mi vecino golpea a su pareja", contact=CONTACT)
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="referred",
        referred_to="comisaria_familia",
    )
    _commit(django_capture_on_commit_callbacks, report_respond, report=report, author=world, body="Remitido.")
    jobs.run()
    assert [m.subject for m in mail.outbox] == [
        "Convive Bogotá: su reporte ahora está «Remitido»",
        "Convive Bogotá: respuesta a su reporte",
    ]
    for message in mail.outbox:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            assert "intrafamiliar" not in text.lower()
            assert "golpea" not in text
    assert "Remitido a: Comisaría de familia" in mail.outbox[0].body


def test_a_failing_send_is_retried_with_backoff_and_delivered_once(
    world, jobs, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FailOnceBackend"
    flaky_backend.state["failures_left"] = 1
    report = make_report(contact=CONTACT)
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="in_review",
    )

    jobs.run()
    assert mail.outbox == []
    (job,) = jobs.jobs("notifications.send_notification")
    assert job["status"] == "todo" and job["attempts"] == 1, "the failed job waits for its retry"
    assert job["scheduled_at"] > datetime.now(UTC) + timedelta(seconds=2), "with a backoff delay"
    notification = Notification.objects.get(report=report)
    assert notification.state == State.PENDING and notification.attempts == 1
    assert "ConnectionRefusedError" in notification.last_error

    jobs.run()  # the backoff has not elapsed: nothing runs
    assert mail.outbox == []
    assert jobs.make_due() == 1
    jobs.run()
    assert len(mail.outbox) == 1
    assert job["status"] == "succeeded"
    notification.refresh_from_db()
    assert notification.state == State.SENT and notification.attempts == 2 and notification.last_error == ""
    jobs.run()
    assert len(mail.outbox) == 1


def test_the_last_failure_leaves_the_job_failed(world, jobs, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FailOnceBackend"
    flaky_backend.state["failures_left"] = tasks.RETRY.max_attempts + 1
    report = make_report(contact=CONTACT)
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="in_review",
    )
    for _ in range(tasks.RETRY.max_attempts + 1):
        jobs.make_due()
        jobs.run()
    (job,) = jobs.jobs("notifications.send_notification")
    assert job["status"] == "failed"
    assert Notification.objects.get(report=report).attempts == tasks.RETRY.max_attempts + 1
    assert mail.outbox == []
    flaky_backend.state["failures_left"] = 0


def test_an_event_is_recorded_once(world):
    report = make_report(contact=CONTACT)
    first = services.notification_record(report=report, kind=Kind.STATUS_CHANGE, event_id=41)
    again = services.notification_record(report=report, kind=Kind.STATUS_CHANGE, event_id=41)
    assert first.pk == again.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(report=report, kind=Kind.STATUS_CHANGE, event_id=41)


def test_pending_notifications_whose_job_was_lost_are_deferred_again(world, jobs):
    report = make_report(contact=CONTACT)
    with transaction.atomic():  # recorded, but its on-commit deferral never happens (process died)
        report_transition(report=report, actor=world, to_status="in_review")
    assert jobs.jobs("notifications.send_notification") == []
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    tasks.requeue_pending(timestamp=int(timezone.now().timestamp()))
    jobs.run()
    assert len(mail.outbox) == 1


def _age(report: Report, days: float) -> None:
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_daily_digest_lists_new_and_overdue_reports_of_the_staff_localities(world, jobs):
    world.email = "chapinero@alcaldia.gov.co"
    world.save()
    other = make_user("suba", role="locality_staff", localities=["02"])
    other.email = "suba@alcaldia.gov.co"
    other.save()
    make_user("sin-correo", role="locality_staff", localities=["01"])
    sensitive = make_category("extorsion", sensitive=True, name_es="Extorsión", response_days=5)
    hurto = make_category("hurto", name_es="Hurto a personas", response_days=10)
    new = make_report(category=hurto)
    overdue = make_report(category=sensitive)
    _age(overdue, 6)
    not_yet = make_report(category=hurto)
    _age(not_yet, 9)
    closed = make_report(category=hurto)
    report_transition(report=closed, actor=world, to_status="closed_no_action")
    _age(closed, 30)
    make_report(category=hurto, lonlat=POINT_02)

    now = timezone.now() + timedelta(seconds=1)  # the schedule's tick comes after the writes
    tasks.digest_daily(timestamp=int(now.timestamp()))
    jobs.run()
    by_user = {m.to[0]: m for m in mail.outbox}
    assert set(by_user) == {"chapinero@alcaldia.gov.co", "suba@alcaldia.gov.co"}
    chapinero = by_user["chapinero@alcaldia.gov.co"]
    day = timezone.localtime(now).date()
    assert chapinero.subject == f"Convive Bogotá: resumen del {day:%d/%m/%Y}: 1 nuevo, 1 vencido"
    assert f"N.º {new.pk} · Hurto a personas" in chapinero.body
    assert f"N.º {overdue.pk} · Extorsión" in chapinero.body
    assert f"N.º {not_yet.pk}" not in chapinero.body and f"N.º {closed.pk}" not in chapinero.body
    assert by_user["suba@alcaldia.gov.co"].subject.endswith("1 nuevo, 0 vencidos")
    assert StaffDigest.objects.filter(day=day, sent_at__isnull=False).count() == 2

    # The schedule firing twice the same day (or a redelivered job) sends nothing more.
    tasks.digest_daily(timestamp=int(now.timestamp()) + 60)
    jobs.run()
    assert len(mail.outbox) == 2


def test_a_failed_deferral_does_not_fail_the_committed_write(
    world, jobs, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ConnectionError("cola no disponible")

    monkeypatch.setattr(services, "notification_enqueue", broken)
    report = make_report(contact=CONTACT)
    _commit(
        django_capture_on_commit_callbacks,
        report_transition,
        report=report,
        actor=world,
        to_status="in_review",
    )
    report.refresh_from_db()
    assert report.status == "in_review"
    assert Notification.objects.get(report=report).state == State.PENDING  # the sweep will defer it
