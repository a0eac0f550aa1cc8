"""reports.visibility: the one owner of "who sees which report and which point"."""

import re
from pathlib import Path

import pytest

from reports import visibility
from reports.visibility import ViewerScope, report_rows, rollup_rows
from tests.factories import make_territory
from tests.reports.factories import make_category, make_report, make_user

ROOT = Path(__file__).resolve().parents[2]
# Telltale fragments of the rule; only reports/visibility.py may write them.
RESTATEMENTS = [
    r"(filter|Q)\(hidden\s*=\s*False",
    r"NOT\s+r\.hidden",
    r"WHEN\s+c\.sensitive\s+THEN\s+NULL",
    r"ELSE\s+r\.public_location",
    r"category\.sensitive\s+else",
    r"ST_SnapToGrid\(ST_Transform\(",
]


def test_no_module_restates_the_rule():
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in rel:
            continue
        if rel == "reports/visibility.py":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{rel}: {pattern}" for pattern in RESTATEMENTS if re.search(pattern, text)]
    assert offenders == []


@pytest.mark.django_db
def test_scope_per_role():
    assert ViewerScope.for_user(make_user("ana", role="analyst")) == ViewerScope(full=True)
    staff = ViewerScope.for_user(make_user("s", role="locality_staff", localities=["02", "01"]))
    assert staff.locality_codes == ("01", "02") and not staff.is_public
    assert staff.has_full_detail("01") and not staff.has_full_detail("03")
    for user in (make_user("mod", role="moderator"), make_user("citizen")):
        assert ViewerScope.for_user(user).is_public


def test_visible_rows_narrowing_never_changes_the_original():
    rows = report_rows(ViewerScope(), points=True)
    narrowed = rows.and_where("l.code = %(x)s", x="01")
    assert "x" not in rows.params and narrowed.params["x"] == "01"
    assert "NOT c.sensitive" in rows.where and rows.privileged == "FALSE"
    assert "NOT c.sensitive" not in report_rows(ViewerScope(), points=False).where
    assert report_rows(ViewerScope(full=True), points=True).where == "TRUE"
    staff = rollup_rows(ViewerScope(locality_codes=("01",)), points=True)
    assert staff.params == {"own": ["01"]} and "NOT sensitive" in staff.where


@pytest.mark.django_db
def test_points_and_description_each_caller_may_see():
    make_territory()
    hurto, extorsion = make_category("hurto"), make_category("extorsion", sensitive=True)
    normal, secret = make_report(category=hurto), make_report(category=extorsion)
    anyone = make_user("citizen")
    assert visibility.public_point_of(normal) == normal.public_location != normal.location
    assert visibility.visible_point_of(anyone, normal) == normal.public_location
    assert visibility.visible_point_of(anyone, secret) is None
    assert visibility.public_description_of(secret) is None
    assert visibility.public_description_of(normal) == normal.description
    staff = make_user("s", role="locality_staff", localities=[normal.locality.code])
    assert visibility.visible_point_of(staff, secret) == secret.location
