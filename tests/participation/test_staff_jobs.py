"""Session e-mails through the job queue: the invitation on registering, one reminder per registration
and session however often the periodic job runs or a worker retries, and .ics files that parse."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from participation import services, tasks
from participation.models import MailState, Registration, SessionMail
from tests.reports.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _register(session, username, email, *, days_before):
    user = make_user(username)
    user.email = email
    user.save()
    registration, _ = services.session_register(session=session, user=user)
    # As if the person had registered `days_before` days before the session.
    Registration.objects.filter(pk=registration.pk).update(
        created_at=session.starts_at - timedelta(days=days_before)
    )
    return registration


def _ics(message):
    (name, content, kind) = message.attachments[0]
    assert kind == "text/calendar" and name.endswith(".ics")
    return Calendar.from_ical(content).walk("VEVENT")[0]


def test_invitation_is_sent_by_the_worker_with_an_ics(session_01, jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(session_01, "vecina", "vecina@example.org", days_before=6)
    assert mail.outbox == [] and len(jobs.jobs("participation.send_session_mail")) == 1
    jobs.run()
    (message,) = mail.outbox
    assert message.to == ["vecina@example.org"] and message.subject == "Inscripción: Consejo de diciembre"
    event = _ics(message)
    assert str(event["summary"]).endswith("Consejo de diciembre")
    assert event.decoded("dtstart") == session_01.starts_at.replace(microsecond=0)
    assert SessionMail.objects.get(registration=registration).state == MailState.SENT
    jobs.run()  # nothing left: the job does not send twice
    assert len(mail.outbox) == 1


def test_the_reminder_is_sent_once_however_often_the_periodic_job_runs(
    session_01, jobs, django_capture_on_commit_callbacks
):
    session_01.capacity = 10
    session_01.save()
    with django_capture_on_commit_callbacks(execute=True):
        _register(session_01, "vecina", "vecina@example.org", days_before=6)
        _register(session_01, "vecino", "vecino@example.org", days_before=5)
        _register(session_01, "sincorreo", "", days_before=5)
    jobs.run()
    assert len(mail.outbox) == 2  # the two invitations
    mail.outbox.clear()

    too_early = session_01.starts_at - timedelta(hours=30)
    assert services.session_reminders_due(now=too_early) == 0
    due = session_01.starts_at - timedelta(hours=20)
    stamp = int(due.timestamp())
    with django_capture_on_commit_callbacks(execute=True):
        # The periodic task's own body, twice (a second scheduler tick, or a run after a restart).
        assert tasks.session_reminders_due(stamp) == 2
        assert tasks.session_reminders_due(stamp) == 0
    jobs.run()
    assert sorted(m.to[0] for m in mail.outbox) == ["vecina@example.org", "vecino@example.org"]
    assert {m.subject for m in mail.outbox} == {"Recordatorio: Consejo de diciembre"}
    for message in mail.outbox:
        assert str(_ics(message)["location"]) == "Salón comunal"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_reminders_due(now=due + timedelta(hours=1)) == 0
    jobs.run()
    assert len(mail.outbox) == 2
    assert SessionMail.objects.filter(kind="reminder").count() == 2


def test_a_job_delivered_twice_sends_once(session_01, jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(session_01, "vecina", "vecina@example.org", days_before=6)
    pk = SessionMail.objects.get(registration=registration).pk
    assert tasks.send_session_mail_job(pk) is True
    assert tasks.send_session_mail_job(pk) is False  # at-least-once delivery: the second run is a no-op
    assert len(mail.outbox) == 1


def test_late_registrations_are_not_reminded_and_past_sessions_are_skipped(
    session_01, jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _register(session_01, "tarde", "tarde@example.org", days_before=0.5)  # inside the 24 h window
        early = _register(session_01, "temprano", "temprano@example.org", days_before=3)
    jobs.run()
    mail.outbox.clear()
    due = session_01.starts_at - timedelta(hours=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_reminders_due(now=due) == 1
    reminder = SessionMail.objects.get(registration=early, kind="reminder")
    # The worker was down until after the session started: the reminder is skipped, not sent late.
    assert (
        services.session_mail_send(mail_id=reminder.pk, now=session_01.starts_at + timedelta(minutes=5))
        is False
    )
    reminder.refresh_from_db()
    assert reminder.state == MailState.SKIPPED and mail.outbox == []


def test_a_failing_send_is_retried_and_a_lost_job_is_requeued(
    session_01, jobs, monkeypatch, django_capture_on_commit_callbacks
):
    calls = {"n": 0}
    real = services.session_mail_message

    def flaky(*, mail):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("SMTP caído")
        return real(mail=mail)

    monkeypatch.setattr(services, "session_mail_message", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(session_01, "vecina", "vecina@example.org", days_before=6)
    jobs.run()
    row = SessionMail.objects.get(registration=registration)
    assert row.state == MailState.PENDING and row.attempts == 1 and "SMTP caído" in row.last_error
    assert jobs.make_due() == 1
    jobs.run()
    row.refresh_from_db()
    assert row.state == MailState.SENT and len(mail.outbox) == 1

    # A mail whose job never reached the queue (the process died after the commit) is deferred again
    # by the hourly run.
    other = _register(session_01, "vecino", "vecino@example.org", days_before=6)
    lost = SessionMail.objects.get(registration=other)
    jobs.connector.reset()
    SessionMail.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    services.session_reminders_due(now=timezone.now())
    jobs.run()
    lost.refresh_from_db()
    assert lost.state == MailState.SENT and len(mail.outbox) == 2


def test_the_reminder_task_is_registered_as_hourly_periodic():
    from procrastinate.contrib.django import app

    periodic = [
        p
        for p in app.periodic_registry.periodic_tasks.values()
        if p.task.name == "participation.session_reminders_due"
    ]
    assert len(periodic) == 1 and periodic[0].cron == "5 * * * *"
