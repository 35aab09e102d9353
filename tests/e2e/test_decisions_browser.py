"""In real Chromium against real daphne: a planner proposes a recommendation, an approver
(another user, in another browser) sees the badge go up live and approves in one step, and
both read the audit trail."""

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import APPROVER, PLANNER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.services import comparison_create, comparison_run_here
from tests.calibration.history import day, emulated_history
from tests.conftest import run_in_thread
from tests.e2e.test_live_browser import sign_in
from tests.scenarios.test_runs import spec

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_planner_proposes_and_another_user_approves_with_the_badge_live(
    chromium, page, start_daphne, role_user, demo_network, tmp_path
):
    emulated_history(days=0.5)
    calibrate(window=Window(day(0), day(0.5)))
    comparison = run_in_thread(  # it publishes progress: not in Playwright's loop thread
        lambda: comparison_run_here(comparison_create(spec=spec(replications=2))), timeout_s=300
    )
    role_user(PLANNER, username="pia", password="planner-pass-6")
    role_user(APPROVER, username="ada", password="approver-pass-6")
    base_url = start_daphne()

    approver_context = chromium.new_context()
    approver = approver_context.new_page()
    approver.set_default_timeout(15_000)
    sign_in(approver, base_url, "ada", "approver-pass-6")
    approver.goto(f"{base_url}/decisions/")
    badge = approver.locator("[data-decisions-badge]")
    expect(badge).to_have_text("0")

    sign_in(page, base_url, "pia", "planner-pass-6")
    page.goto(f"{base_url}/scenarios/{comparison.pk}/")
    page.get_by_label("Why").fill("NE runs hot into the peak; SE has room.")
    page.get_by_role("button", name="Make a recommendation").click()
    expect(page.locator("[data-field=status]")).to_have_text("Draft")
    page.get_by_role("button", name="Propose for approval").click()
    expect(page.locator("[data-field=status]")).to_have_text("Proposed")
    expect(page.locator("[data-field=four-eyes]")).to_contain_text(
        "You made and proposed this recommendation; another approver must decide"
    )
    expect(page.locator("[data-decisions-badge]")).to_have_count(0)  # planners have none

    expect(badge).to_have_text("1")  # pushed: the approver's page did not reload
    approver.get_by_role("link", name="Decisions").click()
    approver.get_by_role("link", name=comparison.name, exact=False).first.click()
    approver.get_by_label("Comment").fill("Go: NE needs the relief before the peak.")
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator("[data-field=status]")).to_have_text("Approved")
    expect(badge).to_have_text("0")
    for viewer in (approver, page):
        viewer.reload()
        trail = viewer.locator("#audit tbody tr")
        expect(trail).to_have_count(3)
        expect(viewer.locator('#audit [data-audit-to="approved"]')).to_contain_text("ada")
        expect(viewer.locator('#audit [data-audit-to="approved"]')).to_contain_text(
            "NE needs the relief"
        )
        expect(viewer.locator('#audit [data-audit-to="proposed"]')).to_contain_text("pia")
    approver_context.close()

    page.get_by_role("button", name="Mark as executed").click()
    expect(page.locator("[data-field=status]")).to_have_text("Tracking")
    expect(page.locator("#tracking")).to_contain_text("Too early to judge")
    expect(page.locator('[data-plotly-figure="chart-tracking"]')).to_have_attribute(
        "data-drawn", "true"
    )
    page.screenshot(path=str(tmp_path / "decision.png"), full_page=True)
