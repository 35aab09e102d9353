"""Honest uncertainty on constructed replication results: shares keep their intervals inside
[0, 1], a comparison says when its headline intervals are too wide and how many replications
would do, a scenario that changes nothing says so and never outranks the baseline, and a
difference is called better or worse only if it survives the digits shown."""

import math
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import PLANNER, VIEWER
from apps.decisions.models import Decision
from apps.scenarios.documents import Interval
from apps.scenarios.kpis import kpi_cell
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import baseline_add
from apps.scenarios.summaries import trade_off_summary
from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import ChangeCarrier, ChangeHeadcount
from apps.simulation.model import run_replication
from apps.simulation.serialization import intervention_to_jsonable, to_jsonable
from apps.simulation.statistics import (
    Precision,
    ScenarioStatistics,
    Summary,
    intervals_too_wide,
    replications_needed,
    same_as_baseline,
    scenario_statistics,
    summarize,
    summarize_share,
    t95,
)
from tests.simulation.builders import constructed_result, demo_network

UTILISATION = {"NE": 0.94, "SE": 0.62}


def comparison_of(
    figures: dict[str, list[tuple[float, float]]], *, interventions: dict | None = None
) -> Comparison:
    """A finished comparison whose scenarios' replications have the (OTIF, total cost) given,
    one pair per replication; the first scenario is the baseline."""
    replications = len(next(iter(figures.values())))
    comparison = Comparison.objects.create(
        name="Constructed", replications=replications, weights={"network.otif": 1.0},
        status=Comparison.Status.DONE, finished_at=timezone.now(),
    )  # fmt: skip
    for position, (name, runs) in enumerate(figures.items()):
        scenario = (
            baseline_add(comparison)
            if position == 0
            else comparison.scenarios.create(
                position=position, name=name, interventions=(interventions or {}).get(name, [])
            )
        )
        for r, (otif, cost) in enumerate(runs):
            result = constructed_result(r, otif=otif, cost_usd=cost, utilisation=UTILISATION)
            ReplicationRun.objects.create(
                scenario=scenario, replication=r, result=to_jsonable(result), seconds=0
            )
    return comparison


# --- Shares keep their intervals inside [0, 1] ---------------------------------------------


def test_two_replications_of_otif_get_an_interval_inside_0_and_1():
    # The case: 2 replications whose plain t-interval was 47.2% [−552%, 647%].
    values = [0.0005, 0.9435]
    plain = summarize(values)
    assert plain.ci95_low < -5 and plain.ci95_high > 6  # what the page used to show
    share = summarize_share(values)
    assert share.mean == pytest.approx(0.472)
    assert 0 <= share.ci95_low < share.mean < share.ci95_high <= 1
    # Still honestly wide: two replications this far apart pin nothing down.
    assert share.ci95_low < 0.01 and share.ci95_high > 0.99


@pytest.mark.parametrize(
    "values", [[0.0, 1.0], [1.0, 1.0, 0.98], [0.0, 0.0, 0.01], [0.3], [0.2, 0.9, 0.5, 0.7]]
)
def test_a_share_interval_holds_its_mean_and_never_leaves_0_to_1(values):
    share = summarize_share(values)
    assert 0 <= share.ci95_low <= share.mean <= share.ci95_high <= 1


def test_a_tight_share_keeps_about_the_plain_interval():
    values = [0.91, 0.92, 0.93, 0.915, 0.925, 0.92, 0.918, 0.922, 0.93, 0.91]
    plain, share = summarize(values), summarize_share(values)
    assert share.ci95_low == pytest.approx(plain.ci95_low, abs=0.001)
    assert share.ci95_high == pytest.approx(plain.ci95_high, abs=0.001)


@pytest.mark.django_db
def test_scores_keep_their_interval_inside_0_and_1_and_a_tie_names_the_higher_rank():
    spread = [(0.0005, 1000.0), (0.9435, 1200.0)]
    comparison = comparison_of(
        {"Baseline": spread, "A nothing": spread, "Hire": [(0.5, 900.0), (0.6, 950.0)]}
    )
    document = comparison_document(comparison)
    for row in document.ranking.scenarios:
        assert 0 <= row.score.low <= row.score.mean <= row.score.high <= 1
    # Baseline and "A nothing" are equally wide: the warning names the one ranked higher.
    assert document.precision.too_wide[0].startswith("OTIF of Baseline: 47.2% [")


