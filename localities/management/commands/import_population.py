"""manage.py import_population: inhabitants per UPZ and per locality/year (dry run unless --commit)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from localities.population import PopulationFileError, import_population


class Command(BaseCommand):
    help = "Importa la población por UPZ y por localidad/año desde BOGOTA_DATA_DIR/poblacion/ (--commit para guardar)."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=None, help="Carpeta de datos oficiales (BOGOTA_DATA_DIR).")
        parser.add_argument("--commit", action="store_true", help="Guardar (sin esto es un ensayo).")

    def handle(self, *args, data_dir, commit, **options):
        folder = data_dir or settings.BOGOTA_DATA_DIR
        if not folder:
            raise CommandError("Indique la carpeta de datos con --data-dir o BOGOTA_DATA_DIR.")
        try:
            result = import_population(data_dir=Path(folder), commit=commit)
        except PopulationFileError as exc:
            raise CommandError(str(exc)) from None
        upz = sum(1 for k in result.rows if k[0] == "upz")
        loc = sum(1 for k in result.rows if k[0] == "locality")
        self.stdout.write(
            f"Población: {upz} UPZ, {loc} filas localidad×año; {result.created} nuevas, "
            f"{result.updated} actualizadas, {result.unchanged} sin cambios."
        )
        if not commit:
            self.stdout.write("Ensayo: no se guardó nada. Use --commit para guardar.")
