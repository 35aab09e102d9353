"""Prediction rounds: at each event-time hour, settle what can be settled, record the checks
that just became possible, forecast the coming period, and look for drift.

The round runs in event time (the newest event seen), so an accelerated emulator or a
replayed history is judged exactly like live operation. After downtime the missed hours
are settled and checked one by one; forecasts are only made for the newest hour, since
the live state they start from is the state now.
"""

import logging
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db import transaction

from apps.calibration.fitters.demand import hour_of_week
from apps.calibration.fitters.finance import booked_day, labour_postings, paid_hours
from apps.calibration.history import History, Window, hours_between, window_events
from apps.calibration.live_rows import (
    dc_hours_read,
    lines_released,
    orders_delivered_read,
    orders_read,
    shipments_delivered_read,
    shipments_in_transit_read,
)
from apps.calibration.metrics import METRICS, headline, lognormal_mean
from apps.calibration.models import (
    DeltaCheckpoint,
    ModelVersion,
    Prediction,
    Recalibration,
    Round,
)
from apps.calibration.payloads import PoCreatedRow, ReceiptPostedRow, payload_of
from apps.calibration.round_records import RoundLedger
from apps.calibration.row_checks import SkippedRows
from apps.calibration.selectors import current_parameters, model_settings_get
from apps.calibration.services import calibrate
from apps.calibration.settling import settle_due
from apps.live.models import Complaint
from apps.live.selectors import watermark
from apps.network.models import Lane, Region, Sku
from apps.simulation import kpis
from apps.simulation.customer import complaint_probability
from apps.simulation.demand import HOURS_PER_WEEK
from apps.simulation.labour import DcLabour
from apps.simulation.parameters import ModelParameters

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MIN_DELIVERIES_FOR_TRANSIT = 20
MIN_RECEIPTS_FOR_LEAD = 3
# Complaints about a delivery arrive within this long; a day's deliveries are judged after.
COMPLAINT_LAG = timedelta(hours=48)
SIGNIFICANCE = 3.0
# Refit at least this far back after a drift, so the fit has evidence enough.
MIN_REFIT = timedelta(hours=2)


@dataclass
class RoundResult:
    hours: int = 0
    recorded: int = 0
    settled: int = 0
    recalibrations: list[str] = field(default_factory=list)
    # "<sub-model>: <step> failed: <error>" for each sub-model that failed in these hours.
    failures: list[str] = field(default_factory=list)


def delta_rounds(*, until: datetime | None = None, max_hours: int = 24 * 14) -> RoundResult:
    """Run the rounds for every event-time hour boundary passed since the last one.

    Each sub-model's settling, checks, forecasts and drift check run apart (round_records):
    rows they cannot read are skipped and counted, and one that raises all the same is
    logged and recorded while the others go on. The hours run are recorded as one Round.
    """
    now = until or watermark()
    result = RoundResult()
    if now is None or not ModelVersion.objects.exists():
        return result
    newest = now.replace(minute=0, second=0, microsecond=0)
    ledger = RoundLedger(Round.Kind.DELTA)
    with transaction.atomic():
        checkpoint, _ = DeltaCheckpoint.objects.select_for_update().get_or_create(name="rounds")
        first = checkpoint.last_hour + HOUR if checkpoint.last_hour else newest
        first = max(first, newest - HOUR * max_hours)
        hour = first
        while hour <= newest:
            _round(hour, forecast=hour == newest, result=result, ledger=ledger)
            result.hours += 1
            checkpoint.last_hour = hour
            hour += HOUR
        checkpoint.save()
        if result.hours:
            ledger.save(at=newest, hours=result.hours)
    result.failures = [f"{name}: {failure}" for name, failure in sorted(ledger.failures.items())]
    return result


def _round(at: datetime, *, forecast: bool, result: RoundResult, ledger: RoundLedger) -> None:
    params, versions = current_parameters()
    result.settled += settle_due(at, ledger)
    context = _Context(at, params, versions, ledger)
    rows = _run_each(context, CHECKS)
    if forecast:
        rows += _run_each(context, FORECASTS)
    Prediction.objects.bulk_create(rows, ignore_conflicts=True)
    result.recorded += len(rows)
    for name, version in versions.items():
        if version is not None:
            drifted = ledger.run(name, "drift check", _drift, at, params, name, version, ledger)
            result.recalibrations += [drifted] if drifted else []


