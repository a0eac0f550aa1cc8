"""manage.py rotate_justice_keys: re-encrypt justice request data with the first JUSTICE_ENCRYPTION_KEYS key."""

from django.core.management.base import BaseCommand
from django.db import transaction

from justice.services import rotate_encryption


class Command(BaseCommand):
    help = (
        "Vuelve a cifrar los datos de las solicitudes de justicia con la primera clave de "
        "JUSTICE_ENCRYPTION_KEYS (ponga la nueva primero y deje la anterior detrás hasta terminar). "
        "Sin --commit solo cuenta. / Re-encrypts justice request data with the newest key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="Guardar (sin esto es una simulación).")

    def handle(self, *args, commit=False, **options):
        with transaction.atomic():
            rows = rotate_encryption()
            if not commit:
                transaction.set_rollback(True)
        verb = "cifradas de nuevo" if commit else "se cifrarían de nuevo (simulación; repita con --commit)"
        self.stdout.write(self.style.SUCCESS(f"{rows} filas {verb}."))
