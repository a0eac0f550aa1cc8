"""Sending one row of an e-mail outbox, shared by every outbox of the platform (report notifications,
justice request steps, council session mail). Each outbox model has `state` (pending/sent/skipped, the
same values in every app), `sent_at`, `attempts` and `last_error`.
"""

import logging
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

log = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 2000


def error_with_text(exc: Exception) -> str:
    """What a failure records by default: the exception's type and text."""
    return f"{type(exc).__name__}: {exc}"


def outbox_send(
    *,
    model,
    pk: int,
    related: tuple[str, ...],
    message_for: Callable[[object], EmailMessage | None],
    error_text: Callable[[Exception], str] = error_with_text,
) -> bool:
    """Send the outbox row `pk` of `model` unless it is no longer pending (then False: the job that calls
    this is idempotent). `message_for(row)` builds the e-mail, or returns None when there is nothing to
    send any more (the row is marked skipped, False).

    The row stays locked while the message is handed to the e-mail backend, so two workers never send it
    twice. A failure is counted on the row (attempts, `error_text(exc)` as last_error, logged the same
    way) and raised again so the job is retried with backoff.
    """
    try:
        with transaction.atomic():
            row = model.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=pk).first()
            if row is None or row.state != "pending":
                return False
            message = message_for(row)
            if message is None:
                row.state = "skipped"
                row.save(update_fields=["state"])
                return False
            message.send()
            row.state, row.sent_at, row.last_error = "sent", timezone.now(), ""
            row.attempts = F("attempts") + 1
            row.save(update_fields=["state", "sent_at", "attempts", "last_error"])
    except Exception as exc:
        error = error_text(exc)
        model.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=error[:ERROR_MAX_LENGTH])
        log.warning("%s %s not sent: %s", model._meta.label, pk, error)
        raise
    return True
