"""manage.py seed_demo: create (or remove) realistic, clearly marked demo reports in bulk."""

from django.core.management.base import BaseCommand, CommandError

from reports.demo import DemoError, demo_remove, demo_seed
from reports.models import Report


class Command(BaseCommand):
    help = (
        "Crea N reportes de demostración (is_demo, descripción '[DEMO] …') repartidos según los "
        "incidentes reales por UPZ; --remove los borra."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, default=3000, help="Cuántos reportes crear (3000).")
        parser.add_argument("--seed", type=int, default=None, help="Semilla para repetir la misma muestra.")
        parser.add_argument(
            "--remove", action="store_true", help="Borrar todos los reportes de demostración."
        )
        parser.add_argument("--if-empty", action="store_true", help="Solo si todavía no hay ningún reporte.")
        parser.add_argument("--data-dir", default=None, help="Carpeta de datos oficiales (BOGOTA_DATA_DIR).")

    def handle(self, *args, reports, seed, remove, if_empty, data_dir, **options):
        if remove:
            removed = demo_remove()
            self.stdout.write(f"Reportes de demostración borrados: {removed}.")
            return
        if if_empty and Report.objects.exists():
            self.stdout.write("Ya hay reportes: no se crean datos de demostración (--if-empty).")
            return
        try:
            result = demo_seed(n=reports, seed=seed, data_dir=data_dir, log=self.stdout.write)
        except DemoError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Reportes de demostración creados: {result.created} en {result.seconds:.1f} s "
            "(bórrelos con --remove)."
        )
