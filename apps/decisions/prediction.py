"""What a recommendation predicts, frozen when it is made so tracking can hold reality
against it: each DC's utilisation day by day, and the network's figures over the horizon."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import NormalDist

from apps.simulation import kpis
from apps.simulation.results import ReplicationResult
from apps.simulation.serialization import from_jsonable
from apps.simulation.statistics import t95

LOST_PER_DAY = "network.orders_lost_per_day"


@dataclass(frozen=True)
class Band:
    """A predicted figure: its mean and the interval one reality should fall in."""

    mean: float
    low: float
    high: float

    def holds(self, actual: float) -> bool:
        return self.low <= actual <= self.high


@dataclass(frozen=True)
class Prediction:
    """What a recommendation predicts, as tracking reads it: each DC's utilisation band day
    by day (None for a day no replication measured) and the network's bands over the
    horizon, by KPI key."""

    days: int
    daily: dict[str, tuple[Band | None, ...]]
    # Kept since later versions: a prediction made before has no weekday (tracking then
    # matches days by number) and may lack a horizon figure (tracking skips it).
    first_weekday: int | None = None
    horizon: dict[str, Band] = field(default_factory=dict)


def prediction_read(stored: dict) -> Prediction:
    """A prediction from its stored JSON; raises SimulationInputError naming the field."""
    return from_jsonable(Prediction, stored, "predicted")


def interval(values: list[float], *, floor: float = 0.0, ceiling: float = math.inf) -> Band:
    """Mean and 95% prediction interval of one more replication: where a single reality
    should fall if the model is right (wider than the mean's confidence interval), kept
    within what the figure can be (a share lies in 0–1)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return Band(mean, mean, mean)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t95(n - 1) * sd * math.sqrt(1 + 1 / n)
    return Band(mean, max(floor, mean - half), min(ceiling, mean + half))


def _first_day(
    horizon_hours: float, warmup_hours: float, start_hour_of_week: float | None
) -> tuple[float, int | None]:
    """The simulation hour the first predicted day starts at, and its weekday (Monday 0).
    Days run midnight to midnight, as tracked days do, from the first midnight after the
    warm-up; a run too short to hold a whole calendar day (or of unknown start) is cut into
    24-hour days from the warm-up's end, of no weekday."""
    if start_hour_of_week is not None:
        first = math.ceil((start_hour_of_week + warmup_hours) / 24) * 24 - start_hour_of_week
        if horizon_hours - first >= 24:
            return first, int((start_hour_of_week + first) // 24) % 7
    return warmup_hours, None


def _daily_utilisation(
    result: ReplicationResult, days: int, first_hour: float
) -> dict[str, list[float | None]]:
    busy = defaultdict(float)
    clocked = defaultdict(float)
    plain = defaultdict(list)
    for point in result.hourly:
        day = int((point.hour - first_hour) // 24)
        if 0 <= day < days:
            busy[(point.dc, day)] += point.labour_utilisation * point.clocked_hours
            clocked[(point.dc, day)] += point.clocked_hours
            plain[(point.dc, day)].append(point.labour_utilisation)
    by_dc: dict[str, list[float | None]] = {}
    for dc in sorted({d.dc for d in result.dcs}):
        series = []
        for day in range(days):
            if clocked[(dc, day)]:
                series.append(
                    kpis.labour_utilisation(busy=busy[(dc, day)], clocked=clocked[(dc, day)])
                )
            else:  # results stored before clocked hours were recorded
                hours = [u for u in plain[(dc, day)] if u > 0]
                series.append(sum(hours) / len(hours) if hours else None)
        by_dc[dc] = series
    return by_dc


def predicted_series(
    results: list[ReplicationResult],
    warmup_hours: float,
    *,
    start_hour_of_week: float | None = None,
) -> Prediction:
    """Per DC, each calendar day's utilisation interval across the replications, and the
    first day's weekday (the run starts at `start_hour_of_week`, its snapshot's); for the network,
    the horizon's OTIF and cost per order intervals, and orders lost per day (a replication
    counts its losses over the whole run, warm-up included, so the rate is over the whole
    run too: a little low, as the first days lose fewer orders while backorders build)."""
    horizon_hours = results[0].horizon_hours
    first_hour, first_weekday = _first_day(horizon_hours, warmup_hours, start_hour_of_week)
    days = int((horizon_hours - first_hour) // 24)
    per_replication = [_daily_utilisation(r, days, first_hour) for r in results]
    daily = {}
    for dc in per_replication[0]:
        rows = []
        for day in range(days):
            values = [rep[dc][day] for rep in per_replication if rep[dc][day] is not None]
            rows.append(interval(values, ceiling=1.0) if values else None)
        daily[f"dc.{dc}.labour_utilisation"] = tuple(rows)
    horizon = {
        "network.otif": interval([r.network.otif for r in results], ceiling=1.0),
        "network.cost_per_order_usd": interval([r.network.cost_per_order_usd for r in results]),
        LOST_PER_DAY: interval([r.network.orders_lost / (r.horizon_hours / 24) for r in results]),
    }
    return Prediction(days=days, first_weekday=first_weekday, daily=daily, horizon=horizon)


def predicted_day(predicted: Prediction, *, number: int, weekday: int) -> int | None:
    """Which predicted day tracked day `number` (falling on `weekday`, Monday 0) is held
    against: of the prediction's days on the same weekday (a Saturday's shifts and demand
    are not a Monday's), the nearest to the same day after the start; when the prediction
    has no such weekday (a short horizon: its warm-up and the wait for the next operating day
    leave few calendar days), the nearest of the same kind, working week or weekend, whose
    shifts and demand are alike. A prediction without weekdays (made before they were kept,
    or shorter than a calendar day) by day number; None when the prediction has no such day."""
    days, first_weekday = predicted.days, predicted.first_weekday
    if first_weekday is None:
        return number - 1 if number <= days else None

    def nearest(candidates: list[int]) -> int | None:
        return min(candidates, key=lambda i: (abs(i - (number - 1)), i), default=None)

    same = nearest([i for i in range(days) if (first_weekday + i) % 7 == weekday])
    if same is not None:
        return same
    return nearest([i for i in range(days) if ((first_weekday + i) % 7 < 5) == (weekday < 5)])


def _poisson_quantile(mean: float, share: float) -> int:
    """The smallest count c with P(N <= c) >= share for N ~ Poisson(mean); past a mean of
    100 (where exp(-mean) heads for underflow) its normal approximation."""
    if mean > 100:
        return max(0, round(mean + NormalDist().inv_cdf(share) * math.sqrt(mean)))
    term = cumulative = math.exp(-mean)
    count = 0
    while cumulative < share:
        count += 1
        term *= mean / count
        cumulative += term
    return count


def count_band(rate: Band, days: int) -> Band:
    """The interval for a count over `days` days, from the predicted interval of its daily
    rate: the rate's band scaled to the span, widened by the Poisson chance of a count around
    its expectation (a few days' count scatters more, relatively, than the horizon's)."""
    return Band(
        rate.mean * days,
        _poisson_quantile(rate.low * days, 0.025),
        _poisson_quantile(rate.high * days, 0.975),
    )
