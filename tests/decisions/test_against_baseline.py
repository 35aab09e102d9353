"""Doing nothing is an alternative: the approver sees the baseline's rank and score under the
planner's weights, and is told plainly when the recommended change is no better than it or
worse on OTIF, cost per order or orders lost."""

import re

from django.urls import reverse

from apps.decisions.services import recommendation_create
from tests.scenarios.builders import figured_comparison, weighed_comparison

EVEN = {"NE": 0.78, "SE": 0.79}
UNEVEN = {"NE": 0.94, "SE": 0.62}


def pages(client, decision) -> list[str]:
    return [
        client.get(reverse(name, args=[decision.pk])).content.decode()
        for name in ("decisions:detail", "decisions:memo")
    ]


def said(html: str) -> list[str]:
    return re.findall(r'data-field="against-baseline"><strong>([^<]*)<', html)


def baseline_line(html: str) -> str:
    return re.search(r'data-field="baseline-alternative">([^<]*)<', html).group(1).strip()


def test_the_baseline_is_among_the_alternatives_with_its_rank_and_score(
    client, people, demo_network
):
    comparison = weighed_comparison({"network.total_cost_usd": 1.0})
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    standing = decision.recommended.baseline_standing
    assert (standing.rank, standing.indistinguishable) == (3, False)
    client.force_login(people["approver"])
    for html in pages(client, decision):
        assert baseline_line(html) == "#3 Baseline (do nothing) (score 0.000)"
        assert said(html) == []


def test_a_change_worse_than_doing_nothing_on_otif_and_cost_is_said_plainly(
    client, people, demo_network
):
    comparison = figured_comparison(
        {"network.utilisation_gap": 1.0},
        {"Baseline": (0.9, 110.0, UNEVEN), "Even out": (0.85, 120.0, EVEN)},
    )
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    client.force_login(people["approver"])
    for html in pages(client, decision):
        assert said(html) == [
            "Worse than the baseline on OTIF and cost per order "
            "(the difference&#x27;s 95% interval excludes zero)."
        ]
        assert 'id="against-baseline" class="callout"' in html


def test_a_change_no_better_than_doing_nothing_is_said_even_for_an_older_recommendation(
    client, people, demo_network
):
    comparison = figured_comparison(
        {"network.otif": 1.0},
        {"Baseline": (0.9, 110.0, UNEVEN), "Same again": (0.9, 110.0, UNEVEN)},
    )
    decision = recommendation_create(
        comparison=comparison, user=people["planner"], reason="the team asked for it"
    )
    assert decision.recommended.baseline_standing.indistinguishable is True
    # Made before the baseline's standing was kept: derived from the stored replications.
    decision.recommendation.pop("baseline_standing")
    decision.save()
    client.force_login(people["viewer"])
    for html in pages(client, decision):
        assert said(html)[0].startswith("Not distinguishable from the baseline (do nothing)")
        assert baseline_line(html) == (
            "#1 Baseline (do nothing) (score 0.500): not distinguishable from Same again"
        )
