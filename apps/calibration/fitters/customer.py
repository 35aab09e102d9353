"""Customer experience: SLA hours per tier, complaint probability as a function of lateness
and pick errors (a linear probability model, least squares), patience, satisfaction."""

import dataclasses
import statistics
from datetime import datetime, timedelta

from apps.calibration.fitters.fit import Fit
from apps.calibration.history import History, hours_between
from apps.calibration.payloads import OrderIdRow, SatisfactionSurveyRow, SlaCommittedRow, payload_of
from apps.calibration.stats import median, ols
from apps.simulation.customer import CustomerParams

MIN_DELIVERED = 2000
MIN_COMPLAINTS = 20
MIN_CANCELLED = 5
MIN_SURVEYS = 30
# Complaints follow a delivery by up to this long; later deliveries are not judged yet.
COMPLAINT_LAG = timedelta(hours=48)


def delivered_orders(history: History, until: datetime) -> list[tuple[str, float, int]]:
    """(order id, hours late, pick errors) of orders delivered in the window before `until`."""
    rows = []
    for item in history.shipments.values():
        delivered = item.delivered_at
        if delivered is None or delivered >= until:
            continue
        for order_id in item.order_ids:
            order = history.orders.get(order_id)
            if order is None:
                continue
            late = hours_between(order.requested_by, delivered)
            rows.append((order_id, late, history.pick_errors_by_order.get(order_id, 0)))
    return rows


def _sla_hours(history: History, prior: CustomerParams, changes: dict, notes: list[str]) -> None:
    """Each tier's promised hours: the median of its customers' standing commitments."""
    promised: dict[str, float] = {}
    for event in history.events_since_log_start("crm.sla_committed"):
        sla = payload_of(event, SlaCommittedRow)
        promised[sla["customer"]] = float(sla["promised_hours"])
    by_tier: dict[str, list[float]] = {}
    for customer, hours in promised.items():
        tier = history.customer_tier.get(customer)
        if tier:
            by_tier.setdefault(tier, []).append(hours)
    if by_tier:
        changes["sla_hours_by_tier"] = {
            **prior.sla_hours_by_tier,
            **{tier: median(hours) for tier, hours in sorted(by_tier.items())},
        }
    else:
        notes.append("SLA hours kept: no crm.sla_committed in the log")


def _patience(history: History, changes: dict, notes: list[str]) -> None:
    """How long a backordered customer waits before cancelling."""
    orders = history.orders
    waits = []
    for event in history.events("erp.order_cancelled"):
        order = orders.get(payload_of(event, OrderIdRow)["order_id"])
        if order is not None:
            waits.append(hours_between(order.created_at, event.occurred_at))
    if len(waits) >= MIN_CANCELLED:
        # Orders are cancelled at the first check after patience runs out: the shortest wait.
        changes["backorder_patience_hours"] = round(min(waits), 2)
    else:
        notes.append(f"backorder patience kept: {len(waits)} cancellations")


def fit_customer(history: History, prior: CustomerParams) -> Fit:
    notes: list[str] = []
    changes: dict = {}
    stats: dict = {}
    _sla_hours(history, prior, changes, notes)

    complained = {
        payload_of(e, OrderIdRow)["order_id"] for e in history.events("crm.complaint_opened")
    }
    rows = delivered_orders(history, history.window.end - COMPLAINT_LAG)
    complaints = sum(1 for order_id, _, _ in rows if order_id in complained)
    goodness = None
    if len(rows) >= MIN_DELIVERED and complaints >= MIN_COMPLAINTS:
        fit = ols(
            [(1.0, max(late, 0.0) / 24, float(errors)) for _, late, errors in rows],
            [1.0 if order_id in complained else 0.0 for order_id, _, _ in rows],
            # A complaint is a yes or no whose variance grows with its probability: an
            # order with a pick error (p ≈ 0.3) varies far more than one without (p ≈ 0).
            robust=True,
        )
        if fit is not None:
            base, per_day, per_error = (min(1.0, max(0.0, c)) for c in fit.coefficients)
            changes.update(
                complaint_base_probability=round(base, 6),
                complaint_per_late_day=round(per_day, 5),
                complaint_per_pick_error=round(per_error, 5),
            )
            stats["complaint_standard_errors"] = dict(
                zip(("base", "per_late_day", "per_pick_error"), fit.standard_errors, strict=True)
            )
            predicted = [
                base + per_day * max(late, 0) / 24 + per_error * errors for _, late, errors in rows
            ]
            actual = [order_id in complained for order_id, _, _ in rows]
            goodness = statistics.fmean(
                (p - a) ** 2 for p, a in zip(predicted, actual, strict=True)
            )
    else:
        notes.append(
            f"complaint model kept: {len(rows)} judged deliveries, {complaints} complaints "
            f"(needs {MIN_DELIVERED} and {MIN_COMPLAINTS})"
        )
    stats.update(
        judged_deliveries=len(rows),
        complaints=complaints,
        late_share=sum(1 for _, late, _ in rows if late > 0) / len(rows) if rows else None,
    )

    _patience(history, changes, notes)

    _satisfaction(history, rows, changes, notes)
    return Fit(
        params=dataclasses.replace(prior, **changes),
        observations=len(rows),
        goodness_name="complaint Brier score",
        goodness_value=goodness,
        notes=notes,
        stats=stats,
    )


def _satisfaction(history: History, rows, changes: dict, notes: list[str]) -> None:
    outcome = {order_id: (late > 0, errors > 0) for order_id, late, errors in rows}
    groups: dict[tuple[bool, bool], list[float]] = {}
    for event in history.events("crm.satisfaction_survey"):
        survey = payload_of(event, SatisfactionSurveyRow)
        key = outcome.get(survey.get("order_id") or "")
        if key is not None:
            groups.setdefault(key, []).append(float(survey["score"]))
    good = groups.get((False, False), [])
    late = groups.get((True, False), [])
    wrong = groups.get((False, True), [])
    if len(good) < MIN_SURVEYS:
        notes.append(f"satisfaction kept: {len(good)} surveys of good orders")
        return
    base = statistics.fmean(good)
    changes["satisfaction_base"] = round(base, 3)
    if len(late) >= MIN_SURVEYS:
        changes["satisfaction_drop_late"] = round(max(0.0, base - statistics.fmean(late)), 3)
    if len(wrong) >= MIN_SURVEYS:
        changes["satisfaction_drop_error"] = round(max(0.0, base - statistics.fmean(wrong)), 3)
