"""Settling forecasts: once a forecast's period is over, what actually happened.

Each settler reads the event log or a live table through its checks (history, live_rows):
a row it cannot read is skipped and counted in the sub-model's tally, and a figure that
rests on a skipped hourly row is left without an actual rather than read as zero.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Q

from apps.calibration.history import History, Window, hours_between, window_events
from apps.calibration.live_rows import dc_hours_read, shipments_read
from apps.calibration.metrics import METRICS
from apps.calibration.models import Prediction
from apps.calibration.payloads import TimedTaskRow, payload_of
from apps.calibration.round_records import RoundLedger
from apps.calibration.row_checks import SkippedRows
from apps.live.models import Complaint
from apps.network.models import Region
from apps.simulation import kpis

MIN_LINES_FOR_RATE = 30
MIN_PACKS_FOR_RATE = 20
# A shipment still not delivered this long after its predicted delivery is given up on.
DELIVERY_GIVE_UP = timedelta(days=7)
# The live hourly rows credit a worker's clocked time at clock-out: an hour's utilisation
# is final once every shift running in it has ended.
SETTLE_LAG = {
    "utilisation_next_hour": timedelta(hours=12),
    "utilisation_next_day": timedelta(hours=12),
}


def settle_due(at: datetime, ledger: RoundLedger) -> int:
    """Settle the forecasts whose period (and lag) is over; each metric apart, so that one
    that fails leaves its forecasts open for the next round and the others settle."""
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
        name = METRICS[metric].sub_model
        settled = ledger.run(
            name, f"settling {metric}", SETTLERS[metric], predictions, at, ledger.skipped_of(name)
        )
        done += settled or []
    Prediction.objects.bulk_update(done, ["actual", "settled", "weight"])
    return len(done)


def _settle_orders(predictions, at, skipped: SkippedRows):
    regions = set(Region.objects.values_list("code", flat=True))
    start = min(p.period_start for p in predictions)
    history = History(Window(start, at))
    times: dict[str, list[datetime]] = defaultdict(list)
    with history.skips_counted_in(skipped):
        orders = history.orders
    for order in orders.values():
        if order.region in regions:
            times[order.region].append(order.created_at)
    for p in predictions:
        p.actual = float(sum(1 for t in times[p.subject] if p.period_start <= t < p.period_end))
        p.settled = True
    return predictions


def _settle_rates(event_type: str, minimum: int):
    def settle(predictions, at, skipped: SkippedRows):
        start = min(p.period_start for p in predictions)
        events = window_events(types=[event_type], start=start, end=at, skipped=skipped)
        tasks = [(e, payload_of(e, TimedTaskRow)) for e in events]
        for p in predictions:
            seconds = [
                task["duration_s"]
                for e, task in tasks
                if task["dc"] == p.subject and p.period_start <= e.occurred_at < p.period_end
            ]
            p.settled = True
            if len(seconds) >= minimum and sum(seconds) > 0:
                p.actual = 3600 * len(seconds) / sum(seconds)
                p.weight = float(len(seconds))
        return predictions

    return settle


def _settle_dc_hours(predictions, at, skipped: SkippedRows):
    start = min(p.period_start for p in predictions)
    hours = dc_hours_read(start=start, end=at, skipped=skipped)
    for p in predictions:
        p.settled = True
        if any(dc == p.subject and p.period_start <= h < p.period_end for dc, h in hours.gaps):
            continue  # an hour of the period could not be read: no actual, not a zero
        rows = [
            h for h in hours.rows if h.dc == p.subject and p.period_start <= h.hour < p.period_end
        ]
        if p.metric.startswith("throughput"):
            p.actual = float(sum(h.lines_picked for h in rows))
        else:
            utilisation = kpis.labour_utilisation(
                busy=sum(h.busy_s for h in rows), clocked=sum(h.clocked_s for h in rows)
            )
            p.actual = None if utilisation is None else 100 * utilisation
    return predictions


def _settle_deliveries(predictions, at, skipped: SkippedRows):
    shipments = {
        s.shipment_id: s
        for s in shipments_read(ids=[p.item for p in predictions], at=at, skipped=skipped)
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


def _settle_complaints(predictions, at, skipped: SkippedRows):
    start = min(p.period_start for p in predictions)
    # Only the times are read, and only those inside the period: no value to skip.
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
