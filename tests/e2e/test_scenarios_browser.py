"""In real Chromium against real daphne: a running comparison's page follows its progress
over the websocket, and shows the outcome when the run ends."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.roles import PLANNER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.models import Comparison
from apps.scenarios.services import comparison_create, comparison_freeze, replication_execute
from tests.calibration.history import day, emulated_history
from tests.conftest import run_in_thread
from tests.e2e.test_live_browser import sign_in
from tests.scenarios.test_runs import spec

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_comparison_page_follows_progress_and_a_cancel_from_the_page(
    page, start_daphne, role_user, demo_network
):
    emulated_history(days=0.5)
    calibrate(window=Window(day(0), day(0.5)))
    comparison = comparison_create(spec=spec(horizon_days=1, replications=2))
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.submitted_at = timezone.now()
    comparison.save()
    role_user(PLANNER, username="kim", password="planner-pass-4")
    base_url = start_daphne()
    sign_in(page, base_url, "kim", "planner-pass-4")
    page.goto(f"{base_url}/scenarios/{comparison.pk}/")
    text = page.locator('[data-field="progress-text"]')
    expect(text).to_have_text("0 of 6 replications done.")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    for scenario in comparison.scenarios.order_by("position")[:2]:
        run_in_thread(replication_execute, scenario.pk, 0, timeout_s=120)
    expect(text).to_contain_text("2 of 6 replications done")
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#progress progress")).to_have_attribute("value", "2")

    page.get_by_role("button", name="Cancel the run").click()
    expect(page.locator("#progress")).to_contain_text("Cancelled")
    expect(page.locator("#progress")).to_contain_text("2 of 6 replications done")
