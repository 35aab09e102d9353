"""A round's checks: figures whose prediction and actual are known together (a lane's transit,
complaints, lead times, the day's straight-time payroll), recorded settled."""

import statistics
from collections import defaultdict
from datetime import timedelta

from apps.calibration.fitters.finance import booked_day, labour_postings, paid_hours
from apps.calibration.history import History, Window, hours_between, window_events
from apps.calibration.live_rows import orders_delivered_read, shipments_delivered_read
from apps.calibration.metrics import lognormal_mean
from apps.calibration.payloads import PoCreatedRow, ReceiptPostedRow, payload_of
from apps.calibration.round_context import RoundContext, Step
from apps.live.models import Complaint
from apps.network.models import Sku
from apps.simulation.customer import complaint_probability

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MIN_DELIVERIES_FOR_TRANSIT = 20
MIN_RECEIPTS_FOR_LEAD = 3
# Complaints about a delivery arrive within this long; a day's deliveries are judged after.
COMPLAINT_LAG = timedelta(hours=48)


def transit_checks(context: RoundContext) -> list:
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


def complaint_checks(context: RoundContext) -> list:
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


def lead_time_checks(context: RoundContext) -> list:
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


def labour_cost_checks(context: RoundContext) -> list:
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


CHECKS = (
    Step("finance", "labour cost checks", labour_cost_checks),
    Step("logistics", "transit checks", transit_checks, midnight_only=True),
    Step("customer", "complaint checks", complaint_checks, midnight_only=True),
    Step("supply", "lead-time checks", lead_time_checks, midnight_only=True),
)
