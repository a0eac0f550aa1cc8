"""manage.py fetch_sources: download the official files of data/sources.toml into the cache."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from localities.importers.sources import MANIFEST_PATH, ManifestError, fetch_sources, load_manifest


class Command(BaseCommand):
    help = (
        "Descarga los archivos oficiales listados en data/sources.toml a la caché (DATA_CACHE_DIR), "
        "con límite de tamaño y registro de huellas SHA-256. / Downloads the official files into the cache."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", metavar="NOMBRE", help="Solo esta fuente (repetible).")
        parser.add_argument("--force", action="store_true", help="Descargar aunque el archivo ya esté.")
        parser.add_argument("--manifest", default=str(MANIFEST_PATH), help="Otro sources.toml.")
        parser.add_argument(
            "--timeout", type=float, default=60, help="Segundos sin datos antes de abandonar."
        )

    def handle(self, *args, only=None, force=False, manifest=None, timeout=60, **options):
        try:
            sources = load_manifest(Path(manifest))
        except ManifestError as exc:
            raise CommandError(str(exc)) from exc
        if only:
            unknown = sorted(set(only) - {s.name for s in sources})
            if unknown:
                names = ", ".join(s.name for s in sources)
                raise CommandError(f"Fuente desconocida: {', '.join(unknown)}. Disponibles: {names}.")
            sources = [s for s in sources if s.name in only]
        cache = Path(settings.DATA_CACHE_DIR)
        outcomes = fetch_sources(
            sources, cache_dir=cache, force=force, timeout=timeout, progress=self.stdout.write
        )
        failed = [o for o in outcomes if o.status == "failed"]
        done = len(outcomes) - len(failed)
        if failed:
            raise CommandError(
                f"{len(failed)} de {len(outcomes)} descargas fallaron ({', '.join(o.source.name for o in failed)}); "
                "lo ya descargado quedó en la caché. Sin internet, copie los archivos oficiales a una carpeta y "
                "defina BOGOTA_DATA_DIR. (Some downloads failed.)"
            )
        self.stdout.write(self.style.SUCCESS(f"{done} archivos listos en {cache}."))
