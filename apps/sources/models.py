"""The event log (append-only), source tokens, dead letters and quarantined events."""

from django.db import models

from apps.sources.json_input import json_pretty

SOURCES = ("erp", "wms", "tms", "crm", "iot")


class Source(models.TextChoices):
    ERP = "erp", "ERP"
    WMS = "wms", "WMS"
    TMS = "tms", "TMS"
    CRM = "crm", "CRM"
    IOT = "iot", "IoT"
    # The twin's own events (e.g. twin.decision_approved); never accepted from outside.
    TWIN = "twin", "Twin"


class Event(models.Model):
    """One accepted event. The id orders the log by commit: ingestion serialises its inserts."""

    id = models.BigAutoField(primary_key=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    payload = models.JSONField()
    # Copied out of the payload for the queries projections and calibration make.
    dc = models.CharField(max_length=8, blank=True, default="")
    order_id = models.CharField(max_length=64, blank=True, default="")
    shipment_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="event_unique_per_source"),
        ]
        indexes = [
            models.Index(fields=["type", "occurred_at"], name="event_type_time"),
            models.Index(fields=["occurred_at"], name="event_time"),
            models.Index(fields=["dc", "occurred_at"], name="event_dc_time"),
            models.Index(fields=["order_id"], name="event_order"),
            models.Index(fields=["shipment_id"], name="event_shipment"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id} {self.type}"


class SourceToken(models.Model):
    """A bearer token for one source system; only its SHA-256 is stored."""

    source = models.CharField(max_length=8, choices=Source.choices)
    label = models.CharField(max_length=80, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text="First characters, to tell tokens apart")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.source} {self.prefix}… ({state})"


class DeadLetter(models.Model):
    """A rejected event, kept with its raw JSON and the reason, until fixed and retried."""

    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=8, blank=True)
    event_id = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=40, blank=True)
    raw = models.TextField()
    field = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    retried_at = models.DateTimeField(null=True, blank=True)
    accepted_event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [models.Index(fields=["source", "received_at"], name="deadletter_source_time")]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id or '?'} {self.field}: {self.reason}"

    @property
    def raw_pretty(self) -> str:
        """The raw event indented for reading; as received when it is not JSON the twin can
        parse (malformed, or nested so deep that re-indenting it would exhaust the stack)."""
        return json_pretty(self.raw)


class QuarantinedEvent(models.Model):
    """An event of the log that a reader of the log (the live projector) failed to apply.

    The reader records it and moves past it, so one bad event cannot stop the stream; a
    planner asks for a retry once the cause is fixed, and the reader applies it then.
    Kept here, beside the log, so that the Sources page shows it without knowing its readers.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RETRY_REQUESTED = "retry_requested", "Retry requested"
        RESOLVED = "resolved", "Resolved"

    reader = models.CharField(max_length=40, help_text="Which reader of the log failed")
    log_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    # Copied from the event so that a list of them reads one table.
    source = models.CharField(max_length=8)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=40)
    error_type = models.CharField(max_length=200)
    error = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    attempts = models.PositiveIntegerField(default=1)
    quarantined_at = models.DateTimeField()
    failed_at = models.DateTimeField(help_text="When it last failed")
    retry_requested_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reader", "log_event"], name="quarantine_unique_per_reader"
            )
        ]
        indexes = [models.Index(fields=["reader", "status"], name="quarantine_reader_status")]

    def __str__(self) -> str:
        return f"{self.reader}: {self.source}:{self.event_id} {self.error_type} ({self.status})"


class HistoryLoad(models.Model):
    """The demo enterprise's history loaded at a twin's first start, before it went live.

    A load that has not finished (stopped by Ctrl-C) is taken up again by the next start;
    one that has is not repeated, so that a second start only catches up.
    """

    days = models.FloatField(help_text="Days of history asked for")
    seed = models.IntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    history_start = models.DateTimeField(null=True, blank=True)
    history_end = models.DateTimeField(null=True, blank=True)
    events_accepted = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0, help_text="Wall time of the load, all starts")

    def __str__(self) -> str:
        state = "finished" if self.finished_at else "unfinished"
        return f"{self.days:g} days of history, {self.events_accepted} events ({state})"
