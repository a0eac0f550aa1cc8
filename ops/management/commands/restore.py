"""manage.py restore FOLDER [--commit]: verify a backup's checksums, then (with --commit) restore it."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.backups import BackupError, Target, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restaura una copia de `manage.py backup`. Sin --commit solo verifica las sumas SHA-256. "
        "Con --commit reemplaza los objetos de la base de datos destino y desempaca la media."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="Carpeta de la copia (con manifest.json).")
        parser.add_argument(
            "--commit", action="store_true", help="Restaurar de verdad (sin esto: solo verificar)."
        )
        parser.add_argument(
            "--database-url",
            help="Base de datos destino (postgres://…); por defecto la configurada (DATABASE_URL). Debe existir.",
        )
        parser.add_argument("--media-root", help="Carpeta destino de la media (por defecto MEDIA_ROOT).")

    def handle(self, *args, **options):
        folder = Path(options["folder"])
        try:
            manifest = backup_verify(folder)
            if not options["commit"]:
                self.stdout.write(
                    f"Copia verificada ({manifest['created_at']}, {manifest['counts']}). "
                    "Nada cambió: agregue --commit para restaurarla."
                )
                return
            target = (
                Target.from_url(options["database_url"]) if options["database_url"] else Target.from_alias()
            )
            result = backup_restore(
                folder=folder, target=target, media_root=Path(options["media_root"] or settings.MEDIA_ROOT)
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restaurada en {target.dbname}: {result['counts']}."))
