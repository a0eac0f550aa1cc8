"""manage.py import_boundaries: load Bogotá's localities and UPZ/UPR (dry run unless --commit)."""

from django.core.management.base import BaseCommand, CommandError

from localities.importers import BoundaryImportError, import_boundaries
from localities.models import BoundaryVersion


class Command(BaseCommand):
    help = (
        "Importa las localidades y UPZ/UPR oficiales (localidades.geojson, upz/UPla.shp) desde "
        "BOGOTA_DATA_DIR, la caché de descargas o las rutas/URL indicadas. Sin --commit solo muestra "
        "lo que haría. / Imports the official boundaries; dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--localities", help="Ruta o URL de localidades.geojson (GeoJSON, Shapefile o zip)."
        )
        parser.add_argument("--upz", help="Ruta o URL de UPla.shp (o un GeoJSON/zip con los mismos campos).")
        parser.add_argument("--commit", action="store_true", help="Guardar (sin esto es una simulación).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="No hacer nada si ya hay una versión activa de límites (lo usa `make run`).",
        )

    def handle(self, *args, localities=None, upz=None, commit=False, if_empty=False, **options):
        if if_empty and BoundaryVersion.objects.filter(active=True).exists():
            self.stdout.write("Ya hay límites cargados (versión activa); no se importa nada.")
            return
        try:
            result = import_boundaries(
                localities=localities, upz=upz, commit=commit, progress=self.stdout.write
            )
        except BoundaryImportError as exc:
            raise CommandError(f"{exc}\nNo se guardó nada. (Nothing was written.)") from exc

        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Aviso: {warning}"))
        summary = f"{result.localities} localidades, {result.upz} UPZ y {result.upr} UPR (huella {result.checksum[:12]})"
        if result.status == "unchanged":
            self.stdout.write(
                self.style.SUCCESS(f"Sin cambios: la versión activa {result.version.pk} ya tiene {summary}.")
            )
            return
        for change in result.changes[:50]:
            self.stdout.write(f"  · {change}")
        if len(result.changes) > 50:
            self.stdout.write(f"  · … y {len(result.changes) - 50} cambios más")
        if result.status == "dry-run":
            self.stdout.write(
                self.style.WARNING(
                    f"Simulación: se importarían {summary}. Nada guardado; repita con --commit."
                )
            )
        elif result.status == "reactivated":
            self.stdout.write(
                self.style.SUCCESS(f"Versión {result.version.pk} activada de nuevo: {summary}.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Versión {result.version.pk} creada y activada: {summary}.")
            )
