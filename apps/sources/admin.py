"""Admin for the event log (read-only), tokens and dead letters."""

from django.contrib import admin

from apps.sources.models import DeadLetter, Event, SourceToken


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "event_id", "type", "occurred_at", "dc", "order_id"]
    list_filter = ["source", "type", "dc"]
    search_fields = ["event_id", "order_id", "shipment_id"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the log is append-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SourceToken)
class SourceTokenAdmin(admin.ModelAdmin):
    list_display = ["source", "prefix", "label", "created_at", "revoked_at"]
    list_filter = ["source"]
    readonly_fields = ["token_hash", "prefix", "created_at"]


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "event_id", "type", "field", "reason", "retried_at"]
    list_filter = ["source", "type"]
    search_fields = ["event_id", "reason"]
