"""Admin of the planning loop: GISModelAdmin maps for places and areas; demo rows filterable."""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .models import Commitment, CouncilSession, Proposal, PulseAnswer, SessionMail


@admin.register(Proposal)
class ProposalAdmin(GISModelAdmin):
    list_display = ("id", "title", "locality", "status", "support_count", "hidden", "is_demo")
    list_filter = ("status", "hidden", "is_demo", "locality__code")
    search_fields = ("title", "body")
    raw_id_fields = ("author", "merged_into", "evidence", "upzs", "locality")


@admin.register(CouncilSession)
class CouncilSessionAdmin(GISModelAdmin):
    list_display = ("id", "title", "locality", "starts_at", "public", "is_demo")
    list_filter = ("public", "is_demo", "locality__code")
    raw_id_fields = ("locality", "created_by")


@admin.register(Commitment)
class CommitmentAdmin(GISModelAdmin):
    list_display = ("id", "locality", "responsible", "due_date", "status", "progress", "is_demo")
    list_filter = ("status", "is_demo", "locality__code")
    raw_id_fields = ("session", "locality", "proposals", "reports")


@admin.register(PulseAnswer)
class PulseAnswerAdmin(admin.ModelAdmin):
    list_display = ("upz", "score", "answered_on", "is_demo")
    list_filter = ("score", "is_demo")
    raw_id_fields = ("upz", "locality")


@admin.register(SessionMail)
class SessionMailAdmin(admin.ModelAdmin):
    """The outbox of session invitations and reminders: state, attempts and the last error of each."""

    list_display = ("id", "kind", "registration", "state", "attempts", "created_at", "sent_at")
    list_filter = ("kind", "state")
    raw_id_fields = ("registration",)
    readonly_fields = ("attempts", "last_error", "created_at", "sent_at")
