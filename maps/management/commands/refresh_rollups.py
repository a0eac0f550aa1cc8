"""manage.py refresh_rollups: bring the map rollups (maps_reportcell, maps_reportblock, statistics) up to date."""

import time

from django.core.management.base import BaseCommand

from maps.services import rollups_refresh


class Command(BaseCommand):
    help = "Actualiza los agregados de mapas (incremental por días modificados; --full reconstruye todo)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Reconstruir todo (tras borrados).")

    def handle(self, *args, full, **options):
        started = time.perf_counter()
        result = rollups_refresh(full=full)
        kind = "completa" if result.full else f"incremental ({result.days} días)"
        self.stdout.write(
            f"Agregados de mapas: actualización {kind}, {result.rows} filas en "
            f"{time.perf_counter() - started:.1f} s."
        )