def test_scenario_statistics_bound_shares_but_not_costs_or_differences():
    baseline = [
        constructed_result(r, otif=otif, cost_usd=cost, utilisation={"NE": ne, "SE": 0.5})
        for r, (otif, cost, ne) in enumerate([(0.0005, 100.0, 0.02), (0.9435, 300.0, 0.99)])
    ]
    scenario = [replace(baseline[1], replication=0), replace(baseline[0], replication=1)]
    stats = scenario_statistics("Swap", scenario, baseline)
    for kpi in ("network.otif", "dc.NE.labour_utilisation", "network.utilisation_gap"):
        assert stats.kpis[kpi].ci95_low >= 0 and stats.kpis[kpi].ci95_high <= 1, kpi
    assert stats.kpis["network.total_cost_usd"].ci95_low < 0  # a cost is no share
    # A difference of shares runs from −1 to 1 and keeps the paired t-interval.
    assert stats.differences["network.otif"].ci95_low < -1


# --- Too wide to act on: the warning and the replications it proposes ----------------------


def test_the_replications_proposed_are_the_fewest_that_meet_the_width():
    spread = Summary(0.85, math.sqrt(0.005), 0.0, 1.0, 2)  # OTIF 80% and 90%
    needed = replications_needed(spread, 0.05, limit=100)
    # t(9) = 2.262: 10 replications give ±5.06 pts, 11 (t = 2.228) give ±4.75.
    assert needed == 11
    assert t95(needed - 1) * spread.std / math.sqrt(needed) <= 0.05
    assert t95(needed - 2) * spread.std / math.sqrt(needed - 1) > 0.05
    assert replications_needed(spread, 0.001, limit=100) is None  # more than the limit


def test_an_interval_too_wide_now_never_proposes_the_replications_it_already_has():
    # A share's logit interval, one-sided near 100%, wider than its plain spread suggests.
    lopsided = Summary(0.98, 0.001, 0.80, 0.999, 5)
    stats = ScenarioStatistics("Hire", {"network.otif": lopsided}, {})
    [wide] = intervals_too_wide([stats], ["network.otif"], limit=100)
    assert wide.replications_needed == 6
    assert intervals_too_wide([stats], ["network.otif"], limit=5)[0].replications_needed is None


@pytest.mark.django_db
def test_a_comparison_with_too_wide_intervals_warns_and_proposes_replications(client, role_user):
    comparison = comparison_of(
        {
            "Baseline": [(0.80, 1000.0), (0.90, 1000.0)],
            "Hire": [(0.85, 1000.0), (0.86, 1000.0)],
        }
    )
    precision = comparison_document(comparison).precision
    assert precision.replications == 2
    assert precision.replications_needed == 11
    [sentence] = precision.too_wide
    assert sentence.startswith("OTIF of Baseline: 85.0% [")
    assert sentence.endswith("], wider than ±5.0 pts.")

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "data-precision-warning" in text
    assert "About 11 replications (this comparison ran 2)" in text
    assert "A headline 95% interval may be ±5 pts for a share, ±10% of the mean otherwise" in text


@pytest.mark.django_db
def test_intervals_within_the_stated_width_raise_no_warning(client, role_user):
    comparison = comparison_of(
        # OTIF 90.5% and 91%: ±3.2 pts from 2 replications.
        {"Baseline": [(0.905, 1000.0), (0.91, 1000.0)], "Hire": [(0.92, 990.0), (0.92, 992.0)]}
    )
    precision = comparison_document(comparison).precision
    assert precision.too_wide == ()
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "data-precision-warning" not in text


