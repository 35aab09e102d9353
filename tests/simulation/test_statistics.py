"""Confidence intervals, paired differences, ranking, indistinguishability and the Pareto set."""

import math
from dataclasses import replace

import pytest

from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import ChangeHeadcount, ShiftVolume
from apps.simulation.model import run_replication
from apps.simulation.statistics import (
    pareto_set,
    rank_scenarios,
    scenario_statistics,
    summarize,
)
from tests.simulation.builders import constructed_result, demo_network


def test_summary_of_known_values():
    summary = summarize([1.0, 2.0, 3.0, 4.0, 5.0])
    assert summary.mean == 3.0
    assert summary.std == pytest.approx(math.sqrt(2.5))
    # t(0.975, 4) = 2.776
    assert summary.half_width == pytest.approx(2.776 * math.sqrt(2.5) / math.sqrt(5))
    assert summary.n == 5


def test_a_single_value_has_an_unbounded_interval():
    summary = summarize([3.0])
    assert summary.ci95_low == -math.inf and summary.ci95_high == math.inf


def test_no_values_is_an_error():
    with pytest.raises(SimulationInputError):
        summarize([])


@pytest.fixture(scope="module")
def three_scenarios():
    snapshot, parameters = demo_network()
    scenarios = {
        "baseline": (),
        "rebalance": (ShiftVolume("NE", "SE", 0.3),),
        "hire": (ChangeHeadcount("NE", "pickers", 3, "Day"),),
    }
    return {
        name: [
            run_replication(
                snapshot, parameters, chosen, replication=r, seed=13, horizon_hours=3 * 24
            )
            for r in range(4)
        ]
        for name, chosen in scenarios.items()
    }


def test_paired_differences_against_the_baseline(three_scenarios):
    stats = scenario_statistics(
        "rebalance", three_scenarios["rebalance"], three_scenarios["baseline"]
    )
    diff = stats.differences["dc.NE.labour_utilisation"]
    assert diff.mean < 0 and diff.excludes_zero()
    assert stats.kpis["network.otif"].n == 4
    # The baseline against itself differs by exactly nothing.
    same = scenario_statistics("baseline", three_scenarios["baseline"], three_scenarios["baseline"])
    assert same.differences["network.total_cost_usd"].mean == 0.0


def test_common_random_numbers_make_paired_differences_tighter(three_scenarios):
    stats = scenario_statistics("hire", three_scenarios["hire"], three_scenarios["baseline"])
    kpi = "network.orders_created"
    # Demand draws come from their own streams: adding pickers does not change them at all.
    assert stats.differences[kpi].std == 0.0
    assert stats.kpis[kpi].std > 0.0


def test_ranking_follows_the_weights(three_scenarios):
    by_cost = rank_scenarios(three_scenarios, {"network.total_cost_usd": 1.0})
    costs = {
        name: sum(r.network.total_cost_usd for r in rs) / len(rs)
        for name, rs in three_scenarios.items()
    }
    assert by_cost.scenarios[0].name == min(costs, key=costs.get)
    assert [s.rank for s in by_cost.scenarios] == [1, 2, 3]
    assert 0.0 <= by_cost.scenarios[-1].score.mean <= by_cost.scenarios[0].score.mean <= 1.0


@pytest.fixture
def known_case():
    """Three scenarios whose KPIs are set by hand, the same in each of 4 replications: one
    cheapest, one with the best service, one that closes the gap between its DCs."""

    def runs(otif: float, cost_usd: float, ne: float, se: float):
        return [
            constructed_result(r, otif=otif, cost_usd=cost_usd, utilisation={"NE": ne, "SE": se})
            for r in range(4)
        ]

    return {
        "balanced": runs(0.90, 100.0, 0.78, 0.79),
        "cheap": runs(0.90, 90.0, 0.94, 0.62),
        "service": runs(0.95, 110.0, 0.94, 0.62),
    }


def test_the_utilisation_gap_is_the_busiest_less_the_idlest_dc(known_case):
    assert known_case["cheap"][0].kpis()["network.utilisation_gap"] == pytest.approx(0.32)
    assert known_case["balanced"][0].kpis()["network.utilisation_gap"] == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("weights", "order", "scores", "tied"),
    [
        # Cost alone: 90 scales to 1, 110 to 0, 100 half way.
        ({"network.total_cost_usd": 1}, ["cheap", "balanced", "service"], [1, 0.5, 0], []),
        # Balance alone: the other two share the worst gap, so tie on 0, by name.
        ({"network.utilisation_gap": 1}, ["balanced", "cheap", "service"], [1, 0, 0], []),
        # Cost and service equally: cheap and service each win one half; balanced is half
        # as good on cost and shares the worst OTIF.
        (
            {"network.total_cost_usd": 1, "network.otif": 1},
            ["cheap", "service", "balanced"],
            [0.5, 0.5, 0.25],
            ["service"],
        ),
        # All three, balance weighted double.
        (
            {"network.total_cost_usd": 1, "network.otif": 1, "network.utilisation_gap": 2},
            ["balanced", "cheap", "service"],
            [0.625, 0.25, 0.25],
            [],
        ),
    ],
)
def test_re_weighting_a_known_case_re_ranks_it_exactly(known_case, weights, order, scores, tied):
    ranking = rank_scenarios(known_case, weights)
    assert [s.name for s in ranking.scenarios] == order
    assert [s.score.mean for s in ranking.scenarios] == pytest.approx(scores)
    assert list(ranking.tied_with_top) == tied
    assert ranking.top_indistinguishable is bool(tied)


def test_identical_scenarios_are_flagged_indistinguishable(three_scenarios):
    twins = {"a": three_scenarios["baseline"], "b": three_scenarios["baseline"]}
    ranking = rank_scenarios(twins, {"network.otif": 1.0, "network.total_cost_usd": 1.0})
    assert ranking.top_indistinguishable is True


def test_ranking_rejects_unknown_kpis_and_no_weight(three_scenarios):
    with pytest.raises(SimulationInputError, match=r"weights\.network\.nope"):
        rank_scenarios(three_scenarios, {"network.nope": 1.0})
    with pytest.raises(SimulationInputError, match="positive weight"):
        rank_scenarios(three_scenarios, {"network.otif": 0.0})


def test_the_pareto_set_drops_scenarios_beaten_on_cost_and_service(three_scenarios):
    worse = [
        replace(
            r,
            network=replace(
                r.network,
                total_cost_usd=r.network.total_cost_usd + 1e6,
                otif=r.network.otif - 0.1,
            ),
        )
        for r in three_scenarios["baseline"]
    ]
    front = pareto_set({**three_scenarios, "worse": worse})
    assert "worse" not in front
    assert front
