"""manage.py backup [--output FOLDER]: pg_dump (custom format) + media + manifest with SHA-256 (ops/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Copia de seguridad: base de datos (pg_dump, formato custom) y carpeta media, con manifiesto y sumas SHA-256."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="Carpeta nueva para la copia (por defecto BACKUP_DIR/<fecha-hora>).",
        )
        parser.add_argument("--database", default="default", help="Alias de la base de datos (default).")

    def handle(self, *args, **options):
        folder = Path(
            options["output"] or Path(settings.BACKUP_DIR) / timezone.now().strftime("%Y%m%dT%H%M%SZ")
        )
        try:
            manifest = backup_create(folder=folder, alias=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{table} {n}" for table, n in manifest["counts"].items())
        self.stdout.write(
            self.style.SUCCESS(f"Copia en {folder}: {counts}; {manifest['media_files']} archivos de media.")
        )
