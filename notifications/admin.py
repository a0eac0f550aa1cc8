"""Admin of the outbox: what was sent, what is pending and why a notification failed (read-only;
the jobs themselves, with their retries and failures, are under «Procrastinate»)."""

from django.contrib import admin

from .models import Notification, StaffDigest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "report", "kind", "event_id", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("report__id",)
    readonly_fields = (
        "report",
        "kind",
        "event_id",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    date_hierarchy = "created_at"


@admin.register(StaffDigest)
class StaffDigestAdmin(ReadOnlyAdmin):
    list_display = ("day", "user", "new_count", "overdue_count", "sent_at")
    list_filter = ("day",)
    search_fields = ("user__username", "user__email")
