"""A draft recommendation (draft, or sent back for changes) is its owner's: others read and
clone it, or take it over on the record; editing or proposing it answers 403 and changes
nothing. Through the real views."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from apps.decisions.models import AuditEntry, Decision
from tests.scenarios.builders import known_comparison

S = Decision.Status


@pytest.fixture
def draft(client, people, db) -> Decision:
    comparison = known_comparison()
    client.force_login(people["planner"])
    response = client.post(reverse("decisions:recommend", args=[comparison.pk]))
    assert response.status_code == 302
    return Decision.objects.get()


def _state(decision: Decision) -> tuple[dict, int]:
    return model_to_dict(Decision.objects.get(pk=decision.pk)), AuditEntry.objects.count()


def _changes(decision: Decision) -> list[tuple[str, dict]]:
    """Every request that changes or puts forward a draft recommendation."""
    return [
        (reverse("decisions:edit", args=[decision.pk]), {"title": "Mine now", "reason": "x"}),
        (reverse("decisions:act", args=[decision.pk]), {"action": "propose"}),
    ]


@pytest.mark.parametrize("who", ["planner2", "approver"])
@pytest.mark.parametrize("status", [S.DRAFT, S.CHANGES_REQUESTED])
def test_another_planner_can_neither_edit_nor_propose_a_draft(client, people, draft, who, status):
    Decision.objects.filter(pk=draft.pk).update(status=status)
    client.force_login(people[who])
    before = _state(draft)
    for url, data in _changes(draft):
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "belongs to pia: only pia can edit or propose it" in response.content.decode(), url
        assert _state(draft) == before, url


def test_a_viewer_can_neither_edit_nor_propose_nor_take_over(client, people, draft):
    client.force_login(people["viewer"])
    before = _state(draft)
    for url, data in [
        *_changes(draft),
        (reverse("decisions:take-over", args=[draft.pk]), {}),
        (reverse("decisions:clone", args=[draft.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert _state(draft) == before and Decision.objects.count() == 1
    page = client.get(reverse("decisions:detail", args=[draft.pk])).content.decode()
    assert "belongs to pia" in page and "Take over this draft" not in page


def test_another_planner_reads_the_draft_and_is_offered_clone_and_take_over(client, people, draft):
    client.force_login(people["planner2"])
    page = client.get(reverse("decisions:detail", args=[draft.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "belongs to pia" in text
    assert "Take over this draft" in text and ">Clone<" in text
    assert (
        "Propose for approval" not in text
        and reverse("decisions:edit", args=[draft.pk]) not in text
    )


def test_the_owner_edits_and_proposes(client, people, draft):
    client.force_login(people["planner"])
    text = client.get(reverse("decisions:detail", args=[draft.pk])).content.decode()
    assert "Propose for approval" in text and "Take over this draft" not in text
    edit = reverse("decisions:edit", args=[draft.pk])
    blank = client.post(edit, {"title": " ", "reason": ""})
    assert blank.status_code == 422
    assert client.post(edit, {"title": "Cheaper first", "reason": "as asked"}).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.reason) == ("Cheaper first", "as asked")
    entry = draft.audit.last()
    assert (entry.step, entry.actor, entry.comment) == (
        AuditEntry.Step.EDIT,
        people["planner"],
        "changed the title and the reason",
    )
    act = reverse("decisions:act", args=[draft.pk])
    assert client.post(act, {"action": "propose"}).status_code == 302
    late = client.post(edit, {"title": "Again", "reason": "later"})
    assert late.status_code == 409 and "only a draft" in late.content.decode()


def test_another_planner_clones_a_draft_into_their_own(client, people, draft):
    client.force_login(people["planner2"])
    before = _state(draft)
    response = client.post(reverse("decisions:clone", args=[draft.pk]))
    copy = Decision.objects.exclude(pk=draft.pk).get()
    assert response.status_code == 302 and response.url == reverse(
        "decisions:detail", args=[copy.pk]
    )
    assert copy.created_by == people["planner2"] and copy.status == S.DRAFT
    assert copy.recommendation == draft.recommendation
    assert copy.audit.get().comment.startswith(f"cloned from #{draft.pk}")
    act = reverse("decisions:act", args=[copy.pk])
    assert client.post(act, {"action": "propose"}).status_code == 302
    assert model_to_dict(Decision.objects.get(pk=draft.pk)) == before[0]


def test_taking_over_is_audited_and_leaves_the_previous_owner_outside(client, people, draft):
    client.force_login(people["planner2"])
    response = client.post(reverse("decisions:take-over", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.created_by == people["planner2"]
    entry = draft.audit.last()
    assert (entry.step, entry.actor_name, entry.from_status, entry.to_status) == (
        AuditEntry.Step.TAKE_OVER,
        "paz",
        S.DRAFT,
        S.DRAFT,
    )
    assert entry.comment == "took the draft over from pia"
    page = client.get(reverse("decisions:detail", args=[draft.pk])).content.decode()
    assert "Propose for approval" in page and "took the draft over from pia" in page
    assert 'draft → draft <span class="small">(took over the draft)</span>' in page

    client.force_login(people["planner"])
    before = _state(draft)
    for url, data in _changes(draft):
        refused = client.post(url, data)
        assert refused.status_code == 403 and "belongs to paz" in refused.content.decode(), url
    assert _state(draft) == before

    client.force_login(people["planner2"])
    assert (
        client.post(reverse("decisions:act", args=[draft.pk]), {"action": "propose"}).status_code
        == 302
    )


def test_a_proposed_recommendation_cannot_be_taken_over(client, people, draft):
    client.force_login(people["planner"])
    client.post(reverse("decisions:act", args=[draft.pk]), {"action": "propose"})
    client.force_login(people["planner2"])
    before = _state(draft)
    response = client.post(reverse("decisions:take-over", args=[draft.pk]), follow=True)
    assert "Not taken over: the decision is proposed" in response.content.decode()
    assert _state(draft) == before
