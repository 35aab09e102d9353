"""Four eyes that cannot be sidestepped: nobody who made, edited, proposed, re-proposed or
took over a recommendation approves, rejects or asks for changes on it, whoever proposed it
last; the page says why the buttons are absent, and a POST anyway answers 403 with that
reason. Through the real views."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.decisions.models import AuditEntry, Decision
from apps.decisions.selectors import decision_participants
from tests.scenarios.builders import known_comparison

S = Decision.Status
DECIDING = ("approve", "reject", "request_changes")


@pytest.fixture
def comparison(db):
    return known_comparison()


def _as(client, user):
    client.force_login(user)
    return client


def _recommend(client, user, comparison) -> Decision:
    response = _as(client, user).post(reverse("decisions:recommend", args=[comparison.pk]))
    assert response.status_code == 302, response.content.decode()[:300]
    return Decision.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def _act(client, user, decision, action, comment="because") -> object:
    return _as(client, user).post(
        reverse("decisions:act", args=[decision.pk]), {"action": action, "comment": comment}
    )


def _post(client, user, name, decision, data=None) -> object:
    return _as(client, user).post(reverse(f"decisions:{name}", args=[decision.pk]), data or {})


def _barred(client, user, decision, words: str) -> None:
    """The page hides the deciding buttons and says why; each POST anyway is a 403 with the
    same reason, and the decision stays proposed with no audit entry added."""
    page = _as(client, user).get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    reason = f"You {words} this recommendation; another approver must decide"
    assert reason in page and 'data-field="four-eyes"' in page
    assert ">Approve<" not in page and ">Reject<" not in page and "Ask for changes" not in page
    decision.refresh_from_db()
    entries, decided_by = AuditEntry.objects.count(), decision.decided_by
    for action in DECIDING:
        response = _act(client, user, decision, action)
        assert response.status_code == 403, action
        assert reason in response.content.decode(), action
    decision.refresh_from_db()
    assert decision.status == S.PROPOSED and decision.decided_by == decided_by
    assert AuditEntry.objects.count() == entries


def test_an_approver_who_recommended_cannot_approve_what_a_planner_proposed(
    client, comparison, people
):
    """The audit's case: approver recommends, a planner proposes, the same approver
    approves. The planner must take the draft over to propose it; the approver still made
    it, and may not decide on it."""
    decision = _recommend(client, people["approver"], comparison)
    assert _post(client, people["planner"], "take-over", decision).status_code == 302
    assert _act(client, people["planner"], decision, "propose").status_code == 302
    _barred(client, people["approver"], decision, "made")
    assert _act(client, people["approver2"], decision, "approve").status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.decided_by) == (S.APPROVED, people["approver2"])


def test_cloning_does_not_launder_an_author_into_an_approver(client, comparison, people):
    """The walkthrough's sidestep: the approver recommends, a planner clones that draft
    (no take-over) and proposes the clone; the clone is still the approver's work. A clone
    of the clone carries it too."""
    original = _recommend(client, people["approver"], comparison)
    response = _post(client, people["planner"], "clone", original)
    assert response.status_code == 302
    clone = Decision.objects.get(cloned_from=original)
    assert _act(client, people["planner"], clone, "propose").status_code == 302
    _barred(client, people["approver"], clone, "wrote the original of")
    assert _act(client, people["approver2"], clone, "approve").status_code == 302
    second = Decision.objects.get(
        pk=_post(client, people["planner"], "clone", clone).url.split("/")[-2]
    )
    assert decision_participants(second)[people["approver"].pk] == ("wrote the original of",)


def test_the_proposer_cannot_decide(client, comparison, people):
    decision = _recommend(client, people["approver"], comparison)
    assert _act(client, people["approver"], decision, "propose").status_code == 302
    _barred(client, people["approver"], decision, "made and proposed")


def test_an_editor_cannot_decide_though_someone_else_made_and_proposed_it(
    client, comparison, people
):
    decision = _recommend(client, people["planner"], comparison)
    _post(client, people["approver"], "take-over", decision)
    edited = _post(
        client, people["approver"], "edit", decision, {"title": "Reworded", "reason": "cheaper"}
    )
    assert edited.status_code == 302
    _post(client, people["planner"], "take-over", decision)
    assert _act(client, people["planner"], decision, "propose").status_code == 302
    _barred(client, people["approver"], decision, "took over and edited")


def test_the_first_author_stays_barred_after_someone_else_re_proposes(client, comparison, people):
    decision = _recommend(client, people["approver"], comparison)
    _act(client, people["approver"], decision, "propose")
    assert _act(client, people["approver2"], decision, "request_changes").status_code == 302
    _post(client, people["planner"], "take-over", decision)
    assert _act(client, people["planner"], decision, "propose").status_code == 302
    decision.refresh_from_db()
    assert decision.proposed_by == people["planner"]
    _barred(client, people["approver"], decision, "made and proposed")
    # Asking for changes is judging, not authoring: that approver may decide again.
    assert _act(client, people["approver2"], decision, "approve").status_code == 302


def test_a_re_proposer_cannot_decide(client, comparison, people):
    decision = _recommend(client, people["planner"], comparison)
    _act(client, people["planner"], decision, "propose")
    _act(client, people["approver2"], decision, "request_changes")
    _post(client, people["approver"], "take-over", decision)
    assert _act(client, people["approver"], decision, "propose").status_code == 302
    _barred(client, people["approver"], decision, "took over and re-proposed")


def test_an_approver_who_took_no_part_decides_and_sees_the_buttons(client, comparison, people):
    decision = _recommend(client, people["planner"], comparison)
    _act(client, people["planner"], decision, "propose")
    page = _as(client, people["approver"]).get(reverse("decisions:detail", args=[decision.pk]))
    text = page.content.decode()
    assert ">Approve<" in text and ">Reject<" in text and 'data-field="four-eyes"' not in text
    assert _act(client, people["approver"], decision, "reject", "too costly").status_code == 302


def test_entries_from_before_steps_were_named_still_count(comparison, people, client):
    """Audit rows written before the step was recorded say it by their from → to."""
    decision = _recommend(client, people["planner"], comparison)
    AuditEntry.objects.create(
        decision=decision,
        actor=people["approver"],
        actor_name="ada",
        from_status=S.CHANGES_REQUESTED,
        to_status=S.PROPOSED,
    )
    AuditEntry.objects.create(
        decision=decision, actor=people["approver2"], actor_name="abe", to_status=S.DRAFT
    )
    participants = decision_participants(decision)
    assert participants[people["approver"].pk] == ("re-proposed",)
    assert participants[people["approver2"].pk] == ("made",)
    assert participants[people["planner"].pk] == ("made",)
    assert people["viewer"].pk not in participants


def test_after_a_take_over_the_page_and_memo_still_name_who_made_it(client, comparison, people):
    decision = _recommend(client, people["approver"], comparison)
    assert _post(client, people["planner"], "take-over", decision).status_code == 302
    page = _as(client, people["viewer"]).get(reverse("decisions:detail", args=[decision.pk]))
    assert "Made by ada on" in page.content.decode()
    assert "; owned by pia" in page.content.decode()
    memo = client.get(reverse("decisions:memo", args=[decision.pk])).content.decode()
    assert "Made by ada on" in memo and "taken over by pia" in memo


def test_the_decision_page_reads_the_audit_trail_once(client, comparison, people):
    """Four eyes, its note, the maker and the trail shown all come from one read."""
    decision = _recommend(client, people["planner"], comparison)
    assert _act(client, people["planner"], decision, "propose").status_code == 302
    _as(client, people["approver"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("decisions:detail", args=[decision.pk]))
    assert page.status_code == 200 and ">Approve<" in page.content.decode()
    audit_reads = [q["sql"] for q in queries if 'FROM "decisions_auditentry"' in q["sql"]]
    assert len(audit_reads) == 1, audit_reads
