"""Demand: order arrival rates by region × hour of the week, lines, SKU mix, quantities, tiers.

Arrivals are a Poisson process whose rate is region share × day-of-week factor × hour-of-day
factor, fitted by iterative proportional fitting on counts and exposure (hours of each
hour-of-week the window covers). Separable main effects need a few hundred orders, where
168 free rates per region would need months of history to beat their Poisson noise.
"""

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta

from apps.calibration.fitters.fit import Fit
from apps.calibration.history import History
from apps.simulation.demand import HOURS_PER_WEEK, DemandParams

MIN_ORDERS_FOR_LEVEL = 30
MIN_ORDERS_FOR_SHAPE = 500
MIN_LINES_PER_SKU = 20
IPF_ROUNDS = 30


def hour_of_week(moment) -> int:
    return moment.weekday() * 24 + moment.hour


def exposure_by_hour_of_week(history: History) -> list[float]:
    """How many hours of each hour-of-week slot the window covers (partial hours pro rata)."""
    exposure = [0.0] * HOURS_PER_WEEK
    start, end = history.window.start, history.window.end
    cursor = start
    while cursor < end:
        boundary = cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        stop = min(boundary, end)
        exposure[hour_of_week(cursor)] += (stop - cursor).total_seconds() / 3600
        cursor = stop
    return exposure


def pmf(counts: dict[int, int]) -> tuple[float, ...]:
    total = sum(counts.values())
    top = max(counts)
    return tuple(0.0 if i == 0 else counts.get(i, 0) / total for i in range(top + 1))


@dataclass
class _Tally:
    """The window's orders counted every way the demand model is fitted from."""

    counts: dict[str, list[int]]  # region -> orders by hour of the week
    lines: dict[int, int] = field(default_factory=dict)  # lines an order -> orders
    quantities: dict[int, int] = field(default_factory=dict)  # units a line -> lines
    sku_lines: dict[str, int] = field(default_factory=dict)
    sku_lines_by_region: dict[str, dict[str, int]] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)  # SLA tier -> orders


def _tally(history: History, regions: list[str]) -> _Tally:
    tally = _Tally(counts={region: [0] * HOURS_PER_WEEK for region in regions})
    for order in history.orders.values():
        region = order.region
        if region in tally.counts:
            tally.counts[region][hour_of_week(order.created_at)] += 1
        lines = order.lines
        tally.lines[len(lines)] = tally.lines.get(len(lines), 0) + 1
        by_region = tally.sku_lines_by_region.setdefault(region, {})
        for line in lines:
            tally.quantities[line["qty"]] = tally.quantities.get(line["qty"], 0) + 1
            tally.sku_lines[line["sku"]] = tally.sku_lines.get(line["sku"], 0) + 1
            by_region[line["sku"]] = by_region.get(line["sku"], 0) + 1
        tier = history.customer_tier.get(order.customer)
        if tier:
            tally.tiers[tier] = tally.tiers.get(tier, 0) + 1
    return tally


def fit_demand(history: History, prior: DemandParams) -> Fit:
    notes: list[str] = []
    orders = history.orders
    regions = sorted(prior.orders_per_hour)
    exposure = exposure_by_hour_of_week(history)
    tally = _tally(history, regions)
    counts, lines_count, quantity_count = tally.counts, tally.lines, tally.quantities
    sku_lines, sku_lines_by_region, tiers = tally.sku_lines, tally.sku_lines_by_region, tally.tiers
    total_orders = len(orders)
    cancelled = len(history.events("erp.order_cancelled"))
    stats: dict = {
        "orders": total_orders,
        "cancelled": cancelled,
        "cancelled_share": cancelled / total_orders if total_orders else None,
    }

    rates = _rates(prior, regions, counts, exposure, notes, stats)

    changes: dict = {"orders_per_hour": rates}
    if total_orders >= MIN_ORDERS_FOR_SHAPE:
        changes["lines_per_order_pmf"] = pmf(lines_count)
        changes["quantity_pmf"] = pmf(quantity_count)
        changes["tier_mix"] = {t: n / sum(tiers.values()) for t, n in sorted(tiers.items())}
    else:
        notes.append(
            f"lines per order, quantities and tier mix kept: {total_orders} orders "
            f"(needs {MIN_ORDERS_FOR_SHAPE})"
        )
    skus = sorted(prior.sku_weights)
    if sum(sku_lines.values()) >= MIN_LINES_PER_SKU * len(skus):
        changes["sku_weights"] = {sku: float(sku_lines.get(sku, 0)) for sku in skus}
        by_region = {}
        for region in regions:
            seen = sku_lines_by_region.get(region, {})
            if sum(seen.values()) >= MIN_LINES_PER_SKU * len(skus):
                by_region[region] = {sku: float(seen.get(sku, 0)) for sku in skus}
            elif region in prior.sku_weights_by_region:
                by_region[region] = prior.sku_weights_by_region[region]
                notes.append(f"SKU mix of {region} kept: {sum(seen.values())} lines")
        changes["sku_weights_by_region"] = by_region
    else:
        notes.append(
            f"SKU mix kept: {sum(sku_lines.values())} lines "
            f"(needs {MIN_LINES_PER_SKU} per SKU, {MIN_LINES_PER_SKU * len(skus)})"
        )
    params = dataclasses.replace(prior, **changes)
    return Fit(
        params=params,
        observations=total_orders,
        goodness_name="daily orders MAPE",
        goodness_value=_daily_mape(history, params, counts),
        notes=notes,
        stats=stats,
    )


