"""Racing Suggest's candidates: the paired test that screens a candidate out, the looks taken
as replications land, what a screened candidate still runs (nothing) and misses (nothing),
and how the finished comparison shows it: not ranked, with its own figures and why."""

import pytest
from django.urls import reverse

from apps.accounts.roles import VIEWER
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.progress import comparison_progress
from apps.scenarios.run_selectors import (
    comparison_results,
    finished_results_forget,
    replications_missing,
)
from apps.scenarios.screening import (
    N0,
    scores_on_a_fixed_scale,
    screen,
    screening_level,
    t_upper_tail,
)
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import (
    baseline_add,
    comparison_create,
    comparison_finish,
    replication_execute,
    screening_look,
)
from apps.simulation.serialization import to_jsonable
from apps.simulation.statistics import Kpi, rank_scenarios, t95
from tests.scenarios.test_runs import spec
from tests.simulation.builders import constructed_result

REPLICATIONS = 10
# Cost per replication by scenario, ranked on cost alone: "Dear" is the dearest in every
# replication; "Close" is sometimes cheaper than "Cheap", sometimes dearer.
COSTS = {
    "Baseline": lambda r: 100.0 + r % 3,
    "Cheap": lambda r: 90.0 + r % 2,
    "Close": lambda r: 88.0 if r % 2 else 93.0,
    "Dear": lambda r: 130.0 + r % 3,
}


def test_the_t_tail_is_the_tables_at_every_degree_of_freedom():
    # The table's quantiles are rounded to three decimals: their tails to about 1e-4.
    for degrees in range(1, 31):
        assert t_upper_tail(t95(degrees), degrees) == pytest.approx(0.025, abs=1e-4)
        assert t_upper_tail(0.0, degrees) == pytest.approx(0.5)
        assert t_upper_tail(-t95(degrees), degrees) == pytest.approx(0.975, abs=1e-4)
    assert t_upper_tail(1.0, 8) == pytest.approx(0.17330, abs=1e-5)


def test_screening_drops_only_a_candidate_clearly_below_the_best():
    scores = {
        "Baseline": (0.0, 0.0, 0.0, 0.0),  # the worst, but every figure is read against it
        "Best": (1.0, 0.9, 1.0, 0.95),
        "Clearly worse": (0.2, 0.25, 0.2, 0.3),
        "Noisy": (1.0, 0.5, 0.95, 0.2),
    }
    out = screen(scores, protected="Baseline", level=0.001)
    assert list(out) == ["Clearly worse"]
    verdict = out["Clearly worse"]
    assert verdict.best == "Best" and verdict.after == 4
    assert verdict.mean == pytest.approx(-0.725) and verdict.high < 0 and verdict.p_value < 0.001
    # A stricter level keeps it: the test, not the gap alone, decides.
    assert screen(scores, protected="Baseline", level=verdict.p_value / 2) == {}


def test_two_candidates_scores_do_not_move_when_a_third_stops():
    def costs(*values):
        return [{"network.total_cost_usd": v} for v in values]

    racing = {"A": costs(90, 95, 92, 91), "B": costs(92, 93, 94, 95)}
    weights = {Kpi.TOTAL_COST_USD: 1.0}
    running = scores_on_a_fixed_scale(
        racing | {"C": costs(120, 80, 121, 119)}, weights, scale_replications=2
    )
    stopped = scores_on_a_fixed_scale(racing | {"C": costs(120, 80)}, weights, scale_replications=2)
    assert running["A"] == stopped["A"] and running["B"] == stopped["B"]
    # Scaled by the first two replications' range, 80 to 120: the cheapest scores highest.
    assert running["A"][0] == pytest.approx(0.75) and running["C"][1] == pytest.approx(1.0)

    # The ranking's own scale (each replication's best and worst) moves the pair when C stops.
    def ranked(kpis):
        results = {
            name: [
                constructed_result(r, otif=0.9, cost_usd=run["network.total_cost_usd"],
                                   utilisation={"NE": 0.9, "SE": 0.6})
                for r, run in enumerate(runs)
            ]
            for name, runs in kpis.items()
        }  # fmt: skip
        return rank_scenarios(results, weights).scores

    with_c = ranked(racing | {"C": costs(120, 80, 121, 119)})
    without_c = ranked(racing)
    gap_with = [a - b for a, b in zip(with_c["A"], with_c["B"], strict=True)]
    gap_without = [a - b for a, b in zip(without_c["A"], without_c["B"], strict=True)]
    assert gap_with[2] == pytest.approx(2 / 29) and gap_without[2] == pytest.approx(1.0)


def test_the_level_is_shared_over_every_candidate_and_every_look():
    assert screening_level(scenarios=17, replications=10) == pytest.approx(0.05 / (16 * 6))
    assert screening_level(scenarios=3, replications=N0 + 1) == pytest.approx(0.05 / 2)


def _racing(*, screening: bool = True, names=tuple(COSTS)) -> Comparison:
    comparison = Comparison.objects.create(
        name="Raced",
        replications=REPLICATIONS,
        weights={"network.total_cost_usd": 1.0},
        status=Comparison.Status.RUNNING,
        screening=screening,
    )
    baseline_add(comparison)
    for position, name in enumerate(names[1:], start=1):
        comparison.scenarios.create(position=position, name=name)
    return comparison


