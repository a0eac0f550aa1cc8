"""Writes of the citizen pages: filing the report of the page's form (through reports.services)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from reports import selectors as report_selectors
from reports import services as report_services
from reports.models import Channel, Report

from .forms import ReportForm

NEARBY_SHOWN = 5


@dataclass
class Submission:
    """What happened to a submitted report form: filed (`report`), or held back by `nearby` reports."""

    report: Report | None = None
    nearby: list = field(default_factory=list)


def report_submit(*, form: ReportForm, user) -> Submission:
    """File the report of a valid `form` with reports.services.report_create, by `user` (may be anonymous).

    Unless the person confirmed it is another problem, public reports of the same category within the
    nearby radius (metres, measured to their generalised points) are returned instead, so a support
    is offered before a duplicate is filed. Errors of the service are added to the form.
    """
    data = form.cleaned_data
    category = data["category_obj"]
    if not data.get("confirm_new") and category is not None:
        nearby = report_selectors.report_nearby(
            point=data["point"],
            category=category,
            radius_m=report_selectors.nearby_radius(None),
            limit=NEARBY_SHOWN,
        )
        if nearby:
            return Submission(nearby=list(nearby))
    try:
        report = report_services.report_create(**form.service_kwargs(), channel=Channel.WEB, reporter=user)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return Submission()
    return Submission(report=report)
