"""Reads of the live state: DCs, lanes, stock, customers and alerts as they stand at the
watermark (the newest event time the projector has seen). "Today" is the UTC day of the
watermark; rolling windows end at the watermark."""

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Min, Q, Sum

from apps.live.models import (
    Complaint,
    CostDay,
    DcHour,
    EquipmentState,
    LaneHour,
    OrderProgress,
    ProjectorCheckpoint,
    Sensor,
    Shipment,
    StockDay,
    StockLevel,
    WorkerPresence,
)
from apps.live.projector import CHECKPOINT, HOUR, LABOUR_ROLES, SENSOR_RANGES, hour_of
from apps.network.models import DistributionCenter, Lane
from apps.sources.models import Event

UTILISATION_WINDOW = timedelta(minutes=60)
DAY_WINDOW = timedelta(hours=24)
TRANSIT_WINDOW = timedelta(days=7)
OTIF_WINDOW = timedelta(days=7)
COST_WINDOW_DAYS = 7
DEMAND_WINDOW = timedelta(days=7)
SPARKLINE_HOURS = 24
UTILISATION_HELP = (
    "Labour utilisation: busy pick and pack labour-seconds ÷ clocked-in pick and pack "
    "labour-seconds over the last 60 minutes of event time, ending at the newest event seen. "
    "Loaders and supervisors do not count."
)


@dataclass(frozen=True)
class Outage:
    equipment_id: str
    kind: str
    since: datetime
    reason: str


@dataclass(frozen=True)
class Excursion:
    sensor_id: str
    kind: str
    value: float
    unit: str
    low: float
    high: float
    since: datetime


@dataclass(frozen=True)
class DcState:
    dc: str
    name: str
    watermark: datetime | None
    workers_on_shift: dict[str, int]  # by role
    # Busy pick and pack labour-seconds ÷ clocked-in pick and pack labour-seconds over the
    # trailing window of event time ending at the watermark. None when nobody was clocked in.
    labour_utilisation: float | None
    backlog_orders: int
    backlog_lines: int
    throughput_lines_per_hour: float  # lines picked over the trailing window, per hour
    pick_accuracy: float | None  # share of lines picked right over the last 24 hours
    equipment_down: tuple[str, ...]
    # The same ratio over the last 24 hours of event time: the steady picture behind the
    # hour-to-hour swings, and what the imbalance between DCs is judged on.
    labour_utilisation_24h: float | None = None
    # Lines picked in each of the last 24 hours, oldest first, the watermark's hour last.
    lines_by_hour: tuple[int, ...] = ()
    outages: tuple[Outage, ...] = ()
    excursions: tuple[Excursion, ...] = ()
    band: str = "none"  # "high", "ok", "low" against the configured thresholds, or "none"


@dataclass(frozen=True)
class DcHourPoint:
    hour: datetime
    utilisation: float | None
    lines_picked: int
    backlog_orders: int  # at the end of the hour (or at the watermark, for the current one)


@dataclass(frozen=True)
class LaneState:
    code: str
    origin: str
    destination: str
    carrier: str
    mode: str
    plan_transit_h: float | None
    tendered_today: int = 0
    rejected_today: int = 0
    in_transit: int = 0
    in_transit_past_eta: int = 0
    delivered_today: int = 0
    late_today: int = 0  # delivered today after their ETA or their order's SLA
    transit_mean_h: float | None = None  # deliveries over the last 7 days
    transit_p90_h: float | None = None
    deliveries_7d: int = 0


@dataclass(frozen=True)
class NetworkKpis:
    otif_7d: float | None  # delivered by the requested time with no pick error, last 7 days
    delivered_7d: int
    open_complaints: int
    orders_today: int
    cost_per_order_7d: float | None  # labour, freight and other postings ÷ orders shipped
    cost_7d_usd: dict[str, float] = field(default_factory=dict)
    shipped_7d: int = 0


@dataclass(frozen=True)
class Imbalance:
    hot: str
    hot_utilisation: float
    cool: str
    cool_utilisation: float

    @property
    def gap_points(self) -> float:
        return (self.hot_utilisation - self.cool_utilisation) * 100


@dataclass(frozen=True)
class Alert:
    severity: str  # "critical", "warning" or "info"
    kind: str
    dc: str
    text: str
    since: datetime | None = None


@dataclass(frozen=True)
class StockRow:
    sku: str
    on_hand: int
    on_order: int
    daily_demand: float  # units picked per day over the last 7 days (or since the log began)
    days_of_cover: float | None  # on hand ÷ daily demand; None when nothing was picked


def watermark() -> datetime | None:
    checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
    return checkpoint.watermark if checkpoint else None


def checkpoint_position() -> tuple[int, datetime | None]:
    """(last event id applied, watermark): where the live state stands in the log."""
    checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
    return (checkpoint.last_event_id, checkpoint.watermark) if checkpoint else (0, None)


