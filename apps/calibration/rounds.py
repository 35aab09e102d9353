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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db import transaction
from django.db.models import Q

from apps.calibration.fitters.demand import hour_of_week
from apps.calibration.fitters.finance import clocked_hours, labour_postings
from apps.calibration.history import History, Window, hours_between
from apps.calibration.metrics import METRICS, headline, lognormal_mean
from apps.calibration.models import DeltaCheckpoint, ModelVersion, Prediction, Recalibration
from apps.calibration.selectors import current_parameters, model_settings_get
from apps.calibration.services import calibrate
from apps.live.models import Complaint, DcHour, OrderProgress, Shipment
from apps.live.selectors import watermark
from apps.network.models import Lane, Region, Sku
from apps.simulation.customer import complaint_probability
from apps.simulation.demand import HOURS_PER_WEEK
from apps.simulation.labour import DcLabour
from apps.simulation.parameters import ModelParameters
from apps.sources.selectors import event_window_read

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MIN_LINES_FOR_RATE = 30
MIN_PACKS_FOR_RATE = 20
MIN_DELIVERIES_FOR_TRANSIT = 20
MIN_RECEIPTS_FOR_LEAD = 3
# Complaints about a delivery arrive within this long; a day's deliveries are judged after.
COMPLAINT_LAG = timedelta(hours=48)
# A shipment still not delivered this long after its predicted delivery is given up on.
DELIVERY_GIVE_UP = timedelta(days=7)
# The live hourly rows credit a worker's clocked time at clock-out: an hour's utilisation
# is final once every shift running in it has ended.
SETTLE_LAG = {
    "utilisation_next_hour": timedelta(hours=12),
    "utilisation_next_day": timedelta(hours=12),
}
SIGNIFICANCE = 3.0
# Refit at least this far back after a drift, so the fit has evidence enough.
MIN_REFIT = timedelta(hours=2)


@dataclass
class RoundResult:
    hours: int = 0
    recorded: int = 0
    settled: int = 0
    recalibrations: list[str] = field(default_factory=list)


def delta_rounds(*, until: datetime | None = None, max_hours: int = 24 * 14) -> RoundResult:
    """Run the rounds for every event-time hour boundary passed since the last one."""
    now = until or watermark()
    result = RoundResult()
    if now is None or not ModelVersion.objects.exists():
        return result
    newest = now.replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        checkpoint, _ = DeltaCheckpoint.objects.select_for_update().get_or_create(name="rounds")
        first = checkpoint.last_hour + HOUR if checkpoint.last_hour else newest
        first = max(first, newest - HOUR * max_hours)
        hour = first
        while hour <= newest:
            _round(hour, forecast=hour == newest, result=result)
            result.hours += 1
            checkpoint.last_hour = hour
            hour += HOUR
        checkpoint.save()
    return result


def _round(at: datetime, *, forecast: bool, result: RoundResult) -> None:
    params, versions = current_parameters()
    result.settled += _settle(at)
    context = _Context(at, params, versions)
    rows = _checks(context)
    if forecast:
        rows += _forecasts(context)
    Prediction.objects.bulk_create(rows, ignore_conflicts=True)
    result.recorded += len(rows)
    result.recalibrations += _drift(at, params, versions)


class _Context:
    def __init__(self, at, params: ModelParameters, versions) -> None:
        self.at, self.params, self.versions = at, params, versions

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


# ---- settling forecasts -------------------------------------------------------------------
def _settle(at: datetime) -> int:
    due = list(
        Prediction.objects.filter(settled=False)
        .filter(Q(period_end__lte=at) | Q(metric="delivery_time"))
        .order_by("period_start")
    )
    if not due:
        return 0
    by_metric: dict[str, list[Prediction]] = defaultdict(list)
    for prediction in due:
        if prediction.period_end + SETTLE_LAG.get(prediction.metric, timedelta(0)) <= at or (
            prediction.metric == "delivery_time"
        ):
            by_metric[prediction.metric].append(prediction)
    done = []
    for metric, predictions in by_metric.items():
        done += SETTLERS[metric](predictions, at)
    Prediction.objects.bulk_update(done, ["actual", "settled", "weight"])
    return len(done)


def _settle_orders(predictions, at):
    regions = set(Region.objects.values_list("code", flat=True))
    start = min(p.period_start for p in predictions)
    history = History(Window(start, at))
    times: dict[str, list[datetime]] = defaultdict(list)
    for order in history.orders.values():
        if order["region"] in regions:
            times[order["region"]].append(order["created_at"])
    for p in predictions:
        p.actual = float(sum(1 for t in times[p.subject] if p.period_start <= t < p.period_end))
        p.settled = True
    return predictions