def _land(comparison: Comparison, replications: range, names=tuple(COSTS)) -> None:
    """Store the replications as a worker would, each followed by its screening look."""
    for r in replications:
        for name in names:
            scenario = comparison.scenarios.get(name=name)
            if scenario.screened_out is not None:
                continue  # replication_execute runs nothing of it
            result = constructed_result(
                r, otif=0.9, cost_usd=COSTS[name](r), utilisation={"NE": 0.9, "SE": 0.6}
            )
            ReplicationRun.objects.create(
                scenario=scenario, replication=r, result=to_jsonable(result), seconds=0
            )
            screening_look(comparison.pk)


def test_a_candidate_clearly_worse_after_the_first_replications_gets_no_more(db):
    comparison = _racing()
    _land(comparison, range(N0 - 1))
    assert not comparison.scenarios.exclude(screened_out=None).exists()  # no look before N0
    _land(comparison, range(N0 - 1, N0))
    dear = comparison.scenarios.get(name="Dear")
    assert dear.screened_out["after"] == N0 and dear.screened_out["best"] in ("Cheap", "Close")
    # The baseline, worse than the best too, and the noisy "Close" race on.
    assert list(comparison.scenarios.exclude(screened_out=None)) == [dear]
    comparison.refresh_from_db()
    assert comparison.screened_through == N0
    assert screening_look(comparison.pk) == []  # no second look at the same count
    # Its remaining replications are not handed out, not run, not missing.
    missing = replications_missing(comparison)
    assert dear.pk not in {pk for pk, _ in missing}
    # Handed out replication by replication: every scenario's 5th before anyone's 6th.
    assert [r for _, r in missing[:3]] == [N0] * 3 and missing[3][1] == N0 + 1
    assert replication_execute(dear.pk, N0) is False
    assert ReplicationRun.objects.filter(scenario=dear).count() == N0
    progress = comparison_progress(comparison)
    assert (progress.done, progress.total) == (4 * N0, 3 * REPLICATIONS + N0)


def test_a_planners_own_comparison_keeps_every_replication(db):
    comparison = _racing(screening=False)
    _land(comparison, range(N0 + 2))
    assert not comparison.scenarios.exclude(screened_out=None).exists()
    assert len(replications_missing(comparison)) == 4 * (REPLICATIONS - N0 - 2)
    assert comparison_create(spec=spec()).screening is False


def test_a_raced_comparison_finishes_ranking_the_survivors_and_showing_the_screened(
    db, client, role_user
):
    comparison = _racing()
    _land(comparison, range(REPLICATIONS))
    assert comparison_finish(comparison.pk).status == Comparison.Status.DONE
    comparison.refresh_from_db()
    assert comparison.error == ""
    ranking = comparison_document(comparison).ranking
    # Ranked on all ten replications, the screened one not among them.
    assert [row.name for row in ranking.scenarios if row.name != "Baseline"] != []
    assert "Dear" not in [row.name for row in ranking.scenarios]
    assert all(row.score.n == REPLICATIONS for row in ranking.scenarios)
    assert set(comparison_results(comparison, hourly=False)) == {"Baseline", "Cheap", "Close"}
    (dear,) = ranking.screened_out
    assert dear.name == "Dear" and dear.after == N0
    # Its own figures, over the replications it ran, paired with the baseline's.
    assert dear.kpis["network.total_cost_usd"].n == N0
    assert dear.kpis["network.total_cost_usd"].mean == pytest.approx(130.75)
    assert dear.vs_baseline["network.total_cost_usd"].mean == pytest.approx(30.0)
    assert dear.stated.startswith(f"Screened out after {N0} replications: worse than ")
    assert f"by {-dear.difference.mean:.3f} in score (95% interval" in dear.stated
    assert dear.stated.endswith("its figures are over the replications it had.")
    client.force_login(role_user(VIEWER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert 'data-screened-out="Dear"' in page and "screened out after 4 replications" in page
    exported = client.get(reverse("scenarios:export", args=[comparison.pk, "csv"]))
    assert exported.status_code == 200
    status = client.get(reverse("scenarios:status", args=[comparison.pk])).json()
    assert [row["name"] for row in status["ranking"]["screened_out"]] == ["Dear"]
    # A replication already running when it was screened out is kept, and said so.
    result = constructed_result(N0, otif=0.9, cost_usd=130.0, utilisation={"NE": 0.9, "SE": 0.6})
    ReplicationRun.objects.create(
        scenario=comparison.scenarios.get(name="Dear"),
        replication=N0,
        result=to_jsonable(result),
        seconds=0,
    )
    finished_results_forget()
    (dear,) = comparison_document(comparison).ranking.screened_out
    assert dear.kpis["network.total_cost_usd"].n == N0 + 1
    assert dear.stated.endswith(f"its figures are over the {N0 + 1} replications it ran.")


def test_a_raced_comparison_missing_a_survivors_replication_still_fails(db):
    comparison = _racing()
    _land(comparison, range(REPLICATIONS - 1))
    finished = comparison_finish(comparison.pk)
    assert finished.status == Comparison.Status.FAILED
    assert finished.error == f"3 of {4 * REPLICATIONS} replications did not finish"
