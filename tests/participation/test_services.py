"""Services of the planning loop: every proposal transition, sessions, minutes, commitments, pulse."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from participation import selectors, services
from participation.models import CommitmentStatus, Outcome, ProposalStatus
from tests.reports.factories import make_report, make_user

from .conftest import AREA_ACROSS

pytestmark = pytest.mark.django_db


def _propose(users, **kw):
    data = {
        "author": users["citizen"],
        "title": "Tema",
        "body": "Texto",
        "group": "convivencia",
        "where": "upz",
        "upz_code": "1",
    }
    return services.proposal_create(**{**data, **kw})


def test_area_proposal_derives_locality_and_upz(proposal):
    assert proposal.locality.code == "01"
    assert [u.code for u in proposal.upzs.all()] == ["1"]
    assert proposal.author_name == "C."  # initials of 'ciudadana', never the e-mail
    assert proposal.history.get().to_status == ProposalStatus.OPEN


def test_area_across_two_upz_lists_both(territory, users):
    p = _propose(users, where="area", area=AREA_ACROSS)
    assert sorted(u.code for u in p.upzs.all()) == ["1", "2"]


def test_point_and_display_name(territory, users):
    p = _propose(users, where="point", lon=-74.07, lat=4.57, display_name="Vecina de Beta")
    assert p.locality.code == "02" and p.author_name == "Vecina de Beta"


@pytest.mark.parametrize(
    "area, message",
    [
        (
            {"type": "Polygon", "coordinates": [[[1e300, 4.6], [-74.0, 4.6], [-74.0, 4.7], [1e300, 4.6]]]},
            "longitud",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[-74.08, 4.62], [-74.07, 4.63], [-74.08, 4.63], [-74.07, 4.62], [-74.08, 4.62]]
                ],
            },
            "cruza",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[-74.2, 4.5], [-74.0, 4.5], [-74.0, 4.7], [-74.2, 4.7], [-74.2, 4.5]]],
            },
            "km²",
        ),
        ({"type": "Point", "coordinates": [-74.07, 4.62]}, "no admitido"),
        ("no es json", "GeoJSON"),
    ],
)
def test_bad_areas_are_field_errors(territory, users, area, message):
    with pytest.raises(ValidationError) as exc:
        _propose(users, where="area", area=area)
    assert "area" in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict["area"])


def test_area_outside_the_territory_is_refused(territory, users):
    outside = {
        "type": "Polygon",
        "coordinates": [[[-74.2, 4.7], [-74.19, 4.7], [-74.19, 4.71], [-74.2, 4.71], [-74.2, 4.7]]],
    }
    with pytest.raises(ValidationError) as exc:
        _propose(users, where="area", area=outside)
    assert "fuera de Bogotá" in exc.value.message_dict["area"][0]


def test_anonymous_cannot_propose(territory, users):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _propose(users, author=AnonymousUser())


def test_evidence_must_be_public_reports(territory, users, hurto):
    public = make_report(category=hurto)
    hidden = make_report(category=hurto)
    hidden.hidden = True
    hidden.save(update_fields=["hidden"])
    p = _propose(users, evidence_ids=[public.pk])
    assert list(p.evidence.values_list("pk", flat=True)) == [public.pk]
    with pytest.raises(ValidationError) as exc:
        _propose(users, evidence_ids=[hidden.pk])
    assert str(hidden.pk) in exc.value.message_dict["evidence"][0]


def test_one_support_per_person_and_ranking(territory, users):
    a, b = _propose(users, title="A"), _propose(users, title="B")
    assert services.proposal_support(proposal=b, user=users["other_citizen"])[1] is True
    assert services.proposal_support(proposal=b, user=users["other_citizen"])[1] is False
    b.refresh_from_db()
    assert b.support_count == 1
    assert [p.title for p in selectors.proposal_public_list(locality_code="01")] == ["B", "A"]
    assert a.support_count == 0


def test_withdraw_only_by_author(proposal, users):
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, user=users["other_citizen"])
    services.proposal_withdraw(proposal=proposal, user=users["citizen"])
    assert proposal.status == ProposalStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.proposal_support(proposal=proposal, user=users["other_citizen"])


def test_merge_by_staff_of_the_locality(territory, users):
    a, b = _propose(users, title="A"), _propose(users, title="B")
    with pytest.raises(PermissionDenied):
        services.proposal_merge(proposal=a, into=b, actor=users["staff_02"])
    services.proposal_merge(proposal=a, into=b, actor=users["staff_01"])
    assert a.status == ProposalStatus.MERGED and a.merged_into_id == b.pk


def test_moderation_hides_and_redacts(proposal, users):
    with pytest.raises(PermissionDenied):
        services.proposal_moderate(proposal=proposal, actor=users["staff_02"], reason="x", hidden=True)
    services.proposal_moderate(
        proposal=proposal, actor=users["moderator"], reason="Datos personales", body="Texto sin datos"
    )
    assert proposal.body == "Texto sin datos"
    services.proposal_moderate(proposal=proposal, actor=users["staff_01"], reason="Ofensiva", hidden=True)
    assert selectors.proposal_public_get(pk=proposal.pk) is None


def test_session_only_by_staff_of_its_locality(territory, users):
    for who in ("citizen", "staff_02", "analyst", "moderator"):
        with pytest.raises(PermissionDenied):
            services.session_create(
                actor=users[who], locality_code="01", title="x", starts_at=timezone.now(), place_name="y"
            )


def test_full_loop(proposal, session_01, users, hurto):
    make_report(category=hurto)
    item = services.agenda_add_proposal(session=session_01, proposal=proposal, actor=users["staff_01"])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SELECTED
    assert item.snapshot["title"] == "Iluminación del parque"
    figures = services.agenda_add_figures(session=session_01, actor=users["staff_01"])
    assert figures[0].snapshot["period"]["date_to"] == timezone.localdate().isoformat()
    # The snapshot keeps what was on the table: later edits do not change it.
    services.proposal_moderate(proposal=proposal, actor=users["staff_01"], reason="r", title="Otro título")
    item.refresh_from_db()
    assert item.snapshot["title"] == "Iluminación del parque"

    commitment = services.commitment_create(
        session=session_01,
        actor=users["staff_01"],
        text="Instalar 10 luminarias",
        responsible="uaesp",
        due_date=timezone.localdate() + timedelta(days=30),
        proposal_ids=[proposal.pk],
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    steps = [h.to_status for h in proposal.history.all()]
    assert steps == ["open", "selected", "discussed", "accepted"]
    outcomes = {
        i.pk: (Outcome.ACCEPTED if i.proposal else Outcome.DISCUSSED, "") for i in session_01.agenda.all()
    }
    services.session_minutes(
        session=session_01, actor=users["staff_01"], minutes="Acta", attendance=23, outcomes=outcomes
    )
    assert session_01.minutes_published_at is not None

    services.commitment_progress(commitment=commitment, actor=users["staff_01"], percent=40, note="Compradas")
    assert selectors.commitment_status(commitment) == CommitmentStatus.ON_TRACK
    assert (
        selectors.commitment_status(commitment, commitment.due_date + timedelta(days=1))
        == CommitmentStatus.OVERDUE
    )
    with pytest.raises(PermissionDenied):
        services.commitment_progress(commitment=commitment, actor=users["staff_02"], percent=50, note="x")
    services.commitment_progress(commitment=commitment, actor=users["staff_01"], percent=100, note="Listas")
    assert commitment.status == CommitmentStatus.DONE
    data = selectors.accountability(locality_code="01")
    row = data["localities"][0]
    assert row["commitments"]["done"] == 1 and row["proposals"] == {
        "received": 1,
        "discussed": 1,
        "accepted": 1,
    }


def test_minutes_need_every_outcome_and_a_reason_to_decline(proposal, session_01, users):
    item = services.agenda_add_proposal(session=session_01, proposal=proposal, actor=users["staff_01"])
    with pytest.raises(ValidationError):
        services.session_minutes(
            session=session_01, actor=users["staff_01"], minutes="A", attendance=5, outcomes={}
        )
    with pytest.raises(ValidationError):
        services.session_minutes(
            session=session_01,
            actor=users["staff_01"],
            minutes="A",
            attendance=5,
            outcomes={item.pk: ("declined", "")},
        )
    services.session_minutes(
        session=session_01,
        actor=users["staff_01"],
        minutes="A",
        attendance=5,
        outcomes={item.pk: ("declined", "Competencia de otra entidad")},
    )
    proposal.refresh_from_db()
    assert (
        proposal.status == ProposalStatus.DECLINED and proposal.public_reason == "Competencia de otra entidad"
    )


def test_dropping_needs_a_reason(proposal, session_01, users):
    c = services.commitment_create(
        session=session_01,
        actor=users["staff_01"],
        text="t",
        responsible="policia",
        due_date=timezone.localdate(),
    )
    with pytest.raises(ValidationError):
        services.commitment_progress(
            commitment=c, actor=users["staff_01"], percent=10, note="n", status="dropped"
        )
    services.commitment_progress(
        commitment=c,
        actor=users["staff_01"],
        percent=10,
        note="n",
        status="dropped",
        reason="Sin presupuesto",
    )
    assert c.status == CommitmentStatus.DROPPED


def test_registration_capacity_and_ical_invitation(session_01, users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users["citizen"].email = "c@example.org"
    users["citizen"].save()
    with pytest.raises(PermissionDenied):
        from django.contrib.auth.models import AnonymousUser

        services.session_register(session=session_01, user=AnonymousUser())
    services.session_register(session=session_01, user=users["citizen"])
    services.session_register(session=session_01, user=users["other_citizen"])
    with pytest.raises(ValidationError):
        services.session_register(session=session_01, user=make_user("tercera"))
    cal = Calendar.from_ical(services.session_ical(session_01))
    event = cal.walk("VEVENT")[0]
    assert str(event["summary"]).endswith("Consejo de diciembre")
    assert event.decoded("dtstart") == session_01.starts_at.replace(microsecond=0)
    assert str(event["location"]) == "Salón comunal"


def test_invitation_mail_has_the_ics(session_01, users, settings, jobs, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users["citizen"].email = "c@example.org"
    users["citizen"].save()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_register(session=session_01, user=users["citizen"])
    assert len(mail.outbox) == 0  # sent by the background job (tests/participation/test_staff_jobs.py)
    jobs.run()
    assert len(mail.outbox) == 1
    name, content, kind = mail.outbox[0].attachments[0]
    assert kind == "text/calendar" and Calendar.from_ical(content).walk("VEVENT")
    assert mail.outbox[0].to == ["c@example.org"] and mail.outbox[0].bcc == []


def test_pulse_is_k_suppressed(territory, settings):
    settings.PUBLIC_MIN_COUNT = 3
    for score in (1, 2):
        services.pulse_record(upz_code="1", score=score)
    assert selectors.pulse_by_upz() == []
    services.pulse_record(upz_code="1", score=3)
    assert selectors.pulse_by_upz() == [
        {"upz": "1", "name": "Alfa", "locality": "01", "answers": 3, "mean": 2.0}
    ]
    with pytest.raises(ValidationError):
        services.pulse_record(upz_code="1", score=6)
    with pytest.raises(ValidationError):
        services.pulse_record(upz_code="999", score=3)


def test_answered_in_time_counts_the_whole_bogota_due_date(territory):
    """The accountability share of reports answered in time uses the platform's one deadline
    (ReportQuerySet.with_deadline: the end of the Bogotá due date), as the workbench and the follow
    page do: a report received at 23:00 and answered at 23:30 of its due date is on time, although
    more than response_days × 24 h passed; one answered at 00:30 the next day is late."""
    from datetime import datetime, time

    from reports.models import Report
    from reports.visibility import public_min_count
    from tests.reports.factories import make_category

    hurto = make_category("hurto")
    k = public_min_count()
    day = timezone.localdate() - timedelta(days=30)
    received = timezone.make_aware(datetime.combine(day, time(23, 0)))
    due = day + timedelta(days=hurto.response_days)
    on_time = timezone.make_aware(datetime.combine(due, time(23, 30)))
    late = timezone.make_aware(datetime.combine(due + timedelta(days=1), time(0, 30)))
    answers = [on_time] * k + [late]
    for answered in answers:
        report = make_report(category=hurto)
        Report.objects.filter(pk=report.pk).update(created_at=received, first_response_at=answered)

    rows = Report.objects.with_deadline().filter(category=hurto)
    assert sorted(r.first_response_at < r.deadline for r in rows) == [False] + [True] * k
    row = selectors.accountability(locality_code="01")["localities"][0]
    assert row["reports"] == k + 1
    assert row["share_answered_in_time"] == round(k / (k + 1), 3)
