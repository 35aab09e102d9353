"""Reads of the live state: each DC as it stands at the watermark."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Sum

from apps.live.models import (
    DcHour,
    EquipmentState,
    OrderProgress,
    ProjectorCheckpoint,
    WorkerPresence,
)
from apps.live.projector import CHECKPOINT, LABOUR_ROLES
from apps.network.models import DistributionCenter

UTILISATION_WINDOW = timedelta(minutes=60)
ACCURACY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class DcState:
    dc: str
    name: str
    watermark: datetime | None
    workers_on_shift: dict[str, int]  # by role
    # Busy pick and pack labour-seconds ÷ clocked-in pick and pack labour-seconds over the
    # trailing window of event time ending at the watermark. None when nobody was clocked in.
    labour_utilisation: float | None
    backlog_orders: int
    backlog_lines: int
    throughput_lines_per_hour: float  # lines picked over the trailing window, per hour
    pick_accuracy: float | None  # share of lines picked right over the last 24 h
    equipment_down: tuple[str, ...]


def watermark() -> datetime | None:
    checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
    return checkpoint.watermark if checkpoint else None


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def dc_state_list(*, at: datetime | None = None) -> list[DcState]:
    """Every DC's live state at `at` (default: the watermark, the newest event time seen)."""
    at = at or watermark()
    dcs = list(DistributionCenter.objects.order_by("code").values_list("code", "name"))
    if at is None:
        return [DcState(code, name, None, {}, None, 0, 0, 0.0, None, ()) for code, name in dcs]
    start = at - UTILISATION_WINDOW
    hours = list(DcHour.objects.filter(hour__gte=start - timedelta(hours=1), hour__lte=at))
    presence = list(WorkerPresence.objects.all())
    backlog = {
        row["dc"]: row
        for row in OrderProgress.objects.filter(
            released_at__isnull=False, shipped_at__isnull=True, cancelled_at__isnull=True
        )
        .values("dc")
        .annotate(orders=Count("id"), lines=Sum("lines"))
    }
    accuracy = {
        row["dc"]: row
        for row in DcHour.objects.filter(hour__gte=at - ACCURACY_WINDOW, hour__lte=at)
        .values("dc")
        .annotate(lines=Sum("lines_picked"), errors=Sum("pick_errors"))
    }
    down = {}
    for item in EquipmentState.objects.filter(up=False).order_by("equipment_id"):
        down.setdefault(item.dc, []).append(item.equipment_id)
    states = []
    for code, name in dcs:
        busy = clocked = lines = 0.0
        for row in (h for h in hours if h.dc == code):
            # A bucket holds what happened up to the watermark: share it by the part of its
            # elapsed time that falls inside the window.
            elapsed_end = min(row.hour + timedelta(hours=1), at)
            elapsed = (elapsed_end - row.hour).total_seconds()
            # An hour that begins at the watermark holds only what happened at that instant.
            share = _overlap(row.hour, elapsed_end, start, at) / elapsed if elapsed > 0 else 1.0
            busy += row.busy_s * share
            clocked += row.clocked_s * share
            lines += row.lines_picked * share
        on_shift: dict[str, int] = {}
        for person in (p for p in presence if p.dc == code):
            on_shift[person.role] = on_shift.get(person.role, 0) + 1
            if person.role in LABOUR_ROLES:
                clocked += _overlap(person.clocked_in_at, at, start, at)
        picked = accuracy.get(code, {})
        states.append(
            DcState(
                dc=code,
                name=name,
                watermark=at,
                workers_on_shift=dict(sorted(on_shift.items())),
                labour_utilisation=busy / clocked if clocked else None,
                backlog_orders=backlog.get(code, {}).get("orders", 0),
                backlog_lines=backlog.get(code, {}).get("lines", 0) or 0,
                throughput_lines_per_hour=lines / (UTILISATION_WINDOW.total_seconds() / 3600),
                pick_accuracy=(1 - picked["errors"] / picked["lines"])
                if picked.get("lines")
                else None,
                equipment_down=tuple(down.get(code, ())),
            )
        )
    return states
