"""In real Chromium against real daphne: another planner opens a planner's draft comparison
read-only and takes it over on the record; an approver who made and proposed a
recommendation is told why there is no Approve button (four eyes)."""

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import APPROVER, PLANNER
from apps.decisions.services import decision_act, recommendation_create
from apps.scenarios.drafts import draft_create, scenario_add
from tests.conftest import run_in_thread
from tests.e2e.test_live_browser import sign_in
from tests.scenarios.builders import known_comparison

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_another_planner_reads_a_draft_takes_it_over_and_four_eyes_says_why(
    page, start_daphne, role_user, demo_network
):
    olga = role_user(PLANNER, username="olga", password="planner-pass-7")
    role_user(PLANNER, username="paz", password="planner-pass-8")
    ada = role_user(APPROVER, username="ada", password="approver-pass-7")
    draft = draft_create(user=olga, name="Olga's draft")
    scenario_add(draft, name="Shift NE to SE")
    decision = recommendation_create(comparison=known_comparison(), user=ada)
    # Proposing announces the pending count: not in the loop thread Playwright leaves.
    run_in_thread(lambda: decision_act(decision.pk, actor=ada, action="propose"))
    base_url = start_daphne()

    sign_in(page, base_url, "paz", "planner-pass-8")
    page.goto(f"{base_url}/scenarios/{draft.pk}/edit/")
    expect(page.locator("[data-field=owner]")).to_contain_text("This draft belongs to olga")
    expect(page.get_by_text("Shift NE to SE")).to_be_visible()
    expect(page.get_by_role("button", name="Add scenario")).to_have_count(0)
    expect(page.get_by_role("button", name="Clone")).to_be_visible()
    page.get_by_role("button", name="Take over this draft").click()
    expect(page.get_by_role("button", name="Add scenario")).to_be_visible()
    expect(page.locator("#handovers")).to_contain_text("paz took this draft over from olga")

    page.context.clear_cookies()
    sign_in(page, base_url, "ada", "approver-pass-7")
    page.goto(f"{base_url}/decisions/{decision.pk}/")
    expect(page.locator("[data-field=status]")).to_have_text("Proposed")
    expect(page.locator("[data-field=four-eyes]")).to_contain_text(
        "You made and proposed this recommendation; another approver must decide"
    )
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Reject")).to_have_count(0)
