"""Admin of the service directory (map widget from django-leaflet, no CDN) and a minimal, private view of
justice requests for superusers (the receiving offices use /gestion/justicia/ and the staff API), with
the read-only trail of who opened each request and the outbox of the citizens' e-mails.

The form is how the Secretariat adds or corrects casas de justicia, unidades de mediación and
alcaldías locales by hand; `manage.py import_services_csv` loads many at once.
"""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdminMixin

from .models import (
    DirectoryImport,
    JusticeNotification,
    JusticeRequest,
    JusticeRequestAccess,
    PoliceQuadrant,
    ServicePoint,
)
from .services import service_point_save


@admin.register(ServicePoint)
class ServicePointAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "locality", "source_locality_code", "data_year", "dataset", "active"]
    list_filter = ["kind", "dataset", "active", "locality__code"]
    search_fields = ["name", "address", "code"]
    fields = [
        "kind",
        "code",
        "name",
        "address",
        "phone_text",
        "schedule_text",
        "email",
        "website",
        "location",
        "data_year",
        "data_note",
        "active",
        "locality",
        "upz",
        "source_locality_code",
        "phones",
        "schedule",
        "dataset",
    ]
    readonly_fields = ["locality", "upz", "source_locality_code", "phones", "schedule", "dataset"]
    settings_overrides = {"DEFAULT_ZOOM": 14}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("locality").defer("locality__geom")

    def formfield_for_dbfield(self, db_field, request=None, **kwargs):
        if db_field.name == "website":
            kwargs["assume_scheme"] = "https"  # a bare "policia.gov.co" becomes https://, as Django 6 will do
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        service_point_save(point=obj)


@admin.register(PoliceQuadrant)
class PoliceQuadrantAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    list_display = ["code", "number", "station_name", "cai_name", "phone", "active"]
    search_fields = ["code", "station_name", "cai_name"]
    list_filter = ["active", "station_name"]
    modifiable = False

    def has_add_permission(self, request):
        return False  # quadrants come only from `manage.py import_services`


@admin.register(DirectoryImport)
class DirectoryImportAdmin(admin.ModelAdmin):
    list_display = ["dataset", "created_at", "rows", "checksum"]
    readonly_fields = ["dataset", "source", "checksum", "created_at", "rows", "warnings"]

    def has_add_permission(self, request):
        return False


@admin.register(JusticeRequest)
class JusticeRequestAdmin(admin.ModelAdmin):
    """Superusers only (Django admin); no search, since the personal fields are encrypted."""

    list_display = ["tracking_code", "attention", "status", "locality", "office", "created_at"]
    list_filter = ["status", "attention"]
    readonly_fields = ["tracking_code", "created_at", "updated_at", "consent_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


class _SuperuserReadOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JusticeRequestAccess)
class JusticeRequestAccessAdmin(_SuperuserReadOnly):
    """Who opened which request's decrypted content, and when (the audit trail)."""

    list_display = ["at", "username", "kind", "request"]
    list_filter = ["kind"]
    search_fields = ["username", "request__tracking_code"]
    date_hierarchy = "at"


@admin.register(JusticeNotification)
class JusticeNotificationAdmin(_SuperuserReadOnly):
    """The outbox of e-mails to citizens about their requests: pending, sent, why one failed."""

    list_display = ["id", "change", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state"]
