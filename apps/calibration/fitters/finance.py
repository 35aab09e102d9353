"""Finance: each cost component of the twin from the ledger account it is posted to
(apps.simulation.finance.COST_ACCOUNTS) — wages per DC (straight-time payroll ÷ the shift
hours of every role clocked, loaders too), the overtime premium (overtime payroll ÷ the
hours worked past a crew's shift at the wage), packaging per order and per line (least
squares on each order's posting), cross-dock fees per line-haul, and freight per lane per
load (least squares on the tendered rates and the loads' weights)."""

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

from apps.calibration.fitters.fit import Fit
from apps.calibration.history import History, crews, hours_between
from apps.calibration.payloads import FinancialPostedRow, payload_of
from apps.calibration.stats import ols
from apps.simulation.finance import COST_ACCOUNTS, FinanceParams

MIN_POSTINGS = 3
MIN_OVERTIME_HOURS = 10.0
MIN_HANDLING_ORDERS = 30
# A carrier's tariff is a price list (a rate per load and per kg): a handful of loads of
# different weights pins both; more only guards against a load whose orders are unknown.
MIN_LOADS = 5
# Workers who clock in within this long of each other are one crew (one shift's start),
# as the labour fitter groups them.
CREW_GAP_H = 0.5
LABOUR_ACCOUNT = COST_ACCOUNTS["labour"]


def postings(history: History, component: str) -> list[tuple[str, datetime, float, str]]:
    """(DC or dock, posted at, amount, reference) of every posting of a component."""
    prefix = COST_ACCOUNTS[component]
    found = []
    for event in history.events("erp.financial_posted"):
        posting = payload_of(event, FinancialPostedRow)
        account = posting["account"]
        if account.startswith(prefix):
            found.append(
                (
                    account.removeprefix(prefix),
                    event.occurred_at,
                    float(Decimal(str(posting["amount"]))),
                    posting.get("reference", ""),
                )
            )
    return found


def labour_postings(history: History) -> list[tuple[str, object, float]]:
    """(dc, posted at, amount) of every straight-time payroll posting in the window."""
    return [(dc, at, amount) for dc, at, amount, _ in postings(history, "labour")]


