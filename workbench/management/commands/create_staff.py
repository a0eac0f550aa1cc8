"""manage.py create_staff --locality 02 --email ana@chapinero.gov.co [--role staff|analyst|moderator]

Creates (or updates) a staff account with its institutional profile and prints a one-time password
and a link to set a new one. Locality staff need at least one --locality; analysts and moderators
work over every locality and take none.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from localities.models import Locality
from reports.models import Role, StaffProfile

ROLES = {"staff": Role.LOCALITY_STAFF, "analyst": Role.ANALYST, "moderator": Role.MODERATOR}


class Command(BaseCommand):
    help = "Crea una cuenta del personal (alcaldía local, analista o moderación) e imprime una contraseña de un solo uso."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Correo institucional (también es el usuario).")
        parser.add_argument(
            "--locality", action="append", default=[], help="Código de localidad, '01'..'20' (repetible)."
        )
        parser.add_argument("--role", choices=sorted(ROLES), default="staff")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Para el enlace de contraseña."
        )

    def handle(self, *args, email, locality, role, base_url, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(
                f"Correo no válido: {email!r}. Escriba un correo como ana@chapinero.gov.co."
            ) from None
        codes = sorted({code.strip().zfill(2) for code in locality})
        if role == "staff" and not codes:
            raise CommandError(
                "Indique la localidad del funcionario con --locality (por ejemplo --locality 02)."
            )
        if role != "staff" and codes:
            raise CommandError(
                "Analistas y moderación trabajan sobre todas las localidades: no use --locality."
            )
        known = set(Locality.objects.current().values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            hint = (
                ", ".join(sorted(known))
                or "ninguna: importe los límites con manage.py import_boundaries --commit"
            )
            raise CommandError(f"Localidad desconocida: {', '.join(unknown)}. Códigos disponibles: {hint}.")

        password = secrets.token_urlsafe(12)
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=email, defaults={"email": email})
            if user.is_superuser:
                raise CommandError(f"{email} es administrador; no se le asigna un perfil de personal.")
            user.email = email
            user.is_active = True
            user.set_password(password)
            user.save()
            StaffProfile.objects.update_or_create(
                user=user, defaults={"role": ROLES[role], "locality_codes": codes}
            )
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        link = base_url.rstrip("/") + reverse(
            "web-password-reset-confirm",
            kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
        )
        where = f" de la localidad {', '.join(codes)}" if codes else ""
        self.stdout.write(
            f"{'Creado' if created else 'Actualizado'}: {email} ({Role(ROLES[role]).label}{where})."
        )
        self.stdout.write(f"Contraseña de un solo uso: {password}")
        self.stdout.write(f"O definir una contraseña propia: {link}")
        self.stdout.write("Entrada: /gestion/entrar/")
