from django.apps import AppConfig


class JusticeConfig(AppConfig):
    """Access to justice: directory of security and justice services, procedures guide, virtual requests."""

    name = "justice"
    verbose_name = "Acceso a la justicia"
