"""Tracking an executed decision: what its recommendation predicted against what the live
state shows over the days settled since tracking started, and the verdict on it."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.decisions.prediction import LOST_PER_DAY, Band, Prediction, count_band, predicted_day
from apps.decisions.verdict import days_to_judge, verdict_text
from apps.live.models import DcHour
from apps.live.network_selectors import costs_between, orders_cancelled_between, otif_between
from apps.live.selectors import watermark
from apps.live.settled_days import (
    ShiftHours,
    TrackedDay,
    event_time_text,
    project_zone,
    settled_count,
    tracked_days,
)
from apps.simulation import kpis

# The network figures judged over the settled span: (label, unit). Shares and per-order
# figures compare with the horizon's interval directly; lost orders are a count, whose
# interval is scaled from the predicted daily rate to the span.
HORIZON_KPIS = {
    "network.otif": ("OTIF", "percent"),
    "network.cost_per_order_usd": ("Cost per order", "usd"),
    LOST_PER_DAY: ("Orders lost", "count"),
}


@dataclass(frozen=True)
class DayCheck:
    day: int  # 1 = the first operating day after execution
    start: datetime
    predicted: Band | None
    actual: float | None

    @property
    def inside(self) -> bool | None:
        if self.predicted is None or self.actual is None:
            return None
        return self.predicted.holds(self.actual)


@dataclass(frozen=True)
class KpiTrack:
    kpi: str
    label: str
    days: list[DayCheck]  # the settled ones
    verdict: str
    bands: list[Band | None]  # the band each day of the horizon is held against


@dataclass(frozen=True)
class HorizonCheck:
    kpi: str
    label: str
    unit: str
    predicted: Band  # for the settled span
    actual: float | None
    settled_days: int

    @property
    def inside(self) -> bool | None:
        if self.actual is None:
            return None
        return self.predicted.holds(self.actual)

    @property
    def where(self) -> str:
        """Inside, above or below the interval ("" before anything is measured)."""
        if self.actual is None:
            return ""
        if self.inside:
            return "inside"
        return "above" if self.actual > self.predicted.high else "below"

    @property
    def verdict(self) -> str:
        span = f"{self.settled_days} settled day{'s' if self.settled_days != 1 else ''}"
        if self.actual is None:
            return f"{self.label}: nothing measured in the {span} yet (predicted {self.band_text})"
        return (
            f"{self.label} so far ({span}) {self.actual_text}: "
            f"{self.where} the predicted {self.band_text}"
        )

    @property
    def band_text(self) -> str:
        low, high = self.predicted.low, self.predicted.high
        return f"{_value_text(low, self.unit)}–{_value_text(high, self.unit)}"

    @property
    def actual_text(self) -> str:
        return "—" if self.actual is None else _value_text(self.actual, self.unit)


@dataclass(frozen=True)
class TrackingReport:
    since: datetime  # tracking_from: the first operating day after execution
    at: datetime  # the watermark the report was read at
    settled_days: int
    horizon_days: int
    daily: list[KpiTrack]
    horizon: list[HorizonCheck]
    verdict: str
    next_settle: TrackedDay | None = None  # the first day still to settle, within the horizon

    @property
    def since_text(self) -> str:
        return event_time_text(self.since)

    @property
    def next_settle_text(self) -> str:
        if self.next_settle is None:
            return f"All {self.horizon_days} days of the prediction have settled."
        return (
            f"Day {self.next_settle.number} settles at "
            f"{event_time_text(self.next_settle.settles_at)} (event time)."
        )

    @property
    def table_columns(self) -> int:
        """The day, then each DC's predicted band and actual figure."""
        return 1 + 2 * len(self.daily)

    @property
    def day_rows(self) -> list[tuple[int, datetime, list[DayCheck]]]:
        """Day by day, each DC's check: the table's rows."""
        if not self.daily:
            return []
        return [
            (n + 1, self.daily[0].days[n].start, [track.days[n] for track in self.daily])
            for n in range(self.settled_days)
        ]


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _value_text(value: float, unit: str) -> str:
    if unit == "percent":
        return _percent(value)
    if unit == "count":
        return f"{value:,.0f}"
    return f"${value:,.2f}"


def _utilisation_verdict(label: str, days: list[DayCheck]) -> str:
    judged = [d for d in days if d.inside is not None]
    if not judged:
        return f"{label}: no settled day to compare yet"
    outside = [d for d in judged if not d.inside]
    text = f"{label}: {len(judged) - len(outside)} of {len(judged)} days inside the prediction"
    for d in outside[:3]:
        side = "above" if d.actual > d.predicted.high else "below"
        low, high = d.predicted.low, d.predicted.high
        text += (
            f"; day {d.day} {side} ({_percent(d.actual)} against {100 * low:.0f}–{100 * high:.0f}%)"
        )
    return text


