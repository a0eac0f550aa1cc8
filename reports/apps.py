from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reportes ciudadanos"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Category
        from .selectors import category_cache_clear

        # A process-local cache, not a rule: an edited category is read afresh on the next report.
        post_save.connect(category_cache_clear, sender=Category, dispatch_uid="reports-category-cache")
        post_delete.connect(category_cache_clear, sender=Category, dispatch_uid="reports-category-cache-del")
