"""Admin for reports: read-mostly. Workflow and moderation go through the services (history kept).

Points are shown on a Leaflet map served from static files (django-leaflet, as for the boundaries);
they cannot be edited, since locality, UPZ and the public point are derived from them.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin

from .models import (
    AbuseReport,
    Category,
    IdempotencyRecord,
    Open311Client,
    Report,
    ReportContact,
    ReportPhoto,
    Response,
    StaffProfile,
    StatusChange,
    Support,
)
from .services import report_hide


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = ["created_at", "author", "public", "body"]
    readonly_fields = fields


class ContactInline(ReadOnlyInline):
    model = ReportContact
    fields = ["name", "email", "phone", "consent_at"]
    readonly_fields = fields


class PhotoInline(ReadOnlyInline):
    model = ReportPhoto
    fields = ["image", "width", "height", "created_at"]
    readonly_fields = fields


@admin.register(Report)
class ReportAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    modifiable = False
    settings_overrides = {"DEFAULT_ZOOM": 15}
    list_display = [
        "tracking_code",
        "category",
        "status",
        "locality",
        "upz",
        "created_at",
        "support_count",
        "hidden",
    ]
    list_filter = ["status", "hidden", "channel", "category", "locality__code", "is_demo"]
    search_fields = ["tracking_code", "description"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "locality", "upz"]
    readonly_fields = [
        "tracking_code",
        "category",
        "description",
        "description_original",
        "redacted_at",
        "locality",
        "upz",
        "occurred_at",
        "created_at",
        "updated_at",
        "channel",
        "status",
        "reporter",
        "referred_to",
        "duplicate_of",
        "hidden",
        "moderation_reason",
        "first_response_at",
        "closed_at",
        "support_count",
        "is_demo",
    ]
    fields = ["location", "public_location", *readonly_fields]
    inlines = [StatusChangeInline, ResponseInline, ContactInline, PhotoInline]
    actions = ["hide_reports"]

    def formfield_for_dbfield(self, db_field, request=None, **kwargs):
        if db_field.name in ("location", "public_location"):
            kwargs["disabled"] = True  # shown on the map, never changed here
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # reports come from citizens through the API or Open311

    @admin.action(description=_("Ocultar de las salidas públicas (moderación)"))
    def hide_reports(self, request, queryset):
        for report in queryset:
            report_hide(report=report, actor=request.user, reason="Ocultado desde la administración")
        self.message_user(request, f"{queryset.count()} reporte(s) ocultado(s).", messages.SUCCESS)


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    """Citizens' abuse notices: read here, handled in the workbench's moderation queue (/gestion/moderacion/)."""

    list_display = ["report", "reason", "created_at", "resolved_at", "resolved_by"]
    list_filter = ["reason", "resolved_at"]
    readonly_fields = ["report", "reason", "detail", "created_at", "resolved_at", "resolved_by"]

    def has_add_permission(self, request):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_es",
        "group",
        "sensitive",
        "responsible",
        "response_days",
        "active",
        "order",
    ]
    list_filter = ["group", "sensitive", "active", "responsible"]
    search_fields = ["code", "name_es", "name_en"]
    readonly_fields = ["code"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: old reports keep their category


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "locality_codes"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin):
    list_display = ["report", "user", "created_at"]
    readonly_fields = ["report", "user", "device_hash", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "scope", "response_status", "created_at"]
    readonly_fields = ["key", "scope", "request_hash", "response_status", "response_body", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Issuing a client here generates its API key and shows it once (only its SHA-256 is stored)."""

    list_display = ["name", "contact_email", "active", "created_at"]
    list_filter = ["active"]
    fields = ["name", "contact_email", "active"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        from .open311.services import open311_client_issue

        client, key = open311_client_issue(name=obj.name, contact_email=obj.contact_email)
        obj.pk = client.pk
        obj.key_hash = client.key_hash
        obj.created_at = client.created_at
        if not form.cleaned_data.get("active", True):
            Open311Client.objects.filter(pk=client.pk).update(active=False)
        self.message_user(
            request,
            f"Clave de API para «{client.name}» (cópiela ahora; no se volverá a mostrar): {key}",
            messages.WARNING,
        )