def thresholds() -> tuple[float, float]:
    """(high, low) utilisation thresholds as shares."""
    return settings.TWIN_UTILISATION_HIGH_PCT / 100, settings.TWIN_UTILISATION_LOW_PCT / 100


def band_of(utilisation: float | None) -> str:
    if utilisation is None:
        return "none"
    high, low = thresholds()
    if utilisation >= high:
        return "high"
    if utilisation <= low:
        return "low"
    return "ok"


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def dc_state_list(*, at: datetime | None = None, dcs: set[str] | None = None) -> list[DcState]:
    """Every DC's live state at `at` (default: the watermark, the newest event time seen)."""
    at = at or watermark()
    catalogue = DistributionCenter.objects.order_by("code")
    if dcs is not None:
        catalogue = catalogue.filter(code__in=dcs)
    names = list(catalogue.values_list("code", "name"))
    if at is None:
        return [DcState(code, name, None, {}, None, 0, 0, 0.0, None, ()) for code, name in names]
    codes = [code for code, _ in names]
    start = at - UTILISATION_WINDOW
    day_start = hour_of(at) - DAY_WINDOW + HOUR
    day_hours = list(DcHour.objects.filter(dc__in=codes, hour__gte=day_start, hour__lte=at))
    hours = [row for row in day_hours if row.hour >= start - HOUR]
    presence = list(WorkerPresence.objects.filter(dc__in=codes))
    backlog = {
        row["dc"]: row
        for row in OrderProgress.objects.filter(
            dc__in=codes,
            released_at__isnull=False,
            shipped_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .values("dc")
        .annotate(orders=Count("id"), lines=Sum("lines"))
    }
    outages = defaultdict(list)
    for item in EquipmentState.objects.filter(dc__in=codes, up=False).order_by("equipment_id"):
        outages[item.dc].append(Outage(item.equipment_id, item.kind, item.since, item.reason))
    excursions = defaultdict(list)
    for sensor in Sensor.objects.filter(dc__in=codes, out_of_range_since__isnull=False).order_by(
        "sensor_id"
    ):
        low, high = SENSOR_RANGES.get(sensor.kind, (-math.inf, math.inf))
        excursions[sensor.dc].append(
            Excursion(
                sensor.sensor_id,
                sensor.kind,
                sensor.value,
                sensor.unit,
                low,
                high,
                sensor.out_of_range_since,
            )
        )
    states = []
    for code, name in names:
        busy = clocked = lines = 0.0
        for row in (h for h in hours if h.dc == code):
            # A bucket holds what happened up to the watermark: share it by the part of its
            # elapsed time that falls inside the window.
            elapsed_end = min(row.hour + HOUR, at)
            elapsed = (elapsed_end - row.hour).total_seconds()
            # An hour that begins at the watermark holds only what happened at that instant.
            share = _overlap(row.hour, elapsed_end, start, at) / elapsed if elapsed > 0 else 1.0
            busy += row.busy_s * share
            clocked += row.clocked_s * share
            lines += row.lines_picked * share
        by_hour = {row.hour: row.lines_picked for row in day_hours if row.dc == code}
        busy_24h = sum(row.busy_s for row in day_hours if row.dc == code)
        clocked_24h = sum(row.clocked_s for row in day_hours if row.dc == code)
        on_shift: dict[str, int] = {}
        for person in (p for p in presence if p.dc == code):
            on_shift[person.role] = on_shift.get(person.role, 0) + 1
            if person.role in LABOUR_ROLES:
                clocked += _overlap(person.clocked_in_at, at, start, at)
                clocked_24h += _overlap(person.clocked_in_at, at, day_start, at)
        lines_24h = sum(row.lines_picked for row in day_hours if row.dc == code)
        errors_24h = sum(row.pick_errors for row in day_hours if row.dc == code)
        utilisation = busy / clocked if clocked else None
        states.append(
            DcState(
                dc=code,
                name=name,
                watermark=at,
                workers_on_shift=dict(sorted(on_shift.items())),
                labour_utilisation=utilisation,
                labour_utilisation_24h=busy_24h / clocked_24h if clocked_24h else None,
                lines_by_hour=tuple(
                    by_hour.get(day_start + HOUR * n, 0) for n in range(SPARKLINE_HOURS)
                ),
                backlog_orders=backlog.get(code, {}).get("orders", 0),
                backlog_lines=backlog.get(code, {}).get("lines", 0) or 0,
                throughput_lines_per_hour=lines / (UTILISATION_WINDOW.total_seconds() / 3600),
                pick_accuracy=1 - errors_24h / lines_24h if lines_24h else None,
                equipment_down=tuple(o.equipment_id for o in outages.get(code, ())),
                outages=tuple(outages.get(code, ())),
                excursions=tuple(excursions.get(code, ())),
                band=band_of(utilisation),
            )
        )
    return states


def dc_hours(
    *, at: datetime | None = None, hours: int = SPARKLINE_HOURS, dcs: set[str] | None = None
) -> dict[str, list[DcHourPoint]]:
    """Per DC, the last `hours` hours up to the watermark's hour: utilisation, lines picked
    and the backlog at each hour's end (the current backlog, wound back by the releases and
    shipments since)."""
    at = at or watermark()
    codes = (
        dcs if dcs is not None else set(DistributionCenter.objects.values_list("code", flat=True))
    )
    if at is None:
        return {code: [] for code in sorted(codes)}
    last = hour_of(at)
    first = last - HOUR * (hours - 1)
    rows = {
        (row.dc, row.hour): row
        for row in DcHour.objects.filter(dc__in=codes, hour__gte=first, hour__lte=last)
    }
    after = defaultdict(lambda: [0, 0])  # (released, shipped) after each hour's end
    for row in DcHour.objects.filter(dc__in=codes, hour__gte=first + HOUR, hour__lte=at):
        after[row.dc][0] += row.orders_released
        after[row.dc][1] += row.orders_shipped
    backlog_now = dict(
        OrderProgress.objects.filter(
            dc__in=codes,
            released_at__isnull=False,
            shipped_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .values("dc")
        .annotate(orders=Count("id"))
        .values_list("dc", "orders")
    )
    presence = list(WorkerPresence.objects.filter(dc__in=codes, role__in=LABOUR_ROLES))
    series = {}
    for code in sorted(codes):
        points = []
        released_after, shipped_after = after[code]
        backlog = backlog_now.get(code, 0) - released_after + shipped_after
        for n in range(hours):
            hour = first + HOUR * n
            row = rows.get((code, hour))
            end = min(hour + HOUR, at)
            clocked = (row.clocked_s if row else 0.0) + sum(
                _overlap(p.clocked_in_at, at, hour, end) for p in presence if p.dc == code
            )
            busy = row.busy_s if row else 0.0
            if row is not None and n > 0:  # the first hour's flows are in `backlog` already
                backlog += row.orders_released - row.orders_shipped
            points.append(
                DcHourPoint(
                    hour=hour,
                    utilisation=busy / clocked if clocked else None,
                    lines_picked=row.lines_picked if row else 0,
                    backlog_orders=max(backlog, 0),
                )
            )
        series[code] = points
    return series


def _percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def lane_state_list(*, at: datetime | None = None) -> list[LaneState]:
    """Each lane that carried anything in the last 7 days, busiest and latest first."""
    at = at or watermark()
    if at is None:
        return []
    midnight = _midnight(at)
    today = {
        row["lane"]: row
        for row in LaneHour.objects.filter(hour__gte=midnight, hour__lte=at)
        .values("lane")
        .annotate(
            tendered=Sum("tendered"),
            rejected=Sum("rejected"),
            delivered=Sum("delivered"),
            late=Sum("late"),
        )
    }
    moving = {
        row["lane"]: row
        for row in Shipment.objects.filter(
            picked_up_at__isnull=False, picked_up_at__lte=at, delivered_at__isnull=True
        )
        .exclude(lane="")
        .values("lane")
        .annotate(count=Count("id"), past_eta=Count("id", filter=Q(eta__lt=at)))
    }
    transit = defaultdict(list)
    for lane, seconds in Shipment.objects.filter(
        delivered_at__gt=at - TRANSIT_WINDOW, delivered_at__lte=at, transit_s__isnull=False
    ).values_list("lane", "transit_s"):
        transit[lane].append(seconds / 3600)
    active = set(today) | set(moving) | set(transit)
    master = {
        lane.code: lane
        for lane in Lane.objects.filter(code__in=active).select_related(
            "origin_dc", "origin_cross_dock", "destination", "carrier"
        )
    }
    states = []
    for code in active:
        lane = master.get(code)
        day, move, times = today.get(code, {}), moving.get(code, {}), transit.get(code, [])
        origin = ""
        if lane is not None:
            origin = lane.origin_dc.code if lane.origin_dc else lane.origin_cross_dock.code
        states.append(
            LaneState(
                code=code,
                origin=origin,
                destination=lane.destination.code if lane else "",
                carrier=lane.carrier.code if lane else "",
                mode=lane.mode if lane else "",
                plan_transit_h=lane.transit_hours_median if lane else None,
                tendered_today=day.get("tendered") or 0,
                rejected_today=day.get("rejected") or 0,
                in_transit=move.get("count", 0),
                in_transit_past_eta=move.get("past_eta", 0),
                delivered_today=day.get("delivered") or 0,
                late_today=day.get("late") or 0,
                transit_mean_h=sum(times) / len(times) if times else None,
                transit_p90_h=_percentile(times, 0.9) if times else None,
                deliveries_7d=len(times),
            )
        )
    states.sort(key=lambda s: (-(s.in_transit_past_eta + s.late_today), -s.in_transit, s.code))
    return states


def network_kpis(*, at: datetime | None = None) -> NetworkKpis:
    at = at or watermark()
    if at is None:
        return NetworkKpis(None, 0, 0, 0, None)
    delivered = OrderProgress.objects.filter(
        delivered_at__gt=at - OTIF_WINDOW, delivered_at__lte=at, due_at__isnull=False
    ).aggregate(
        total=Count("id"),
        otif=Count("id", filter=Q(delivered_at__lte=F("due_at"), pick_errors=0)),
    )
    first_day = at.date() - timedelta(days=COST_WINDOW_DAYS - 1)
    costs = {
        category: float(amount)
        for category, amount in CostDay.objects.filter(day__gte=first_day, day__lte=at.date())
        .values("category")
        .annotate(total=Sum("amount_usd"))
        .values_list("category", "total")
    }
    shipped = (
        DcHour.objects.filter(
            hour__gte=_midnight(at) - timedelta(days=COST_WINDOW_DAYS - 1), hour__lte=at
        )
        .aggregate(total=Sum("orders_shipped"))
        .get("total")
        or 0
    )
    total_cost = sum(costs.values())
    return NetworkKpis(
        otif_7d=delivered["otif"] / delivered["total"] if delivered["total"] else None,
        delivered_7d=delivered["total"],
        open_complaints=Complaint.objects.filter(
            opened_at__isnull=False, closed_at__isnull=True
        ).count(),
        orders_today=OrderProgress.objects.filter(
            created_at__gte=_midnight(at), created_at__lte=at
        ).count(),
        cost_per_order_7d=total_cost / shipped if shipped and costs else None,
        cost_7d_usd=dict(sorted(costs.items())),
        shipped_7d=shipped,
    )


def imbalance(states: list[DcState]) -> Imbalance | None:
    """The most and the least utilised DC over the last 24 hours, when both are measured.

    Judged on 24 hours rather than the last 60 minutes: shifts start and end at different
    times in different DCs, and an hour's swing is not an imbalance worth moving stock for.
    """
    measured = [s for s in states if s.labour_utilisation_24h is not None]
    if len(measured) < 2:
        return None
    hot = max(measured, key=lambda s: s.labour_utilisation_24h)
    cool = min(measured, key=lambda s: s.labour_utilisation_24h)
    return Imbalance(hot.dc, hot.labour_utilisation_24h, cool.dc, cool.labour_utilisation_24h)


def alert_list(states: list[DcState], lanes: list[LaneState]) -> list[Alert]:
    """What needs a planner's eye now: most severe first."""
    high, low = thresholds()
    alerts = []
    for state in states:
        util = state.labour_utilisation
        if util is not None and util >= high:
            text = f"{state.dc} labour utilisation {util:.0%} ≥ {high:.0%}"
            alerts.append(Alert("critical", "utilisation", state.dc, text))
        elif util is not None and util <= low:
            text = f"{state.dc} under-used: labour utilisation {util:.0%} ≤ {low:.0%}"
            alerts.append(Alert("info", "utilisation", state.dc, text))
        for outage in state.outages:
            reason = f": {outage.reason}" if outage.reason else ""
            alerts.append(
                Alert(
                    "warning",
                    "equipment",
                    state.dc,
                    f"{outage.equipment_id} ({outage.kind}) down{reason}",
                    outage.since,
                )
            )
        for excursion in state.excursions:
            alerts.append(
                Alert(
                    "critical" if excursion.kind == "temperature" else "warning",
                    excursion.kind,
                    state.dc,
                    f"{excursion.sensor_id} {excursion.kind} {excursion.value:g} "
                    f"{excursion.unit} outside {excursion.low:g}–{excursion.high:g}",
                    excursion.since,
                )
            )
    for lane in lanes:
        if lane.in_transit_past_eta:
            alerts.append(
                Alert(
                    "warning",
                    "late",
                    lane.origin,
                    f"{lane.code}: {lane.in_transit_past_eta} shipment"
                    f"{'s' if lane.in_transit_past_eta != 1 else ''} in transit "
                    "past ETA",
                )
            )
    order = {"critical": 0, "warning": 1, "info": 2}
    alerts.sort(key=lambda a: (order[a.severity], a.dc, a.kind, a.text))
    return alerts


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


def latest_events(*, dc: str, limit: int = 20) -> list[Event]:
    return list(Event.objects.filter(dc=dc).order_by("-id")[:limit])


def jsonable(value):
    """Dataclasses, datetimes and decimals as JSON-ready values, for the page and the push."""
    if hasattr(value, "__dataclass_fields__"):
        return {key: jsonable(item) for key, item in asdict(value).items()}
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
