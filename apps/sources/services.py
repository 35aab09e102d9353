"""Writes of the sources app: validating, deduplicating and storing events; tokens."""

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from pydantic import BaseModel, ValidationError

from apps.sources.log_head import event_log_advanced
from apps.sources.models import SOURCES, DeadLetter, Event, Source, SourceToken
from apps.sources.schemas import PAYLOADS, REFERENCES, Envelope
from apps.sources.selectors import MasterDataCodes, master_data_codes

# Serialises ingestion commits on PostgreSQL so that event ids follow commit order.
INGEST_LOCK_KEY = 0x7477696E  # "twin"
INSERT_CHUNK = 1000


class UnknownSourceError(ValueError):
    pass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str | None
    errors: tuple[FieldError, ...]

    @property
    def field(self) -> str:
        return self.errors[0].field

    @property
    def reason(self) -> str:
        return self.errors[0].reason


@dataclass(frozen=True)
class ValidEvent:
    index: int
    source: str
    event_id: str
    type: str
    occurred_at: datetime
    payload: dict

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.event_id


@dataclass(frozen=True)
class MalformedItem:
    """A line of an import that is not even JSON: it is dead-lettered as the raw text."""

    raw: str
    reason: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)


def _path(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _errors(error: ValidationError, prefix: str = "") -> tuple[FieldError, ...]:
    return tuple(
        FieldError(
            f"{prefix}{_path(tuple(e['loc']))}" if e["loc"] else prefix.rstrip("."),
            e["msg"],
        )
        for e in error.errors(include_url=False)
    )


def _reference_errors(payload: Any, master: MasterDataCodes, path: str) -> list[FieldError]:
    """Codes in the payload that name master data which does not exist."""
    found = []
    for name, value in payload:
        where = f"{path}.{name}"
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.extend(_reference_errors(item, master, f"{where}[{i}]"))
        elif name in REFERENCES and isinstance(value, str):
            kind = REFERENCES[name]
            if not master.knows(kind, value):
                label = {"dc": "DC", "sku": "SKU"}.get(kind, kind)
                found.append(FieldError(where, f"unknown {label} {value!r}"))
    return found


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where a NUL character hides in a JSON value: PostgreSQL can store none in text or jsonb."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = _nul_path(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_path(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _printable(text: str) -> str:
    return text.replace("\x00", "\\x00")


def event_validate(
    item: Any, *, index: int, master: MasterDataCodes, now: datetime
) -> ValidEvent | Rejection:
    """Check one raw event against the envelope, its type's schema and the master data."""
    event_id = item.get("event_id") if isinstance(item, dict) else None
    event_id = _printable(event_id) if isinstance(event_id, str) else None
    if isinstance(item, MalformedItem):
        return Rejection(index, None, (FieldError("", item.reason),))
    if not isinstance(item, dict):
        return Rejection(index, None, (FieldError("", "an event must be a JSON object"),))
    nul = _nul_path(item)
    if nul is not None:
        reason = "contains a NUL character (\\u0000), which cannot be stored"
        return Rejection(index, event_id, (FieldError(_printable(nul), reason),))
    try:
        envelope = Envelope.model_validate(item)
    except ValidationError as error:
        return Rejection(index, event_id, _errors(error))
    schema = PAYLOADS.get(envelope.type)
    if schema is None:
        return Rejection(
            index, event_id, (FieldError("type", f"unknown event type {envelope.type!r}"),)
        )
    if envelope.type.split(".", 1)[0] != envelope.source:
        return Rejection(
            index,
            event_id,
            (FieldError("type", f"{envelope.type} is not a {envelope.source} event type"),),
        )
    skew = timedelta(seconds=settings.TWIN_MAX_FUTURE_SKEW_S)
    if envelope.occurred_at > now + skew:
        return Rejection(
            index,
            event_id,
            (
                FieldError(
                    "occurred_at",
                    f"{envelope.occurred_at.isoformat()} is more than "
                    f"{settings.TWIN_MAX_FUTURE_SKEW_S} s in the future",
                ),
            ),
        )
    try:
        payload = schema.model_validate(envelope.payload)
    except ValidationError as error:
        return Rejection(index, event_id, _errors(error, "payload."))
    unknown = _reference_errors(payload, master, "payload")
    if unknown:
        return Rejection(index, event_id, tuple(unknown))
    return ValidEvent(
        index=index,
        source=envelope.source,
        event_id=envelope.event_id,
        type=envelope.type,
        occurred_at=envelope.occurred_at,
        payload=payload.model_dump(mode="json", exclude_none=True),
    )


def _indexed_columns(event: ValidEvent) -> tuple[str, str, str]:
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
    return _printable("; ".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in errors))


