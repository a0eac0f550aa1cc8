"""Report creation, public point and workflow services on the toy territory."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from geo.spatial import make_point
from reports.models import Report, StatusChange, Support
from reports.services import (
    report_create,
    report_hide,
    report_respond,
    report_transition,
    support_add,
)

from .factories import POINT_01, POINT_02, make_report

pytestmark = pytest.mark.django_db


def _create(category, lonlat=POINT_01, **extra):
    kwargs = {
        "category": category,
        "description": "Hay una riña todas las noches",
        "location": make_point(*lonlat),
        "occurred_at": timezone.now() - timedelta(minutes=5),
        "channel": "web",
        **extra,
    }
    return report_create(**kwargs)


def test_create_assigns_locality_upz_history_and_public_point(territory, hurto):
    report = _create(hurto)
    assert report.locality.code == "01"
    assert report.upz.code == "1"
    assert report.status == "received"
    assert list(report.history.values_list("from_status", "to_status")) == [("", "received")]
    assert report.public_location is not None
    assert report.public_location != report.location
    exact = report.location.transform(9377, clone=True)
    public = report.public_location.transform(9377, clone=True)
    assert exact.distance(public) <= 100 * 2**0.5 / 2 + 0.5
    # On the grid: coordinates in EPSG:9377 are multiples of 100 m (to rounding of the 4326 storage).
    assert abs(public.x / 100 - round(public.x / 100)) < 0.01
    assert abs(public.y / 100 - round(public.y / 100)) < 0.01


def test_nearby_points_share_a_public_point(territory, hurto):
    a = _create(hurto, lonlat=(-74.07120, 4.62340))
    b = _create(hurto, lonlat=(-74.07121, 4.62341))
    assert a.public_location.equals_exact(b.public_location, tolerance=1e-9)


def test_grid_size_comes_from_settings(territory, hurto, settings):
    settings.PUBLIC_GRID_METRES = 1000
    report = _create(hurto)
    public = report.public_location.transform(9377, clone=True)
    assert abs(public.x / 1000 - round(public.x / 1000)) < 0.001
    assert report.location.transform(9377, clone=True).distance(public) <= 1000 * 2**0.5 / 2 + 1


def test_sensitive_category_has_no_public_point(territory, extorsion):
    assert _create(extorsion).public_location is None


def test_locality_comes_from_the_point(territory, hurto):
    assert _create(hurto, lonlat=POINT_02).locality.code == "02"


def test_outside_bogota_is_refused(territory, hurto):
    with pytest.raises(ValidationError) as exc:
        _create(hurto, lonlat=(-74.20, 4.62))  # west of the toy territory
    assert "fuera de Bogotá" in exc.value.message_dict["location"][0]
    assert Report.objects.count() == 0


def test_swapped_lat_lon_is_explained(territory, hurto):
    with pytest.raises(ValidationError) as exc:
        _create(hurto, lonlat=(4.6234, -74.0712))
    assert "invertidas" in exc.value.message_dict["location"][0]


def test_future_date_is_refused_but_small_clock_skew_allowed(territory, hurto):
    with pytest.raises(ValidationError) as exc:
        _create(hurto, occurred_at=timezone.now() + timedelta(hours=2))
    assert "futuro" in exc.value.message_dict["occurred_at"][0]
    assert _create(hurto, occurred_at=timezone.now() + timedelta(seconds=30)).pk


def test_description_is_stripped_limited_and_html_kept_as_text(territory, hurto):
    report = _create(hurto, description="  <b>robo</b> <script>alert(1)</script>  ")
    assert report.description == "<b>robo</b> <script>alert(1)</script>"
    with pytest.raises(ValidationError) as exc:
        _create(hurto, description="x" * 4001)
    assert "4001" in exc.value.message_dict["description"][0]
    with pytest.raises(ValidationError):
        _create(hurto, description="   ")


def test_several_errors_reported_together(territory, hurto):
    with pytest.raises(ValidationError) as exc:
        _create(hurto, description="", lonlat=(-75.5, 6.2), occurred_at=timezone.now() + timedelta(days=1))
    assert set(exc.value.message_dict) == {"description", "location", "occurred_at"}


def test_contact_needs_consent_and_is_stored_apart(territory, hurto):
    with pytest.raises(ValidationError) as exc:
        _create(hurto, contact={"email": "a@b.co"})
    assert "contact" in exc.value.message_dict
    report = _create(hurto, contact={"email": "a@b.co", "consent": True})
    assert report.contact.email == "a@b.co"
    assert report.contact.consent_at is not None


def test_more_than_three_photos_refused(territory, hurto):
    with pytest.raises(ValidationError) as exc:
        _create(hurto, photos=[object()] * 4)
    assert "3" in exc.value.message_dict["photos"][0]


# --- workflow ---------------------------------------------------------------------------------------


def test_full_workflow_records_history_and_first_response(territory, hurto, users):
    report = make_report(category=hurto)
    staff = users["staff_01"]
    report = report_transition(report=report, actor=staff, to_status="in_review", note="Revisando")
    assert report.first_response_at is not None
    first = report.first_response_at
    report = report_transition(report=report, actor=staff, to_status="referred", referred_to="policia")
    report = report_transition(report=report, actor=staff, to_status="in_progress")
    report = report_transition(report=report, actor=staff, to_status="resolved", note="Se instaló CAI móvil")
    assert report.closed_at is not None
    assert report.first_response_at == first
    steps = list(report.history.values_list("from_status", "to_status", "actor__username"))
    assert steps == [
        ("", "received", None),
        ("received", "in_review", "func01"),
        ("in_review", "referred", "func01"),
        ("referred", "in_progress", "func01"),
        ("in_progress", "resolved", "func01"),
    ]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "resolved"),  # received cannot jump to resolved
        (["in_review", "referred"], "in_review"),
        (["closed_no_action"], "resolved"),
        ([], "received"),
    ],
)
def test_forbidden_transitions(territory, hurto, users, path, target):
    report = make_report(category=hurto)
    for step in path:
        extra = {"referred_to": "policia"} if step == "referred" else {}
        report = report_transition(report=report, actor=users["staff_01"], to_status=step, **extra)
    before = StatusChange.objects.filter(report=report).count()
    with pytest.raises(ValidationError) as exc:
        report_transition(report=report, actor=users["staff_01"], to_status=target)
    assert "No se puede pasar" in exc.value.message_dict["to_status"][0]
    assert StatusChange.objects.filter(report=report).count() == before


def test_transition_requirements(territory, hurto, users):
    staff = users["staff_01"]
    report = make_report(category=hurto)
    with pytest.raises(ValidationError) as exc:
        report_transition(report=report, actor=staff, to_status="rejected")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        report_transition(report=report, actor=staff, to_status="referred")
    assert "referred_to" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        report_transition(report=report, actor=staff, to_status="duplicate")
    assert "duplicate_of" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        report_transition(report=report, actor=staff, to_status="duplicate", duplicate_of=report)
    assert "sí mismo" in exc.value.message_dict["duplicate_of"][0]
    report = report_transition(report=report, actor=staff, to_status="rejected", reason="Spam")
    assert report.moderation_reason == "Spam"
    with pytest.raises(ValidationError) as exc:
        report_transition(report=report, actor=staff, to_status="in_review")
    assert "note" in exc.value.message_dict
    report = report_transition(report=report, actor=staff, to_status="in_review", note="Rechazo por error")
    assert report.closed_at is None


def test_duplicate_points_to_the_root(territory, hurto, users):
    staff = users["staff_01"]
    original = make_report(category=hurto)
    second = make_report(category=hurto)
    third = make_report(category=hurto)
    report_transition(report=second, actor=staff, to_status="duplicate", duplicate_of=original)
    second.refresh_from_db()
    third = report_transition(report=third, actor=staff, to_status="duplicate", duplicate_of=second)
    assert third.duplicate_of_id == original.pk


def test_staff_of_other_locality_cannot_transition(territory, hurto, users):
    report = make_report(category=hurto)
    for who in ("staff_02", "analyst", "moderator", "citizen"):
        with pytest.raises(PermissionDenied):
            report_transition(report=report, actor=users[who], to_status="in_review")
    report.refresh_from_db()
    assert report.status == "received"


def test_first_response_from_public_response_only(territory, hurto, users):
    report = make_report(category=hurto)
    report_respond(report=report, author=users["staff_01"], body="Nota interna", public=False)
    report.refresh_from_db()
    assert report.first_response_at is None
    response = report_respond(report=report, author=users["staff_01"], body="Gracias, enviamos patrulla")
    report.refresh_from_db()
    assert report.first_response_at == response.created_at
    report_respond(report=report, author=users["staff_01"], body="Otra")
    report.refresh_from_db()
    assert report.first_response_at == response.created_at


def test_hide_requires_reason_and_permission(territory, hurto, users):
    report = make_report(category=hurto)
    with pytest.raises(ValidationError):
        report_hide(report=report, actor=users["moderator"], reason="")
    with pytest.raises(PermissionDenied):
        report_hide(report=report, actor=users["staff_02"], reason="x")
    report = report_hide(report=report, actor=users["moderator"], reason="Datos personales de terceros")
    assert report.hidden
    assert not Report.objects.public().filter(pk=report.pk).exists()
    assert report.first_response_at is None


# --- supports ---------------------------------------------------------------------------------------


def test_supports_one_per_account_and_device(territory, hurto, users):
    report = make_report(category=hurto)
    _, created = support_add(report=report, user=users["citizen"])
    assert created
    _, created = support_add(report=report, user=users["citizen"])
    assert not created
    _, created = support_add(report=report, device_id="phone-abc")
    assert created
    _, created = support_add(report=report, device_id="phone-abc")
    assert not created
    support_add(report=report, user=users["other_citizen"])
    report.refresh_from_db()
    assert report.support_count == 3 == Support.objects.filter(report=report).count()
    stored = Support.objects.exclude(device_hash="").get()
    assert "phone-abc" not in stored.device_hash and len(stored.device_hash) == 64
    with pytest.raises(ValidationError):
        support_add(report=report)


def test_first_response_is_derivable_from_history(territory, hurto, users):
    staff = users["staff_01"]
    untouched = make_report(category=hurto)
    answered = make_report(category=hurto)
    report_respond(report=answered, author=staff, body="Interna", public=False)
    report_respond(report=answered, author=staff, body="Pública")
    moved = make_report(category=hurto)
    report_hide(report=moved, actor=users["moderator"], reason="x")
    report_transition(report=moved, actor=staff, to_status="in_review")
    report_respond(report=moved, author=staff, body="Luego")
    rows = Report.objects.with_derived_first_response().filter(pk__in=[untouched.pk, answered.pk, moved.pk])
    for row in rows:
        assert row.first_response_derived == row.first_response_at
    assert rows.get(pk=untouched.pk).first_response_derived is None
    moved_row = rows.get(pk=moved.pk)
    assert moved_row.first_response_derived == moved_row.history.get(to_status="in_review").created_at
