"""Background jobs of access to justice (procrastinate, on PostgreSQL, the same worker and queue as the
report e-mails in notifications.tasks).

Handlers are idempotent: a job delivered twice, or retried after a crash, never sends a second e-mail
(justice.services.justice_notification_send locks and checks the outbox row).
"""

from procrastinate.contrib.django import app

from notifications.tasks import QUEUE, RETRY

from . import services


@app.task(name="justice.send_notification", queue=QUEUE, retry=RETRY)
def send_justice_notification(notification_id: int) -> bool:
    """Send one e-mail about a step of a justice request (no-op when already sent)."""
    return services.justice_notification_send(notification_id=notification_id)


@app.periodic(cron="*/10 * * * *", periodic_id="justice-requeue")
@app.task(name="justice.requeue_pending", queue=QUEUE, queueing_lock="justice-requeue")
def requeue_pending(timestamp: int) -> int:
    """Every 10 minutes: defer again the justice e-mails still pending after 10 minutes."""
    return services.justice_notifications_requeue_pending(older_than_seconds=600)
