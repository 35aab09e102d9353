"""Writes of the sources app: storing checked events once each, dead letters, twin events."""

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from pydantic import ValidationError

from apps.sources.batch_check import CheckedBatch, batch_check
from apps.sources.json_input import JsonInputError, json_parse, printable
from apps.sources.log_copy import copy_available, events_as_json, events_copy_insert
from apps.sources.log_head import event_log_advanced
from apps.sources.models import DeadLetter, Event, Source
from apps.sources.schemas import TWIN_PAYLOADS
from apps.sources.selectors import MasterDataCodes, master_data_codes
from apps.sources.validation import (
    FieldError,
    MalformedItem,
    Rejection,
    ValidEvent,
    event_validate,
    field_errors,
)

# Serialises ingestion commits on PostgreSQL so that event ids follow commit order.
INGEST_LOCK_KEY = 0x7477696E  # "twin"
INSERT_CHUNK = 1000


@dataclass
class IngestResult:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)


def _indexed_columns(event: ValidEvent) -> tuple[str, str, str]:
    """The DC (or the DC a transfer leaves), order and shipment an event is indexed by; on
    PostgreSQL the staging insert reads them from the payload alike (log_copy._STAGE)."""
    payload = event.payload
    dc = payload.get("dc") or payload.get("from_dc") or ""
    return dc, payload.get("order_id", ""), payload.get("shipment_id", "")


def _lock_event_log() -> None:
    """Serialise writers of the log until this transaction ends, so ids follow commit order.

    SQLite needs nothing: its IMMEDIATE transactions already admit one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK_KEY])


def _reason_text(errors: tuple[FieldError, ...]) -> str:
    """A rejection's errors as one line for the dead-letter table."""
    return printable("; ".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in errors))


def _insert(events: list[ValidEvent], received_at: datetime) -> dict[tuple[str, str], int]:
    """Insert in one statement per chunk, skipping (source, event_id) already stored.

    Returns the (source, event_id) and id of each row this call inserted: concurrent
    senders of the same event each learn exactly whether theirs was the one stored.
    """
    ops = connection.ops
    is_postgres = connection.vendor == "postgresql"
    payload_sql = "%s::jsonb" if is_postgres else "%s"
    row_sql = f"(%s, %s, %s, %s, %s, {payload_sql}, %s, %s, %s)"
    received = ops.adapt_datetimefield_value(received_at)
    inserted: dict[tuple[str, str], int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(events), INSERT_CHUNK):
            chunk = events[start : start + INSERT_CHUNK]
            params: list[Any] = []
            for event in chunk:
                params.extend(
                    (
                        event.source,
                        event.event_id,
                        event.type,
                        ops.adapt_datetimefield_value(event.occurred_at),
                        received,
                        json.dumps(event.payload, separators=(",", ":")),
                        *_indexed_columns(event),
                    )
                )
            cursor.execute(
                "INSERT INTO sources_event (source, event_id, type, occurred_at, received_at, "
                "payload, dc, order_id, shipment_id) VALUES "
                + ", ".join([row_sql] * len(chunk))
                + " ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id, id",
                params,
            )
            inserted.update(((source, event_id), id_) for source, event_id, id_ in cursor)
    return inserted


def _same_event(a: ValidEvent, b: ValidEvent) -> bool:
    """A resend: the same type, instant and normalised payload (parsed values, so that key
    order and how a number was written do not matter)."""
    return a.type == b.type and a.occurred_at == b.occurred_at and a.payload == b.payload


def _stored_differently(events: list[ValidEvent]) -> list[ValidEvent]:
    """Those of these events (whose keys were already stored) that differ from the stored one."""
    differ = []
    for start in range(0, len(events), INSERT_CHUNK):
        chunk = {event.key: event for event in events[start : start + INSERT_CHUNK]}
        stored = Event.objects.filter(
            source__in={source for source, _ in chunk},
            event_id__in=[event_id for _, event_id in chunk],
        ).values_list("source", "event_id", "type", "occurred_at", "payload")
        for source, event_id, type_, occurred_at, payload in stored:
            event = chunk.get((source, event_id))
            if event is not None and not _same_event(
                event, ValidEvent(0, source, event_id, type_, occurred_at, payload)
            ):
                differ.append(event)
    return differ


def _store(
    valid: list[ValidEvent], received_at: datetime
) -> tuple[dict[tuple[str, str], int], list[ValidEvent]]:
    """Insert the events whose key is new; those already stored with other content.

    PostgreSQL stages the batch as one JSON document and compares in the database
    (log_copy.py); other databases insert in chunks and compare in Python.
    """
    if not copy_available():
        inserted = _insert(valid, received_at)
        return inserted, _stored_differently([e for e in valid if e.key not in inserted])
    ords = [e.index for e in valid]
    copied = events_copy_insert(
        events_as_json(valid), ords=ords, received_at=received_at, count=len(valid)
    )
    if not copied.differing:
        return copied.inserted, []
    by_index = {event.index: event for event in valid}
    return copied.inserted, [by_index[index] for index in copied.differing]