def _run_each(context: "_Context", steps: tuple["Step", ...]) -> list[Prediction]:
    """Each sub-model's step apart: one that raises adds nothing and the others go on."""
    rows = []
    for step in steps:
        if step.due(context.at):
            made = context.ledger.run(step.sub_model, step.name, step.make, context)
            rows += [row for row in made or () if row is not None]
    return rows


class _Context:
    def __init__(self, at, params: ModelParameters, versions, ledger: RoundLedger) -> None:
        self.at, self.params, self.versions, self.ledger = at, params, versions, ledger

    def skipped(self, sub_model: str) -> SkippedRows:
        return self.ledger.skipped_of(sub_model)

    def row(
        self,
        metric: str,
        subject: str,
        start,
        end,
        predicted,
        *,
        actual=None,
        weight=1.0,
        item="",
        settled=False,
    ) -> Prediction | None:
        name = METRICS[metric].sub_model
        version = self.versions.get(name)
        if version is None:
            return None
        return Prediction(
            sub_model=name,
            version=version,
            metric=metric,
            subject=subject,
            item=item,
            made_at=self.at,
            period_start=start,
            period_end=end,
            predicted=predicted,
            actual=actual,
            weight=weight,
            settled=settled,
        )

    @cached_property
    def lane_transit(self) -> dict[str, tuple[float, float]]:
        plan = {
            code: (median, sigma)
            for code, median, sigma in Lane.objects.values_list(
                "code", "transit_hours_median", "transit_hours_spread"
            )
        }
        for transit in self.params.logistics.lane_transit:
            plan[transit.lane] = (transit.transit_hours_median, transit.transit_hours_sigma)
        return plan


# ---- checks: predicted and actual known together ------------------------------------------
def _transit_checks(context: _Context) -> list:
    start, end = context.at - DAY, context.at
    plan = context.lane_transit
    by_lane: dict[str, list[float]] = defaultdict(list)
    delivered = shipments_delivered_read(start=start, end=end, skipped=context.skipped("logistics"))
    for shipment in delivered:
        by_lane[shipment.lane].append(hours_between(shipment.picked_up_at, shipment.delivered_at))
    rows = []
    for lane, transits in sorted(by_lane.items()):
        if len(transits) >= MIN_DELIVERIES_FOR_TRANSIT and lane in plan:
            rows.append(
                context.row(
                    "lane_transit",
                    lane,
                    start,
                    end,
                    lognormal_mean(*plan[lane]),
                    actual=statistics.fmean(transits),
                    weight=len(transits),
                    settled=True,
                )
            )
    return rows


def _complaint_checks(context: _Context) -> list:
    end = context.at - COMPLAINT_LAG
    start = end - DAY
    orders = orders_delivered_read(start=start, end=end, skipped=context.skipped("customer"))
    if not orders:
        return []
    customer = context.params.customer
    predicted = sum(
        complaint_probability(
            customer, late_hours=hours_between(o.due_at, o.delivered_at), pick_errors=o.pick_errors
        )
        for o in orders
    )
    actual = Complaint.objects.filter(order_id__in=[o.order_id for o in orders]).count()
    return [
        context.row(
            "complaint_rate",
            "network",
            start,
            end,
            predicted,
            actual=float(actual),
            weight=len(orders),
            settled=True,
        )
    ]


def _lead_time_checks(context: _Context) -> list:
    start, end = context.at - DAY, context.at
    skipped = context.skipped("supply")
    receipts = window_events(types=["erp.receipt_posted"], start=start, end=end, skipped=skipped)
    if not receipts:
        return []
    created = {}
    for event in window_events(
        types=["erp.po_created"], start=end - timedelta(days=60), end=end, skipped=skipped
    ):
        ordered = payload_of(event, PoCreatedRow)
        created[ordered["po_id"]] = (ordered["sku"], event.occurred_at)
    supply = context.params.supply
    family = dict(Sku.objects.values_list("code", "family"))
    by_dc: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for receipt in receipts:
        received = payload_of(receipt, ReceiptPostedRow)
        if received["po_id"] not in created:
            continue
        sku, ordered_at = created[received["po_id"]]
        median = supply.lead_time_hours_median.get(
            family.get(sku, ""), supply.default_lead_time_hours_median
        )
        by_dc[received["dc"]].append(
            (
                lognormal_mean(median, supply.lead_time_sigma),
                hours_between(ordered_at, receipt.occurred_at),
            )
        )
    return [
        context.row(
            "lead_time",
            dc,
            start,
            end,
            statistics.fmean(p for p, _ in pairs),
            actual=statistics.fmean(a for _, a in pairs),
            weight=len(pairs),
            settled=True,
        )
        for dc, pairs in sorted(by_dc.items())
        if len(pairs) >= MIN_RECEIPTS_FOR_LEAD
    ]


