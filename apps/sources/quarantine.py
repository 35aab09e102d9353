"""Writes of quarantined events: what a reader of the log failed to apply, and its retries.

A reader (the live projector) records a failure here and moves past the event; a planner
asks for a retry from the Sources page; the reader claims the retries, and resolves those
that apply or records the new failure of those that do not.
"""

from datetime import datetime

from apps.sources.models import QuarantinedEvent
from apps.sources.selectors import LoggedEvent

# PostgreSQL stores no NUL in text, and an exception's message can be any length.
MAX_ERROR_CHARS = 2000


def _stored_message(error: str) -> str:
    return error.replace("\x00", "")[:MAX_ERROR_CHARS]


def quarantine_record(
    *, reader: str, event: LoggedEvent, error_type: str, error: str, now: datetime
) -> QuarantinedEvent:
    """Record a failure to apply an event: a new quarantined event, or a known one failing
    again (open once more, with the new error and one more attempt)."""
    held, created = QuarantinedEvent.objects.get_or_create(
        reader=reader,
        log_event_id=event.id,
        defaults={"source": event.source, "event_id": event.event_id, "type": event.type,
                  "error_type": error_type, "error": _stored_message(error), "quarantined_at": now,
                  "failed_at": now},
    )  # fmt: skip
    if not created:
        held.status, held.resolved_at = QuarantinedEvent.Status.OPEN, None
        held.error_type, held.error, held.failed_at = error_type, _stored_message(error), now
        held.attempts += 1
        held.save()
    return held


def quarantine_retries_claim(*, reader: str, up_to_id: int, limit: int) -> list[QuarantinedEvent]:
    """The reader's events asked to be retried, up to a position of the log, oldest first,
    locked until the transaction ends so that no other retry takes them meanwhile."""
    return list(
        QuarantinedEvent.objects.select_for_update()
        .filter(
            reader=reader,
            status=QuarantinedEvent.Status.RETRY_REQUESTED,
            log_event_id__lte=up_to_id,
        )
        .order_by("log_event_id")[:limit]
    )


def quarantine_resolve(*, held: QuarantinedEvent, now: datetime) -> None:
    """A quarantined event applied on a retry: resolved, no longer left out."""
    held.status, held.resolved_at = QuarantinedEvent.Status.RESOLVED, now
    held.save(update_fields=["status", "resolved_at"])


def quarantine_retry_request(*, ids: list[int] | None = None, now: datetime) -> int:
    """Ask the readers to apply these quarantined events (all, when no ids) again; only open
    ones are asked. How many were."""
    held = QuarantinedEvent.objects.filter(status=QuarantinedEvent.Status.OPEN)
    if ids is not None:
        held = held.filter(id__in=ids)
    return held.update(status=QuarantinedEvent.Status.RETRY_REQUESTED, retry_requested_at=now)
