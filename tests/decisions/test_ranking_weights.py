"""The approver sees what the planner saw: the weights a recommendation was ranked under,
its rank under them and under the default weights, on the decision page and in the memo."""

import re

import pytest
from django.urls import reverse

from apps.decisions.models import AuditEntry
from apps.decisions.services import recommendation_create
from apps.scenarios.specs import DEFAULT_WEIGHTS
from tests.scenarios.builders import weighed_comparison

COST_ONLY = {"network.total_cost_usd": 1.0}


def weighting_text(html: str) -> str:
    return re.search(r'data-field="weighting">([^<]*)<', html).group(1).replace("&#x27;", "'")


def test_a_rank_owed_to_re_weighting_stands_out_on_the_page_and_in_the_memo(
    client, people, demo_network
):
    comparison = weighed_comparison(COST_ONLY)
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    r = decision.recommendation
    assert (r["scenario"], r["rank"], r["rank_under_defaults"]) == ("Cheap", 1, 2)
    assert r["weights"] == COST_ONLY and r["default_weights"] == DEFAULT_WEIGHTS
    client.force_login(people["approver"])
    for url in (
        reverse("decisions:detail", args=[decision.pk]),
        reverse("decisions:memo", args=[decision.pk]),
    ):
        html = client.get(url).content.decode()
        expected = "Ranked #1 of 3 under the planner's weights, #2 under the default weights."
        assert weighting_text(html) == expected
        assert 'class="weighting callout"' in html and 'data-rank-differs="true"' in html
        # Each weight beside its default, the changed ones marked.
        rows = re.findall(r'<tr( class="changed")?><td>([^<]+)</td><td class="num">([\d.]+)', html)
        assert {label: (weight, bool(changed)) for changed, label, weight in rows} == {
            "OTIF": ("0", True),
            "Satisfaction (1–5)": ("0", True),
            "Total cost": ("1", True),
            "Cost per order": ("0", True),
            "Utilisation gap (busiest − idlest DC)": ("0", True),
        }
    # The audit trail keeps what was shown.
    figures = AuditEntry.objects.get(decision=decision).figures
    assert (figures["rank"], figures["rank_under_defaults"]) == (1, 2)
    assert figures["weights"] == COST_ONLY


def test_a_recommendation_under_the_default_weights_says_so_plainly(client, people, demo_network):
    comparison = weighed_comparison(dict(DEFAULT_WEIGHTS))
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    assert decision.recommended.scenario == "Balanced"
    client.force_login(people["approver"])
    html = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    assert weighting_text(html) == (
        "Ranked #1 of 3 under the default weights, which the planner kept."
    )
    assert 'data-rank-differs="false"' in html and 'class="changed"' not in html


def test_a_same_rank_under_both_weightings_is_said_without_alarm(client, people, demo_network):
    comparison = weighed_comparison({"network.utilisation_gap": 1.0})
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    client.force_login(people["approver"])
    html = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    assert weighting_text(html) == (
        "Ranked #1 of 3 under the planner's weights and the default weights alike."
    )
    assert 'data-rank-differs="false"' in html


@pytest.mark.parametrize("kept", ["rank_under_defaults", "scenario_count"])
def test_an_older_recommendation_is_re_ranked_from_the_stored_replications(
    client, people, demo_network, kept
):
    comparison = weighed_comparison(COST_ONLY)
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    # Made before these were kept: the page re-ranks the comparison under the defaults.
    for key in ("rank_under_defaults", "scenario_count", "default_weights"):
        decision.recommendation.pop(key)
    decision.save()
    client.force_login(people["viewer"])
    html = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    assert weighting_text(html) == (
        "Ranked #1 of 3 under the planner's weights, #2 under the default weights."
    )


def test_a_recommendation_on_thin_fits_carries_the_warning_to_the_approver(
    client, people, demo_network
):
    comparison = weighed_comparison(dict(DEFAULT_WEIGHTS))
    warning = "Labour model fitted on insufficient data (12 h; needs 7 days): treat with caution"
    comparison.evidence_warnings = [warning]
    comparison.save(update_fields=["evidence_warnings"])
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    # Frozen: a later refit does not take the warning off what was decided on.
    comparison.evidence_warnings = []
    comparison.save(update_fields=["evidence_warnings"])
    client.force_login(people["approver"])
    for url in (
        reverse("decisions:detail", args=[decision.pk]),
        reverse("decisions:memo", args=[decision.pk]),
    ):
        html = client.get(url).content.decode()
        assert "data-evidence-warning" in html and "Labour model fitted on insufficient" in html