def _labour_cost_checks(context: _Context) -> list:
    """Each straight-time payroll posting of the last hour against wage × the straight hours
    of the day it books: clocked hours less overtime, which is posted on its own account.
    A day whose crews have not all clocked out is not judged (the fitter leaves it out too)."""
    at = context.at
    history = History(Window(at - DAY - DAY, at))
    rows = []
    wages = context.params.finance.wage_usd_per_hour
    with history.skips_counted_in(context.skipped("finance")):
        postings = labour_postings(history)
        hours = paid_hours(history)
    for dc, posted_at, amount in postings:
        if posted_at < at - HOUR or dc not in wages:
            continue
        straight_h, _overtime_h, complete = hours.get(
            (dc, booked_day(posted_at)), (0.0, 0.0, False)
        )
        if not complete:
            continue
        rows.append(
            context.row(
                "labour_cost",
                dc,
                posted_at - DAY,
                posted_at,
                wages[dc] * straight_h,
                actual=amount,
                settled=True,
            )
        )
    return rows


# ---- forecasts from the live state --------------------------------------------------------
def _demand_forecasts(context: _Context) -> list:
    at = context.at
    rows = []
    for region, rates in sorted(context.params.demand.orders_per_hour.items()):
        expected = sum(rates[(hour_of_week(at) + h) % HOURS_PER_WEEK] for h in range(24))
        rows.append(context.row("orders_next_day", region, at, at + DAY, expected))
    return rows


def crew_hours(labour: DcLabour, start: datetime, end: datetime) -> tuple[float, float]:
    """Picker-hours and packer-hours the shift plan puts on the floor in [start, end)."""
    pickers = packers = 0.0
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in (-1, 0, 1):
        day = midnight + DAY * offset
        for shift in labour.shifts:
            if shift.weekdays[day.weekday()] != "1":
                continue
            begins = day + timedelta(hours=shift.start_hour)
            ends = begins + timedelta(hours=shift.hours)
            overlap = hours_between(max(begins, start), min(ends, end))
            if overlap > 0:
                pickers += overlap * shift.pickers
                packers += overlap * shift.packers
    return pickers, packers


def pick_backlog_lines(dc: str, at: datetime, skipped: SkippedRows) -> float:
    """Lines released in the last day and not yet picked (older backlog is negligible)."""
    since = at - DAY
    released = lines_released(dc=dc, start=since, end=at, skipped=skipped)
    hours = dc_hours_read(start=since, end=at, skipped=skipped, dc=dc)
    return max(0.0, float(released - sum(h.lines_picked for h in hours.rows)))


