"""The workflow: a recommendation from a finished comparison, every step checked on the
server for every role, four eyes, comments, concurrent decisions, the approval event."""

import threading

import pytest
from django.db import connections
from django.urls import reverse

from apps.calibration.history import Window
from apps.calibration.selectors import current_parameters
from apps.calibration.services import calibrate
from apps.decisions.models import AuditEntry, Decision
from apps.decisions.services import (
    DecisionInputError,
    DecisionPermissionError,
    DecisionStateError,
    decision_act,
    recommendation_create,
)
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.simulation.serialization import intervention_from_jsonable, intervention_to_jsonable
from apps.sources.models import Event
from apps.sources.services import twin_event_record
from tests.calibration.history import day, emulated_history
from tests.scenarios.builders import known_comparison
from tests.scenarios.test_runs import spec

pytestmark = pytest.mark.slow
S = Decision.Status


def test_a_recommendation_keeps_the_figures_it_rests_on(finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    r = decision.recommendation
    assert decision.status == S.DRAFT and r["rank"] == 1 and r["scenario"] != "Baseline"
    assert r["described"] and r["summary"] and r["versions"] == finished_comparison.versions
    assert {"low", "mean", "high"} <= set(r["kpis"]["network.otif"])
    assert "network.otif" in r["vs_baseline"] and len(r["runners_up"]) == 1
    assert r["predicted"]["days"] == 1  # 2 days, the first one warm-up
    assert set(r["predicted"]["daily"]) == {
        f"dc.{dc}.labour_utilisation" for dc in ("MW", "NE", "SE", "W")
    }
    assert r["context"].endswith("gap.") or r["context"].startswith("No DC")
    [entry] = decision.audit.all()
    assert (entry.actor_name, entry.from_status, entry.to_status) == ("pia", "", "draft")
    assert entry.figures["scenario"] == r["scenario"] and "OTIF" in entry.figures["text"]


def test_another_scenario_than_the_top_one_needs_a_reason(finished_comparison, people):
    second = next(
        row.name
        for row in recommendation_create(
            comparison=finished_comparison, user=people["planner"]
        ).recommended.runners_up
    )
    with pytest.raises(DecisionInputError, match="say why you recommend"):
        recommendation_create(
            comparison=finished_comparison, user=people["planner"], scenario_name=second
        )
    # Changing nothing can be recommended too, but not over a top-ranked change without a why.
    with pytest.raises(DecisionInputError, match="say why you recommend changing nothing"):
        recommendation_create(
            comparison=finished_comparison, user=people["planner"], scenario_name="Baseline"
        )
    decision = recommendation_create(
        comparison=finished_comparison,
        user=people["planner"],
        scenario_name=second,
        reason="no cross-dock contract yet",
    )
    assert decision.reason == "no cross-dock contract yet" and decision.recommended.rank > 1
    with pytest.raises(DecisionPermissionError):
        recommendation_create(comparison=finished_comparison, user=people["viewer"])


def test_a_recommendation_ranks_under_the_weights_the_planner_re_weighted_to(client, people):
    comparison = known_comparison()  # on cost alone, "Cheaper" is first, "Rebalance" last
    client.force_login(people["planner"])
    page = client.get(
        reverse("scenarios:ranking", args=[comparison.pk]), {"network.utilisation_gap": "1"}
    ).content.decode()
    # Re-weighted towards balance, the page offers Rebalance as #1, and its form carries
    # the weights it was ranked under.
    assert '<option value="Rebalance">#1 Rebalance</option>' in page
    assert '<input type="hidden" name="network.utilisation_gap" value="1.0">' in page
    url = reverse("decisions:recommend", args=[comparison.pk])
    weighted = {"network.utilisation_gap": "1.0", "network.total_cost_usd": "0"}
    response = client.post(url, {"scenario": "Rebalance", **weighted})
    decision = Decision.objects.get()
    assert response.url == reverse("decisions:detail", args=[decision.pk])
    r = decision.recommendation
    assert (r["scenario"], r["rank"], decision.reason) == ("Rebalance", 1, "")
    assert r["weights"] == {"network.utilisation_gap": 1.0}
    # Under the comparison's own weights it ranks last: that needs a reason; and weights
    # that do not parse are refused, naming the KPI. Neither makes a decision.
    for posted, error in (
        ({"scenario": "Rebalance"}, "say why you recommend &#x27;Rebalance&#x27;"),
        ({"scenario": "Rebalance", "network.otif": "x"}, "OTIF: &#x27;x&#x27; is not a number"),
    ):
        refused = client.post(url, posted, follow=True)
        assert refused.redirect_chain[-1][0] == reverse("scenarios:detail", args=[comparison.pk])
        assert f"Not recommended: {error}" in refused.content.decode()
    assert Decision.objects.count() == 1


def test_recommending_a_change_when_the_baseline_ranks_first_needs_a_reason(demo_network, people):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    parameters, _ = current_parameters()
    day_shift = parameters.labour.for_dc("NE").shifts[0]
    cut = {
        "kind": "ChangeHeadcount",
        "dc": "NE",
        "role": "pickers",
        "delta": 1 - day_shift.pickers,
        "shift": day_shift.name,
    }
    comparison = comparison_run_here(
        comparison_create(
            spec=spec(
                weights={"network.otif": 1.0},
                scenarios=[{"name": "One picker at NE", "interventions": [cut]}],
            )
        )
    )
    with pytest.raises(DecisionInputError, match="the baseline ranks first"):
        recommendation_create(comparison=comparison, user=people["planner"])
    decision = recommendation_create(
        comparison=comparison, user=people["planner"], reason="a strike drill: test the plan"
    )
    assert decision.recommended.rank == 2


# (status before, step, who) → the status after, or the error it meets. The draft is the
# planner's: only the planner proposes it (tests/decisions/test_ownership.py has the rest).
MATRIX = [
    (S.DRAFT, "propose", "planner", S.PROPOSED),
    (S.DRAFT, "propose", "approver", DecisionPermissionError),
    (S.DRAFT, "propose", "viewer", DecisionPermissionError),
    (S.DRAFT, "approve", "approver", DecisionStateError),
    (S.CHANGES_REQUESTED, "propose", "planner", S.PROPOSED),
    (S.PROPOSED, "approve", "approver", S.APPROVED),
    (S.PROPOSED, "approve", "planner", DecisionPermissionError),
    (S.PROPOSED, "approve", "planner2", DecisionPermissionError),
    (S.PROPOSED, "approve", "viewer", DecisionPermissionError),
    (S.PROPOSED, "reject", "approver", S.REJECTED),
    (S.PROPOSED, "reject", "planner2", DecisionPermissionError),
    (S.PROPOSED, "request_changes", "approver", S.CHANGES_REQUESTED),
    (S.PROPOSED, "request_changes", "viewer", DecisionPermissionError),
    (S.PROPOSED, "propose", "planner", DecisionStateError),
    (S.PROPOSED, "execute", "planner", DecisionStateError),
    (S.APPROVED, "execute", "planner", S.TRACKING),
    (S.APPROVED, "execute", "approver", S.TRACKING),
    (S.APPROVED, "execute", "viewer", DecisionPermissionError),
    (S.APPROVED, "approve", "approver2", DecisionStateError),
    (S.REJECTED, "approve", "approver", DecisionStateError),
    (S.REJECTED, "propose", "planner", DecisionStateError),
    (S.TRACKING, "close", "planner", S.CLOSED),
    (S.TRACKING, "close", "viewer", DecisionPermissionError),
    (S.CLOSED, "execute", "planner", DecisionStateError),
]


def test_every_step_is_checked_on_the_server_for_every_role(finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    for before, step, who, expected in MATRIX:
        Decision.objects.filter(pk=decision.pk).update(status=before, proposed_by=people["planner"])
        entries = AuditEntry.objects.count()
        comment = "because" if step in ("reject", "request_changes") else ""
        if isinstance(expected, type):
            with pytest.raises(expected):
                decision_act(decision.pk, actor=people[who], action=step, comment=comment)
            assert Decision.objects.get(pk=decision.pk).status == before, (before, step, who)
            assert AuditEntry.objects.count() == entries
        else:
            after = decision_act(decision.pk, actor=people[who], action=step, comment=comment)
            assert after.status == expected, (before, step, who)
            assert AuditEntry.objects.count() > entries


def test_nobody_decides_on_their_own_proposal(finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["approver"])
    decision_act(decision.pk, actor=people["approver"], action="propose")
    for step in ("approve", "reject", "request_changes"):
        with pytest.raises(DecisionPermissionError, match="four eyes"):
            decision_act(decision.pk, actor=people["approver"], action=step, comment="mine")
    assert (
        decision_act(decision.pk, actor=people["approver2"], action="approve").status == S.APPROVED
    )


def test_the_pages_refuse_what_the_role_may_not_do(client, finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    url = reverse("decisions:act", args=[decision.pk])
    client.force_login(people["viewer"])
    assert client.get(reverse("decisions:detail", args=[decision.pk])).status_code == 200
    assert client.post(url, {"action": "propose"}).status_code == 403
    client.force_login(people["planner"])
    page = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    assert "Propose for approval" in page and ">Approve<" not in page
    unknown = client.post(url, {"action": "teleport"})
    assert (
        unknown.status_code == 422
        and "unknown step &#x27;teleport&#x27;" in unknown.content.decode()
    )
    assert client.post(url, {"action": "propose"}).status_code == 302
    refused = client.post(url, {"action": "approve"})
    assert refused.status_code == 403 and "only an approver" in refused.content.decode()
    client.force_login(people["approver"])
    page = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    assert ">Approve<" in page and ">Reject<" in page
    # Rejecting does not look like approving.
    assert 'value="approve" class="primary">' in page and 'value="reject" class="danger">' in page
    no_reason = client.post(url, {"action": "reject", "comment": "  "})
    assert no_reason.status_code == 422 and "reject needs a comment" in no_reason.content.decode()
    assert client.post(url, {"action": "reject", "comment": "too costly"}).status_code == 302
    late = client.post(url, {"action": "approve"})
    assert late.status_code == 409 and "the decision is rejected" in late.content.decode()
    decision.refresh_from_db()
    assert (decision.status, decision.decided_by, decision.decision_comment) == (
        S.REJECTED,
        people["approver"],
        "too costly",
    )


@pytest.mark.django_db(transaction=True)
def test_an_approve_and_a_reject_at_once_leave_exactly_one_outcome(finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    decision_act(decision.pk, actor=people["planner"], action="propose")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def take(name: str, who: str, step: str) -> None:
        barrier.wait()
        try:
            outcomes[name] = decision_act(
                decision.pk, actor=people[who], action=step, comment="at once"
            ).status
        except DecisionStateError as error:
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=take, args=("approve", "approver", "approve")),
        threading.Thread(target=take, args=("reject", "approver2", "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [name for name, outcome in outcomes.items() if isinstance(outcome, str)]
    lost = [name for name, outcome in outcomes.items() if isinstance(outcome, DecisionStateError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    decision.refresh_from_db()
    assert decision.status == (S.APPROVED if won == ["approve"] else S.REJECTED)
    decided = decision.audit.filter(to_status__in=[S.APPROVED, S.REJECTED])
    assert decided.count() == 1
    approved_events = Event.objects.filter(type="twin.decision_approved").count()
    assert approved_events == (1 if won == ["approve"] else 0)


def test_approval_lands_in_the_event_log_once(finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    decision_act(decision.pk, actor=people["planner"], action="propose")
    decision_act(decision.pk, actor=people["approver"], action="approve", comment="go")
    [event] = Event.objects.filter(type="twin.decision_approved")
    assert (event.source, event.event_id) == ("twin", f"decision-{decision.pk}-approved")
    assert event.payload["approved_by"] == "ada" and event.payload["proposed_by"] == "pia"
    assert event.payload["interventions"] == [
        intervention_to_jsonable(intervention_from_jsonable(typed))
        for typed in decision.scenario.interventions
    ]
    # A second announcement of the same approval (a retry) stores nothing.
    assert not twin_event_record(
        event_id=event.event_id,
        type=event.type,
        occurred_at=event.occurred_at,
        payload=event.payload,
    )
    assert Event.objects.filter(type="twin.decision_approved").count() == 1
    # Executing starts tracking, the twin's own step in the trail.
    decision = decision_act(decision.pk, actor=people["planner"], action="execute")
    assert decision.status == S.TRACKING and decision.tracking_from is not None
    steps = list(decision.audit.values_list("actor_name", "to_status"))
    assert steps[-2:] == [("pia", "executed"), ("twin", "tracking")]