@pytest.mark.django_db
def test_a_spread_no_allowed_number_of_replications_can_narrow_says_so(client, role_user):
    # Cost per order $5 and $15: ±10% of $10 would take thousands of replications.
    comparison = comparison_of(
        {"Baseline": [(0.9, 500.0), (0.9, 1500.0)], "Hire": [(0.9, 1000.0), (0.9, 1000.0)]}
    )
    precision = comparison_document(comparison).precision
    assert precision.replications_needed is None
    assert precision.too_wide[0].startswith("Cost per order of Baseline: $10.00 [")
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "Even 100 replications would not bring them within it" in text


# --- A scenario that changes nothing ---------------------------------------------------------


def test_a_no_op_intervention_replicates_the_baseline_exactly_and_a_real_one_does_not():
    snapshot, parameters = demo_network()
    ground = min(
        (lane for lane in snapshot.lanes if (lane.origin, lane.destination) == ("NE", "NEN")),
        key=lambda lane: (lane.mode != "ground", lane.cost_usd_per_shipment),
    )

    def runs(interventions):
        return [
            run_replication(
                snapshot, parameters, interventions, replication=r, seed=5, horizon_hours=24
            )
            for r in range(2)
        ]

    baseline = runs(())
    # The carrier NE already uses to NEN: the intervention touches nothing.
    assert same_as_baseline(runs((ChangeCarrier(ground.code, ground.carrier),)), baseline)
    assert not same_as_baseline(runs((ChangeHeadcount("NE", "pickers", -3, "Day"),)), baseline)


@pytest.mark.django_db
def test_a_scenario_equal_to_the_baseline_says_so_and_ranks_below_it(client, role_user):
    same = [(0.9, 1000.0), (0.92, 1010.0)]
    no_op = [intervention_to_jsonable(ChangeCarrier("NE-NEN-CDF", "CDF"))]
    comparison = comparison_of(
        # Named to sort before "Baseline": equal scores must not rank them by name.
        {
            "Baseline": same,
            "A no-op": same,
            "Also nothing": same,
            "Worse": [(0.8, 1000.0), (0.82, 1010.0)],
        },
        interventions={"A no-op": no_op},
    )
    ranking = comparison_document(comparison).ranking
    rows = {row.name: row for row in ranking.scenarios}
    assert ranking.scenarios[0].name == "Baseline"
    assert rows["A no-op"].rank > 1 and rows["Also nothing"].rank > 1
    assert rows["A no-op"].changes_nothing.startswith("Its interventions touch nothing")
    assert rows["Also nothing"].changes_nothing.startswith("It has no interventions")
    assert rows["A no-op"].summary.startswith("Changes nothing.")
    assert rows["Worse"].changes_nothing == "" and "OTIF −" in rows["Worse"].summary
    assert {"A no-op", "Also nothing"} <= set(ranking.tied_with_baseline)

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert text.count("data-changes-nothing") == 2


# --- Significant only when it survives the digits shown --------------------------------------


@pytest.mark.parametrize(
    ("kpi", "mean", "verdict"),
    [
        ("network.otif", 0.0004, ""),  # +0.0 pts
        ("network.otif", 0.004, "better"),  # +0.4 pts
        ("network.cost_per_order_usd", 0.004, ""),  # +$0.00
        ("network.cost_per_order_usd", -0.02, "better"),  # −$0.02
        ("network.satisfaction_index", -0.004, ""),  # −0.00
        ("network.satisfaction_index", -0.04, "worse"),
    ],
)
def test_a_difference_is_better_or_worse_only_if_it_shows_at_its_digits(kpi, mean, verdict):
    difference = Interval(mean, mean * 0.9, mean * 1.1, 2)  # excludes zero
    assert kpi_cell(kpi, None, difference)["verdict"] == verdict


def test_a_summary_says_no_minus_zero_days_nor_plus_zero_as_a_finding():
    clear = Summary(0, 0, 0, 0, 10)
    stats = ScenarioStatistics(
        name="Nudge",
        kpis={},
        differences={
            "region.NEN.delivery_hours_mean": replace(clear, mean=-0.5, ci95_high=-0.4),
            "network.satisfaction_index": replace(clear, mean=0.003, ci95_low=0.002),
        },
    )
    assert trade_off_summary(stats, dcs=[], regions=["NEN"]) == (
        "No clear difference from the baseline on any figure over 10 replications."
    )


