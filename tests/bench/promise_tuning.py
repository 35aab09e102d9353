"""How the delivery-promise model's settings are chosen without the orders it is judged on.

The judged orders are the last 30% of the delivered ones (promise_scores.JUDGED_SHARE). The
choice sees only what was known when the first of them was bought: orders bought before that
instant, deliveries and cancellations before it. It is judged on the orders bought at least
30 days before that instant (the last 30% of those delivered); one still under way at the
instant counts as delivered then, a lower bound (late for any promise shorter than its age).

The rule, fixed before looking at the results:
1. half-life and lane/origin shrinkage: the lowest median MAE on those orders;
2. then the promise rule, window and aim: the shortest mean promise whose late share on those
   orders is no higher than the company's on the same orders (ties: the first in the grid).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from apps.calibration.promise_records import OrderRecord, PromiseSettings
from apps.calibration.promise_scores import (
    JUDGED_SHARE,
    PromiseComparison,
    promise_comparison,
)
from apps.calibration.promises import predict_promises

HALF_LIVES = (14.0, 21.0, 30.0, 45.0)
SHRINKAGES = (10.0, 20.0, 40.0)
RULES = ("level", "density")
WINDOWS = (20.0, 30.0, 45.0, 60.0)
AIMS = (0.01, 0.02, 0.03, 0.04, 0.05)
SETTLED_DAYS = 30


@dataclass(frozen=True)
class Trial:
    settings: PromiseSettings
    comparison: PromiseComparison


@dataclass(frozen=True)
class Choice:
    judged_from: datetime  # the instant the choice knows up to
    validation_from: datetime
    validation_orders: int
    stage_one: list[Trial]
    stage_two: list[Trial]
    chosen: PromiseSettings


def _known_at(records: list[OrderRecord], cut: datetime) -> list[OrderRecord]:
    return [
        replace(
            r,
            delivered_at=r.delivered_at if r.delivered_at and r.delivered_at < cut else None,
            cancelled_at=r.cancelled_at if r.cancelled_at and r.cancelled_at < cut else None,
        )
        for r in records
        if r.purchased_at < cut
    ]


def settings_choose(records: list[OrderRecord]) -> Choice:
    delivered = sorted(
        (r for r in records if r.delivered_at and r.delivered_at >= r.purchased_at),
        key=lambda r: (r.purchased_at, r.order_id),
    )
    cut = delivered[len(delivered) - math.ceil(JUDGED_SHARE * len(delivered))].purchased_at
    known = _known_at(records, cut)
    settled = cut - timedelta(days=SETTLED_DAYS)
    validation = [
        replace(r, delivered_at=r.delivered_at or cut)
        for r in known
        if r.purchased_at < settled and r.cancelled_at is None
    ]

    def trial(settings: PromiseSettings) -> Trial:
        return Trial(settings, promise_comparison(validation, predict_promises(known, settings)))

    stage_one = [
        trial(PromiseSettings(half_life_days=h, lane_prior_n=k, origin_prior_n=k))
        for h, k in itertools.product(HALF_LIVES, SHRINKAGES)
    ]
    best = min(stage_one, key=lambda t: t.comparison.twin_median.mae_days).settings
    stage_two = [
        trial(replace(best, promise_rule=rule, judge_window_days=w, late_target=aim))
        for rule, w, aim in itertools.product(RULES, WINDOWS, AIMS)
    ]
    kept = [
        t
        for t in stage_two
        if t.comparison.twin_promise.late_share <= t.comparison.company.late_share
    ]
    chosen = min(kept, key=lambda t: t.comparison.twin_promise.mean_days).settings if kept else best
    return Choice(
        judged_from=cut,
        validation_from=stage_one[0].comparison.judged_from,
        validation_orders=stage_one[0].comparison.judged,
        stage_one=stage_one,
        stage_two=stage_two,
        chosen=chosen,
    )