def _daily_tracks(predicted: Prediction, days: list[TrackedDay], settled: int) -> list[KpiTrack]:
    """Each DC's utilisation on each settled day, busy over clocked labour-seconds, with
    the predicted band of the same weekday."""
    busy, clocked = defaultdict(float), defaultdict(float)
    if settled:
        rows = DcHour.objects.filter(hour__gte=days[0].start, hour__lt=days[settled - 1].end)
        for dc, hour, busy_s, clocked_s in rows.values_list("dc", "hour", "busy_s", "clocked_s"):
            day = next(d.number for d in days[:settled] if d.start <= hour < d.end)
            busy[(dc, day)] += busy_s
            clocked[(dc, day)] += clocked_s
    matched = [predicted_day(predicted, number=d.number, weekday=d.weekday) for d in days]
    tracks = []
    for kpi, intervals in predicted.daily.items():
        dc = kpi.split(".")[1]
        bands = [None if i is None else intervals[i] for i in matched]
        checks = [
            DayCheck(
                day=d.number,
                start=d.start,
                predicted=bands[d.number - 1],
                actual=kpis.labour_utilisation(
                    busy=busy[(dc, d.number)], clocked=clocked[(dc, d.number)]
                ),
            )
            for d in days[:settled]
        ]
        label = f"{dc} utilisation"
        tracks.append(KpiTrack(kpi, label, checks, _utilisation_verdict(label, checks), bands))
    return tracks


def _span_actuals(since: datetime, end: datetime) -> dict[str, float | None]:
    """OTIF, cost per order and orders lost over [since, end): the settled days only."""
    otif, _delivered = otif_between(after=since, until=end)
    # costs_between reads whole days (the project's) up to `until`'s: the last instant of the
    # last settled day.
    zone = project_zone()
    costs, shipped = costs_between(
        first_day=since.astimezone(zone).date(),
        until=(end - timedelta(microseconds=1)).astimezone(zone),
    )
    return {
        "network.otif": otif,
        "network.cost_per_order_usd": kpis.cost_per_order(costs_usd=costs, orders=shipped),
        LOST_PER_DAY: float(orders_cancelled_between(after=since, until=end)),
    }


def _horizon_checks(predicted: Prediction, since: datetime, end: datetime, settled: int) -> list:
    """The network figures so far against their intervals for the same span."""
    if settled == 0:
        return []
    actuals = _span_actuals(since, end)
    checks = []
    for kpi, (label, unit) in HORIZON_KPIS.items():
        band = predicted.horizon.get(kpi)
        if band is None:  # a recommendation made before this figure was predicted
            continue
        if kpi == LOST_PER_DAY:
            band = count_band(band, settled)
        checks.append(HorizonCheck(kpi, label, unit, band, actuals[kpi], settled))
    return checks


def _misses(daily: list[KpiTrack], horizon: list[HorizonCheck]) -> tuple[list[str], int]:
    """The figures outside their intervals, named, and how many figures were judged."""
    outside = [
        f"{track.label} day {d.day}" for track in daily for d in track.days if d.inside is False
    ]
    outside += [check.label for check in horizon if check.inside is False]
    judged = sum(1 for track in daily for d in track.days if d.inside is not None)
    judged += sum(1 for check in horizon if check.inside is not None)
    return outside, judged


def tracking_report(
    *,
    predicted: Prediction,
    since: datetime,
    at: datetime | None = None,
    shifts: list[ShiftHours] | None = None,
    overtime: dict[str, float] | None = None,
) -> TrackingReport:
    """Compare the prediction with the live state over the days settled between `since`
    (tracking_from, a midnight in event time) and `at` (the watermark): utilisation per DC
    day by day; OTIF, cost per order and orders lost over those days; the verdict."""
    at = at or watermark()
    horizon_days = predicted.days
    days = tracked_days(
        since=since, days=horizon_days, shifts=shifts or [], overtime=overtime or {}
    )
    settled = settled_count(days, watermark=at)
    end = days[settled - 1].end if settled else since
    daily = _daily_tracks(predicted, days, settled)
    horizon = _horizon_checks(predicted, since, end, settled)
    outside, judged = _misses(daily, horizon)
    return TrackingReport(
        since=since,
        at=at or since,
        settled_days=settled,
        horizon_days=horizon_days,
        daily=daily,
        horizon=horizon,
        verdict=verdict_text(
            settled_days=settled,
            needed_days=days_to_judge(horizon_days),
            outside=outside,
            judged=judged,
        ),
        next_settle=days[settled] if settled < len(days) else None,
    )
