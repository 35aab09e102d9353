"""The decision page and the memo say each thing once, punctuated once."""

import re

from django.urls import reverse

from apps.decisions.services import decision_act, recommendation_create
from tests.scenarios.builders import weighed_comparison

NOW = "NE at 94% and SE at 62% labour utilisation over the last 24 hours: a 32-point gap."


def context_text(html: str) -> str:
    return re.search(r'data-field="context">([^<]*)<', html).group(1)


def test_the_context_does_not_repeat_the_suggestions_note(client, people, demo_network):
    decision = recommendation_create(
        comparison=weighed_comparison({"network.total_cost_usd": 1.0}), user=people["planner"]
    )
    # As kept by a recommendation of a suggested rebalance, in the note's older wording.
    decision.recommendation["context"] = NOW
    decision.recommendation["comparison_note"] = (
        "Suggested by the twin: NE at 94% and SE at 62% labour utilisation over the last 24 h."
    )
    decision.save()
    client.force_login(people["viewer"])
    for name in ("decisions:detail", "decisions:memo"):
        html = client.get(reverse(name, args=[decision.pk])).content.decode()
        assert context_text(html) == NOW


def test_a_note_saying_something_else_follows_the_context(client, people, demo_network):
    comparison = weighed_comparison({"network.total_cost_usd": 1.0})
    comparison.note = "Ahead of the December peak."
    comparison.save(update_fields=["note"])
    decision = recommendation_create(comparison=comparison, user=people["planner"])
    client.force_login(people["viewer"])
    html = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    assert context_text(html).endswith(". Ahead of the December peak.")


def test_the_memo_ends_the_approvers_comment_with_one_full_stop(client, people, demo_network):
    decision = recommendation_create(
        comparison=weighed_comparison({"network.total_cost_usd": 1.0}), user=people["planner"]
    )
    decision_act(decision.pk, actor=people["planner"], action="propose")
    decision_act(
        decision.pk, actor=people["approver"], action="approve", comment="Go, watch orders lost."
    )
    client.force_login(people["viewer"])
    html = client.get(reverse("decisions:memo", args=[decision.pk])).content.decode()
    assert "“Go, watch orders lost.”</p>" in html and ".”." not in html