def _conflict(event_id: str, index: int, where: str) -> Rejection:
    reason = f"event_id {event_id!r} was {where} with a different type, time or payload"
    return Rejection(index, event_id, (FieldError("event_id", reason),))


def events_ingest(
    *, items: list[Any], received_at: datetime | None = None, master: MasterDataCodes | None = None
) -> IngestResult:
    """Validate a batch; store its valid events once each; dead-letter the rest.

    Valid events are stored even when others in the batch are rejected. A resend of a
    stored event, or a second copy within the batch, counts as a duplicate and changes
    nothing. An event whose (source, event_id) is taken by a different event (another
    type, time or payload), stored or earlier in the batch, is rejected as a conflict.
    """
    received_at = received_at or timezone.now()
    master = master or master_data_codes()
    checked = [
        event_validate(item, index=index, master=master, now=received_at)
        for index, item in enumerate(items)
    ]
    return _checked_store(checked, lambda: items, received_at)


def events_ingest_json(
    *, body: bytes, source: str, received_at: datetime | None = None
) -> IngestResult | None:
    """events_ingest for a JSON array batch whose events are all valid and all of `source`,
    checked in one pass over the raw body (batch_check.py); None for any other body, which
    the caller parses and passes to events_ingest to learn what is wrong with it."""
    received_at = received_at or timezone.now()
    batch = batch_check(body, source=source, master=master_data_codes(), now=received_at)
    if batch is None:
        return None
    # Only a conflict, which is rare, needs the events as sent: to keep as dead letters.
    raw_items = partial(json.loads, body)
    if copy_available() and not batch.keys_repeat():
        return _whole_batch_store(batch, raw_items, received_at)
    return _checked_store(batch.valid_events(), raw_items, received_at)


def _whole_batch_store(
    batch: CheckedBatch, raw_items: Callable[[], list[Any]], received_at: datetime
) -> IngestResult:
    """Store a flawless batch whose keys are all different, on PostgreSQL: staged as
    pydantic writes it out, without a Python object per event."""
    # Written out before the log's lock is taken: other batches wait for the lock.
    events_json = batch.log_json()
    with transaction.atomic():
        _lock_event_log()
        copied = events_copy_insert(
            events_json, ords=None, received_at=received_at, count=len(batch.events)
        )
        rejections = [
            _conflict(batch.events[index].event_id, index, "already stored")
            for index in copied.differing
        ]
        _dead_letters_keep(rejections, raw_items, received_at)
        _announce_on_commit(copied.inserted)
    return IngestResult(
        accepted=len(copied.inserted),
        duplicate=len(batch.events) - len(copied.inserted) - len(rejections),
        rejected=len(rejections),
        rejections=rejections,
    )


def _dead_letters_keep(
    rejections: list[Rejection], raw_items: Callable[[], list[Any]], received_at: datetime
) -> None:
    if rejections:
        items = raw_items()
        DeadLetter.objects.bulk_create(
            _dead_letter(items[r.index], r, received_at) for r in rejections
        )


def _announce_on_commit(inserted: dict[tuple[str, str], int]) -> None:
    if inserted:
        last = max(inserted.values())
        transaction.on_commit(lambda: event_log_advanced(last))


def _checked_store(
    checked: list[ValidEvent] | list[ValidEvent | Rejection],
    raw_items: Callable[[], list[Any]],
    received_at: datetime,
) -> IngestResult:
    """Store the valid of a batch's checked events, in batch order, and dead-letter the
    rejected and the conflicting (raw_items gives the batch as sent)."""
    rejections: list[Rejection] = []
    first: dict[tuple[str, str], ValidEvent] = {}
    copies: dict[tuple[str, str], list[int]] = defaultdict(list)  # indices of exact resends
    for event in checked:
        if isinstance(event, Rejection):
            rejections.append(event)
            continue
        earlier = first.setdefault(event.key, event)
        if earlier is event:
            continue
        if _same_event(earlier, event):
            copies[event.key].append(event.index)
        else:
            where = f"sent earlier in this batch (event {earlier.index})"
            rejections.append(_conflict(event.event_id, event.index, where))
    valid = list(first.values())
    with transaction.atomic():
        _lock_event_log()
        inserted, conflicting = _store(valid, received_at) if valid else ({}, [])
        for event in conflicting:
            # Its copies in this batch differ from the stored event just as much.
            for index in [event.index, *copies.pop(event.key, [])]:
                rejections.append(_conflict(event.event_id, index, "already stored"))
        rejections.sort(key=lambda rejection: rejection.index)
        _dead_letters_keep(rejections, raw_items, received_at)
        _announce_on_commit(inserted)
    return IngestResult(
        accepted=len(inserted),
        duplicate=len(valid) - len(inserted) - len(conflicting) + sum(map(len, copies.values())),
        rejected=len(rejections),
        rejections=rejections,
    )


