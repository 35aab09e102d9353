"""The logistics sub-model's delivery promise: at each order's purchase time, its delivery
predicted (median, interval, promise at a chosen quantile) from what had been delivered before.

Plain Python and numpy, no Django: records in, predictions out, so the report page, the bench
and the tests run the same code.

How (and why this way, measured on the Olist sample in tests/bench/bench_promises.py):
- Refit once per event-time day (local midnight). The day's orders are predicted from what
  was known **when the day began**: orders delivered before it, and orders bought before it
  still under way (known only to take longer than their age). Nothing later reaches a
  prediction, and the model moves with the history instead of being fitted once on it.
- What is predicted is the whole purchase → delivery time, as a distribution: a weighted
  Kaplan–Meier estimate (orders still under way are censored at their age, so a slow-down
  shows while its orders are still travelling). On a lane (origin → region) it is the lane's
  own estimate mixed with its origin's and the network's when the lane is thin: the lane's
  share is n / (n + k), with n its effective (recency-weighted) order count.
- Recency: each order weighs 2^(-age / half-life), age counted from its purchase. Olist's
  deliveries changed fast in 2018 (slower in Feb–Mar, faster from April, a truckers' strike
  in late May), which recency weighting follows. (Weighting past deliveries by their
  delivery date instead was tried: it lags a change by the deliveries' own length.)
- Weekday of purchase: an order bought on a Friday or at the weekend waits for the next
  working day; a per-weekday shift (the weighted median of each weekday's residual against
  its lane median, centred) moves the whole distribution. Refitted weekly: it moves slowly,
  and refitting it daily was most of the run time.
- The promise quantile is chosen from the past only: at each refit, the lowest level of the
  grid that would have kept the late share of the last month's orders at the target,
  judging at each level only the orders whose promise had fallen due (their outcome is then
  certain). Judging older orders instead (bought 14–59 days before) followed the world late:
  a high level for a fast April after a slow March, a low one just before the May strike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from apps.calibration.promise_records import (
    DAY_S,
    DENSITY_DAYS,
    LEVELS,
    PROMISE_LEVELS,
    OrderPrediction,
    OrderRecord,
    PromiseSettings,
)


@dataclass
class _History:
    """Every order that can say how long a delivery takes, as arrays (one row per order):
    a fit at a cut-off reads each as delivered (an event) or still under way (censored)."""

    purchased_s: np.ndarray
    delivered_s: np.ndarray  # inf: not delivered in the records
    cancelled_s: np.ndarray  # inf: not cancelled
    origin: np.ndarray
    lane: np.ndarray
    weekday: np.ndarray
    lanes: dict[tuple[str, str], int] = field(default_factory=dict)
    origins: dict[str, int] = field(default_factory=dict)


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _build_history(records: Sequence[OrderRecord], tz: ZoneInfo) -> _History:
    lanes: dict[tuple[str, str], int] = {}
    origins: dict[str, int] = {}
    for r in records:
        lanes.setdefault((r.origin, r.region), len(lanes))
        origins.setdefault(r.origin, len(origins))
    # A delivery before its purchase is a data error (the import rejects it): such an order
    # says nothing about how long deliveries take.
    usable = [r for r in records if r.delivered_at is None or r.delivered_at >= r.purchased_at]
    return _History(
        purchased_s=np.array([_ts(r.purchased_at) for r in usable]),
        delivered_s=np.array([_ts(r.delivered_at) if r.delivered_at else np.inf for r in usable]),
        cancelled_s=np.array([_ts(r.cancelled_at) if r.cancelled_at else np.inf for r in usable]),
        origin=np.array([origins[r.origin] for r in usable], dtype=int),
        lane=np.array([lanes[(r.origin, r.region)] for r in usable], dtype=int),
        weekday=np.array([r.purchased_at.astimezone(tz).weekday() for r in usable], dtype=int),
        lanes=lanes,
        origins=origins,
    )


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, levels: Sequence[float]
) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical distribution,
    interpolated between mid-points of each value's weight). Zero weights are left out."""
    keep = weights > 0
    v, w = values[keep], weights[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    mid = (cum - 0.5 * w) / cum[-1]
    return np.interp(levels, mid, v)


# Durations are read on a grid of 0.05 day (72 min) up to 150 days.
GRID_DAYS = np.arange(0.0, 150.0, 0.05)


def _km_cdf(days: np.ndarray, delivered: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted Kaplan–Meier: the share delivered within each GRID_DAYS duration, from rows
    sorted by duration, each delivered (an event) or still under way (censored there)."""
    if not len(days):
        return np.zeros(len(GRID_DAYS))
    at_risk = np.cumsum(weight[::-1])[::-1]
    hazard = np.where(delivered, weight / at_risk, 0.0)
    survival = np.cumprod(1.0 - hazard)
    index = np.searchsorted(days, GRID_DAYS, side="right") - 1
    return np.where(index >= 0, 1.0 - survival[np.maximum(index, 0)], 0.0)


@dataclass
class _Fit:
    """One day's model: the orders known at its cut-off (sorted by duration so far), their
    weights, and the weekday shifts."""

    days: np.ndarray  # purchase → delivery, or → cut-off for those still under way
    delivered: np.ndarray
    weight: np.ndarray
    lane: np.ndarray
    origin: np.ndarray
    lane_n: np.ndarray  # effective count per lane
    origin_n: np.ndarray
    weekday: np.ndarray
    weekday_shift: np.ndarray  # days, per weekday of purchase
    settings: PromiseSettings
    trained_on: int
    cdf_all: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cdf_origin: dict[int, np.ndarray] = field(default_factory=dict)
    cache: dict[int, np.ndarray] = field(default_factory=dict)

    def lane_share(self, lane: int) -> float:
        n = self.lane_n[lane] if lane < len(self.lane_n) else 0.0
        return float(n / (n + self.settings.lane_prior_n))

    def _cdf(self, on: np.ndarray) -> np.ndarray:
        return _km_cdf(self.days[on], self.delivered[on], self.weight[on])

    def quantiles(self, lane: int, origin: int) -> np.ndarray:
        """The LEVELS quantiles of purchase → delivery days on a lane, before the weekday:
        the lane's distribution mixed with its origin's and the network's."""
        if lane not in self.cache:
            s = self.settings
            a_lane = self.lane_share(lane)
            n_o = self.origin_n[origin] if origin < len(self.origin_n) else 0.0
            a_origin = (1 - a_lane) * n_o / (n_o + s.origin_prior_n)
            cdf = (1 - a_lane - a_origin) * self.cdf_all
            if a_lane:
                cdf = cdf + a_lane * self._cdf(self.lane == lane)
            if a_origin:
                if origin not in self.cdf_origin:
                    self.cdf_origin[origin] = self._cdf(self.origin == origin)
                cdf = cdf + a_origin * self.cdf_origin[origin]
            index = np.minimum(np.searchsorted(cdf, LEVELS, side="left"), len(GRID_DAYS) - 1)
            self.cache[lane] = GRID_DAYS[index]
        return self.cache[lane]


def _fit(
    history: _History, before_s: float, s: PromiseSettings, weekday_shift: np.ndarray | None
) -> _Fit | None:
    """The model from what was known at `before_s`: orders bought before it (not cancelled
    by then), each delivered by then or censored at its age. Weighted by purchase recency:
    the freshest cohort, with its slow orders still under way counted as such (weighting by
    delivery recency instead lags a change by the length of the deliveries themselves). The
    weekday shifts are refitted when `weekday_shift` is None, else kept."""
    known = (history.purchased_s < before_s) & (history.cancelled_s >= before_s)
    delivered_any = (history.delivered_s < before_s) & known
    if not delivered_any.any():
        return None
    bought = history.purchased_s[known]
    delivered_s = history.delivered_s[known]
    delivered = delivered_s < before_s
    days = (np.minimum(delivered_s, before_s) - bought) / DAY_S
    order = np.argsort(days, kind="stable")
    weight = np.exp2(-((before_s - bought) / DAY_S) / s.half_life_days)[order]
    lane, origin = history.lane[known][order], history.origin[known][order]
    fit = _Fit(
        days=days[order],
        delivered=delivered[order],
        weight=weight,
        lane=lane,
        origin=origin,
        lane_n=np.bincount(lane, weights=weight, minlength=len(history.lanes)),
        origin_n=np.bincount(origin, weights=weight, minlength=len(history.origins)),
        weekday=history.weekday[known][order],
        weekday_shift=np.zeros(7) if weekday_shift is None else weekday_shift,
        settings=s,
        trained_on=int(delivered.sum()),
    )
    fit.cdf_all = _km_cdf(fit.days, fit.delivered, fit.weight)
    if weekday_shift is None:
        fit.weekday_shift = _weekday_shift(fit)
    return fit


def _weekday_shift(fit: _Fit) -> np.ndarray:
    """Per weekday of purchase, the weighted median of (days − its lane's median) over
    delivered orders, shrunk toward no shift when the weekday has few orders, then centred
    (only the difference between weekdays is kept: delivered-only residuals run short)."""
    lane_median = np.zeros(len(fit.lane_n))
    for lane, origin in _lane_origin(fit):
        lane_median[lane] = fit.quantiles(lane, origin)[1]
    residual = fit.days - lane_median[fit.lane]
    shift = np.zeros(7)
    count = np.zeros(7)
    for day in range(7):
        on = (fit.weekday == day) & fit.delivered
        count[day] = float(fit.weight[on].sum())
        if count[day] > 0:
            median = weighted_quantiles(residual[on], fit.weight[on], [0.5])[0]
            shift[day] = median * count[day] / (count[day] + fit.settings.weekday_prior_n)
    if count.sum() > 0:
        shift -= float((shift * count).sum() / count.sum())
    return shift


def _lane_origin(fit: _Fit) -> list[tuple[int, int]]:
    """The lanes with known deliveries, each with its origin."""
    on = fit.delivered
    pairs = dict(zip(fit.lane[on].tolist(), fit.origin[on].tolist(), strict=True))
    return sorted(pairs.items())


def _local_midnight(moment: datetime, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


class _Judged:
    """Predictions made so far, as arrays, to judge promise levels on at a later refit."""

    def __init__(self, size: int) -> None:
        self.n = 0
        self.purchased_s = np.zeros(size)
        self.delivered_s = np.full(size, np.inf)  # inf: never delivered
        self.cancelled_s = np.full(size, np.inf)  # inf: never cancelled
        self.promise_days = np.zeros((size, len(DENSITY_DAYS) + len(PROMISE_LEVELS)))

    def add(self, record: OrderRecord, promise_days: np.ndarray) -> None:
        i = self.n
        self.purchased_s[i] = _ts(record.purchased_at)
        if record.delivered_at is not None:
            self.delivered_s[i] = _ts(record.delivered_at)
        if record.cancelled_at is not None:
            self.cancelled_s[i] = _ts(record.cancelled_at)
        self.promise_days[i, : len(promise_days)] = promise_days
        self.n += 1


def _promise_indices(q_days: np.ndarray, s: PromiseSettings) -> np.ndarray:
    """Per candidate of the promise rule, the index into PROMISE_LEVELS it promises at.

    "level": candidate i is PROMISE_LEVELS[i], the same level for every order. "density":
    candidate c goes up the order's own levels from 0.80 while the next percentage point
    costs at most DENSITY_DAYS[c] days. Promising each order where its distribution thins
    to the same density is what keeps the mean promise shortest for a given expected late
    share (a Lagrange argument: a day added where few deliveries fall buys little); an order
    with a long thin tail is promised at a lower level, a tight one at a higher."""
    if s.promise_rule == "level":
        return np.arange(len(PROMISE_LEVELS))
    promise = q_days[len(LEVELS) - len(PROMISE_LEVELS) :]
    steps = np.diff(promise)
    indices = np.empty(len(DENSITY_DAYS), dtype=int)
    for c, most in enumerate(DENSITY_DAYS):
        dear = np.flatnonzero(steps > most)
        indices[c] = dear[0] if len(dear) else len(PROMISE_LEVELS) - 1
    return indices


def _default_candidate(s: PromiseSettings) -> int:
    if s.promise_rule == "level":
        return PROMISE_LEVELS.index(s.default_level)
    return DENSITY_DAYS.index(s.default_density_days)


def _choose_candidate(judged: _Judged, at: datetime, s: PromiseSettings) -> int:
    """The first (shortest) candidate of the promise rule that would have kept the late
    share of recent orders (bought in the last judge_window_days, not cancelled by `at`) at
    the target. At each candidate only the orders whose promise had fallen due by `at` are
    judged: each of them is on time or late for sure (a delivery still to come is after its
    passed promise), so neither fast nor slow orders are favoured by what is still under
    way."""
    at_s = _ts(at)
    candidates = len(PROMISE_LEVELS) if s.promise_rule == "level" else len(DENSITY_DAYS)
    bought = judged.purchased_s[: judged.n]
    recent = (bought >= at_s - s.judge_window_days * DAY_S) & (
        judged.cancelled_s[: judged.n] >= at_s
    )
    if not recent.any():
        return _default_candidate(s)
    delivered = judged.delivered_s[: judged.n][recent]
    promise_days = judged.promise_days[: judged.n, :candidates][recent]
    promise_s = bought[recent][:, None] + promise_days * DAY_S
    due = promise_s < at_s
    # A delivery after a promise that fell due before `at` is late whether or not it has
    # happened by `at`: no later knowledge decides it.
    late = due & (delivered[:, None] > promise_s)
    due_n, late_n = due.sum(axis=0), late.sum(axis=0)
    for c in range(candidates):
        if due_n[c] >= s.min_judged and late_n[c] / due_n[c] <= s.late_target:
            return c
    if due_n[-1] < s.min_judged:
        return _default_candidate(s)
    return candidates - 1


def predict_promises(
    records: Iterable[OrderRecord], settings: PromiseSettings | None = None
) -> list[OrderPrediction]:
    """Every order's prediction, each from deliveries known before its purchase day began.
    Orders bought before anything was delivered get none."""
    s = settings or PromiseSettings()
    tz = ZoneInfo(s.local_tz)
    ordered = sorted(records, key=lambda r: (r.purchased_at, r.order_id))
    history = _build_history(ordered, tz)
    out: list[OrderPrediction] = []
    judged = _Judged(len(ordered))
    by_day: dict[datetime, list[OrderRecord]] = defaultdict(list)
    for r in ordered:
        by_day[_local_midnight(r.purchased_at, tz)].append(r)
    shift, shift_fitted = None, None
    for day_start in sorted(by_day):
        # The weekday shifts are refitted weekly: from the first fit, then every 7 days.
        weekly = shift_fitted is not None and day_start - shift_fitted < timedelta(days=7)
        fit = _fit(history, _ts(day_start), s, shift if weekly else None)
        if fit is None:
            continue
        if not weekly:
            shift, shift_fitted = fit.weekday_shift, day_start
        candidate = _choose_candidate(judged, day_start, s)
        trained_on = fit.trained_on
        for r in by_day[day_start]:
            lane = history.lanes[(r.origin, r.region)]
            q = fit.quantiles(lane, history.origins[r.origin])
            q = np.maximum(q + fit.weekday_shift[r.purchased_at.astimezone(tz).weekday()], 0.0)
            indices = _promise_indices(q, s)
            promise_at = len(LEVELS) - len(PROMISE_LEVELS) + indices
            judged.add(r, q[promise_at])
            level_at = int(promise_at[candidate])
            at = r.purchased_at
            out.append(
                OrderPrediction(
                    order_id=r.order_id,
                    purchased_at=at,
                    fitted_before=day_start,
                    median_at=at + timedelta(days=float(q[1])),
                    low_at=at + timedelta(days=float(q[0])),
                    high_at=at + timedelta(days=float(q[2])),
                    promise_at=at + timedelta(days=float(q[level_at])),
                    promise_level=LEVELS[level_at],
                    lane_weight=round(fit.lane_share(lane), 3),
                    trained_on=trained_on,
                    quantile_days=tuple(round(float(x), 4) for x in q),
                )
            )
    return out