def booked_day(posted_at: datetime) -> datetime:
    """The day a payroll posting books: the day just ended (the crews that started that day)."""
    return (posted_at - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def paid_hours(history: History) -> dict[tuple[str, datetime], tuple[float, float, bool]]:
    """(DC, day it started) → (straight hours, overtime hours, every stint complete) of the
    crews that started that day. A crew's shift ends when its first member leaves (loaders
    and idle pickers leave on time); each stint's time past it is overtime."""
    by_dc: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for dc, _worker, _role, since, until in history.clock_intervals():
        by_dc.setdefault(dc, []).append((since, until))
    days: dict[tuple[str, datetime], list] = {}
    for dc, stints in by_dc.items():
        for crew in crews(stints, gap_h=CREW_GAP_H):
            start = crew[0][0]
            day = start.replace(hour=0, minute=0, second=0, microsecond=0)
            row = days.setdefault((dc, day), [0.0, 0.0, True])
            ends = [hours_between(since, until) for since, until in crew if until is not None]
            if len(ends) < len(crew) or not ends:
                row[2] = False
                continue
            shift = min(ends)
            row[0] += shift * len(crew)
            row[1] += sum(end - shift for end in ends)
    return {key: (s, o, complete) for key, (s, o, complete) in days.items()}


PaidDay = tuple[float, float, float, float | None]  # straight $, straight h, overtime h, ot $


def _paid_days(history: History) -> dict[str, list[PaidDay]]:
    """Each DC's whole days in the window: straight-time payroll against the straight hours
    of the crews that started that day, with their overtime hours and overtime payroll."""
    hours = paid_hours(history)
    by_dc: dict[str, list[PaidDay]] = {}
    overtime_paid: dict[tuple[str, datetime], float] = {}
    for dc, at, amount, _ in postings(history, "overtime"):
        day = booked_day(at)
        overtime_paid[(dc, day)] = overtime_paid.get((dc, day), 0.0) + amount
    for dc, at, amount, _ in postings(history, "labour"):
        day = booked_day(at)
        straight, overtime, complete = hours.get((dc, day), (0.0, 0.0, False))
        if day < history.window.start or not complete or straight <= 0:
            continue
        by_dc.setdefault(dc, []).append((amount, straight, overtime, overtime_paid.get((dc, day))))
    return by_dc


def _wages(
    by_dc: dict[str, list[PaidDay]], prior: FinanceParams, notes: list[str]
) -> tuple[dict[str, float], float, list[float]]:
    """Wage per DC, the overtime premium, and each fitted day's relative error."""
    wages = dict(prior.wage_usd_per_hour)
    errors = []
    premium_num = premium_den = 0.0
    for dc in sorted(set(wages) | set(by_dc)):
        days = by_dc.get(dc, [])
        straight_h = sum(h for _, h, _, _ in days)
        if len(days) < MIN_POSTINGS or straight_h <= 0:
            notes.append(f"wage of {dc} kept: {len(days)} payroll postings (needs {MIN_POSTINGS})")
            continue
        wages[dc] = round(sum(a for a, _, _, _ in days) / straight_h, 3)
        errors += [abs(wages[dc] * h - a) / a for a, h, _, _ in days if a > 0]
        for _, _, overtime_h, paid in days:
            if paid is not None and overtime_h > 0:
                premium_num += paid
                premium_den += overtime_h * wages[dc]
    premium = prior.overtime_premium
    if premium_den >= MIN_OVERTIME_HOURS * min(wages.values(), default=1.0) and premium_num:
        premium = round(premium_num / premium_den, 4)
    else:
        notes.append("overtime premium kept: too little overtime paid in the window")
    return wages, premium, errors


def _handling(
    history: History, prior: FinanceParams, notes: list[str]
) -> tuple[tuple[float, float], int]:
    """Packaging per order and per line, by least squares on each known order's posting."""
    handling = (prior.handling_usd_per_order, prior.handling_usd_per_line)
    rows, targets = [], []
    for _dc, _at, amount, reference in postings(history, "handling"):
        order = history.orders.get(reference.removeprefix("HDL-"))
        if order is not None:
            rows.append((1.0, float(len(order.lines))))
            targets.append(amount)
    fit = ols(rows, targets) if len(rows) >= MIN_HANDLING_ORDERS else None
    if fit is not None and min(fit.coefficients) >= 0:
        handling = (round(fit.coefficients[0], 4), round(fit.coefficients[1], 4))
    else:
        notes.append(f"handling cost kept: {len(rows)} packaging postings of known orders")
    return handling, len(targets)


def _cross_dock_fees(history: History, prior: FinanceParams, notes: list[str]) -> dict[str, float]:
    fees = dict(prior.cross_dock_fee_usd_per_shipment)
    by_dock: dict[str, list[float]] = {}
    for dock, _at, amount, _ in postings(history, "cross_dock"):
        by_dock.setdefault(dock, []).append(amount)
    for dock, amounts in sorted(by_dock.items()):
        if len(amounts) >= MIN_POSTINGS:
            fees[dock] = round(sum(amounts) / len(amounts), 2)
        else:
            notes.append(f"cross-dock fee of {dock} kept: {len(amounts)} postings")
    if not by_dock:
        notes.append("cross-dock fees kept: no cross-dock postings in the window")
    return fees


def _freight(
    history: History, prior: FinanceParams, notes: list[str]
) -> tuple[dict[str, tuple[float, float]], int, int]:
    """Each lane's tariff per load and per kg, by least squares on its accepted loads."""
    freight = dict(prior.freight_usd)
    points: dict[str, list[tuple[float, float]]] = {}
    for item in history.shipments.values():
        if not item.accepted or item.rate is None or not item.order_ids:
            continue
        orders = [history.orders.get(order_id) for order_id in item.order_ids]
        if any(order is None for order in orders):
            continue  # a load with an order from before the window: its weight is unknown
        kg = sum(
            line["qty"] * history.sku_weight_kg.get(line["sku"], 0.0)
            for order in orders
            for line in order.lines
        )
        points.setdefault(item.lane, []).append((kg, float(item.rate)))
    fitted_lanes = 0
    for lane, rows in sorted(points.items()):
        fit = (
            ols([(1.0, kg) for kg, _ in rows], [r for _, r in rows])
            if len(rows) >= MIN_LOADS
            else None
        )
        if fit is None or fit.coefficients[0] < 0 or fit.coefficients[1] < 0:
            notes.append(f"freight tariff of lane {lane} kept: {len(rows)} loads")
            continue
        freight[lane] = (round(fit.coefficients[0], 4), round(fit.coefficients[1], 5))
        fitted_lanes += 1
    return freight, sum(len(p) for p in points.values()), fitted_lanes


def fit_finance(history: History, prior: FinanceParams) -> Fit:
    notes: list[str] = []
    by_dc = _paid_days(history)
    wages, premium, errors = _wages(by_dc, prior, notes)
    handling, handling_postings = _handling(history, prior, notes)
    fees = _cross_dock_fees(history, prior, notes)
    freight, loads, fitted_lanes = _freight(history, prior, notes)
    return Fit(
        params=dataclasses.replace(
            prior,
            wage_usd_per_hour=wages,
            overtime_premium=premium,
            handling_usd_per_order=handling[0],
            handling_usd_per_line=handling[1],
            freight_usd=freight,
            cross_dock_fee_usd_per_shipment=fees,
        ),
        observations=sum(len(d) for d in by_dc.values()) + handling_postings + loads,
        goodness_name="daily labour cost MAPE",
        goodness_value=sum(errors) / len(errors) if errors else None,
        notes=notes,
        stats={
            "payroll_postings": {dc: len(d) for dc, d in sorted(by_dc.items())},
            "lanes_with_freight_fit": fitted_lanes,
            "handling_postings": handling_postings,
        },
    )
