"""Reads of a DC's stock as it stands at the watermark: on hand, on order, and days of
cover at the demand picked over the last 7 days (see selectors for the watermark)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Min, Sum

from apps.live.models import StockDay, StockLevel
from apps.live.selectors import watermark

DEMAND_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class StockRow:
    sku: str
    on_hand: int
    on_order: int
    daily_demand: float  # units picked per day over the last 7 days (or since the log began)
    days_of_cover: float | None  # on hand ÷ daily demand; None when nothing was picked


def stock_list(*, dc: str, at: datetime | None = None) -> list[StockRow]:
    """On hand, on order and days of cover of every SKU stocked at or moving through a DC."""
    at = at or watermark()
    levels = list(StockLevel.objects.filter(dc=dc).order_by("sku"))
    if at is None:
        return [StockRow(level.sku, level.on_hand, level.on_order, 0.0, None) for level in levels]
    began = StockDay.objects.filter(dc=dc).aggregate(first=Min("day"))["first"]
    window_start = max(began or at.date(), (at - DEMAND_WINDOW).date() + timedelta(days=1))
    elapsed_days = max(
        (at - datetime.combine(window_start, time(0), tzinfo=at.tzinfo)).total_seconds() / 86400,
        1 / 24,
    )
    picked = dict(
        StockDay.objects.filter(dc=dc, day__gte=window_start, day__lte=at.date())
        .values("sku")
        .annotate(units=Sum("units_picked"))
        .values_list("sku", "units")
    )
    rows = []
    for level in levels:
        demand = (picked.get(level.sku) or 0) / elapsed_days
        cover = max(level.on_hand, 0) / demand if demand else None
        rows.append(StockRow(level.sku, level.on_hand, level.on_order, demand, cover))
    return rows
