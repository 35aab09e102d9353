"""Sub-model rules on their own: learning curve, crews over shifts, costs, complaints, routing."""

import random
import subprocess
import sys

import pytest

from apps.simulation.customer import CustomerParams, complaint_probability, satisfaction_index
from apps.simulation.demand import next_arrival
from apps.simulation.finance import labour_cost
from apps.simulation.labour import (
    DcLabour,
    LabourParams,
    PickTimes,
    ShiftPlan,
    binomial_by_inversion,
    crew_timeline,
    learning_decay,
)
from tests.conftest import BASE_DIR


def test_the_learning_curve_starts_at_full_penalty_and_fades_to_five_percent():
    assert learning_decay(0, 60) == 1.0
    assert learning_decay(60, 60) == pytest.approx(0.05, abs=0.001)
    decays = [learning_decay(n, 60) for n in range(0, 200, 10)]
    assert decays == sorted(decays, reverse=True)


def test_first_picks_of_a_new_sku_are_slower_and_wronger_than_later_ones():
    labour = DcLabour("D", (), pick_lines_per_hour=60, pack_orders_per_hour=20, pick_error_rate=0.0)
    params = LabourParams(dcs=(labour,), new_sku_time_factor=2.0, new_sku_error_rate=0.2)
    picks = PickTimes(
        labour=labour, params=params, known=[False, True, False], rng=random.Random(1)
    )
    early = [picks.draw([(0, 1)]) for _ in range(60)]
    late = [picks.draw([(0, 1)]) for _ in range(2000)][-600:]
    assert sum(e for _, e in early) / 60 > 3 * sum(e for _, e in late) / 600
    assert sum(h for h, _ in early) / 60 > 1.2 * sum(h for h, _ in late) / 600
    picks.draw([(1, 1)])
    assert picks.new_skus_picked == 1  # SKU 1 is known, SKU 2 was never picked


def test_binomial_by_inversion_has_the_binomial_distribution():
    rng = random.Random(5)
    draws = [binomial_by_inversion(rng.random(), 6, 0.1) for _ in range(40_000)]
    assert sum(draws) / len(draws) == pytest.approx(0.6, rel=0.03)
    assert draws.count(0) / len(draws) == pytest.approx(0.9**6, rel=0.02)
    assert max(draws) <= 6
    assert binomial_by_inversion(0.999999, 3, 0.0) == 0


def test_crew_timeline_follows_shifts_weekdays_and_overtime():
    labour = DcLabour(
        "D",
        (
            ShiftPlan("Day", 6.0, 8.0, "1111100", pickers=5, packers=2),
            ShiftPlan("Evening", 14.0, 8.0, "1111100", pickers=3, packers=1),
        ),
        pick_lines_per_hour=60,
        pack_orders_per_hour=20,
        pick_error_rate=0.0,
        overtime_hours_per_day=2.0,
    )
    timeline, clocked, overtime = crew_timeline(
        labour, start_hour_of_week=0.0, horizon_h=7 * 24, equipment_cap=100
    )
    # Five weekdays of (8 h × 7) + (10 h × 4) labour-hours; nothing at the weekend.
    assert clocked == pytest.approx(5 * (8 * 7 + 10 * 4))
    assert overtime == pytest.approx(5 * 2 * 4)
    # Monday: day shift at 06:00, evening takes over at 14:00 and, with the overtime of
    # the day's last shift, leaves at 00:00 Tuesday.
    monday = [(c.at_h, c.pickers) for c in timeline if c.at_h <= 24]
    assert monday == [(6.0, 5), (14.0, 3), (24.0, 0)]
    assert all(c.pickers == 0 for c in timeline if c.at_h >= 5 * 24)


def test_pickers_are_capped_by_working_pick_stations():
    labour = DcLabour(
        "D",
        (ShiftPlan("Day", 0.0, 24.0, "1111111", pickers=10, packers=1),),
        pick_lines_per_hour=60,
        pack_orders_per_hour=20,
        pick_error_rate=0.0,
    )
    timeline, _, _ = crew_timeline(labour, start_hour_of_week=0.0, horizon_h=48, equipment_cap=4)
    assert max(c.pickers for c in timeline) == 4


def test_arrivals_respect_hourly_rates_including_zero():
    rates = (0.0,) * 12 + (50.0,) * 156
    rng = random.Random(3)
    t, arrivals = 0.0, []
    while t < 168:
        t = next_arrival(rng, rates, t, 0.0)
        arrivals.append(t)
    assert arrivals and min(arrivals) >= 12.0
    assert len(arrivals) == pytest.approx(50 * 156, rel=0.05)


def test_complaints_rise_with_lateness_and_errors_and_satisfaction_falls():
    params = CustomerParams()
    on_time = complaint_probability(params, late_hours=0, pick_errors=0)
    late = complaint_probability(params, late_hours=48, pick_errors=0)
    wrong = complaint_probability(params, late_hours=0, pick_errors=1)
    assert on_time < late and on_time < wrong
    assert complaint_probability(params, late_hours=1000, pick_errors=5) == 1.0
    good = satisfaction_index(params, late_share=0.0, error_share=0.0, complaint_share=0.0)
    bad = satisfaction_index(params, late_share=0.5, error_share=0.2, complaint_share=0.1)
    assert 1.0 <= bad < good <= 5.0


def test_overtime_hours_are_paid_at_the_premium():
    straight, extra = labour_cost(clocked_h=100, overtime_h=10, wage=20, premium=1.5)
    assert straight == 90 * 20 and extra == 10 * 20 * 1.5


def test_the_simulation_package_imports_no_django():
    code = (
        "import sys, apps.simulation.model, apps.simulation.statistics, "
        "apps.simulation.serialization; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR).returncode == 0
