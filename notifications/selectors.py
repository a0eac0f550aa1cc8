"""Reads of the notifications app: who gets an e-mail, and what a staff digest lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from reports.models import OPEN_STATUSES, Report, ReportContact, Role

DIGEST_MAX_ROWS = 50  # per list in one e-mail; the counts are always complete


def reporter_email(*, report: Report) -> str:
    """The e-mail of `report`'s reporter when they left one AND consented to be contacted, else ''."""
    contact = ReportContact.objects.filter(report=report).first()
    if contact is None or contact.consent_at is None:
        return ""
    return (contact.email or "").strip()


def digest_recipients() -> QuerySet:
    """Active locality staff with an e-mail and at least one locality: who gets the daily digest."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff__role=Role.LOCALITY_STAFF)
        .exclude(email="")
        .exclude(staff__locality_codes=[])
        .select_related("staff")
        .order_by("pk")
    )


@dataclass(frozen=True)
class Digest:
    """What one staff member's digest lists: new reports since `since`, overdue open reports at `now`."""

    since: datetime
    now: datetime
    new: list[Report]
    new_count: int
    overdue: list[Report]
    overdue_count: int

    @property
    def empty(self) -> bool:
        return not self.new_count and not self.overdue_count


def staff_digest(*, user, now: datetime, hours: int = 24) -> Digest:
    """New reports (created in the last `hours`) and overdue ones (open, unanswered, past the deadline
    of ReportQuerySet.with_deadline at `now`) of the localities `user` works for: their workbench scope, hidden
    reports included (hiding takes a report off public outputs, not off the office's work)."""
    scope = Report.objects.staff_scope(user).select_related("category", "upz", "locality")
    since = now - timedelta(hours=hours)
    new = scope.filter(created_at__gte=since, created_at__lt=now).order_by("created_at")
    overdue = (
        scope.filter(status__in=OPEN_STATUSES, first_response_at__isnull=True)
        .with_deadline()
        .filter(deadline__lte=now)
        .order_by("deadline")
    )
    return Digest(
        since=since,
        now=now,
        new=list(new[:DIGEST_MAX_ROWS]),
        new_count=new.count(),
        overdue=list(overdue[:DIGEST_MAX_ROWS]),
        overdue_count=overdue.count(),
    )