def _settle_rates(event_type: str, minimum: int):
    def settle(predictions, at):
        start = min(p.period_start for p in predictions)
        events = event_window_read(types=[event_type], start=start, end=at)
        for p in predictions:
            seconds = [
                e.payload["duration_s"]
                for e in events
                if e.payload["dc"] == p.subject and p.period_start <= e.occurred_at < p.period_end
            ]
            p.settled = True
            if len(seconds) >= minimum and sum(seconds) > 0:
                p.actual = 3600 * len(seconds) / sum(seconds)
                p.weight = float(len(seconds))
        return predictions

    return settle


def _settle_dc_hours(predictions, at):
    start = min(p.period_start for p in predictions)
    hours = list(DcHour.objects.filter(hour__gte=start, hour__lt=at))
    for p in predictions:
        rows = [h for h in hours if h.dc == p.subject and p.period_start <= h.hour < p.period_end]
        p.settled = True
        if p.metric.startswith("throughput"):
            p.actual = float(sum(h.lines_picked for h in rows))
        else:
            clocked = sum(h.clocked_s for h in rows)
            p.actual = 100 * sum(h.busy_s for h in rows) / clocked if clocked else None
    return predictions


def _settle_deliveries(predictions, at):
    shipments = {
        s.shipment_id: s
        for s in Shipment.objects.filter(shipment_id__in=[p.item for p in predictions])
    }
    done = []
    for p in predictions:
        shipment = shipments.get(p.item)
        if shipment and shipment.delivered_at and shipment.picked_up_at:
            p.actual = hours_between(shipment.picked_up_at, shipment.delivered_at)
            p.settled = True
            done.append(p)
        elif at - p.period_end > DELIVERY_GIVE_UP:
            p.settled = True
            done.append(p)
    return done


def _settle_complaints(predictions, at):
    start = min(p.period_start for p in predictions)
    opened = list(
        Complaint.objects.filter(opened_at__gte=start, opened_at__lt=at).values_list(
            "opened_at", flat=True
        )
    )
    for p in predictions:
        p.actual = float(sum(1 for t in opened if p.period_start <= t < p.period_end))
        p.settled = True
    return predictions


SETTLERS = {
    "orders_next_day": _settle_orders,
    "pick_rate": _settle_rates("wms.pick_completed", MIN_LINES_FOR_RATE),
    "pack_rate": _settle_rates("wms.pack_completed", MIN_PACKS_FOR_RATE),
    "throughput_next_hour": _settle_dc_hours,
    "throughput_next_day": _settle_dc_hours,
    "utilisation_next_hour": _settle_dc_hours,
    "utilisation_next_day": _settle_dc_hours,
    "delivery_time": _settle_deliveries,
    "complaints_next_day": _settle_complaints,
}


# ---- checks: predicted and actual known together ------------------------------------------
def _checks(context: _Context) -> list[Prediction]:
    rows = _labour_cost_checks(context)
    if context.at.hour == 0:
        rows += _transit_checks(context) + _complaint_checks(context) + _lead_time_checks(context)
    return [row for row in rows if row is not None]


