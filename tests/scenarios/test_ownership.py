"""A draft comparison is its owner's: other planners read and clone it, or take it over on
the record, and every change, run or discard they try answers 403 and changes nothing."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from apps.accounts.roles import APPROVER, PLANNER
from apps.scenarios.drafts import draft_create, intervention_add, scenario_add
from apps.scenarios.models import Comparison, DraftHandover, HandoverImmutableError

pytestmark = pytest.mark.slow

SHIFT = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.3}
SHIFT_FORM = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": "30"}


@pytest.fixture
def owner(role_user, demo_network):
    return role_user(PLANNER, username="olga")


@pytest.fixture
def draft(owner) -> Comparison:
    comparison = draft_create(user=owner, name="Olga's draft")
    scenario = scenario_add(comparison, name="Shift NE to SE")
    intervention_add(scenario, SHIFT)
    return comparison


def _state(comparison: Comparison) -> dict:
    """Everything another planner's request could change: the draft and its scenarios."""
    found = Comparison.objects.filter(pk=comparison.pk).first()
    if found is None:
        return {}
    return {
        "comparison": model_to_dict(found),
        "scenarios": [model_to_dict(s) for s in found.scenarios.order_by("pk")],
    }


def _change_requests(comparison: Comparison) -> list[tuple[str, str, dict]]:
    """Every builder request that changes, runs or discards a draft (method, url, data)."""
    pk = comparison.pk
    scenario = comparison.scenarios.get(name="Shift NE to SE")
    on_scenario = [pk, scenario.pk]
    return [
        ("post", reverse("scenarios:edit-settings", args=[pk]), {"name": "Mine now"}),
        ("post", reverse("scenarios:scenario-add", args=[pk]), {"name": "Intruder"}),
        ("post", reverse("scenarios:scenario-remove", args=on_scenario), {}),
        ("get", reverse("scenarios:palette", args=on_scenario), {"kind": "ShiftVolume"}),
        ("post", reverse("scenarios:intervention-check", args=on_scenario), SHIFT_FORM),
        ("post", reverse("scenarios:intervention-add", args=on_scenario), SHIFT_FORM),
        ("post", reverse("scenarios:intervention-remove", args=[*on_scenario, 0]), {}),
        ("post", reverse("scenarios:submit", args=[pk]), {}),
        ("post", reverse("scenarios:discard", args=[pk]), {}),
    ]


@pytest.mark.parametrize("role", [PLANNER, APPROVER])
def test_another_planner_can_change_run_or_discard_nothing_of_a_draft(
    client, role_user, draft, role
):
    client.force_login(role_user(role))
    before = _state(draft)
    for method, url, data in _change_requests(draft):
        response = getattr(client, method)(url, data)
        page = response.content.decode()
        assert response.status_code == 403, url
        assert "This draft belongs to olga: only olga can change" in page, url
        assert _state(draft) == before, url