class TwinEventError(ValueError):
    """An event the twin emits does not fit its type's schema (a bug in the emitting code)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def twin_event_record(*, event_id: str, type: str, occurred_at: datetime, payload: dict) -> bool:
    """Append an event the twin itself emits to the log, once: stored like a source's, in
    commit order, so that other systems reading the log see it. True if stored by this call.

    The payload is checked against its type's schema first (schemas.TWIN_PAYLOADS): systems
    that act on these events read them by that schema, so a malformed one is never stored."""
    schema = TWIN_PAYLOADS.get(type)
    if schema is None:
        raise TwinEventError("type", f"{type!r} has no payload schema in TWIN_PAYLOADS")
    try:
        checked = schema.model_validate(payload).model_dump(mode="json")
    except ValidationError as error:
        first = field_errors(error, "payload.")[0]
        raise TwinEventError(first.field, first.reason) from None
    event = ValidEvent(0, Source.TWIN, event_id, type, occurred_at, checked)
    with transaction.atomic():
        _lock_event_log()
        inserted = _insert([event], timezone.now())
        if inserted:
            last = max(inserted.values())
            transaction.on_commit(lambda: event_log_advanced(last))
    return bool(inserted)


def _dead_letter(item: Any, rejection: Rejection, received_at: datetime) -> DeadLetter:
    item_dict = item if isinstance(item, dict) else {}

    def text(key: str, limit: int) -> str:
        value = item_dict.get(key)
        return printable(value)[:limit] if isinstance(value, str) else ""

    return DeadLetter(
        received_at=received_at,
        source=text("source", 8),
        event_id=text("event_id", 100),
        type=text("type", 40),
        raw=printable(item.raw) if isinstance(item, MalformedItem) else _raw_json(item),
        field=printable(rejection.field)[:200],
        reason=_reason_text(rejection.errors),
    )


def _raw_json(item: Any) -> str:
    """The rejected event as JSON text PostgreSQL can store: lone surrogates come out as
    \\u escapes (ensure_ascii), NaN and Infinity as the tokens they were sent as."""
    try:
        return json.dumps(item, separators=(",", ":"), default=str)
    except RecursionError:
        # Only a caller of events_ingest can pass nesting this deep; JSON input is refused
        # long before (MAX_JSON_DEPTH).
        return "(not kept: nested too deeply to write out)"


@dataclass
class RetryResult:
    retried: int = 0
    accepted: int = 0
    duplicate: int = 0
    still_rejected: int = 0


def dead_letters_retry(*, ids: list[int] | None = None, source: str = "") -> RetryResult:
    """Validate dead letters again (after master data was fixed) and store those now valid.

    Retries the given ids, or else every open letter (of `source`, when given). Each
    letter stays one row: it records the event it became, or its new reason.
    """
    result = RetryResult()
    now = timezone.now()
    master = master_data_codes()
    letters = DeadLetter.objects.filter(accepted_event__isnull=True).order_by("id")
    if ids is not None:
        letters = letters.filter(id__in=ids)
    elif source:
        letters = letters.filter(source=source)
    letters = list(letters)
    result.retried = len(letters)
    for letter in letters:
        outcome = _letter_retry(letter, master=master, now=now)
        if outcome == "accepted":
            result.accepted += 1
        elif outcome == "duplicate":
            result.duplicate += 1
        else:
            result.still_rejected += 1
    return result


def _letter_retry(letter: DeadLetter, *, master: MasterDataCodes, now: datetime) -> str:
    """Validate and store one dead letter again: "accepted", "duplicate" or "rejected"."""
    try:
        item: Any = json_parse(letter.raw)
    except JsonInputError as error:
        item = MalformedItem(letter.raw, f"not JSON: {error.reason}")
    checked = event_validate(item, index=0, master=master, now=now)
    letter.retried_at = now
    inserted: dict[tuple[str, str], int] = {}
    with transaction.atomic():
        if isinstance(checked, ValidEvent):
            _lock_event_log()
            inserted = _insert([checked], now)
            if not inserted and _stored_differently([checked]):
                checked = _conflict(checked.event_id, 0, "already stored")
        if isinstance(checked, Rejection):
            letter.field = printable(checked.field)[:200]
            letter.reason = _reason_text(checked.errors)
            letter.save(update_fields=["retried_at", "field", "reason"])
            return "rejected"
        if inserted:
            last = max(inserted.values())
            transaction.on_commit(lambda: event_log_advanced(last))
        letter.accepted_event = Event.objects.get(source=checked.source, event_id=checked.event_id)
        letter.save(update_fields=["retried_at", "accepted_event"])
    return "accepted" if inserted else "duplicate"
