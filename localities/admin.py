"""Admin for the boundaries: map widget from django-leaflet (served from static files, no CDN).

Geometry, codes and areas are read-only here: the import (`manage.py import_boundaries`) is the
only way to change boundaries, so every change is a new version. Display names can be corrected.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin

from .models import BoundaryVersion, Locality, Upz
from .services import boundary_version_activate


class BoundaryAdminBase(LeafletGeoAdminMixin, admin.ModelAdmin):
    modifiable = False  # map without drawing tools
    settings_overrides = {"DEFAULT_ZOOM": 12}

    def formfield_for_dbfield(self, db_field, request=None, **kwargs):
        if db_field.name == "geom":
            # Disabled form fields ignore whatever is posted and keep the stored value.
            kwargs["disabled"] = True
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        # The list never shows polygons; the change page loads the geometry when it needs it.
        return super().get_queryset(request).defer("geom").select_related("version")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Locality)
class LocalityAdmin(BoundaryAdminBase):
    list_display = ["code", "name", "source_name", "area_km2", "version"]
    list_filter = ["version__active", "version"]
    search_fields = ["code", "name", "source_name"]
    fields = ["version", "code", "name", "source_name", "area_km2", "geom"]
    readonly_fields = ["version", "code", "source_name", "area_km2"]


@admin.register(Upz)
class UpzAdmin(BoundaryAdminBase):
    list_display = ["code", "name", "rural", "locality", "area_km2", "version"]
    list_filter = ["version__active", "rural", "locality__name"]
    search_fields = ["code", "name", "source_name"]
    fields = ["version", "code", "name", "source_name", "rural", "locality", "area_km2", "geom"]
    readonly_fields = ["version", "code", "source_name", "rural", "locality", "area_km2"]
    list_select_related = ["locality", "version"]


@admin.register(BoundaryVersion)
class BoundaryVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "active", "note", "short_checksum"]
    readonly_fields = ["created_at", "source", "checksum", "active", "note"]
    actions = ["activate"]

    @admin.display(description=_("huella"))
    def short_checksum(self, obj):
        return obj.checksum[:12]

    @admin.action(description=_("Activar la versión seleccionada (los puntos se ubicarán con ella)"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Seleccione exactamente una versión."), level=messages.ERROR)
            return
        version = boundary_version_activate(version=queryset.get())
        self.message_user(request, _("Versión %(pk)s activada.") % {"pk": version.pk}, level=messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
