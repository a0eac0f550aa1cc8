"""Demo data of the planning loop: marked, spread over localities, removable, --if-empty."""

import pytest
from django.core.management import call_command

from participation.models import Commitment, CouncilSession, Proposal, PulseAnswer

pytestmark = pytest.mark.django_db


def test_seed_marks_everything_and_removes_it(territory):
    call_command("seed_participation_demo", "--localities", "2")
    assert Proposal.objects.count() == 8 and all(p.title.startswith("[DEMO]") for p in Proposal.objects.all())
    assert set(Proposal.objects.values_list("locality__code", flat=True)) == {"01", "02"}
    assert CouncilSession.objects.filter(is_demo=True, minutes_published_at__isnull=False).count() == 2
    assert Commitment.objects.filter(is_demo=True).count() == 4
    call_command("seed_participation_demo", "--if-empty")
    assert Proposal.objects.count() == 8
    call_command("seed_participation_demo", "--remove")
    assert (
        not Proposal.objects.exists()
        and not CouncilSession.objects.exists()
        and not PulseAnswer.objects.exists()
    )
