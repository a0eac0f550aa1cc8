"""Participation data for the public-output privacy test (tests/test_public_outputs.py).

The seeded reporter proposes a topic that links every seeded report (sensitive ones included) as
evidence; staff of locality 01 put it on a public session's agenda with the locality's figures and
commit to it; a restricted session exists too; the pulse has answers in UPZ 1 (k of them) and UPZ 2
(fewer than k). The outputs must show none of the reporter's identity and no sensitive place.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from participation import services
from tests.reports.factories import make_user


def seed_participation(seed) -> dict:
    """Create the data above; returns {"proposals": [ids], "sessions": [public id], "restricted": id}."""
    reporter = next(r.reporter for r in seed.reports.values() if r.reporter_id)
    staff = make_user("funcionaria_privacidad_01", role="locality_staff", localities=["01"])
    proposal = services.proposal_create(
        author=reporter,
        title="Propuesta de prueba de privacidad",
        body="Más luz y presencia en el parque",
        group="seguridad",
        where="upz",
        upz_code="1",
        evidence_ids=[r.pk for r in seed.reports.values()],
    )
    other = services.proposal_create(
        author=reporter,
        title="Segunda propuesta",
        body="Texto",
        group="convivencia",
        where="upz",
        upz_code="2",
    )
    starts = timezone.now() + timedelta(days=10)
    session = services.session_create(
        actor=staff,
        locality_code="01",
        title="Sesión de prueba",
        starts_at=starts,
        place_name="Salón comunal",
    )
    services.agenda_add_proposal(session=session, proposal=proposal, actor=staff)
    services.agenda_add_figures(session=session, actor=staff)
    services.commitment_create(
        session=session,
        actor=staff,
        text="Compromiso de prueba",
        responsible="alcaldia_local",
        due_date=timezone.localdate() + timedelta(days=30),
        proposal_ids=[proposal.pk],
    )
    restricted = services.session_create(
        actor=staff, locality_code="01", title="Reservada", starts_at=starts, place_name="Sede", public=False
    )
    k = int(getattr(settings, "PUBLIC_MIN_COUNT", 3))
    for score in range(k):
        services.pulse_record(upz_code="1", score=1 + score % 5)
    services.pulse_record(upz_code="2", score=5)
    return {"proposals": [proposal.pk, other.pk], "sessions": [session.pk], "restricted": restricted.pk}