def test_an_htmx_request_gets_the_reason_and_a_reload_to_the_read_only_draft(
    client, role_user, draft
):
    client.force_login(role_user(PLANNER))
    response = client.post(
        reverse("scenarios:scenario-add", args=[draft.pk]),
        {"name": "Intruder"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403 and response["HX-Refresh"] == "true"
    assert 'data-refused="ownership"' in response.content.decode()
    assert "belongs to olga" in response.content.decode()
    assert not draft.scenarios.filter(name="Intruder").exists()


def test_another_planner_reads_the_draft_and_is_offered_clone_and_take_over(
    client, role_user, draft
):
    client.force_login(role_user(PLANNER, username="paz"))
    page = client.get(reverse("scenarios:edit", args=[draft.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "This draft belongs to olga" in text
    assert "Shift NE to SE" in text and "Serve 30% of NE" in text
    assert "Take over this draft" in text and ">Clone<" in text
    # No editing control: the forms and buttons that change the draft are the owner's.
    for control in ("scenarios:scenario-add", "scenarios:edit-settings", "scenarios:submit"):
        assert reverse(control, args=[draft.pk]) not in text, control
    assert client.get(reverse("scenarios:detail", args=[draft.pk])).status_code == 200


def test_the_owner_sees_the_editing_controls(client, owner, draft):
    client.force_login(owner)
    text = client.get(reverse("scenarios:edit", args=[draft.pk])).content.decode()
    assert reverse("scenarios:scenario-add", args=[draft.pk]) in text
    assert "Run the comparison" in text and "Take over this draft" not in text


def test_another_planner_clones_a_draft_into_their_own(client, role_user, draft):
    paz = role_user(PLANNER, username="paz")
    client.force_login(paz)
    before = _state(draft)
    response = client.post(reverse("scenarios:clone", args=[draft.pk]))
    copy = Comparison.objects.exclude(pk=draft.pk).get()
    assert response.status_code == 302 and response.url == reverse("scenarios:edit", args=[copy.pk])
    assert copy.created_by == paz and list(copy.scenarios.values_list("name", flat=True)) == [
        "Baseline",
        "Shift NE to SE",
    ]
    added = client.post(reverse("scenarios:scenario-add", args=[copy.pk]), {"name": "Mine"})
    assert added.status_code == 200
    assert _state(draft) == before


def test_taking_over_is_recorded_and_leaves_the_previous_owner_outside(
    client, owner, role_user, draft
):
    paz = role_user(PLANNER, username="paz")
    client.force_login(paz)
    response = client.post(reverse("scenarios:take-over", args=[draft.pk]))
    assert response.status_code == 302 and response.url == reverse(
        "scenarios:edit", args=[draft.pk]
    )
    draft.refresh_from_db()
    assert draft.created_by == paz
    [handover] = DraftHandover.objects.all()
    assert (handover.comparison, handover.from_user, handover.to_user) == (draft, owner, paz)
    assert (handover.from_name, handover.to_name) == ("olga", "paz")
    page = client.get(reverse("scenarios:edit", args=[draft.pk])).content.decode()
    assert "paz took this draft over from olga" in page
    assert reverse("scenarios:scenario-add", args=[draft.pk]) in page
    assert (
        client.post(reverse("scenarios:scenario-add", args=[draft.pk]), {"name": "Paz"}).status_code
        == 200
    )

    client.force_login(owner)
    before = _state(draft)
    refused = client.post(reverse("scenarios:scenario-add", args=[draft.pk]), {"name": "Back"})
    assert refused.status_code == 403 and "belongs to paz" in refused.content.decode()
    assert client.post(reverse("scenarios:discard", args=[draft.pk])).status_code == 403
    assert _state(draft) == before
    assert (
        "Take over this draft"
        in client.get(reverse("scenarios:edit", args=[draft.pk])).content.decode()
    )


def test_taking_over_ones_own_draft_or_a_submitted_comparison_changes_nothing(client, owner, draft):
    client.force_login(owner)
    response = client.post(reverse("scenarios:take-over", args=[draft.pk]), follow=True)
    assert "Not taken over: This draft is already yours." in response.content.decode()
    Comparison.objects.filter(pk=draft.pk).update(status=Comparison.Status.CANCELLED)
    response = client.post(reverse("scenarios:take-over", args=[draft.pk]), follow=True)
    assert "only a draft can be taken over" in response.content.decode()
    assert not DraftHandover.objects.exists()


def test_a_draft_made_without_a_user_is_changed_only_once_taken_over(
    client, role_user, demo_network
):
    draft = draft_create(user=None, name="From the command line")
    client.force_login(role_user(PLANNER, username="paz"))
    refused = client.post(reverse("scenarios:scenario-add", args=[draft.pk]), {"name": "X"})
    assert refused.status_code == 403 and "has no owner" in refused.content.decode()
    client.post(reverse("scenarios:take-over", args=[draft.pk]))
    assert DraftHandover.objects.get().from_name == "nobody"
    assert (
        client.post(reverse("scenarios:scenario-add", args=[draft.pk]), {"name": "X"}).status_code
        == 200
    )


def test_a_handover_record_is_append_only_and_read_only_in_the_admin(
    client, owner, role_user, draft, admin_user
):
    client.force_login(role_user(PLANNER, username="paz"))
    client.post(reverse("scenarios:take-over", args=[draft.pk]))
    handover = DraftHandover.objects.get()
    with pytest.raises(HandoverImmutableError):
        handover.save()
    with pytest.raises(HandoverImmutableError):
        DraftHandover.objects.all().delete()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:scenarios_drafthandover_changelist"))
    assert listing.status_code == 200 and "Olga&#x27;s draft" in listing.content.decode()
    assert client.get(reverse("admin:scenarios_drafthandover_add")).status_code == 403
    assert (
        client.post(reverse("admin:scenarios_drafthandover_delete", args=[handover.pk])).status_code
        == 403
    )
