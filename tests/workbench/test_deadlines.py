"""One deadline everywhere: the reporter's follow page, the staff queue, the report page and the CSV
agree on the due date and on "vencido", at the edges of a Bogotá day (ReportQuerySet.with_deadline)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import formats, timezone

from reports.models import Report
from tests.reports.factories import make_report
from web.selectors import report_follow
from workbench.selectors import queue_reports


def _received_at(report, local_day, local_time):
    """Move `report`'s receipt to `local_time` of `local_day`, Bogotá time."""
    when = timezone.make_aware(datetime.combine(local_day, local_time))
    Report.objects.filter(pk=report.pk).update(created_at=when)
    return Report.objects.get(pk=report.pk)


@pytest.mark.parametrize(
    ("days_ago", "at", "due_in_days", "overdue"),
    [
        # 23:59 in Bogotá is already the next day in UTC: the due date still counts from the Bogotá date.
        (10, time(23, 59), -5, True),
        (9, time(0, 1), -4, True),
        # Received just after midnight five days ago (response_days = 5): due today, not yet late,
        # although more than 5 × 24 hours may have passed.
        (5, time(0, 0, 1), 0, False),
        (5, time(23, 59, 59), 0, False),
        # Due yesterday: late since 00:00 today, Bogotá time.
        (6, time(0, 0), -1, True),
        (6, time(23, 59, 59), -1, True),
    ],
)
def test_follow_page_and_staff_list_give_the_same_deadline(
    territory, hurto, signed_in, days_ago, at, due_in_days, overdue
):
    today = timezone.localdate()
    report = _received_at(make_report(category=hurto), today - timedelta(days=days_ago), at)
    expected = today + timedelta(days=due_in_days)

    follow = report_follow(code=report.tracking_code)
    (row,) = [r for r in queue_reports(user=_staff(signed_in), filters={}) if r.pk == report.pk]
    assert follow.expected_by == row.due_date == expected
    assert follow.overdue is row.overdue is overdue

    # What people read: the same date and the same "late" mark on both pages.
    staff = signed_in("staff_01")
    page = staff.get(f"/gestion/reportes/{report.pk}/").content.decode()
    assert formats.date_format(expected, "j M Y") in page
    assert ("vencido" in page) is overdue
    citizen = staff.__class__().get(f"/seguimiento/{report.tracking_code}/").content.decode()
    assert formats.date_format(expected, r"j \d\e F \d\e Y") in citizen
    assert ("vencida" in citizen) is overdue
    csv = b"".join(staff.get("/gestion/bandeja/csv/").streaming_content).decode()
    line = next(line for line in csv.splitlines() if line.startswith(f"{report.pk},"))
    assert expected.isoformat() in line and line.count(",si,") + line.count(",no,") == 1
    assert (",si," in line) is overdue


def test_an_answered_report_is_not_overdue_anywhere(territory, hurto, signed_in):
    today = timezone.localdate()
    report = _received_at(make_report(category=hurto), today - timedelta(days=30), time(12))
    Report.objects.filter(pk=report.pk).update(first_response_at=timezone.now())
    follow = report_follow(code=report.tracking_code)
    (row,) = [r for r in queue_reports(user=_staff(signed_in), filters={}) if r.pk == report.pk]
    assert follow.expected_by is None and follow.overdue is False and row.overdue is False


def _staff(signed_in):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="func01")
