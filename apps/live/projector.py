"""The projector: applies the event log to the live state, in commit order, exactly once.

One projector runs at a time (a database lock); its checkpoint and the state it changes
commit in one transaction, so a batch is applied once or not at all, and a projector
that was down catches up from its checkpoint by itself. How each event changes the state
is the projection rules' (apps/live/projection_rules.py).

An event that fails to apply (a value an older schema let through, a bug) is quarantined:
recorded with its error, left out, and passed, so that it cannot stop the stream. A planner
asks for a retry once the cause is fixed; the projector applies it then, or records the
new error. A rebuild leaves out the events still in quarantine, so the live state always
equals the log without them.
"""

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from apps.live.models import (
    Complaint,
    CostDay,
    DcHour,
    EquipmentState,
    LaneHour,
    OrderProgress,
    ProjectorCheckpoint,
    Sensor,
    Shipment,
    StockDay,
    StockLevel,
    WorkerPresence,
)
from apps.live.projection_rules import CHECKPOINT, events_apply
from apps.live.projector_lock import single_projector
from apps.sources.quarantine import (
    quarantine_record,
    quarantine_resolve,
    quarantine_retries_claim,
)
from apps.sources.selectors import (
    event_log_last_id,
    event_log_read,
    logged_events_read,
    quarantined_event_count,
    quarantined_event_ids,
    quarantined_retry_requested,
)

logger = logging.getLogger(__name__)

# More failures than this share of a batch (5 %: the old 100 of 2,000) and than the floor
# are the projector's fault (a bug, a broken deploy), not the events': quarantining the
# whole stream would hide it, so the batch is not committed; ProjectionFailed is raised.
MAX_QUARANTINED_SHARE = 0.05
MAX_QUARANTINED_PER_BATCH = 100
# Events a batch reads at most. Each statement, and each row several events touch, costs
# once per batch: the database's CPU for 20,000 events fell from 0.41 s at 2,000 a batch
# to 0.18 s at 10,000 (2026-12-06). A projector that keeps up reads far fewer each time.
BATCH_SIZE = 10_000
# Failures of the database connection, not of an event: never quarantined, always raised.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)


class ProjectionFailed(Exception):
    """Too many events of one batch failed to apply for the events to be the cause."""


@dataclass(frozen=True)
class Failure:
    """An event of the log (a LoggedEvent) and what applying it raised."""

    event: tuple
    error: Exception


@dataclass
class ProjectionResult:
    applied: int = 0
    batches: int = 0
    last_event_id: int = 0
    locked_out: bool = False
    quarantined: int = 0  # events newly quarantined
    resolved: int = 0  # quarantined events applied on a retry
    changed_dcs: set[str] = field(default_factory=set)


@dataclass
class BatchResult:
    read: int = 0  # events read from the log: applied, quarantined now, or still held
    applied: int = 0
    last_event_id: int = 0
    quarantined: int = 0
    changed_dcs: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class RetryResult:
    resolved: int = 0
    failed: int = 0
    changed_dcs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProjectorPosition:
    """Where the projector stands against the log, for the summary line and health checks."""

    last_event_id: int
    log_head_id: int
    watermark: datetime | None
    quarantined: int

    @property
    def lag_events(self) -> int:
        return max(self.log_head_id - self.last_event_id, 0)


def quarantine_limit(events: int) -> int:
    """How many of a batch of this many events may fail before the projector is at fault."""
    return max(MAX_QUARANTINED_PER_BATCH, int(events * MAX_QUARANTINED_SHARE))


def _apply_isolating(events: list, failures: list[Failure], limit: int) -> set[str]:
    """Apply the events in log order, leaving out (and adding to failures) any that fails.

    The whole list is tried at once, the fast path. If that fails, each half is tried in a
    savepoint of its own, and so on down to the single events that fail. A half starts
    from the state the halves before it left, exactly as consecutive batches do, so the
    result equals applying the list without the failing events.
    """
    try:
        with transaction.atomic():
            return events_apply(events)
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as error:  # whatever an event makes applying raise, it is isolated
        if len(events) == 1:
            failures.append(Failure(events[0], error))
            if len(failures) > limit:
                raise ProjectionFailed(
                    f"more than {limit} events of one batch failed to "
                    f"apply, the last with {_error_type(error)}: {error}"
                ) from error
            return set()
        logger.debug("%d events failed to apply together; trying halves", len(events),
                      extra={"error": f"{_error_type(error)}: {error}"})  # fmt: skip
    half = len(events) // 2
    return _apply_isolating(events[:half], failures, limit) | _apply_isolating(
        events[half:], failures, limit
    )


