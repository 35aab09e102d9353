"""Admin for the event log, quarantined events and dead letters (all read-only), and tokens."""

from django.contrib import admin

from apps.sources.models import DeadLetter, Event, QuarantinedEvent, SourceToken
from twin_web.read_only_admin import ReadOnlyAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The log is append-only, and only ingestion appends to it: an event typed in here would
    skip the schemas, the bounds and the projector's announcement."""

    list_display = ["id", "source", "event_id", "type", "occurred_at", "dc", "order_id"]
    list_filter = ["source", "type", "dc"]
    search_fields = ["event_id", "order_id", "shipment_id"]
    date_hierarchy = "occurred_at"


@admin.register(QuarantinedEvent)
class QuarantinedEventAdmin(ReadOnlyAdmin):
    """Only the projector records quarantined events and only a planner's retry on the
    Sources page (a service) changes them: an edit here would bypass both."""

    list_display = ["failed_at", "reader", "log_event_id", "source", "event_id", "type",
                    "error_type", "status", "attempts"]  # fmt: skip
    list_filter = ["reader", "status", "source", "type"]
    search_fields = ["event_id", "error_type", "error"]
    date_hierarchy = "failed_at"


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
    list_select_related = ["accepted_event"]

    # Only ingestion writes a dead letter and only a retry (a service, from the Sources page)
    # records the event it became. The change form would also render `accepted_event` as a
    # <select> of the whole event log (a million rows on a twin with its history), so the
    # page is for reading: the event it became shows as a link, not a choice.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
