"""Reads of the event log and of the master data that events must name."""

from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Max, Min, Q

from apps.network.models import Carrier, Customer, DistributionCenter, Lane, Sku
from apps.sources.models import SOURCES, DeadLetter, Event, QuarantinedEvent, Source, SourceToken
from twin_web.bulk_sql import fast_reads_available, select


@dataclass(frozen=True)
class MasterDataCodes:
    """The codes an event may name, read once per batch."""

    dc: frozenset[str]
    sku: frozenset[str]
    customer: frozenset[str]
    carrier: frozenset[str]
    lane: frozenset[str]

    def knows(self, kind: str, code: str) -> bool:
        return code in getattr(self, kind)


MASTER_DATA = {
    "dc": DistributionCenter,
    "sku": Sku,
    "customer": Customer,
    "carrier": Carrier,
    "lane": Lane,
}


def master_data_codes() -> MasterDataCodes:
    # One round trip for the five tables: ingestion reads them for every batch, and five
    # queries through the ORM were a sixth of a batch's time.
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, {quote('code')} FROM {quote(model._meta.db_table)}"
        for model in MASTER_DATA.values()
    )
    codes: dict[str, set[str]] = {kind: set() for kind in MASTER_DATA}
    with connection.cursor() as cursor:
        cursor.execute(sql, list(MASTER_DATA))
        for kind, code in cursor.fetchall():
            codes[kind].add(code)
    return MasterDataCodes(**{kind: frozenset(found) for kind, found in codes.items()})


LOGGED_FIELDS = ("id", "source", "event_id", "type", "occurred_at", "payload", "dc", "order_id",
                 "shipment_id")  # fmt: skip


LoggedEvent = namedtuple("LoggedEvent", LOGGED_FIELDS)


def event_log_read(*, after_id: int = 0, limit: int = 1000) -> list:
    """Events in commit order after a position of the log: the hand-off to projections.

    Ingestion serialises its inserts, so a larger id was always committed later; a reader
    that remembers the last id it applied can resume, or replay, from any point. Rows are
    named tuples with the fields of LOGGED_FIELDS, not model instances: a projector reads
    tens of thousands a second, and building models would cost it more than the database.
    """
    if fast_reads_available():
        rows = select(Event, list(LOGGED_FIELDS), "WHERE id > %s ORDER BY id LIMIT %s",
                      [after_id, limit])  # fmt: skip
        return [LoggedEvent._make(row) for row in rows]
    return list(
        Event.objects.filter(id__gt=after_id)
        .order_by("id")
        .values_list(*LOGGED_FIELDS, named=True)[:limit]
    )


def logged_events_read(*, ids: Iterable[int]) -> list:
    """These events of the log, in log order, as LoggedEvent named tuples."""
    return list(
        Event.objects.filter(id__in=list(ids))
        .order_by("id")
        .values_list(*LOGGED_FIELDS, named=True)
    )


def event_log_last_id() -> int:
    """The id of the newest event in the log (0 when empty): the head, read from the database,
    for when the announced head (log_head.event_log_head) is unavailable or stale."""
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def event_window_read(*, types: Iterable[str], start: datetime, end: datetime) -> list:
    """Events of these types whose event time lies in [start, end), oldest first.

    Calibration reads weeks of history this way; rows are LoggedEvent named tuples.
    """
    types = sorted(types)
    if fast_reads_available():
        rows = select(
            Event,
            list(LOGGED_FIELDS),
            "WHERE type = ANY(%s) AND occurred_at >= %s AND occurred_at < %s "
            "ORDER BY occurred_at, id",
            [types, start, end],
        )
        return [LoggedEvent._make(row) for row in rows]
    return list(
        Event.objects.filter(type__in=types, occurred_at__gte=start, occurred_at__lt=end)
        .order_by("occurred_at", "id")
        .values_list(*LOGGED_FIELDS, named=True)
    )


def event_time_span() -> tuple[datetime | None, datetime | None]:
    """The oldest and newest event time in the log."""
    span = Event.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    return span["first"], span["last"]


@dataclass(frozen=True)
class SourceStatus:
    source: str
    label: str
    last_occurred_at: datetime | None
    last_received_at: datetime | None
    events_per_minute: float
    rejections_per_minute: float
    total_events: int
    open_dead_letters: int
    active_tokens: int


def source_status_list(*, now: datetime, window_minutes: int = 5) -> list[SourceStatus]:
    """Per source system: how recent and how busy its feed is, and whether it can post."""
    since = now - timedelta(minutes=window_minutes)
    events = {
        row["source"]: row
        for row in Event.objects.values("source").annotate(
            last_occurred=Max("occurred_at"),
            last_received=Max("received_at"),
            total=Count("id"),
            recent=Count("id", filter=Q(received_at__gte=since)),
        )
    }
    letters = {
        row["source"]: row
        for row in DeadLetter.objects.values("source").annotate(
            recent=Count("id", filter=Q(received_at__gte=since)),
            open=Count("id", filter=Q(accepted_event__isnull=True)),
        )
    }
    tokens = dict(
        SourceToken.objects.filter(revoked_at__isnull=True)
        .values("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    result = []
    for source in (s for s in Source if s.value in SOURCES):  # feeds only, not the twin's own
        e, d = events.get(source.value, {}), letters.get(source.value, {})
        result.append(
            SourceStatus(
                source=source.value,
                label=source.label,
                last_occurred_at=e.get("last_occurred"),
                last_received_at=e.get("last_received"),
                events_per_minute=e.get("recent", 0) / window_minutes,
                rejections_per_minute=d.get("recent", 0) / window_minutes,
                total_events=e.get("total", 0),
                open_dead_letters=d.get("open", 0),
                active_tokens=tokens.get(source.value, 0),
            )
        )
    return result


def dead_letter_list(*, source: str = "", include_resolved: bool = False, limit: int = 50):
    letters = DeadLetter.objects.order_by("-received_at", "-id")
    if source:
        letters = letters.filter(source=source)
    if not include_resolved:
        letters = letters.filter(accepted_event__isnull=True)
    return list(letters[:limit])


def quarantined_event_ids(*, reader: str, after_id: int, up_to_id: int) -> set[int]:
    """Log ids in (after_id, up_to_id] that the reader holds in quarantine: it skips them."""
    return set(
        QuarantinedEvent.objects.filter(
            reader=reader, log_event_id__gt=after_id, log_event_id__lte=up_to_id
        )
        .exclude(status=QuarantinedEvent.Status.RESOLVED)
        .values_list("log_event_id", flat=True)
    )


def quarantined_retry_requested(*, reader: str) -> bool:
    """Whether a planner asked for a retry of any of the reader's quarantined events."""
    return QuarantinedEvent.objects.filter(
        reader=reader, status=QuarantinedEvent.Status.RETRY_REQUESTED
    ).exists()


def quarantined_event_count(*, reader: str = "") -> int:
    """Quarantined events not yet resolved (of one reader, or of all)."""
    held = QuarantinedEvent.objects.exclude(status=QuarantinedEvent.Status.RESOLVED)
    return (held.filter(reader=reader) if reader else held).count()


def quarantined_event_list(*, include_resolved: bool = False, limit: int = 50) -> list:
    """The newest failures first."""
    held = QuarantinedEvent.objects.order_by("-failed_at", "-id")
    if not include_resolved:
        held = held.exclude(status=QuarantinedEvent.Status.RESOLVED)
    return list(held[:limit])
