"""Background jobs of the planning loop (procrastinate on PostgreSQL; the worker that `make run` and
`make serve` start imports every app's `tasks` module, this one included).

Session e-mails leave through an outbox (participation.models.SessionMail) like report notifications:
the row is written with the registration (invitation) or by the hourly reminder job, a job sends it,
and every handler is idempotent (jobs are delivered at least once).
"""

from datetime import UTC, datetime

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import services

QUEUE = "participation"
# The same backoff as report notifications: about a day of retries before a job is left failed.
RETRY = RetryStrategy(max_attempts=8, exponential_wait=4)


@app.task(name="participation.send_session_mail", queue=QUEUE, retry=RETRY)
def send_session_mail_job(mail_id: int) -> bool:
    """Send one session invitation or reminder (no-op when already sent or skipped)."""
    return services.session_mail_send(mail_id=mail_id)


@app.periodic(cron="5 * * * *", periodic_id="session-reminders")
@app.task(
    name="participation.session_reminders_due",
    queue=QUEUE,
    queueing_lock="participation-session-reminders",
)
def session_reminders_due(timestamp: int) -> int:
    """Every hour: record the reminders of sessions starting within the next 24 hours (once per
    registration, however often this runs) and defer again mails whose job was lost."""
    return services.session_reminders_due(now=datetime.fromtimestamp(timestamp, tz=UTC))
