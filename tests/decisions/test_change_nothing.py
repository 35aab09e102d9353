"""Changing nothing is a decision like any other: when the baseline ranks first a planner
recommends it without a reason, it goes through the same four-eyes workflow and audit, and
executing it sends no intervention to the systems that carry decisions out."""

import pytest
from django.urls import reverse

from apps.accounts.roles import APPROVER, PLANNER
from apps.decisions.models import Decision
from apps.decisions.services import decision_act
from apps.sources.models import Event
from tests.scenarios.builders import figured_comparison

EVEN = {"NE": 0.8, "SE": 0.8}


@pytest.fixture
def people(role_user) -> dict:
    return {
        "planner": role_user(PLANNER, username="pia"),
        "approver": role_user(APPROVER, username="ada"),
    }


@pytest.mark.django_db
def test_changing_nothing_is_recommended_approved_audited_and_executed_without_interventions(
    client, people
):
    comparison = figured_comparison(
        {"network.total_cost_usd": 1.0},
        {"Baseline": (0.9, 100.0, EVEN), "Dearer": (0.9, 120.0, EVEN)},
    )
    comparison.scenarios.filter(name="Dearer").update(
        interventions=[{"kind": "Overtime", "dc": "NE", "hours_per_day": 2.0}]
    )
    client.force_login(people["planner"])
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "<strong>Change nothing.</strong>" in page
    assert '<option value="Baseline" selected>#1 Change nothing (the baseline)</option>' in page

    # What the page's form posts: the pre-selected baseline, no reason needed.
    response = client.post(
        reverse("decisions:recommend", args=[comparison.pk]),
        {"scenario": "Baseline", "network.total_cost_usd": "1.0"},
    )
    decision = Decision.objects.get()
    assert response.url == reverse("decisions:detail", args=[decision.pk])
    r = decision.recommendation
    assert decision.title.startswith("Change nothing") and decision.reason == ""
    assert (r["scenario"], r["rank"], r["interventions"]) == ("Baseline", 1, [])
    assert r["described"] == ["Change nothing: keep the operation as it is."]
    assert r["summary"] == "Change nothing. The baseline ranks first."

    decision_act(decision.pk, actor=people["planner"], action="propose")
    decision_act(decision.pk, actor=people["approver"], action="approve", comment="agreed")
    decision = decision_act(decision.pk, actor=people["planner"], action="execute")
    assert decision.status == Decision.Status.TRACKING
    steps = list(decision.audit.order_by("at", "pk").values_list("step", "actor_name"))
    assert steps == [
        ("create", "pia"),
        ("propose", "pia"),
        ("approve", "ada"),
        ("execute", "pia"),
        ("track", "twin"),
    ]
    executed = Event.objects.get(event_id=f"decision-{decision.pk}-executed")
    assert executed.payload["scenario"] == "Baseline"
    assert executed.payload["interventions"] == []
    approved = Event.objects.get(event_id=f"decision-{decision.pk}-approved")
    assert approved.payload["interventions"] == []
