"""Hand-built comparisons whose results are known, for ranking and recommendation tests."""

from django.utils import timezone

from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.services import baseline_add
from apps.simulation.serialization import to_jsonable
from tests.simulation.builders import constructed_result


def known_comparison() -> Comparison:
    """A finished comparison whose replications are set by hand: the baseline, a cheaper
    scenario, and one that closes the gap between NE and SE at a higher cost. Ranked on
    cost alone unless re-weighted."""
    comparison = Comparison.objects.create(
        name="Known case",
        replications=3,
        weights={"network.total_cost_usd": 1.0},
        status=Comparison.Status.DONE,
        finished_at=timezone.now(),
    )
    scenarios = {
        "Baseline": baseline_add(comparison),
        "Cheaper": comparison.scenarios.create(position=1, name="Cheaper"),
        "Rebalance": comparison.scenarios.create(position=2, name="Rebalance"),
    }
    figures = {
        "Baseline": (100.0, {"NE": 0.94, "SE": 0.62}),
        "Cheaper": (90.0, {"NE": 0.94, "SE": 0.62}),
        "Rebalance": (105.0, {"NE": 0.78, "SE": 0.79}),
    }
    for name, (cost, utilisation) in figures.items():
        for r in range(3):
            result = constructed_result(r, otif=0.9, cost_usd=cost, utilisation=utilisation)
            ReplicationRun.objects.create(
                scenario=scenarios[name], replication=r, result=to_jsonable(result), seconds=0
            )
    return comparison


def weighed_comparison(
    weights: dict[str, float], *, names: dict[str, str] | None = None
) -> Comparison:
    """Three scenarios whose order turns on the weights: on cost alone "Cheap" leads; under
    the defaults (which weigh the gap between the busiest and the idlest DC) "Balanced"
    does, and "Cheap", which widens the gap, comes second. `names` renames them."""
    names = names or {}
    comparison = Comparison.objects.create(
        name="Weighed", replications=3, weights=weights, status=Comparison.Status.DONE,
        finished_at=timezone.now(),
    )  # fmt: skip
    figures = {
        "Baseline": (110.0, {"NE": 0.94, "SE": 0.62}),
        "Cheap": (90.0, {"NE": 0.99, "SE": 0.50}),
        "Balanced": (100.0, {"NE": 0.78, "SE": 0.79}),
    }
    for position, (name, (cost, utilisation)) in enumerate(figures.items()):
        scenario = (
            baseline_add(comparison)
            if name == "Baseline"
            else comparison.scenarios.create(position=position, name=names.get(name, name))
        )
        for r in range(3):
            result = constructed_result(r, otif=0.9, cost_usd=cost, utilisation=utilisation)
            ReplicationRun.objects.create(
                scenario=scenario, replication=r, result=to_jsonable(result), seconds=0
            )
    return comparison


def figured_comparison(
    weights: dict[str, float], figures: dict[str, tuple[float, float, dict[str, float]]]
) -> Comparison:
    """A finished comparison of the baseline and the scenarios given, each as (OTIF, cost,
    utilisation by DC) alike in every replication."""
    comparison = Comparison.objects.create(
        name="Figured", replications=3, weights=weights, status=Comparison.Status.DONE,
        finished_at=timezone.now(),
    )  # fmt: skip
    for position, (name, (otif, cost, utilisation)) in enumerate(figures.items()):
        scenario = (
            baseline_add(comparison)
            if name == "Baseline"
            else comparison.scenarios.create(position=position, name=name)
        )
        for r in range(3):
            result = constructed_result(r, otif=otif, cost_usd=cost, utilisation=utilisation)
            ReplicationRun.objects.create(
                scenario=scenario, replication=r, result=to_jsonable(result), seconds=0
            )
    return comparison
