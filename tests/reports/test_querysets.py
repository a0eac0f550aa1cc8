"""Role visibility and spatial filters of Report.objects."""

import pytest
from django.contrib.auth.models import AnonymousUser

from geo.spatial import make_point
from reports.models import Report
from reports.services import report_hide, report_transition

from .factories import POINT_01, POINT_02, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(territory, hurto, extorsion, users):
    north = make_report(category=hurto, reporter=users["citizen"])
    south = make_report(category=hurto, lonlat=POINT_02)
    secret = make_report(category=extorsion, lonlat=POINT_02)
    hidden = make_report(category=hurto, lonlat=POINT_02, reporter=users["citizen"])
    report_hide(report=hidden, actor=users["moderator"], reason="Insultos")
    rejected = make_report(category=hurto, lonlat=POINT_02)
    report_transition(report=rejected, actor=users["staff_02"], to_status="rejected", reason="Spam")
    return {"north": north, "south": south, "secret": secret, "hidden": hidden, "rejected": rejected}


def codes(qs, reports):
    names = {r.pk: name for name, r in reports.items()}
    return {names[pk] for pk in qs.values_list("pk", flat=True)}


def test_public_excludes_hidden_rejected(reports):
    assert codes(Report.objects.public(), reports) == {"north", "south", "secret"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", {"north", "south", "secret"}),
        ("citizen", {"north", "south", "secret", "hidden"}),
        ("other_citizen", {"north", "south", "secret"}),
        ("staff_01", {"north", "south", "secret"}),
        ("staff_02", {"north", "south", "secret", "hidden", "rejected"}),
        ("analyst", {"north", "south", "secret", "hidden", "rejected"}),
        ("moderator", {"north", "south", "secret", "hidden", "rejected"}),
        ("admin", {"north", "south", "secret", "hidden", "rejected"}),
    ],
)
def test_visible_to(reports, users, who, expected):
    user = users[who] or AnonymousUser()
    assert codes(Report.objects.visible_to(user), reports) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", set()),
        ("citizen", set()),
        ("staff_01", {"north"}),
        ("staff_02", {"south", "secret", "hidden", "rejected"}),
        ("analyst", {"north", "south", "secret", "hidden", "rejected"}),
    ],
)
def test_staff_scope(reports, users, who, expected):
    user = users[who] or AnonymousUser()
    assert codes(Report.objects.staff_scope(user), reports) == expected


def test_within_metres_and_distance(reports):
    here = make_point(*POINT_01)
    near = Report.objects.within_metres(here, 50)
    assert codes(near, reports) == {"north"}
    # POINT_02 is 0.05° of latitude (≈ 5.5 km) south.
    assert codes(Report.objects.within_metres(here, 5000), reports) == {"north"}
    assert len(codes(Report.objects.within_metres(here, 6000), reports)) == 5
    d = Report.objects.with_distance(here).get(pk=reports["south"].pk).distance_m
    assert 5500 < d < 5560


def test_in_bbox_and_sensitive(reports):
    box = (-74.10, 4.60, -74.05, 4.65)
    assert codes(Report.objects.in_bbox(box), reports) == {"north"}
    assert codes(Report.objects.sensitive(), reports) == {"secret"}
    assert "secret" not in codes(
        Report.objects.in_bbox((-74.1, 4.55, -74.05, 4.6), field="public_location"), reports
    )
