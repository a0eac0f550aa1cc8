"""manage.py seed_participation_demo: clearly marked demo proposals, sessions, commitments and pulse."""

from django.core.management.base import BaseCommand, CommandError

from localities.models import Locality
from participation.demo import participation_demo_remove, participation_demo_seed
from participation.models import Proposal


class Command(BaseCommand):
    help = "Crea propuestas, sesiones, compromisos y respuestas de percepción de demostración ([DEMO]); --remove los borra."

    def add_arguments(self, parser):
        parser.add_argument("--localities", type=int, default=6, help="En cuántas localidades (6).")
        parser.add_argument("--seed", type=int, default=10, help="Semilla de la muestra.")
        parser.add_argument("--if-empty", action="store_true", help="Solo si todavía no hay propuestas.")
        parser.add_argument("--remove", action="store_true", help="Borrar los datos de demostración.")

    def handle(self, *args, localities, seed, if_empty, remove, **options):
        if remove:
            self.stdout.write(f"Propuestas de demostración borradas: {participation_demo_remove()}.")
            return
        if if_empty and Proposal.objects.exists():
            self.stdout.write("Ya hay propuestas: no se crean datos de demostración (--if-empty).")
            return
        if not Locality.objects.current().exists():
            raise CommandError("No hay límites de localidades: importe primero (import_boundaries --commit).")
        counts = participation_demo_seed(localities=localities, seed=seed, log=self.stdout.write)
        self.stdout.write(
            "Datos de demostración: {proposals} propuestas, {sessions} sesiones, {commitments} compromisos, "
            "{pulse} respuestas de percepción (bórrelos con --remove).".format(**counts)
        )
