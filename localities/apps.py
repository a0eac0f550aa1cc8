from django.apps import AppConfig


class LocalitiesConfig(AppConfig):
    name = "localities"
    verbose_name = "Territorio (localidades y UPZ)"