def _transit_checks(context: _Context) -> list:
    start, end = context.at - DAY, context.at
    plan = context.lane_transit
    by_lane: dict[str, list[float]] = defaultdict(list)
    for lane, picked_up, delivered in Shipment.objects.filter(
        delivered_at__gte=start, delivered_at__lt=end, picked_up_at__isnull=False
    ).values_list("lane", "picked_up_at", "delivered_at"):
        by_lane[lane].append(hours_between(picked_up, delivered))
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
    orders = list(
        OrderProgress.objects.filter(delivered_at__gte=start, delivered_at__lt=end)
        .exclude(due_at=None)
        .values_list("order_id", "due_at", "delivered_at", "pick_errors")
    )
    if not orders:
        return []
    customer = context.params.customer
    predicted = sum(
        complaint_probability(
            customer, late_hours=hours_between(due, delivered), pick_errors=errors
        )
        for _, due, delivered, errors in orders
    )
    actual = Complaint.objects.filter(order_id__in=[o[0] for o in orders]).count()
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
    receipts = event_window_read(types=["erp.receipt_posted"], start=start, end=end)
    if not receipts:
        return []
    created = {
        e.payload["po_id"]: e
        for e in event_window_read(
            types=["erp.po_created"], start=end - timedelta(days=60), end=end
        )
    }
    supply = context.params.supply
    family = dict(Sku.objects.values_list("code", "family"))
    by_dc: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for receipt in receipts:
        order = created.get(receipt.payload["po_id"])
        if order is None:
            continue
        median = supply.lead_time_hours_median.get(
            family.get(order.payload["sku"], ""), supply.default_lead_time_hours_median
        )
        by_dc[receipt.payload["dc"]].append(
            (
                lognormal_mean(median, supply.lead_time_sigma),
                hours_between(order.occurred_at, receipt.occurred_at),
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
    """Each payroll posting of the last hour against wage × the hours clocked that day."""
    at = context.at
    history = History(Window(at - DAY - DAY, at))
    rows = []
    wages = context.params.finance.wage_usd_per_hour
    for dc, posted_at, amount in labour_postings(history):
        if posted_at < at - HOUR or dc not in wages:
            continue
        hours = clocked_hours(history, dc, posted_at - DAY, posted_at)
        rows.append(
            context.row(
                "labour_cost",
                dc,
                posted_at - DAY,
                posted_at,
                wages[dc] * hours,
                actual=amount,
                settled=True,
            )
        )
    return rows


# ---- forecasts from the live state --------------------------------------------------------
def _forecasts(context: _Context) -> list[Prediction]:
    rows = _demand_forecasts(context) + _labour_forecasts(context) + _transit_forecasts(context)
    return [row for row in rows if row is not None]


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


def pick_backlog_lines(dc: str, at: datetime) -> float:
    """Lines released in the last day and not yet picked (older backlog is negligible)."""
    since = at - DAY
    released = sum(
        OrderProgress.objects.filter(dc=dc, released_at__gte=since, released_at__lt=at).values_list(
            "lines", flat=True
        )
    )
    picked = sum(
        DcHour.objects.filter(dc=dc, hour__gte=since, hour__lt=at).values_list(
            "lines_picked", flat=True
        )
    )
    return max(0.0, float(released - picked))


def _labour_forecasts(context: _Context) -> list:
    """A fluid model: lines arrive at the demand model's rates, crews pick at their rates."""
    at, params = context.at, context.params
    home = dict(Region.objects.values_list("code", "home_dc__code"))
    mean_lines = params.demand.mean_lines_per_order()
    rows = []
    for labour in params.labour.dcs:
        regions = [r for r, dc in home.items() if dc == labour.dc]
        backlog = pick_backlog_lines(labour.dc, at)
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
        if clocked_by_hour[0] > 0:
            rows.append(
                context.row(
                    "utilisation_next_hour",
                    labour.dc,
                    at,
                    at + HOUR,
                    100 * busy_by_hour[0] / clocked_by_hour[0],
                )
            )
        if sum(clocked_by_hour) > 0:
            rows.append(
                context.row(
                    "utilisation_next_day",
                    labour.dc,
                    at,
                    at + DAY,
                    100 * sum(busy_by_hour) / sum(clocked_by_hour),
                )
            )
    return rows


def _transit_forecasts(context: _Context) -> list:
    at = context.at
    plan = context.lane_transit
    in_transit = list(
        Shipment.objects.filter(
            delivered_at=None, picked_up_at__isnull=False, picked_up_at__lt=at
        ).values_list("shipment_id", "lane", "picked_up_at", "order_id")
    )
    already = set(
        Prediction.objects.filter(
            metric="delivery_time", item__in=[s[0] for s in in_transit]
        ).values_list("item", flat=True)
    )
    orders = {
        o[0]: o[1:]
        for o in OrderProgress.objects.filter(order_id__in=[s[3] for s in in_transit]).values_list(
            "order_id", "due_at", "pick_errors"
        )
    }
    rows = []
    complaints = 0.0
    customer = context.params.customer
    for shipment_id, lane, picked_up, order_id in in_transit:
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


def _drift(at: datetime, params: ModelParameters, versions) -> list[str]:
    messages = []
    for name, version in versions.items():
        if version is None:
            continue
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
            continue
        start = min(worst.onset or at - MIN_REFIT, at - MIN_REFIT)
        what = (
            f"{worst.subject} {METRICS[worst.metric].label} off by {worst.bias:+.0%} "
            f"(MAPE {worst.mape:.0%}) > {threshold:.0%}"
        )
        reason = f"drift: {what}"
        (outcome,) = calibrate(
            sub_models=[name],
            window=Window(start, at),
            reason=reason,
            focus=(worst.subject, worst.metric),
        )
        label, old, unit = headline(worst.metric, worst.subject, params)
        new_params, _ = current_parameters()
        _, new, _ = headline(worst.metric, worst.subject, new_params)
        change = (
            f", {label} {old:.3g} → {new:.3g} {unit}".rstrip()
            if old is not None and new is not None
            else ""
        )
        summary = f"{name}: {what} → recalibrated{change}"
        Recalibration.objects.create(
            sub_model=name,
            at=at,
            metric=worst.metric,
            subject=worst.subject,
            error_pct=round(100 * abs(worst.bias), 2),
            threshold_pct=settings_row.threshold_pct,
            from_version=version,
            to_version=outcome.version,
            summary=summary[:400],
        )
        log.warning("%s", summary)
        messages.append(summary)
    return messages
