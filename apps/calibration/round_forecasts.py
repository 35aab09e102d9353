"""A round's forecasts from the live state: orders of the next day per region, each DC's
throughput and utilisation (a fluid model of its crews), and deliveries and complaints of the
loads in transit."""

from datetime import datetime, timedelta

from apps.calibration.fitters.demand import hour_of_week
from apps.calibration.history import hours_between
from apps.calibration.live_rows import (
    dc_hours_read,
    lines_released,
    orders_read,
    shipments_in_transit_read,
)
from apps.calibration.metrics import lognormal_mean
from apps.calibration.models import Prediction
from apps.calibration.round_context import RoundContext, Step
from apps.calibration.row_checks import SkippedRows
from apps.network.models import Region
from apps.simulation import kpis
from apps.simulation.customer import complaint_probability
from apps.simulation.demand import HOURS_PER_WEEK
from apps.simulation.labour import DcLabour

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def demand_forecasts(context: RoundContext) -> list:
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


def labour_forecasts(context: RoundContext) -> list:
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


def transit_forecasts(context: RoundContext) -> list:
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


FORECASTS = (
    Step("demand", "demand forecasts", demand_forecasts),
    Step("labour", "labour forecasts", labour_forecasts),
    Step("logistics", "transit forecasts", transit_forecasts),
)
