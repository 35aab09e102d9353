"""Reads of the network-wide live state: lanes, customer and cost figures, the imbalance
between DCs and the alerts, as they stand at the watermark (see selectors)."""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, Sum

from apps.live.models import Complaint, CostDay, DcHour, LaneHour, OrderProgress, Shipment
from apps.live.selectors import DcState, midnight, thresholds, watermark
from apps.network.models import Lane
from apps.simulation import kpis

TRANSIT_WINDOW = timedelta(days=7)
OTIF_WINDOW = timedelta(days=7)
COST_WINDOW_DAYS = 7


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
    late_7d: int = 0  # of deliveries_7d


@dataclass(frozen=True)
class NetworkKpis:
    otif_7d: float | None  # kpis.otif over the orders due in the last 7 days
    due_7d: int  # orders due in the last 7 days: OTIF's denominator
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


def _percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _lanes_today(*, since: datetime, at: datetime) -> dict[str, dict]:
    """Per lane, its tenders, rejections, deliveries and late deliveries since `since`."""
    return {
        row["lane"]: row
        for row in LaneHour.objects.filter(hour__gte=since, hour__lte=at)
        .values("lane")
        .annotate(
            tendered=Sum("tendered"),
            rejected=Sum("rejected"),
            delivered=Sum("delivered"),
            late=Sum("late"),
        )
    }


def _lanes_moving(*, at: datetime) -> dict[str, dict]:
    """Per lane, its shipments picked up and not delivered, and how many are past their ETA."""
    return {
        row["lane"]: row
        for row in Shipment.objects.filter(
            picked_up_at__isnull=False, picked_up_at__lte=at, delivered_at__isnull=True
        )
        .exclude(lane="")
        .values("lane")
        .annotate(count=Count("id"), past_eta=Count("id", filter=Q(eta__lt=at)))
    }


def _lane_transits(*, at: datetime) -> tuple[dict[str, list[float]], Counter[str]]:
    """Per lane, the transit hours of its deliveries over TRANSIT_WINDOW, and how many were late."""
    transit = defaultdict(list)
    late_7d: Counter[str] = Counter()
    for lane, seconds, late in Shipment.objects.filter(
        delivered_at__gt=at - TRANSIT_WINDOW, delivered_at__lte=at, transit_s__isnull=False
    ).values_list("lane", "transit_s", "late"):
        transit[lane].append(seconds / 3600)
        late_7d[lane] += bool(late)
    return transit, late_7d


def _lane_state(code: str, lane: Lane | None, day: dict, move: dict, times: list[float],
                late_7d: int) -> LaneState:  # fmt: skip
    origin = ""
    if lane is not None:
        origin = lane.origin_dc.code if lane.origin_dc else lane.origin_cross_dock.code
    return LaneState(
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
        late_7d=late_7d,
    )


def lane_state_list(*, at: datetime | None = None) -> list[LaneState]:
    """Each lane that carried anything in the last 7 days, busiest and latest first."""
    at = at or watermark()
    if at is None:
        return []
    today = _lanes_today(since=midnight(at), at=at)
    moving = _lanes_moving(at=at)
    transit, late_7d = _lane_transits(at=at)
    active = set(today) | set(moving) | set(transit)
    master = {
        lane.code: lane
        for lane in Lane.objects.filter(code__in=active).select_related(
            "origin_dc", "origin_cross_dock", "destination", "carrier"
        )
    }
    states = [
        _lane_state(code, master.get(code), today.get(code, {}), moving.get(code, {}),
                    transit.get(code, []), late_7d[code])
        for code in active
    ]  # fmt: skip
    states.sort(key=lambda s: (-(s.in_transit_past_eta + s.late_today), -s.in_transit, s.code))
    return states


# kpis.is_on_time_in_full as a database filter: delivered, by the due time, no pick
# error, not cancelled (a cancelled order was not delivered complete). Tests hold the two
# to the same outcomes on a shared history.
ON_TIME_IN_FULL = Q(
    delivered_at__isnull=False,
    delivered_at__lte=F("due_at"),
    pick_errors=0,
    cancelled_at__isnull=True,
)


def otif_between(*, after: datetime, until: datetime) -> tuple[float | None, int]:
    """OTIF (kpis.otif) of the orders due in [after, until), and how many were due: an
    order cancelled, or still undelivered when due, is a failure, as in the engine."""
    due = OrderProgress.objects.filter(due_at__gte=after, due_at__lt=until).aggregate(
        total=Count("id"), otif=Count("id", filter=ON_TIME_IN_FULL)
    )
    return kpis.otif(on_time_in_full=due["otif"], due=due["total"]), due["total"]


def orders_cancelled_between(*, after: datetime, until: datetime) -> int:
    """Orders the ERP cancelled in (after, until]: lost, as the simulation counts orders
    that waited out their backorder patience."""
    return OrderProgress.objects.filter(cancelled_at__gt=after, cancelled_at__lte=until).count()


def costs_between(*, first_day: date, until: datetime) -> tuple[dict[str, float], int]:
    """Cost postings by category from first_day to until's day, and the orders shipped from
    first_day's midnight to until: cost per order is the one over the other."""
    costs = {
        category: float(amount)
        for category, amount in CostDay.objects.filter(day__gte=first_day, day__lte=until.date())
        .values("category")
        .annotate(total=Sum("amount_usd"))
        .values_list("category", "total")
    }
    start = midnight(until) - timedelta(days=(until.date() - first_day).days)
    shipped = (
        DcHour.objects.filter(hour__gte=start, hour__lte=until)
        .aggregate(total=Sum("orders_shipped"))
        .get("total")
        or 0
    )
    return costs, shipped


def network_kpis(*, at: datetime | None = None) -> NetworkKpis:
    at = at or watermark()
    if at is None:
        return NetworkKpis(None, 0, 0, 0, None)
    otif, due = otif_between(after=at - OTIF_WINDOW, until=at)
    costs, shipped = costs_between(
        first_day=at.date() - timedelta(days=COST_WINDOW_DAYS - 1), until=at
    )
    return NetworkKpis(
        otif_7d=otif,
        due_7d=due,
        open_complaints=Complaint.objects.filter(
            opened_at__isnull=False, closed_at__isnull=True
        ).count(),
        orders_today=OrderProgress.objects.filter(
            created_at__gte=midnight(at), created_at__lte=at
        ).count(),
        cost_per_order_7d=kpis.cost_per_order(costs_usd=costs, orders=shipped),
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
        if util is not None and util > 1:
            # Busy time beyond clocked time cannot happen on a real floor: some clock-ins
            # are missing or late. Say so rather than show the figure as if it were true.
            text = (
                f"{state.dc} data quality: utilisation {util:.0%} > 100%: more busy time than "
                "clocked-in time; clock-in events are missing or late"
            )
            alerts.append(Alert("warning", "data quality", state.dc, text))
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