def _labour_forecasts(context: _Context) -> list:
    """A fluid model: lines arrive at the demand model's rates, crews pick at their rates."""
    at, params = context.at, context.params
    home = dict(Region.objects.values_list("code", "home_dc__code"))
    mean_lines = params.demand.mean_lines_per_order()
    rows = []
    for labour in params.labour.dcs:
        if labour.pick_lines_per_hour <= 0 or labour.pack_orders_per_hour <= 0:
            # An origin with no labour standard and none measured (a marketplace's seller
            # region): no crew to forecast, and a zero rate predicted would be checked as if
            # it were a claim.
            continue
        regions = [r for r, dc in home.items() if dc == labour.dc]
        backlog = pick_backlog_lines(labour.dc, at, context.skipped("labour"))
        picked_by_hour, busy_by_hour, clocked_by_hour = [], [], []
        for h in range(24):
            start = at + HOUR * h
            arriving = mean_lines * sum(
                params.demand.orders_per_hour.get(r, (0.0,) * HOURS_PER_WEEK)[hour_of_week(start)]
                for r in regions
            )
            picker_h, packer_h = crew_hours(labour, start, start + HOUR)
            picked = min(backlog + arriving, picker_h * labour.pick_lines_per_hour)
            backlog += arriving - picked
            packed = min(picked / mean_lines, packer_h * labour.pack_orders_per_hour)
            picked_by_hour.append(picked)
            busy_by_hour.append(
                picked / labour.pick_lines_per_hour + packed / labour.pack_orders_per_hour
            )
            clocked_by_hour.append(picker_h + packer_h)
        rows += [
            context.row("pick_rate", labour.dc, at, at + HOUR, labour.pick_lines_per_hour),
            context.row("pack_rate", labour.dc, at, at + HOUR, labour.pack_orders_per_hour),
            context.row("throughput_next_hour", labour.dc, at, at + HOUR, picked_by_hour[0]),
            context.row("throughput_next_day", labour.dc, at, at + DAY, sum(picked_by_hour)),
        ]
        next_hour = kpis.labour_utilisation(busy=busy_by_hour[0], clocked=clocked_by_hour[0])
        if next_hour is not None:
            rows.append(
                context.row("utilisation_next_hour", labour.dc, at, at + HOUR, 100 * next_hour)
            )
        next_day = kpis.labour_utilisation(busy=sum(busy_by_hour), clocked=sum(clocked_by_hour))
        if next_day is not None:
            rows.append(
                context.row("utilisation_next_day", labour.dc, at, at + DAY, 100 * next_day)
            )
    return rows


def _transit_forecasts(context: _Context) -> list:
    at = context.at
    plan = context.lane_transit
    skipped = context.skipped("logistics")
    in_transit = shipments_in_transit_read(at=at, skipped=skipped)
    already = set(
        Prediction.objects.filter(
            metric="delivery_time", item__in=[s.shipment_id for s in in_transit]
        ).values_list("item", flat=True)
    )
    orders = {
        o.order_id: (o.due_at, o.pick_errors)
        for o in orders_read(ids=[s.order_id for s in in_transit], at=at, skipped=skipped)
    }
    rows = []
    complaints = 0.0
    customer = context.params.customer
    for shipment in in_transit:
        shipment_id, lane, picked_up = shipment.shipment_id, shipment.lane, shipment.picked_up_at
        order_id = shipment.order_id
        if lane not in plan:
            continue
        median, sigma = plan[lane]
        expected = picked_up + timedelta(hours=median)
        if shipment_id not in already:
            rows.append(
                context.row(
                    "delivery_time",
                    lane,
                    picked_up,
                    expected,
                    lognormal_mean(median, sigma),
                    item=shipment_id,
                )
            )
        due, errors = orders.get(order_id, (None, 0))
        if at <= expected < at + DAY and due is not None:
            complaints += complaint_probability(
                customer, late_hours=hours_between(due, expected), pick_errors=errors
            )
    rows.append(context.row("complaints_next_day", "network", at, at + DAY, complaints))
    return rows


@dataclass(frozen=True)
class Step:
    """What a sub-model adds to each round (or to the midnight round only)."""

    sub_model: str
    name: str
    make: Callable[[_Context], list]
    midnight_only: bool = False

    def due(self, at: datetime) -> bool:
        return at.hour == 0 or not self.midnight_only


CHECKS = (
    Step("finance", "labour cost checks", _labour_cost_checks),
    Step("logistics", "transit checks", _transit_checks, midnight_only=True),
    Step("customer", "complaint checks", _complaint_checks, midnight_only=True),
    Step("supply", "lead-time checks", _lead_time_checks, midnight_only=True),
)
FORECASTS = (
    Step("demand", "demand forecasts", _demand_forecasts),
    Step("labour", "labour forecasts", _labour_forecasts),
    Step("logistics", "transit forecasts", _transit_forecasts),
)


# ---- drift ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupError:
    metric: str
    subject: str
    count: int
    mape: float  # weighted: Σ w·|p − a| / Σ w·|a|
    bias: float  # Σ w·(p − a) / Σ w·|a|
    onset: datetime | None  # start of the trailing run of predictions past the threshold
    standard_error: float  # of the bias
    evidence: float  # Σ weight

    def drifted(self, threshold: float, min_predictions: int) -> bool:
        """Past the threshold, on enough predictions, and further than noise would carry it
        (three standard errors): an hour or two of few, scattered figures is not a drift."""
        return (
            self.count >= min_predictions
            and self.evidence >= METRICS[self.metric].min_evidence
            and abs(self.bias) > threshold
            and abs(self.bias) > SIGNIFICANCE * self.standard_error
        )

    @property
    def label(self) -> str:
        return METRICS[self.metric].label

    @property
    def mape_pct(self) -> str:
        return f"{self.mape:.1%}"

    @property
    def bias_pct(self) -> str:
        return f"{self.bias:+.1%}"


