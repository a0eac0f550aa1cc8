"""Writes of the notifications app: record an event's e-mail in the outbox, send it, send digests.

Delivery is at least once: the outbox row is written in the event's own transaction, its job is
deferred when that transaction commits (and deferred again by the periodic sweep if the process died
in between), and every handler is idempotent: a row already sent is never sent again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from geo.jobs import defer_once
from reports.models import Report

from . import emails, selectors
from .models import Kind, Notification, StaffDigest, State
from .outbox import outbox_send

log = logging.getLogger(__name__)


def notification_record(*, report: Report, kind: str, event_id: int) -> Notification | None:
    """Put the reporter's e-mail about one event (StatusChange or public Response id) in the outbox,
    inside the caller's transaction, and have it sent once that transaction commits. Nothing is
    recorded when the reporter left no e-mail or did not consent; a repeated event is recorded once."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not selectors.reporter_email(report=report):
        return None
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                report=report, kind=kind, event_id=event_id
            )
    except IntegrityError:  # a concurrent call recorded the same event
        return Notification.objects.get(report=report, kind=kind, event_id=event_id)
    if created:
        pk = notification.pk
        # robust: a failed deferral is logged, not raised at a caller whose write already committed;
        # the periodic sweep (notifications_requeue_pending) defers the row again.
        transaction.on_commit(lambda: notification_enqueue(notification_id=pk), robust=True)
    return notification


def notification_enqueue(*, notification_id: int) -> bool:
    """Defer the job that sends the notification; False when one is already waiting for it."""
    from .tasks import send_notification

    return defer_once(
        send_notification, lock=f"notification-{notification_id}", notification_id=notification_id
    )


def notification_send(*, notification_id: int) -> bool:
    """Send one outbox e-mail unless it was already sent (then False: the handler is idempotent); skipped
    when the reporter withdrew their contact since the event (notifications.outbox.outbox_send)."""

    def message_for(notification):
        to = selectors.reporter_email(report=notification.report)
        return emails.reporter_message(notification=notification, to=to) if to else None

    return outbox_send(
        model=Notification, pk=notification_id, related=("report__category",), message_for=message_for
    )


def notifications_requeue_pending(*, older_than_seconds: int = 600) -> int:
    """Defer again the pending notifications older than `older_than_seconds` (their job may have been
    lost between commit and defer); returns how many jobs were deferred."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = Notification.objects.filter(state=State.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)
    return sum(notification_enqueue(notification_id=pk) for pk in ids)


def local_day(moment: datetime) -> date:
    """The date in the platform's time zone (America/Bogota) of an aware datetime."""
    return timezone.localtime(moment).date()


def digests_enqueue(*, now: datetime) -> int:
    """Defer one digest job per staff recipient for the local day of `now`; returns how many."""

    from .tasks import send_digest

    day = local_day(now)
    count = 0
    for user_id in selectors.digest_recipients().values_list("pk", flat=True):
        lock = f"digest-{user_id}-{day:%Y%m%d}"
        count += defer_once(send_digest, lock=lock, user_id=user_id, day=day.isoformat(), now=now.isoformat())
    return count


def digest_send(*, user_id: int, day: date, now: datetime) -> bool:
    """Send `user_id`'s digest for local `day` (new reports in the 24 hours before `now`, overdue
    ones at `now`) unless it was already sent; an empty digest is recorded and not sent."""
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        user = get_user_model().objects.select_related("staff").filter(pk=user_id).first()
        if user is None:
            return False
        StaffDigest.objects.get_or_create(user=user, day=day)
        record = StaffDigest.objects.select_for_update().get(user=user, day=day)
        if record.sent_at is not None:
            return False
        digest = selectors.staff_digest(user=user, now=now)
        record.new_count, record.overdue_count = digest.new_count, digest.overdue_count
        if digest.empty or not user.email:
            record.save(update_fields=["new_count", "overdue_count"])
            return False
        emails.digest_message(digest=digest, user=user, day=day).send()
        record.sent_at = timezone.now()
        record.save(update_fields=["new_count", "overdue_count", "sent_at"])
    return True
