"""The KPI vocabulary: each formula on constructed cases, and the engine reporting with it."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.simulation import kpis
from apps.simulation.interventions import plan_scenario
from apps.simulation.model import NetworkModel
from apps.simulation.report import replication_result
from tests.simulation.builders import demo_network


def test_utilisation_is_busy_over_clocked_and_unmeasured_when_nothing_was_clocked():
    assert kpis.labour_utilisation(busy=3.0, clocked=4.0) == pytest.approx(0.75)
    assert kpis.labour_utilisation(busy=0.0, clocked=4.0) == 0.0
    assert kpis.labour_utilisation(busy=0.0, clocked=0.0) is None


def test_an_order_is_otif_only_when_delivered_by_its_due_time_without_errors_and_not_lost():
    due = datetime(2026, 11, 2, 12, tzinfo=UTC)
    on_time = due - timedelta(minutes=1)
    assert kpis.is_on_time_in_full(due=due, delivered=on_time, pick_errors=0, lost=False)
    assert kpis.is_on_time_in_full(due=due, delivered=due, pick_errors=0, lost=False)
    late = due + timedelta(seconds=1)
    assert not kpis.is_on_time_in_full(due=due, delivered=late, pick_errors=0, lost=False)
    assert not kpis.is_on_time_in_full(due=due, delivered=on_time, pick_errors=1, lost=False)
    assert not kpis.is_on_time_in_full(due=due, delivered=None, pick_errors=0, lost=False)
    assert not kpis.is_on_time_in_full(due=due, delivered=on_time, pick_errors=0, lost=True)
    # Hours work as well as datetimes: the engine counts in hours.
    assert kpis.is_on_time_in_full(due=10.0, delivered=9.5, pick_errors=0, lost=False)


def test_otif_counts_the_orders_due_in_the_window_and_lost_ones_as_failures():
    count = kpis.OtifCount(start=24.0, end=48.0)
    for due in (20.0, 30.0, 31.0, 32.0, 33.0, 48.0):  # four due in [24, 48)
        count.order_created(due=due)
    count.order_delivered(due=20.0, delivered=19.0, pick_errors=0)  # due before the window
    count.order_delivered(due=30.0, delivered=29.0, pick_errors=0)  # on time, in full
    count.order_delivered(due=31.0, delivered=35.0, pick_errors=0)  # late
    count.order_delivered(due=32.0, delivered=31.0, pick_errors=2)  # a pick error
    # The order due at 33 was lost: never delivered, still a failure.
    count.order_delivered(due=48.0, delivered=47.0, pick_errors=0)  # due after the window
    assert count.due == 4 and count.on_time_in_full == 1
    assert count.otif == pytest.approx(0.25)
    assert kpis.otif(on_time_in_full=0, due=0) is None


def test_fill_rate_and_cost_per_order_and_its_components_add_up():
    assert kpis.fill_rate(lines_available=45, lines_ordered=50) == pytest.approx(0.9)
    costs = {"labour": 600.0, "freight": 300.0, "penalties": 100.0}
    assert kpis.cost_per_order(costs_usd=costs, orders=40) == pytest.approx(25.0)
    parts = kpis.cost_per_order_by_component(costs_usd=costs, orders=40)
    assert parts == {"labour": 15.0, "freight": 7.5, "penalties": 2.5}
    assert sum(parts.values()) == pytest.approx(25.0)
    assert kpis.cost_per_order(costs_usd=costs, orders=0) is None
    assert kpis.cost_per_order(costs_usd={}, orders=10) is None


def test_cycle_time_mean_and_p95_take_the_ranked_value():
    hours = [float(h) for h in range(1, 21)]  # 1..20
    assert kpis.mean(hours) == pytest.approx(10.5)
    assert kpis.p95(hours) == 20.0  # rank ⌊0.95·20⌋ = 19 of 0..19
    assert kpis.p95([3.0]) == 3.0
    assert kpis.mean([]) is None and kpis.p95([]) is None


def test_every_kpi_has_a_unit_and_a_formula():
    assert set(kpis.KPIS) == {
        "labour_utilisation",
        "otif",
        "fill_rate",
        "cost_per_order_usd",
        "orders_lost",
        "cycle_time_hours",
    }
    for definition in kpis.KPIS.values():
        assert definition.unit in {"share", "usd", "orders", "hours"}
        assert definition.formula
    assert "freight" in kpis.KPIS["cost_per_order_usd"].formula


@pytest.fixture(scope="module")
def demo_run():
    snapshot, parameters = demo_network()
    plan = plan_scenario(snapshot, parameters, ())
    model = NetworkModel(plan, replication=0, seed=11, horizon_hours=48, warmup_hours=4)
    return model, model.run()


def test_no_simulated_hour_exceeds_full_utilisation_when_work_runs_past_a_shift(demo_run):
    model, result = demo_run
    # Work did run past shift ends in this run: the case the accounting has to hold.
    assert sum(sum(dc.pick.spill_by_hour) + sum(dc.pack.spill_by_hour)
               for dc in model.dcs.values()) > 0  # fmt: skip
    assert max(p.labour_utilisation for p in result.hourly) <= 1.0 + 1e-9
    for dc in result.dcs:
        assert 0 < dc.labour_utilisation <= 1.0
        points = [p for p in result.hourly if p.dc == dc.dc]
        # The hours add up to the span's figure: same busy time over the same clocked time.
        busy = sum(p.labour_utilisation * p.clocked_hours for p in points)
        clocked = sum(p.clocked_hours for p in points)
        assert clocked == pytest.approx(dc.clocked_hours, rel=1e-3)
        assert busy / clocked == pytest.approx(dc.labour_utilisation, rel=1e-3)


def test_reporting_twice_reports_the_same_costs(demo_run):
    model, result = demo_run
    again = replication_result(model)  # what a second report of the same run would read
    assert again.network.cost_by_component_usd == result.network.cost_by_component_usd
    assert again.network.cost_per_order_usd == result.network.cost_per_order_usd
    assert result.network.cost_by_component_usd["labour"] > 0