def group_errors(predictions, threshold: float | None = None) -> list[GroupError]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for p in predictions:
        if p.actual is not None and p.actual != 0:
            groups[(p.metric, p.subject)].append(p)
    errors = []
    for (metric, subject), items in sorted(groups.items()):
        items.sort(key=lambda p: p.period_end)
        scale = sum(p.weight * abs(p.actual) for p in items)
        onset = None
        if threshold is not None:
            for p in reversed(items):
                if abs(p.predicted - p.actual) / abs(p.actual) <= threshold:
                    break
                onset = p.period_start
        errors.append(
            GroupError(
                metric,
                subject,
                len(items),
                sum(p.weight * abs(p.predicted - p.actual) for p in items) / scale,
                sum(p.weight * (p.predicted - p.actual) for p in items) / scale,
                onset,
                _standard_error(items, scale),
                sum(p.weight for p in items),
            )
        )
    return errors


def _standard_error(items, scale: float) -> float:
    """Standard error of the pooled bias, from how much the items' own errors scatter."""
    if len(items) < 2:
        return float("inf")
    shares = [p.weight * abs(p.actual) / scale for p in items]
    errors = [(p.predicted - p.actual) / abs(p.actual) for p in items]
    mean = sum(s * e for s, e in zip(shares, errors, strict=True))
    spread = sum(s * s * (e - mean) ** 2 for s, e in zip(shares, errors, strict=True))
    return (spread * len(items) / (len(items) - 1)) ** 0.5


def _drift(
    at: datetime, params: ModelParameters, name: str, version, ledger: RoundLedger
) -> str | None:
    """Recalibrate the sub-model if a checked figure drifted past its threshold: the
    recalibration's summary, or None."""
    settings_row = model_settings_get(name)
    threshold = settings_row.threshold_pct / 100
    checked = [m.name for m in METRICS.values() if m.sub_model == name and m.checked]
    recent = Prediction.objects.filter(
        version=version,
        metric__in=checked,
        settled=True,
        period_end__gt=at - timedelta(hours=settings_row.window_hours),
        period_end__lte=at,
    )
    # The trigger is the pooled bias, the systematic part of the error: MAPE also holds
    # the noise of each hour's figure, which no recalibration can remove.
    worst = max(
        (
            g
            for g in group_errors(recent, threshold)
            if g.drifted(threshold, settings_row.min_predictions)
        ),
        key=lambda g: abs(g.bias),
        default=None,
    )
    if worst is None or not settings_row.auto_recalibrate:
        return None
    start = min(worst.onset or at - MIN_REFIT, at - MIN_REFIT)
    what = (
        f"{worst.subject} {METRICS[worst.metric].label} off by {worst.bias:+.0%} "
        f"(MAPE {worst.mape:.0%}) > {threshold:.0%}"
    )
    (outcome,) = calibrate(
        sub_models=[name],
        window=Window(start, at),
        reason=f"drift: {what}",
        focus=(worst.subject, worst.metric),
    )
    if outcome.failure:
        ledger.note_failure(name, outcome.failure)
        summary = f"{name}: {what} → recalibration {outcome.failure}"
    else:
        summary = f"{name}: {what} → recalibrated{_change(worst, params)}"
    Recalibration.objects.create(
        sub_model=name,
        at=at,
        metric=worst.metric,
        subject=worst.subject,
        error_pct=round(100 * abs(worst.bias), 2),
        threshold_pct=settings_row.threshold_pct,
        from_version=version,
        to_version=None if outcome.failure else outcome.version,
        summary=summary[:400],
    )
    log.warning("%s", summary)
    return summary


def _change(worst: GroupError, params: ModelParameters) -> str:
    """', pick rate 40.1 → 32.3 lines/h': the headline parameter before and after."""
    label, old, unit = headline(worst.metric, worst.subject, params)
    new_params, _ = current_parameters()
    _, new, _ = headline(worst.metric, worst.subject, new_params)
    if old is None or new is None:
        return ""
    return f", {label} {old:.3g} → {new:.3g} {unit}".rstrip()