def _insert(events: list[ValidEvent], received_at: datetime) -> list[int]:
    """Insert in one statement per chunk, skipping (source, event_id) already stored.

    Returns the ids of rows this call inserted: concurrent senders of the same event
    each learn exactly whether theirs was the one stored.
    """
    ops = connection.ops
    is_postgres = connection.vendor == "postgresql"
    payload_sql = "%s::jsonb" if is_postgres else "%s"
    row_sql = f"(%s, %s, %s, %s, %s, {payload_sql}, %s, %s, %s)"
    received = ops.adapt_datetimefield_value(received_at)
    inserted: list[int] = []
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
                + " ON CONFLICT (source, event_id) DO NOTHING RETURNING id",
                params,
            )
            inserted.extend(row[0] for row in cursor.fetchall())
    return inserted


def events_ingest(
    *, items: list[Any], received_at: datetime | None = None, master: MasterDataCodes | None = None
) -> IngestResult:
    """Validate a batch; store its valid events once each; dead-letter the rest.

    Valid events are stored even when others in the batch are rejected. A resend of a
    stored event, or a second copy within the batch, counts as a duplicate and changes
    nothing.
    """
    received_at = received_at or timezone.now()
    master = master or master_data_codes()
    result = IngestResult()
    valid: list[ValidEvent] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        checked = event_validate(item, index=index, master=master, now=received_at)
        if isinstance(checked, Rejection):
            result.rejections.append(checked)
            continue
        if checked.key in seen:
            result.duplicate += 1
            continue
        seen.add(checked.key)
        valid.append(checked)
    with transaction.atomic():
        _lock_event_log()
        inserted = _insert(valid, received_at) if valid else []
        if result.rejections:
            DeadLetter.objects.bulk_create(
                _dead_letter(items[r.index], r, received_at) for r in result.rejections
            )
        if inserted:
            last = max(inserted)
            transaction.on_commit(lambda: event_log_advanced(last))
    result.accepted = len(inserted)
    result.duplicate += len(valid) - len(inserted)
    result.rejected = len(result.rejections)
    return result


def twin_event_record(*, event_id: str, type: str, occurred_at: datetime, payload: dict) -> bool:
    """Append an event the twin itself emits to the log, once: stored like a source's, in
    commit order, so that other systems reading the log see it. True if stored by this call."""
    event = ValidEvent(0, Source.TWIN, event_id, type, occurred_at, payload)
    with transaction.atomic():
        _lock_event_log()
        inserted = _insert([event], timezone.now())
        if inserted:
            transaction.on_commit(lambda: event_log_advanced(inserted[0]))
    return bool(inserted)


def _dead_letter(item: Any, rejection: Rejection, received_at: datetime) -> DeadLetter:
    item_dict = item if isinstance(item, dict) else {}

    def text(key: str, limit: int) -> str:
        value = item_dict.get(key)
        return _printable(value)[:limit] if isinstance(value, str) else ""

    return DeadLetter(
        received_at=received_at,
        source=text("source", 8),
        event_id=text("event_id", 100),
        type=text("type", 40),
        raw=_printable(item.raw)
        if isinstance(item, MalformedItem)
        else json.dumps(item, separators=(",", ":"), default=str),
        field=_printable(rejection.field)[:200],
        reason=_reason_text(rejection.errors),
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def source_token_create(*, source: str, label: str = "") -> str:
    """A new bearer token for a source system; the token itself is shown only now."""
    if source not in SOURCES:
        raise UnknownSourceError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    token = f"twin_{source}_{secrets.token_urlsafe(32)}"
    SourceToken.objects.create(
        source=source, label=label, token_hash=token_hash(token), prefix=token[:14]
    )
    return token


def source_token_revoke(*, source: str, prefix: str = "") -> int:
    """Revoke a source's active tokens (those starting with prefix, if given); how many."""
    if source not in SOURCES:
        raise UnknownSourceError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    tokens = SourceToken.objects.filter(source=source, revoked_at__isnull=True)
    if prefix:
        tokens = tokens.filter(prefix__startswith=prefix[:14])
    return tokens.update(revoked_at=timezone.now())


def source_for_token(token: str) -> str | None:
    """The source system an active token belongs to, or None."""
    found = (
        SourceToken.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .values_list("source", flat=True)
        .first()
    )
    return found


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
        try:
            item: Any = json.loads(letter.raw)
        except json.JSONDecodeError as error:
            item = MalformedItem(letter.raw, f"not JSON: {error.msg}")
        checked = event_validate(item, index=0, master=master, now=now)
        letter.retried_at = now
        if isinstance(checked, Rejection):
            letter.field = _printable(checked.field)[:200]
            letter.reason = _reason_text(checked.errors)
            letter.save(update_fields=["retried_at", "field", "reason"])
            result.still_rejected += 1
            continue
        with transaction.atomic():
            _lock_event_log()
            inserted = _insert([checked], now)
            if inserted:
                transaction.on_commit(lambda ids=inserted: event_log_advanced(max(ids)))
            letter.accepted_event = Event.objects.get(
                source=checked.source, event_id=checked.event_id
            )
            letter.save(update_fields=["retried_at", "accepted_event"])
        if inserted:
            result.accepted += 1
        else:
            result.duplicate += 1
    return result
