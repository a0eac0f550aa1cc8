"""manage.py load_categories: upsert the report categories from data/categories.toml."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.categories import DEFAULT_PATH, CategoryFileError, categories_load


class Command(BaseCommand):
    help = "Carga (idempotente) las categorías de reportes desde data/categories.toml."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=DEFAULT_PATH, help="Archivo TOML de categorías.")

    def handle(self, *args, path, **options):
        try:
            result = categories_load(path)
        except CategoryFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Categorías: {result.created} nuevas, {result.updated} actualizadas, "
            f"{result.deactivated} desactivadas."
        )
