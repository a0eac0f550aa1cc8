"""manage.py import_services_csv PATH|URL: casas de justicia, unidades de mediación, alcaldías locales."""

from django.core.management.base import BaseCommand, CommandError

from justice.importers import DirectoryImportError, import_csv
from justice.importers.csvfile import OPTIONAL, REQUIRED


class Command(BaseCommand):
    help = (
        f"Importa puntos de servicio desde un CSV (columnas {', '.join(REQUIRED)}; opcionales "
        f"{', '.join(OPTIONAL)}). Sin --commit solo muestra lo que haría. / Imports service points from a "
        "CSV; dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Ruta o URL del CSV (UTF-8, separado por comas o punto y coma).")
        parser.add_argument("--commit", action="store_true", help="Guardar (sin esto es una simulación).")

    def handle(self, *args, path, commit=False, **options):
        try:
            result = import_csv(path=path, commit=commit, progress=self.stdout.write)
        except DirectoryImportError as exc:
            raise CommandError(f"{exc}\nNo se guardó nada. (Nothing was written.)") from exc
        for warning in result.warnings + result.disagreements:
            self.stdout.write(self.style.WARNING(f"Aviso: {warning}"))
        counts = f"{result.rows} filas: {result.created} nuevas, {result.updated} actualizadas, {result.withdrawn} retiradas"
        if result.status == "unchanged":
            self.stdout.write(self.style.SUCCESS(f"Sin cambios ({result.rows} filas)."))
        elif result.status == "dry-run":
            self.stdout.write(
                self.style.WARNING(f"Simulación: se importarían {counts}. Repita con --commit.")
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Importadas {counts}."))
