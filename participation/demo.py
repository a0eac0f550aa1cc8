"""Demo data of the planning loop: clearly marked ("[DEMO]" titles, is_demo=True) and removable.

For a sample of localities: a few proposals (a UPZ each) with supports from demo citizens, one held
session with its agenda snapshotted and minutes, commitments in every status, one upcoming session,
and perception-pulse answers per UPZ. Demo accounts have unusable passwords (nobody can sign in).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from localities.models import Locality, Upz
from reports.models import Role, StaffProfile

from . import services
from .models import AgendaItem, Commitment, CouncilSession, Outcome, Proposal, PulseAnswer

TOPICS = [
    ("Más iluminación en el parque", "El parque queda oscuro después de las 6 p. m. y hay robos."),
    ("Ruido nocturno de establecimientos", "Música a alto volumen hasta la madrugada entre semana."),
    ("Presencia policial a la salida del colegio", "Hurtos de celulares a estudiantes a las 12:30."),
    ("Recuperar el lote abandonado", "Acumulación de basuras y consumo en el lote de la esquina."),
    ("Cámaras en el paradero", "Varios hurtos en el paradero del SITP por la noche."),
]
COMMITMENTS = [
    ("Instalar luminarias LED en el parque", "uaesp"),
    ("Rondas de la policía a la salida del colegio", "policia"),
    ("Operativo de control a establecimientos", "inspeccion_policia"),
]


def _user(username: str, *, localities: tuple[str, ...] = ()):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": "Demo"})
    if created:
        user.set_unusable_password()
        user.save()
    if localities:
        StaffProfile.objects.get_or_create(
            user=user, defaults={"role": Role.LOCALITY_STAFF, "locality_codes": list(localities)}
        )
    return user


@transaction.atomic
def participation_demo_seed(
    *, localities: int = 6, seed: int = 10, log: Callable[[str], None] | None = None
) -> dict:
    """Create the demo loop in `localities` localities (sampled with `seed`); returns counts."""
    rng = random.Random(seed)
    candidates = list(Locality.objects.current().defer("geom").order_by("code"))
    chosen = rng.sample(candidates, min(localities, len(candidates)))
    citizens = [_user(f"demo.ciudadania.{i}") for i in range(8)]
    now, today = timezone.now(), timezone.localdate()
    counts = {"proposals": 0, "sessions": 0, "commitments": 0, "pulse": 0}
    for locality in sorted(chosen, key=lambda loc: loc.code):
        staff = _user(f"demo.alcaldia.{locality.code}", localities=(locality.code,))
        upzs = list(Upz.objects.current().filter(locality=locality).defer("geom").order_by("code"))
        if not upzs:
            continue
        proposals = []
        for title, body in rng.sample(TOPICS, 4):
            author = rng.choice(citizens)
            p = services.proposal_create(
                author=author,
                title=f"[DEMO] {title}",
                body=body,
                group="seguridad" if "policía" in body.lower() or "hurto" in body.lower() else "convivencia",
                where="upz",
                upz_code=rng.choice(upzs).code,
                display_name="Vecina demo",
                is_demo=True,
            )
            for supporter in rng.sample(citizens, rng.randint(0, len(citizens))):
                services.proposal_support(proposal=p, user=supporter)
            proposals.append(p)
        counts["proposals"] += len(proposals)
        held = services.session_create(
            actor=staff,
            locality_code=locality.code,
            title=f"[DEMO] Consejo local de seguridad de {locality.name}",
            starts_at=now + timedelta(days=1),
            place_name="Alcaldía local (demostración)",
            is_demo=True,
        )
        for p in sorted(proposals, key=lambda x: -x.support_count)[:2]:
            p.refresh_from_db()
            services.agenda_add_proposal(session=held, proposal=p, actor=staff)
        services.agenda_add_figures(session=held, actor=staff)
        for i, (text, entity) in enumerate(rng.sample(COMMITMENTS, 2)):
            due = today + timedelta(days=rng.choice([-20, 15, 45]))
            ids = (
                [held.agenda.exclude(proposal=None)[i].proposal_id]
                if i < held.agenda.exclude(proposal=None).count()
                else []
            )
            c = services.commitment_create(
                session=held,
                actor=staff,
                text=f"[DEMO] {text}",
                responsible=entity,
                due_date=due,
                proposal_ids=ids,
                is_demo=True,
            )
            services.commitment_progress(
                commitment=c, actor=staff, percent=rng.choice([20, 50, 100]), note="[DEMO] Avance"
            )
            counts["commitments"] += 1
        outcomes = {
            item.pk: (Outcome.ACCEPTED if item.outcome == Outcome.ACCEPTED else Outcome.DISCUSSED, "")
            for item in held.agenda.all()
        }
        services.session_minutes(
            session=held,
            actor=staff,
            minutes="[DEMO] Acta de demostración.",
            attendance=rng.randint(15, 60),
            outcomes=outcomes,
        )
        # Held in the past: move the date back once the services (which refuse past sessions) are done.
        CouncilSession.objects.filter(pk=held.pk).update(
            starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30) + timedelta(hours=2)
        )
        services.session_create(
            actor=staff,
            locality_code=locality.code,
            title=f"[DEMO] Próximo consejo de {locality.name}",
            starts_at=now + timedelta(days=rng.randint(7, 30)),
            place_name="Salón comunal (demostración)",
            is_demo=True,
        )
        counts["sessions"] += 2
        for upz in upzs:
            for _ in range(rng.randint(0, 12)):
                services.pulse_record(
                    upz_code=upz.code, score=rng.choices([1, 2, 3, 4, 5], [2, 3, 4, 3, 1])[0], is_demo=True
                )
                counts["pulse"] += 1
        if log:
            log(f"   {locality.code} {locality.name}: propuestas, sesiones y compromisos de demostración")
    return counts


@transaction.atomic
def participation_demo_remove() -> int:
    """Delete every demo object of the planning loop; returns how many proposals went."""
    demo_sessions = CouncilSession.objects.filter(is_demo=True)
    Commitment.objects.filter(session__in=demo_sessions).delete()
    AgendaItem.objects.filter(session__in=demo_sessions).delete()
    demo_sessions.delete()
    PulseAnswer.objects.filter(is_demo=True).delete()
    removed, _ = Proposal.objects.filter(is_demo=True).delete()
    return removed
