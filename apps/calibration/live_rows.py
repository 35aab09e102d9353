"""The live projections as the prediction rounds read them: each row checked (row_checks),
the unsound ones left out and counted, so one bad row never stops a round."""

from dataclasses import dataclass
from datetime import datetime

from apps.calibration.row_checks import (
    SkippedRows,
    dc_hour_problem,
    keep_sound,
    order_lines_problem,
    order_progress_problem,
    shipment_problem,
)
from apps.live.models import DcHour, OrderProgress, Shipment

DC_HOUR_FIELDS = ("id", "dc", "hour", "busy_s", "clocked_s", "lines_picked")
SHIPMENT_FIELDS = ("id", "shipment_id", "lane", "order_id", "picked_up_at", "delivered_at")
ORDER_FIELDS = ("id", "order_id", "due_at", "delivered_at", "pick_errors")


@dataclass(frozen=True)
class DcHours:
    """A DC's hourly rows; `gaps` are the (dc, hour) whose row was left out, so that a
    figure over those hours is not mistaken for zero."""

    rows: list
    gaps: frozenset[tuple[str, datetime]]


def dc_hours_read(
    *, start: datetime, end: datetime, skipped: SkippedRows, dc: str | None = None
) -> DcHours:
    hours = DcHour.objects.filter(hour__gte=start, hour__lt=end)
    if dc is not None:
        hours = hours.filter(dc=dc)
    rows = list(hours.values_list(*DC_HOUR_FIELDS, named=True))
    sound = keep_sound(rows, dc_hour_problem, "DcHour", skipped)
    kept = {row.id for row in sound}
    return DcHours(sound, frozenset((r.dc, r.hour) for r in rows if r.id not in kept))


def shipments_delivered_read(*, start: datetime, end: datetime, skipped: SkippedRows) -> list:
    """Shipments picked up and delivered in [start, end)."""
    rows = Shipment.objects.filter(
        delivered_at__gte=start, delivered_at__lt=end, picked_up_at__isnull=False
    ).values_list(*SHIPMENT_FIELDS, named=True)
    return keep_sound(rows, shipment_problem, "Shipment", skipped, end)


def shipments_read(*, ids: list[str], at: datetime, skipped: SkippedRows) -> list:
    rows = Shipment.objects.filter(shipment_id__in=ids).values_list(*SHIPMENT_FIELDS, named=True)
    return keep_sound(rows, shipment_problem, "Shipment", skipped, at)


def shipments_in_transit_read(*, at: datetime, skipped: SkippedRows) -> list:
    """Shipments picked up before `at` and not delivered yet."""
    rows = Shipment.objects.filter(
        delivered_at=None, picked_up_at__isnull=False, picked_up_at__lt=at
    ).values_list(*SHIPMENT_FIELDS, named=True)
    return keep_sound(rows, shipment_problem, "Shipment", skipped, at)


def orders_delivered_read(*, start: datetime, end: datetime, skipped: SkippedRows) -> list:
    """Orders with a due time, delivered in [start, end)."""
    rows = (
        OrderProgress.objects.filter(delivered_at__gte=start, delivered_at__lt=end)
        .exclude(due_at=None)
        .values_list(*ORDER_FIELDS, named=True)
    )
    return keep_sound(rows, order_progress_problem, "OrderProgress", skipped, end)


def orders_read(*, ids: list[str], at: datetime, skipped: SkippedRows) -> list:
    rows = OrderProgress.objects.filter(order_id__in=ids).values_list(*ORDER_FIELDS, named=True)
    return keep_sound(rows, order_progress_problem, "OrderProgress", skipped, at)


def lines_released(*, dc: str, start: datetime, end: datetime, skipped: SkippedRows) -> int:
    """Order lines released to the DC's floor in [start, end)."""
    rows = OrderProgress.objects.filter(
        dc=dc, released_at__gte=start, released_at__lt=end
    ).values_list("id", "lines", named=True)
    sound = keep_sound(rows, order_lines_problem, "OrderProgress", skipped)
    return sum(row.lines for row in sound)
