"""Fitter pieces on constructed inputs: the learning curve and the censored estimators."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from apps.calibration.fitters.labour import _learning
from apps.calibration.history import Window
from apps.calibration.stats import km_quantiles, lognormal_fit, ols
from apps.simulation.labour import DcLabour, LabourParams

T0 = datetime(2026, 11, 2, tzinfo=UTC)
NE = DcLabour(
    dc="NE", shifts=(), pick_lines_per_hour=24.0, pack_orders_per_hour=10.0, pick_error_rate=0.004
)


def learning_inputs(new_skus: int, slowdown: float):
    history = SimpleNamespace(window=Window(T0, T0 + timedelta(days=14)))
    normal = 3600 / 24.0
    first_pick, pick_log = {}, {}
    for n in range(20):  # SKUs NE picked from the start
        first_pick[("NE", f"OLD-{n}")] = T0 + timedelta(hours=1)
        pick_log[("NE", f"OLD-{n}")] = [normal] * 10
    for n in range(new_skus):  # SKUs first picked on day 9: slow at first
        first_pick[("NE", f"NEW-{n}")] = T0 + timedelta(days=9)
        pick_log[("NE", f"NEW-{n}")] = [normal * slowdown] * 3 + [normal] * 7
    return history, first_pick, pick_log


def test_skus_new_to_a_dc_reveal_the_learning_curve():
    history, first_pick, pick_log = learning_inputs(new_skus=6, slowdown=1.8)
    notes = []
    fitted = _learning(history, LabourParams(dcs=(NE,)), [NE], first_pick, pick_log, notes)
    assert fitted == {"new_sku_time_factor": pytest.approx(1.8)}
    assert notes == []


def test_too_few_new_skus_keep_the_prior_learning_curve_and_say_so():
    history, first_pick, pick_log = learning_inputs(new_skus=2, slowdown=1.8)
    notes = []
    assert _learning(history, LabourParams(dcs=(NE,)), [NE], first_pick, pick_log, notes) == {}
    assert notes == [
        "learning curve kept: 2 SKUs new to a DC in the window (needs 5 with 10 picks each)"
    ]


def test_censored_durations_do_not_pull_the_median_down():
    # Ten observed durations 1..10 and ten still running at 6: dropping the running ones
    # would give a median of 5.5; Kaplan–Meier knows they last at least 6.
    durations = [(float(t), True) for t in range(1, 11)] + [(6.0, False)] * 10
    (median,) = km_quantiles(durations, (0.5,))
    assert median == 8.0
    assert km_quantiles([(1.0, False)] * 5, (0.5,)) == [None]
    fit = lognormal_fit([(float(t), True) for t in (1, 2, 4, 8, 16)])
    assert fit.median == 4.0 and fit.observed == 5 and fit.censored == 0


def test_least_squares_recovers_a_line_and_refuses_a_singular_design():
    fit = ols([(1.0, x) for x in range(10)], [3.0 + 2.0 * x for x in range(10)])
    assert fit.coefficients == pytest.approx((3.0, 2.0))
    assert fit.r_squared == pytest.approx(1.0)
    assert ols([(1.0, 1.0), (1.0, 1.0), (1.0, 1.0)], [1.0, 2.0, 3.0]) is None
