"""Writes of the staff workbench. Each one goes through reports.services (workflow, permissions, history)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from reports.models import Report
from reports.services import report_transition


@dataclass
class BulkResult:
    moved: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def reports_bulk_transition(*, reports, actor, to_status: str, note: str = "") -> BulkResult:
    """Move each report of `reports` (already scoped to `actor`'s queue) to `to_status` through
    reports.services.report_transition, each in its own transaction: one refused step (not allowed
    from its current status) does not undo the others, and is reported with its message."""
    result = BulkResult()
    for report in reports:
        try:
            with transaction.atomic():
                report_transition(report=report, actor=actor, to_status=to_status, note=note)
        except ValidationError as exc:
            result.refused[report.pk] = " ".join(exc.messages)
        except PermissionDenied as exc:
            result.refused[report.pk] = str(exc)
        else:
            result.moved.append(report.pk)
    return result


def duplicate_target(*, actor, pk: int) -> Report | None:
    """The report `pk` that `actor` may name as an original (what report_transition checks again)."""
    return Report.objects.visible_to(actor).filter(pk=pk).first()
