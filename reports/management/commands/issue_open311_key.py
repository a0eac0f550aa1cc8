"""manage.py issue_open311_key: give an organisation an Open311 API key (printed once), or revoke one."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from reports.models import Open311Client
from reports.open311.services import open311_client_issue


class Command(BaseCommand):
    help = (
        "Emite una clave de API Open311 para una organización (la clave se muestra una sola vez; "
        "solo se guarda su huella SHA-256), o revoca la de un cliente con --revoke ID."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", help="Nombre de la organización cliente.")
        parser.add_argument("--email", default="", help="Correo de contacto de la organización.")
        parser.add_argument("--revoke", type=int, metavar="ID", help="Desactiva el cliente con este id.")

    def handle(self, *args, name=None, email="", revoke=None, **options):
        if revoke is not None:
            updated = Open311Client.objects.filter(pk=revoke).update(active=False)
            if not updated:
                raise CommandError(f"No existe un cliente Open311 con id {revoke}.")
            self.stdout.write(f"Cliente Open311 {revoke} desactivado: su clave ya no sirve.")
            return
        if not name or not name.strip():
            raise CommandError('Indique el nombre de la organización con --name "...".')
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"Correo inválido: {email}. Corríjalo o omita --email.") from None
        client, key = open311_client_issue(name=name, contact_email=email)
        self.stdout.write(f"Cliente Open311 {client.pk} «{client.name}» creado.")
        self.stdout.write("Clave de API (guárdela ahora; no se puede volver a mostrar):")
        self.stdout.write(key)
