"""The delivery-promise model on constructed orders: what it predicts, that nothing delivered
after a prediction's day reaches it, how the promise's quantile follows the past, and how the
comparison with the company's promise is scored."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from apps.calibration.promise_records import OrderRecord, PromiseSettings
from apps.calibration.promise_scores import promise_comparison
from apps.calibration.promises import predict_promises

START = datetime(2018, 1, 1, 15, 0, tzinfo=UTC)  # 12:00 in São Paulo


def order(
    n: int, *, day: float, days: float | None, origin="SP", region="SP", promise_days=20.0
) -> OrderRecord:
    bought = START + timedelta(days=day)
    return OrderRecord(
        order_id=f"o{n}",
        purchased_at=bought,
        origin=origin,
        region=region,
        promised_at=bought + timedelta(days=promise_days),
        delivered_at=None if days is None else bought + timedelta(days=days),
    )


def steady_history(count: int = 120) -> list[OrderRecord]:
    """Two orders a day on one lane, taking 4–8 days (uniformly, from a fixed seed)."""
    draw = random.Random(20).uniform
    return [order(n, day=n / 2, days=draw(4, 8)) for n in range(count)]


def by_id(predictions):
    return {p.order_id: p for p in predictions}


def test_it_predicts_the_lanes_median_with_an_interval_and_a_later_promise():
    predicted = by_id(predict_promises(steady_history()))
    last = predicted["o119"]
    assert 5.5 <= last.median_days <= 6.6  # the lane takes 4–8 days, 6 in the middle
    assert last.low_at < last.median_at < last.high_at
    assert last.promise_at >= last.high_at and last.promise_level >= 0.8
    assert 7.5 <= last.promise_days <= 9.0
    assert last.lane_weight > 0.5  # a well-used lane mostly speaks for itself


def test_orders_bought_before_anything_was_delivered_get_no_prediction():
    predicted = by_id(predict_promises(steady_history()))
    assert "o0" not in predicted and "o5" not in predicted  # day 0–2.5: nothing delivered yet
    first = min(predicted.values(), key=lambda p: p.purchased_at)
    assert first.trained_on >= 1 and first.fitted_before <= first.purchased_at


@pytest.mark.parametrize("rule", ["level", "density"])
def test_no_future_delivery_reaches_an_earlier_prediction(rule):
    history = steady_history()
    settings = PromiseSettings(promise_rule=rule, min_judged=20)
    before = by_id(predict_promises(history, settings))
    # Order o60 (bought on day 30) was delivered within 8 days; make it take 40 instead.
    delivered = history[60].delivered_at
    moved = [replace(r, delivered_at=r.purchased_at + timedelta(days=40)) if r.order_id == "o60"
             else r for r in history]  # fmt: skip
    after = by_id(predict_promises(moved, settings))
    # Every order bought before that delivery is predicted exactly as before (until then
    # the order was under way in both histories)…
    earlier = [k for k in before if before[k].purchased_at < delivered]
    assert len(earlier) > 50
    assert all(before[k] == after[k] for k in earlier)
    # …and the change does reach later ones: the test would see a leak.
    changed = [k for k in before if before[k] != after[k]]
    assert changed and all(before[k].purchased_at >= delivered for k in changed)
    # The slow delivery widens the tail of some later prediction (its 0.99 quantile).
    assert any(after[k].quantile_days[-1] > before[k].quantile_days[-1] for k in changed)


def test_a_thin_lane_leans_on_its_origin_and_a_busy_one_on_itself():
    history = steady_history()
    # A second region with four recent slow orders only: 20 days each.
    history += [order(200 + n, day=30 + n, days=20.0, region="RJ") for n in range(4)]
    history.append(order(300, day=59.9, days=None, region="RJ"))
    history.append(order(301, day=59.9, days=None, region="SP"))
    predicted = by_id(predict_promises(history))
    thin, busy = predicted["o300"], predicted["o301"]
    assert thin.lane_weight < 0.25 < 0.5 < busy.lane_weight
    # Its median sits between the origin's (about 6 days) and its own two (20 days).
    assert busy.median_days < thin.median_days < 20


def test_recent_deliveries_weigh_more_than_old_ones():
    # The lane took 15 days for two months, then 5 days for the last three weeks.
    history = [order(n, day=n / 2, days=15.0) for n in range(120)]
    history += [order(200 + n, day=60 + n / 2, days=5.0) for n in range(56)]
    history.append(order(999, day=95, days=None))
    three_weeks = PromiseSettings(half_life_days=21.0)
    slow_then_fast = by_id(predict_promises(history, three_weeks))["o999"]
    assert slow_then_fast.median_days < 10  # an unweighted median would say 15


def test_the_promise_quantile_rises_after_recent_promises_ran_late():
    calm = steady_history(240)
    # From day 85 on, every order takes two and a half days longer than it used to: the
    # promises made from the older, faster history run late, and the level must rise.
    slower = [
        replace(r, delivered_at=r.delivered_at + timedelta(days=2.5)) if n >= 170 else r
        for n, r in enumerate(calm)
    ]
    # Two orders a day: judge on twenty, aiming at 10% late.
    settings = PromiseSettings(min_judged=20, late_target=0.10)
    calm_level = by_id(predict_promises(calm, settings))["o239"].promise_level
    slower_level = by_id(predict_promises(slower, settings))["o239"].promise_level
    assert calm_level < 0.95 < slower_level


def test_the_comparison_scores_medians_promises_and_the_companys_promise():
    records = steady_history()
    predictions = predict_promises(records, PromiseSettings(min_judged=20))
    result = promise_comparison(records, predictions)
    delivered = [r for r in records if r.delivered_at]
    assert result.delivered == len(delivered) and result.judged == 36  # the last 30% of 120
    assert result.judged_from == records[84].purchased_at
    assert 0 < result.twin_median.mae_days < 2
    # The company promised 20 days; judged from the start of that local day it is late for
    # none, and half a day shorter for the orders bought at noon, São Paulo time.
    assert result.company.late_share == 0
    assert result.company.mean_days == pytest.approx(19.75)
    assert result.company.point.bias_days == pytest.approx(result.company.point.mae_days)
    assert result.company_end_of_day.mean_days == pytest.approx(20)
    assert 0 <= result.twin_promise.late_share <= 0.25
    assert result.twin_promise.mean_days < result.company.mean_days - 2
    assert result.median_target_met and result.promise_target_met
    assert len(result.twin_median_errors) == len(result.company_errors) == 36


def test_nothing_delivered_leaves_nothing_to_judge():
    records = [order(n, day=n, days=None) for n in range(5)]
    result = promise_comparison(records, predict_promises(records))
    assert result.judged == 0 and result.twin_median is None
    assert result.median_target_met is None and result.promise_target_met is None


def test_the_density_rule_promises_a_long_tailed_lane_at_a_lower_level():
    # Two lanes from one origin: RJ like SP (4–8 days) but one order in ten takes 20–40.
    draw = random.Random(7).uniform
    history = steady_history(160)
    history += [order(500 + n, day=n / 2, region="RJ",
                      days=draw(20, 40) if n % 10 == 0 else draw(4, 8))
                for n in range(160)]  # fmt: skip
    history += [order(900, day=80.2, days=None), order(901, day=80.2, days=None, region="RJ")]
    # Too few orders judged to choose: each rule's default (level 0.90; 1 day per point).
    few = {"min_judged": 10_000}
    level = by_id(predict_promises(history, PromiseSettings(**few)))
    density = by_id(predict_promises(history, PromiseSettings(promise_rule="density", **few)))
    assert level["o900"].promise_level == level["o901"].promise_level == 0.90
    tight, long_tailed = density["o900"], density["o901"]
    # The tight lane goes up to its top level (each point costs well under a day); the
    # long-tailed one stops where its tail begins, short of its 20–40-day orders.
    assert tight.promise_level == 0.99 and tight.promise_days < 9
    assert long_tailed.promise_level < 0.92 and long_tailed.promise_days < 20
    assert long_tailed.promise_at >= long_tailed.median_at
