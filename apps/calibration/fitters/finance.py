"""Finance: wages per DC (payroll postings ÷ hours clocked) and freight per lane (per
shipment and per kg, by least squares on tendered rates and shipment weights)."""

import dataclasses
from datetime import timedelta
from decimal import Decimal

from apps.calibration.fitters import Fit
from apps.calibration.history import History, hours_between
from apps.calibration.stats import ols

MIN_POSTINGS = 3
MIN_SHIPMENTS = 30
LABOUR_ACCOUNT = "6100-labour-"


def clocked_hours(history: History, dc: str, start, end) -> float:
    total = 0.0
    for stint_dc, _worker, _role, since, until in history.clock_intervals():
        if stint_dc != dc:
            continue
        lo, hi = max(since, start), min(until or history.window.end, end)
        if hi > lo:
            total += hours_between(lo, hi)
    return total


def labour_postings(history: History) -> list[tuple[str, object, float]]:
    """(dc, posted at, amount) of every payroll posting in the window."""
    postings = []
    for event in history.events("erp.financial_posted"):
        account = event.payload["account"]
        if account.startswith(LABOUR_ACCOUNT):
            dc = account.removeprefix(LABOUR_ACCOUNT)
            postings.append((dc, event.occurred_at, float(Decimal(str(event.payload["amount"])))))
    return postings


def fit_finance(history: History, prior) -> Fit:
    notes: list[str] = []
    by_dc: dict[str, list[tuple[float, float]]] = {}
    for dc, at, amount in labour_postings(history):
        # A posting books the day just ended.
        if at - timedelta(days=1) < history.window.start:
            continue
        hours = clocked_hours(history, dc, at - timedelta(days=1), at)
        by_dc.setdefault(dc, []).append((amount, hours))
    wages = dict(prior.wage_usd_per_hour)
    errors = []
    for dc in sorted(set(wages) | set(by_dc)):
        days = by_dc.get(dc, [])
        hours = sum(h for _, h in days)
        if len(days) < MIN_POSTINGS or hours <= 0:
            notes.append(f"wage of {dc} kept: {len(days)} payroll postings (needs {MIN_POSTINGS})")
            continue
        wages[dc] = round(sum(a for a, _ in days) / hours, 3)
        errors += [abs(wages[dc] * h - a) / a for a, h in days if a > 0]

    freight = dict(prior.freight_usd)
    points: dict[str, list[tuple[float, float]]] = {}
    for item in history.shipments.values():
        order = history.orders.get(item["order_id"])
        if not item["accepted"] or item["rate"] is None or order is None:
            continue
        kg = sum(
            line["qty"] * history.sku_weight_kg.get(line["sku"], 0.0) for line in order["lines"]
        )
        points.setdefault(item["lane"], []).append((kg, float(item["rate"])))
    fitted_lanes = 0
    for lane, rows in sorted(points.items()):
        fit = (
            ols([(1.0, kg) for kg, _ in rows], [r for _, r in rows])
            if len(rows) >= MIN_SHIPMENTS
            else None
        )
        if fit is None or fit.coefficients[0] < 0 or fit.coefficients[1] < 0:
            notes.append(f"freight tariff of lane {lane} kept: {len(rows)} shipments")
            continue
        freight[lane] = (round(fit.coefficients[0], 4), round(fit.coefficients[1], 5))
        fitted_lanes += 1
    notes.append("handling cost and cross-dock fees kept: no such postings in the window")
    return Fit(
        params=dataclasses.replace(prior, wage_usd_per_hour=wages, freight_usd=freight),
        observations=sum(len(d) for d in by_dc.values()) + sum(len(p) for p in points.values()),
        goodness_name="daily labour cost MAPE",
        goodness_value=sum(errors) / len(errors) if errors else None,
        notes=notes,
        stats={
            "payroll_postings": {dc: len(d) for dc, d in sorted(by_dc.items())},
            "lanes_with_freight_fit": fitted_lanes,
        },
    )
