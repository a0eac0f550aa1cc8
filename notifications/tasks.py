"""Background jobs of the notifications app (procrastinate, on PostgreSQL; run by
`manage.py procrastinate worker`, which `make run` starts beside the web server).

Every handler is idempotent: jobs are delivered at least once, so a handler may run again for the
same notification or digest and then does nothing. A handler that raises is retried with exponential
backoff (RETRY); after the last attempt the job stays `failed` in Django admin (Procrastinate jobs),
and the notification keeps its attempts and last error (Notificaciones).
"""

from datetime import UTC, datetime

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import services

QUEUE = "notifications"
# Up to 8 retries after the first run (procrastinate's max_attempts counts retries), waiting 4 s, 16 s,
# 64 s, ~4 min, ~17 min, ~68 min, ~4.5 h and ~18 h: about a day before the job is left failed, so an
# SMTP outage of an afternoon or a night is ridden out.
RETRY = RetryStrategy(max_attempts=8, exponential_wait=4)


@app.task(name="notifications.send_notification", queue=QUEUE, retry=RETRY)
def send_notification(notification_id: int) -> bool:
    """Send one outbox e-mail to a reporter (no-op when already sent)."""
    return services.notification_send(notification_id=notification_id)


@app.periodic(cron="*/10 * * * *", periodic_id="requeue")
@app.task(name="notifications.requeue_pending", queue=QUEUE, queueing_lock="notifications-requeue")
def requeue_pending(timestamp: int) -> int:
    """Every 10 minutes: defer again the notifications still pending after 10 minutes (a job lost
    between a commit and its deferral, or a worker that was down)."""
    return services.notifications_requeue_pending(older_than_seconds=600)


@app.periodic(cron="0 12 * * *", periodic_id="daily")  # cron runs in UTC: 07:00 in Bogotá
@app.task(name="notifications.digest_daily", queue=QUEUE, queueing_lock="notifications-digest-daily")
def digest_daily(timestamp: int) -> int:
    """Every morning: one digest job per locality staff member with an e-mail."""
    return services.digests_enqueue(now=datetime.fromtimestamp(timestamp, tz=UTC))


@app.task(name="notifications.send_digest", queue=QUEUE, retry=RETRY)
def send_digest(user_id: int, day: str, now: str) -> bool:
    """Send one staff member's digest for a local day (no-op when already sent)."""
    return services.digest_send(
        user_id=user_id,
        day=datetime.fromisoformat(day).date(),
        now=datetime.fromisoformat(now),
    )
