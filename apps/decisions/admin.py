"""Admin of decisions: readable, never writable. The workflow runs through its pages (which
check roles and four eyes); the audit trail is append-only everywhere."""

from django.contrib import admin

from apps.decisions.models import AuditEntry, Decision
from twin_web.read_only_admin import ReadOnlyAdmin


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "status", "created_by", "proposed_by", "decided_by")
    list_filter = ("status",)
    list_select_related = ("created_by", "proposed_by", "decided_by")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "decision", "actor_name", "from_status", "to_status", "comment")
    list_select_related = ("decision",)
    list_filter = ("to_status",)
    search_fields = ("actor_name", "comment")