def _rates(prior, regions, counts, exposure, notes, stats) -> dict[str, tuple[float, ...]]:
    total = sum(sum(c) for c in counts.values())
    days_seen = {how // 24 for how in range(HOURS_PER_WEEK) if exposure[how] > 0}
    if total >= MIN_ORDERS_FOR_SHAPE and len(days_seen) == 7:
        by_slot = [sum(counts[r][how] for r in regions) for how in range(HOURS_PER_WEEK)]
        day = [1.0] * 7
        hour = [1.0] * 24
        for _ in range(IPF_ROUNDS):
            for h in range(24):
                denominator = sum(exposure[d * 24 + h] * day[d] for d in range(7))
                hour[h] = (
                    sum(by_slot[d * 24 + h] for d in range(7)) / denominator if denominator else 0
                )
            for d in range(7):
                denominator = sum(exposure[d * 24 + h] * hour[h] for h in range(24))
                day[d] = sum(by_slot[d * 24 : d * 24 + 24]) / denominator if denominator else 0
        mean_day = sum(day) / 7
        stats["day_of_week_factor"] = [round(d / mean_day, 4) for d in day]
        hour_total = sum(hour)
        stats["hour_profile"] = [round(h / hour_total, 5) for h in hour]
        rates = {}
        for region in regions:
            share = sum(counts[region]) / total
            rates[region] = tuple(
                share * day[how // 24] * hour[how % 24] for how in range(HOURS_PER_WEEK)
            )
        stats["orders_per_day"] = {r: round(sum(rates[r]) / 7, 2) for r in regions}
        return rates
    # Too short a window or too few orders for the weekly shape: keep the prior's shape
    # and move each region's level to what the window saw.
    notes.append(
        "weekly arrival shape kept (needs every day of the week and "
        f"{MIN_ORDERS_FOR_SHAPE} orders; the window has {len(days_seen)} days, {total} orders)"
    )
    rates = {}
    for region in regions:
        old = prior.orders_per_hour[region]
        expected = sum(exposure[how] * old[how] for how in range(HOURS_PER_WEEK))
        seen = sum(counts[region])
        if expected > 0 and seen >= MIN_ORDERS_FOR_LEVEL:
            rates[region] = tuple(rate * seen / expected for rate in old)
        else:
            rates[region] = old
            notes.append(f"arrival level of {region} kept: {seen} orders")
    stats["orders_per_day"] = {r: round(sum(rates[r]) / 7, 2) for r in regions}
    return rates


def _daily_mape(history: History, params: DemandParams, counts) -> float | None:
    """In-sample: each region's orders on each whole day of the window against the fit."""
    start = history.window.start
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    days = int((history.window.end - first).total_seconds() // 86400)
    if days < 1:
        return None
    per_day: dict[tuple[str, int], int] = {}
    for order in history.orders.values():
        offset = (order.created_at - first).total_seconds()
        if 0 <= offset < days * 86400:
            key = (order.region, int(offset // 86400))
            per_day[key] = per_day.get(key, 0) + 1
    errors = []
    for region, rates in params.orders_per_hour.items():
        for day in range(days):
            weekday = (first + timedelta(days=day)).weekday()
            predicted = sum(rates[weekday * 24 : weekday * 24 + 24])
            actual = per_day.get((region, day), 0)
            if actual:
                errors.append(abs(predicted - actual) / actual)
    return sum(errors) / len(errors) if errors else None
