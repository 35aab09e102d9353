"""The projector: applies the event log to the live state, in commit order, exactly once.

One projector runs at a time (a Redis lock); its checkpoint and the state it changes
commit in one transaction, so a batch is applied once or not at all, and a projector
that was down catches up from its checkpoint by itself.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import transaction

from apps.live.models import (
    DcHour,
    EquipmentState,
    OrderProgress,
    ProjectorCheckpoint,
    WorkerPresence,
)
from apps.sources.models import Event
from apps.sources.selectors import event_log_read

CHECKPOINT = "live"
LOCK_KEY = "twin:lock:projector"
LABOUR_ROLES = ("picker", "packer")
HOUR = timedelta(hours=1)


@dataclass
class ProjectionResult:
    applied: int = 0
    batches: int = 0
    last_event_id: int = 0
    locked_out: bool = False
    changed_dcs: set[str] = field(default_factory=set)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


class BatchState:
    """The rows a batch touches, loaded once, changed in memory, written back in bulk."""

    def __init__(self, events: list[Event]) -> None:
        workers, orders, equipment = set(), set(), set()
        for event in events:
            payload = event.payload
            if event.type == "wms.labor_clock":
                workers.add(payload["worker_id"])
            elif event.order_id:
                orders.add(event.order_id)
            elif event.type == "wms.equipment_status":
                equipment.add(payload["equipment_id"])
        self.presence = {
            p.worker_id: p for p in WorkerPresence.objects.filter(worker_id__in=workers)
        }
        self.presence_gone: set[str] = set()
        self.orders = {o.order_id: o for o in OrderProgress.objects.filter(order_id__in=orders)}
        self.orders_new: set[str] = set()
        self.equipment = {
            e.equipment_id: e for e in EquipmentState.objects.filter(equipment_id__in=equipment)
        }
        self.hours: dict[tuple[str, datetime], dict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.changed_dcs: set[str] = set()

    def add(self, dc: str, moment: datetime, counter: str, amount: float) -> None:
        self.hours[(dc, _hour(moment))][counter] += amount
        self.changed_dcs.add(dc)

    def add_interval(self, dc: str, start: datetime, end: datetime, counter: str) -> None:
        """Spread the seconds of [start, end) over the hours they fall in."""
        while start < end:
            boundary = min(_hour(start) + HOUR, end)
            self.add(dc, start, counter, (boundary - start).total_seconds())
            start = boundary

    def order(self, order_id: str) -> OrderProgress:
        found = self.orders.get(order_id)
        if found is None:
            found = self.orders[order_id] = OrderProgress(order_id=order_id)
            self.orders_new.add(order_id)
        return found

    def save(self) -> None:
        if self.presence_gone:
            WorkerPresence.objects.filter(worker_id__in=self.presence_gone).delete()
        new = [p for p in self.presence.values() if p.pk is None]
        WorkerPresence.objects.bulk_create(new)
        OrderProgress.objects.bulk_create([self.orders[o] for o in self.orders_new])
        existing = [o for k, o in self.orders.items() if k not in self.orders_new]
        OrderProgress.objects.bulk_update(
            existing, ["dc", "lines", "created_at", "released_at", "shipped_at", "cancelled_at"]
        )
        EquipmentState.objects.bulk_create([e for e in self.equipment.values() if e.pk is None])
        EquipmentState.objects.bulk_update(
            [e for e in self.equipment.values() if e.pk is not None],
            ["kind", "up", "since", "reason"],
        )
        self._save_hours()

    def _save_hours(self) -> None:
        if not self.hours:
            return
        rows = {
            (row.dc, row.hour): row
            for row in DcHour.objects.filter(
                dc__in={dc for dc, _ in self.hours}, hour__in={hour for _, hour in self.hours}
            )
        }
        created, updated = [], []
        counters = ("busy_s", "clocked_s", "lines_picked", "pick_errors", "orders_released",
                    "orders_shipped")  # fmt: skip
        for key, deltas in self.hours.items():
            row = rows.get(key)
            if row is None:
                row = DcHour(dc=key[0], hour=key[1])
                created.append(row)
            else:
                updated.append(row)
            for counter, amount in deltas.items():
                setattr(row, counter, getattr(row, counter) + amount)
        DcHour.objects.bulk_create(created)
        DcHour.objects.bulk_update(updated, counters)


def _apply(event: Event, state: BatchState) -> None:
    payload, at = event.payload, event.occurred_at
    kind = event.type
    if kind == "wms.labor_clock":
        worker = payload["worker_id"]
        present = state.presence.get(worker) if worker not in state.presence_gone else None
        if payload["direction"] == "in":
            if present is None:
                state.presence_gone.discard(worker)
                state.presence[worker] = WorkerPresence(
                    dc=payload["dc"], worker_id=worker, role=payload["role"], clocked_in_at=at
                )
            return
        if present is None:
            return  # an out without an in: nothing was clocked
        if present.role in LABOUR_ROLES:
            state.add_interval(present.dc, present.clocked_in_at, at, "clocked_s")
        state.presence.pop(worker)
        if present.pk is not None:
            state.presence_gone.add(worker)
        state.changed_dcs.add(present.dc)
    elif kind == "wms.pick_completed":
        started = _parse(payload["started_at"])
        state.add_interval(
            payload["dc"], started, started + timedelta(seconds=payload["duration_s"]), "busy_s"
        )
        state.add(payload["dc"], at, "lines_picked", 1)
        state.add(payload["dc"], at, "pick_errors", 1 if payload["error"] else 0)
    elif kind == "wms.pack_completed":
        state.add_interval(
            payload["dc"], at - timedelta(seconds=payload["duration_s"]), at, "busy_s"
        )
    elif kind == "erp.order_created":
        order = state.order(payload["order_id"])
        order.lines = len(payload["lines"])
        order.created_at = at
        order.dc = order.dc or payload.get("dc", "")
    elif kind == "wms.order_released":
        order = state.order(payload["order_id"])
        order.dc, order.released_at = payload["dc"], at
        state.add(payload["dc"], at, "orders_released", 1)
    elif kind == "wms.shipped":
        order = state.order(payload["order_id"])
        order.shipped_at = at
        state.add(payload["dc"], at, "orders_shipped", 1)
    elif kind == "erp.order_cancelled":
        state.order(payload["order_id"]).cancelled_at = at
    elif kind == "wms.equipment_status":
        item = state.equipment.get(payload["equipment_id"])
        if item is None:
            item = state.equipment[payload["equipment_id"]] = EquipmentState(
                equipment_id=payload["equipment_id"], dc=payload["dc"]
            )
        if item.since is None or at >= item.since:  # a late event does not undo a newer one
            item.kind, item.up, item.since = payload["kind"], payload["status"] == "up", at
            item.reason = payload.get("reason", "") or ""
        state.changed_dcs.add(payload["dc"])


def apply_batch(*, batch_size: int = 2000) -> tuple[int, int, set[str]]:
    """Apply the next batch after the checkpoint: (events applied, last id, DCs changed)."""
    with transaction.atomic():
        checkpoint, _ = ProjectorCheckpoint.objects.select_for_update().get_or_create(
            name=CHECKPOINT
        )
        events = event_log_read(after_id=checkpoint.last_event_id, limit=batch_size)
        if not events:
            return 0, checkpoint.last_event_id, set()
        state = BatchState(events)
        for event in events:
            _apply(event, state)
        state.save()
        checkpoint.last_event_id = events[-1].id
        newest = max(event.occurred_at for event in events)
        if checkpoint.watermark is None or newest > checkpoint.watermark:
            checkpoint.watermark = newest
        checkpoint.save()
        return len(events), checkpoint.last_event_id, state.changed_dcs


def project_pending(*, batch_size: int = 2000, max_batches: int | None = None) -> ProjectionResult:
    """Apply everything new in the log, unless another projector is at it right now."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    lock = client.lock(LOCK_KEY, timeout=120)
    if not lock.acquire(blocking=False):
        client.close()
        return ProjectionResult(locked_out=True)
    result = ProjectionResult()
    try:
        while max_batches is None or result.batches < max_batches:
            applied, last, changed = apply_batch(batch_size=batch_size)
            if not applied:
                break
            result.applied += applied
            result.batches += 1
            result.last_event_id = last
            result.changed_dcs |= changed
            lock.extend(120, replace_ttl=True)
    finally:
        lock.release()
        client.close()
    return result


def live_state_reset() -> None:
    """Forget every projection, so that the next projection rebuilds them from the log."""
    with transaction.atomic():
        for model in (WorkerPresence, OrderProgress, EquipmentState, DcHour, ProjectorCheckpoint):
            model.objects.all().delete()