def _error_type(error: Exception) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _quarantine(failure: Failure, now: datetime) -> None:
    """Record the failure: a new quarantined event, or a known one failing again."""
    error = failure.error
    quarantine_record(
        reader=CHECKPOINT,
        event=failure.event,
        error_type=_error_type(error),
        error=str(error),
        now=now,
    )


def _log_quarantined(failure: Failure) -> None:
    event, error = failure.event, failure.error
    logger.error(
        "event %s (%s:%s %s) quarantined: %s: %s", event.id, event.source, event.event_id,
        event.type, _error_type(error), error, exc_info=error,
        extra={"event": event.id, "error_type": _error_type(error)},
    )  # fmt: skip


def _checkpoint_locked() -> ProjectorCheckpoint:
    checkpoint, _ = ProjectorCheckpoint.objects.select_for_update().get_or_create(name=CHECKPOINT)
    return checkpoint


def _checkpoint_advance(checkpoint: ProjectorCheckpoint, last_event_id: int, applied: list) -> None:
    """Move the checkpoint; the watermark counts applied events only, so that it equals a
    rebuild's, which leaves the quarantined ones out."""
    checkpoint.last_event_id = last_event_id
    newest = max((event.occurred_at for event in applied), default=None)
    if newest is not None and (checkpoint.watermark is None or newest > checkpoint.watermark):
        checkpoint.watermark = newest
    checkpoint.save()


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A batch makes and drops hundreds of thousands of small acyclic objects: the cyclic
    collector, run every 700 allocations, would walk them again and again to find nothing
    (a third of the projector's Python time at 5,000 events a batch)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _FastPathFailed(Exception):
    """An event failed to apply outside a savepoint: the whole batch is to be rolled back."""


def apply_batch(*, batch_size: int = BATCH_SIZE) -> BatchResult:
    """Apply the next batch after the checkpoint, quarantining the events that fail.

    First without a savepoint (2 of a small batch's 12 round trips); only if an event fails
    is the batch rolled back and applied again, isolating the failures in savepoints.

    The cyclic collector runs again only once the batch's events and rows are freed: run
    again while they live, it would walk them all at its next allocation to find nothing
    (72 ms of a rebuild of 200,000 events in 20 batches, 1-2 ms when they are gone).
    """
    with _cyclic_gc_paused():
        try:
            return _batch_apply(batch_size, isolating=False)
        except _FastPathFailed:
            return _batch_apply(batch_size, isolating=True)


def _whole_apply(events: list) -> set[str]:
    try:
        return events_apply(events)
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as error:  # whatever an event makes applying raise, it is isolated
        raise _FastPathFailed from error


def _batch_apply(batch_size: int, *, isolating: bool) -> BatchResult:
    failures: list[Failure] = []
    with transaction.atomic():
        checkpoint = _checkpoint_locked()
        events = event_log_read(after_id=checkpoint.last_event_id, limit=batch_size)
        if not events:
            return BatchResult(last_event_id=checkpoint.last_event_id)
        # Events still in quarantine are left out, by a rebuild as much as by a retry
        # that has not been asked for yet.
        held = quarantined_event_ids(
            reader=CHECKPOINT, after_id=checkpoint.last_event_id, up_to_id=events[-1].id
        )
        todo = [event for event in events if event.id not in held] if held else events
        if isolating:
            changed = _apply_isolating(todo, failures, quarantine_limit(len(events)))
        else:
            changed = _whole_apply(todo)
        if failures:
            now = timezone.now()
            for failure in failures:
                _quarantine(failure, now)
            failed = {failure.event.id for failure in failures}
            todo = [event for event in todo if event.id not in failed]
        _checkpoint_advance(checkpoint, events[-1].id, todo)
    for failure in failures:
        _log_quarantined(failure)
    return BatchResult(read=len(events), applied=len(todo), last_event_id=events[-1].id,
                       quarantined=len(failures), changed_dcs=changed)  # fmt: skip


def quarantined_events_retry(*, limit: int = 100) -> RetryResult:
    """Apply the quarantined events a planner asked to retry: resolved if they apply now,
    quarantined again with the new error if not.

    They are applied after the events that followed them in the log: exact for counters and
    for rows where the newest event time wins; `rebuild_live` replays them in log order.
    Only those the checkpoint has passed are retried: during a rebuild the rest lie ahead.
    """
    # Looked for before locking the checkpoint: every projection asks, and seldom finds any.
    if not quarantined_retry_requested(reader=CHECKPOINT):
        return RetryResult()
    failures: list[Failure] = []
    resolved = []
    changed: set[str] = set()
    with transaction.atomic():
        checkpoint = _checkpoint_locked()
        requested = quarantine_retries_claim(
            reader=CHECKPOINT, up_to_id=checkpoint.last_event_id, limit=limit
        )
        if not requested:
            return RetryResult()
        events = {
            event.id: event for event in logged_events_read(ids=[r.log_event_id for r in requested])
        }
        now = timezone.now()
        for row in requested:
            event = events[row.log_event_id]
            before = len(failures)
            changed |= _apply_isolating([event], failures, quarantine_limit(len(requested)))
            if len(failures) > before:
                _quarantine(failures[-1], now)
                continue
            quarantine_resolve(held=row, now=now)
            resolved.append(event)
        _checkpoint_advance(checkpoint, checkpoint.last_event_id, resolved)
    for failure in failures:
        _log_quarantined(failure)
    for event in resolved:
        logger.info("quarantined event %s (%s:%s) applied on retry", event.id, event.source,
                    event.event_id, extra={"event": event.id})  # fmt: skip
    return RetryResult(resolved=len(resolved), failed=len(failures), changed_dcs=frozenset(changed))


def project_pending(
    *, batch_size: int = BATCH_SIZE, max_batches: int | None = None, keep_lock: bool = False
) -> ProjectionResult:
    """Apply everything new in the log and the retries asked for, unless another projector is
    at it right now (then locked_out). keep_lock: see single_projector's keep."""
    with single_projector(keep=keep_lock) as mine:
        if not mine:
            return ProjectionResult(locked_out=True)
        result = ProjectionResult()
        _project_batches(result, batch_size, max_batches)
        retried = quarantined_events_retry()
        result.resolved = retried.resolved
        result.changed_dcs |= retried.changed_dcs
        return result


def _project_batches(result: ProjectionResult, batch_size: int, max_batches: int | None) -> None:
    while max_batches is None or result.batches < max_batches:
        batch = apply_batch(batch_size=batch_size)
        if not batch.read:
            break
        result.applied += batch.applied
        result.quarantined += batch.quarantined
        result.batches += 1
        result.last_event_id = batch.last_event_id
        result.changed_dcs |= batch.changed_dcs
        logger.debug("applied %d events up to %d", batch.applied, batch.last_event_id,
                     extra={"quarantined": batch.quarantined})  # fmt: skip
        if batch.read < batch_size:
            # The log's end was reached: reading it again to find nothing would cost a
            # transaction and its round trips; what commits after this is announced.
            break


def projector_position() -> ProjectorPosition:
    """The checkpoint against the newest event in the log, and what is held in quarantine."""
    checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
    return ProjectorPosition(
        last_event_id=checkpoint.last_event_id if checkpoint else 0,
        log_head_id=event_log_last_id(),
        watermark=checkpoint.watermark if checkpoint else None,
        quarantined=quarantined_event_count(reader=CHECKPOINT),
    )


PROJECTIONS = (WorkerPresence, OrderProgress, EquipmentState, DcHour, Shipment, LaneHour,
               StockLevel, StockDay, Complaint, Sensor, CostDay, ProjectorCheckpoint)  # fmt: skip


def live_state_reset() -> None:
    """Forget every projection, so that the next projection rebuilds them from the log."""
    with transaction.atomic():
        for model in PROJECTIONS:
            model.objects.all().delete()
