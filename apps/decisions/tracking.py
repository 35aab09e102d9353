"""Tracking an executed decision: what its recommendation predicted, day by day, against what
the live state shows, and whether reality stays inside the predicted interval."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.live.models import DcHour
from apps.live.network_selectors import costs_between, otif_between
from apps.live.selectors import watermark
from apps.simulation.results import ReplicationResult
from apps.simulation.statistics import t95

DAY = timedelta(days=1)
# The live hourly rows credit clocked time when a shift clocks out: a day's utilisation is
# complete 12 hours after the day ends (as calibration settles it).
SETTLE = timedelta(hours=12)
HORIZON_KPIS = {
    "network.otif": ("OTIF", "percent"),
    "network.cost_per_order_usd": ("Cost per order", "usd"),
}


def interval(values: list[float], *, floor: float = 0.0, ceiling: float = math.inf) -> dict:
    """Mean and 95% prediction interval of one more replication: where a single reality
    should fall if the model is right (wider than the mean's confidence interval), kept
    within what the figure can be (a share lies in 0–1)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return {"mean": mean, "low": mean, "high": mean}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t95(n - 1) * sd * math.sqrt(1 + 1 / n)
    return {"mean": mean, "low": max(floor, mean - half), "high": min(ceiling, mean + half)}


def _daily_utilisation(result: ReplicationResult, days: int) -> dict[str, list[float | None]]:
    busy = defaultdict(float)
    clocked = defaultdict(float)
    plain = defaultdict(list)
    for point in result.hourly:
        day = int((point.hour - result.warmup_hours) // 24)
        if 0 <= day < days:
            busy[(point.dc, day)] += point.labour_utilisation * point.clocked_hours
            clocked[(point.dc, day)] += point.clocked_hours
            plain[(point.dc, day)].append(point.labour_utilisation)
    by_dc: dict[str, list[float | None]] = {}
    for dc in sorted({d.dc for d in result.dcs}):
        series = []
        for day in range(days):
            if clocked[(dc, day)]:
                series.append(busy[(dc, day)] / clocked[(dc, day)])
            else:  # results stored before clocked hours were recorded
                hours = [u for u in plain[(dc, day)] if u > 0]
                series.append(sum(hours) / len(hours) if hours else None)
        by_dc[dc] = series
    return by_dc


def predicted_series(results: list[ReplicationResult], warmup_hours: float) -> dict:
    """Per DC, each day's utilisation interval across the replications; for the network,
    the horizon's OTIF and cost per order intervals."""
    days = int((results[0].horizon_hours - warmup_hours) // 24)
    per_replication = [_daily_utilisation(r, days) for r in results]
    daily = {}
    for dc in per_replication[0]:
        rows = []
        for day in range(days):
            values = [rep[dc][day] for rep in per_replication if rep[dc][day] is not None]
            rows.append(interval(values, ceiling=1.0) if values else None)
        daily[f"dc.{dc}.labour_utilisation"] = rows
    horizon = {
        "network.otif": interval([r.network.otif for r in results], ceiling=1.0),
        "network.cost_per_order_usd": interval([r.network.cost_per_order_usd for r in results]),
    }
    return {"days": days, "daily": daily, "horizon": horizon}


@dataclass(frozen=True)
class DayCheck:
    day: int  # 1 = the first day after execution
    start: datetime
    predicted: dict | None  # mean, low, high
    actual: float | None

    @property
    def inside(self) -> bool | None:
        if self.predicted is None or self.actual is None:
            return None
        return self.predicted["low"] <= self.actual <= self.predicted["high"]


@dataclass(frozen=True)
class KpiTrack:
    kpi: str
    label: str
    days: list[DayCheck]
    verdict: str


@dataclass(frozen=True)
class HorizonCheck:
    kpi: str
    label: str
    unit: str
    predicted: dict
    actual: float | None
    verdict: str

    @property
    def inside(self) -> bool | None:
        if self.actual is None:
            return None
        return self.predicted["low"] <= self.actual <= self.predicted["high"]


@dataclass(frozen=True)
class TrackingReport:
    since: datetime
    at: datetime
    settled_days: int
    horizon_days: int
    daily: list[KpiTrack]
    horizon: list[HorizonCheck]
    verdict: str

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


def _utilisation_verdict(label: str, days: list[DayCheck]) -> str:
    judged = [d for d in days if d.inside is not None]
    if not judged:
        return f"{label}: no settled day to compare yet"
    outside = [d for d in judged if not d.inside]
    text = f"{label}: {len(judged) - len(outside)} of {len(judged)} days inside the prediction"
    for d in outside[:3]:
        side = "above" if d.actual > d.predicted["high"] else "below"
        low, high = d.predicted["low"], d.predicted["high"]
        text += (
            f"; day {d.day} {side} ({_percent(d.actual)} against {100 * low:.0f}–{100 * high:.0f}%)"
        )
    return text


def _value_text(value: float, unit: str) -> str:
    return _percent(value) if unit == "percent" else f"${value:,.2f}"


def tracking_report(
    *, predicted: dict, since: datetime, at: datetime | None = None
) -> TrackingReport:
    """Compare the prediction with the live state from `since` (execution, in event time)
    to `at` (the watermark): utilisation per DC day by day, OTIF and cost so far."""
    at = at or watermark() or since
    horizon_days = predicted["days"]
    settled = max(0, min(horizon_days, int((at - SETTLE - since) / DAY)))
    daily = []
    for kpi, intervals in predicted["daily"].items():
        dc = kpi.split(".")[1]
        rows = (
            DcHour.objects.filter(dc=dc, hour__gte=since, hour__lt=since + settled * DAY)
            .values_list("hour", "busy_s", "clocked_s")
            .order_by("hour")
        )
        busy, clocked = defaultdict(float), defaultdict(float)
        for hour, busy_s, clocked_s in rows:
            day = int((hour - since) / DAY)
            busy[day] += busy_s
            clocked[day] += clocked_s
        days = [
            DayCheck(
                day=day + 1,
                start=since + day * DAY,
                predicted=intervals[day],
                actual=busy[day] / clocked[day] if clocked[day] else None,
            )
            for day in range(settled)
        ]
        label = f"{dc} utilisation"
        daily.append(KpiTrack(kpi, label, days, _utilisation_verdict(label, days)))
    horizon = []
    otif, _delivered = otif_between(after=since, until=at)
    costs, shipped = costs_between(first_day=since.date(), until=at)
    actuals = {
        "network.otif": otif,
        "network.cost_per_order_usd": sum(costs.values()) / shipped if shipped and costs else None,
    }
    for kpi, (label, unit) in HORIZON_KPIS.items():
        band = predicted["horizon"][kpi]
        actual = actuals[kpi]
        band_text = f"{_value_text(band['low'], unit)}–{_value_text(band['high'], unit)}"
        if actual is None:
            verdict = f"{label}: nothing measured since execution yet (predicted {band_text})"
        else:
            where = (
                "inside"
                if band["low"] <= actual <= band["high"]
                else ("above" if actual > band["high"] else "below")
            )
            verdict = (
                f"{label} so far {_value_text(actual, unit)}: {where} the predicted {band_text}"
            )
        horizon.append(HorizonCheck(kpi, label, unit, band, actual, verdict))
    judged = [d for track in daily for d in track.days if d.inside is not None]
    judged += [h for h in horizon if h.inside is not None]
    if not judged:
        verdict = "Too early to tell: no settled figure since execution yet."
    else:
        inside = sum(1 for item in judged if item.inside)
        verdict = (
            f"Reality is inside the predicted interval on {inside} of {len(judged)} figures "
            f"so far ({settled} settled day{'s' if settled != 1 else ''} of {horizon_days})."
        )
    return TrackingReport(since, at, settled, horizon_days, daily, horizon, verdict)
