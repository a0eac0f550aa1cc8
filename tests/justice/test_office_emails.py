"""E-mails of justice requests go through the job queue (issue 11): an outbox row per step written in the
step's transaction, a procrastinate job after commit, never sent twice, retried on failure, and never
with the narrative, the parties or the contact in it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from justice.models import JusticeNotification, NotificationState, ServiceKind
from justice.services import (
    justice_notification_send,
    justice_notifications_requeue_pending,
    justice_request_note_add,
    justice_request_transition,
)

from .factories import POINT_01, make_office, make_request

pytestmark = pytest.mark.django_db
TASK = "justice.send_notification"
SECRETS = ("RELATO-SECRETO", "PARTE-SECRETA", "Pedro", "3001234567", "NOTA-INTERNA", "medida")


@pytest.fixture
def office(territory):
    return make_office(ServiceKind.FAMILY_COMMISSARY, POINT_01)


def _created(django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return make_request("01", **extra)


def _step(django_capture_on_commit_callbacks, request, actor, to_status, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return justice_request_transition(request=request, actor=actor, to_status=to_status, **extra)


def _assert_private(message):
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), (secret, text)


def test_received_appointment_and_status_emails_are_sent_once_by_the_job(
    office, users, django_capture_on_commit_callbacks, mailoutbox, jobs
):
    request = _created(django_capture_on_commit_callbacks)
    assert mailoutbox == [] and len(jobs.jobs(TASK)) == 1  # nothing is sent inside the web request
    jobs.run()
    assert len(mailoutbox) == 1
    received = mailoutbox[0]
    assert received.to == ["victima-secreta@example.com"]
    assert received.subject == "Convive Bogotá: recibimos su solicitud de justicia"
    assert request.tracking_code in received.body and request.tracking_code not in received.subject
    assert f"/solicitud/seguimiento/{request.tracking_code}/" in received.body
    assert "Recibida" in received.body

    staff = users["staff_01"]
    justice_request_note_add(request=request, author=staff, body="NOTA-INTERNA no se envía")
    _step(django_capture_on_commit_callbacks, request, staff, "asignada", note="NOTA-INTERNA del paso")
    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    _step(
        django_capture_on_commit_callbacks,
        request,
        staff,
        "cita_programada",
        appointment_at=when,
        appointment_place="Comisaría de Santa Fe, KR 7 1 1",
        appointment_link="https://meet.example.com/abc",
    )
    _step(django_capture_on_commit_callbacks, request, staff, "atendida")
    jobs.run()
    assert [m.subject for m in mailoutbox[1:]] == [
        "Convive Bogotá: su solicitud de justicia ahora está «Asignada»",
        "Convive Bogotá: su solicitud de justicia tiene una cita",
        "Convive Bogotá: su solicitud de justicia ahora está «Atendida»",
    ]
    appointment = mailoutbox[2]
    local = timezone.localtime(when)
    assert f"{local:%H:%M}" in appointment.body and "Comisaría de Santa Fe, KR 7 1 1" in appointment.body
    assert "https://meet.example.com/abc" in appointment.body
    assert 'href="https://meet.example.com/abc"' in appointment.alternatives[0][0]
    for message in mailoutbox:
        _assert_private(message)
    assert set(JusticeNotification.objects.values_list("state", flat=True)) == {NotificationState.SENT}

    # Idempotent: the same jobs again, the handler again, the sweep: nothing more is sent.
    for notification in JusticeNotification.objects.all():
        assert justice_notification_send(notification_id=notification.pk) is False
    JusticeNotification.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert justice_notifications_requeue_pending() == 0
    jobs.run()
    assert len(mailoutbox) == 4


def test_no_email_address_no_outbox_row(office, django_capture_on_commit_callbacks, mailoutbox, jobs):
    _created(
        django_capture_on_commit_callbacks,
        contact_email="",
        preferred_channel="phone",
        contact_phone="3001234567",
    )
    jobs.run()
    assert not JusticeNotification.objects.exists() and mailoutbox == []


def test_a_failed_send_is_retried_and_sent_once(
    office, django_capture_on_commit_callbacks, mailoutbox, jobs, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("smtp down")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    request = _created(django_capture_on_commit_callbacks)
    jobs.run()
    notification = JusticeNotification.objects.get(change__request=request)
    assert notification.state == NotificationState.PENDING and notification.attempts == 1
    assert notification.last_error == "ConnectionRefusedError"  # the type only: no message text kept
    assert mailoutbox == []
    assert jobs.make_due() == 1
    jobs.run()
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT and len(mailoutbox) == 1
    jobs.make_due()
    jobs.run()
    assert len(mailoutbox) == 1


def test_a_job_lost_before_the_worker_is_deferred_again_by_the_sweep(
    office, django_capture_on_commit_callbacks, mailoutbox, jobs
):
    request = make_request("01")  # the transaction never commits here: no job was deferred
    assert jobs.jobs(TASK) == []
    notification = JusticeNotification.objects.get(change__request=request)
    assert justice_notifications_requeue_pending() == 0  # too recent: its job may still be on its way
    JusticeNotification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert justice_notifications_requeue_pending() == 1
    assert justice_notifications_requeue_pending() == 0  # one job waits for it already
    jobs.run()
    assert len(mailoutbox) == 1