# --- The baseline first: "change nothing" ---------------------------------------------------


@pytest.mark.django_db
def test_when_the_baseline_ranks_first_the_page_says_change_nothing(client, role_user):
    comparison = comparison_of(
        {"Baseline": [(0.95, 1000.0), (0.96, 1000.0)], "Worse": [(0.85, 1000.0), (0.86, 1000.0)]}
    )
    document = comparison_document(comparison)
    assert document.ranking.baseline_first is True
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "<strong>Change nothing.</strong>" in text

    better = comparison_of(
        {"Baseline": [(0.85, 1000.0), (0.86, 1000.0)], "Better": [(0.95, 1000.0), (0.96, 1000.0)]}
    )
    assert comparison_document(better).ranking.baseline_first is False
    text = client.get(reverse("scenarios:detail", args=[better.pk])).content.decode()
    assert "Change nothing." not in text


@pytest.mark.django_db
def test_a_planner_can_recommend_changing_nothing_when_the_baseline_ranks_first(client, role_user):
    comparison = comparison_of(
        {"Baseline": [(0.95, 1000.0), (0.96, 1000.0)], "Worse": [(0.85, 1000.0), (0.86, 1000.0)]}
    )
    client.force_login(role_user(PLANNER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert '<option value="Baseline" selected>#1 Change nothing (the baseline)</option>' in page
    response = client.post(
        reverse("decisions:recommend", args=[comparison.pk]), {"scenario": "Baseline"}
    )
    decision = Decision.objects.get()
    assert response.url == reverse("decisions:detail", args=[decision.pk])
    r = decision.recommendation
    assert (r["scenario"], r["rank"], r["interventions"]) == ("Baseline", 1, [])
    assert decision.reason == ""
    assert decision.title == "Change nothing (Constructed)"
    assert r["summary"] == "Change nothing. The baseline ranks first."
    text = client.get(response.url).content.decode()
    assert "Change nothing: keep the operation as it is." in text
    assert "Not distinguishable from the baseline" not in text  # not said of itself


@pytest.mark.django_db
def test_changing_nothing_over_a_better_scenario_needs_a_reason(client, role_user):
    comparison = comparison_of(
        {"Baseline": [(0.85, 1000.0), (0.86, 1000.0)], "Better": [(0.95, 1000.0), (0.96, 1000.0)]}
    )
    client.force_login(role_user(PLANNER))
    url = reverse("decisions:recommend", args=[comparison.pk])
    refused = client.post(url, {"scenario": "Baseline"}, follow=True).content.decode()
    assert "Not recommended: say why you recommend changing nothing over" in refused
    assert not Decision.objects.exists()
    client.post(url, {"scenario": "Baseline", "reason": "the budget is frozen"})
    assert Decision.objects.get().recommended.rank == 2


@pytest.mark.django_db
def test_the_width_a_comparison_acts_on_is_a_setting(settings):
    # OTIF 90.5% and 91%: ±3.2 pts, within the default ±5 pts but not within ±2.
    comparison = comparison_of(
        {"Baseline": [(0.905, 1000.0), (0.91, 1000.0)], "Hire": [(0.92, 990.0), (0.92, 992.0)]}
    )
    assert comparison_document(comparison).precision.too_wide == ()
    settings.TWIN_PRECISION_SHARE_POINTS = 2
    precision = comparison_document(comparison).precision
    [sentence] = precision.too_wide
    assert sentence.startswith("OTIF of Baseline: 90.8% [") and sentence.endswith("±2.0 pts.")
    assert 2 < precision.replications_needed <= 100
    assert precision.stated == "±2 pts for a share, ±10% of the mean otherwise"


def test_a_stated_width_outside_0_and_1_is_refused():
    with pytest.raises(SimulationInputError, match=r"precision\.share_points"):
        Precision(share_points=0.0)
    with pytest.raises(SimulationInputError, match=r"precision\.of_mean"):
        Precision(of_mean=1.5)
