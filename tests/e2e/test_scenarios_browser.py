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
from tests.conftest import run_in_thread, wait_until
from tests.e2e.builder_steps import comparison_new, intervention_pick, scenario_add
from tests.e2e.test_live_browser import sign_in
from tests.scenarios.test_runs import spec

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_comparison_page_follows_progress_and_a_cancel_from_the_page(
    page, start_daphne, role_user, demo_network
):
    emulated_history(days=0.5)
    calibrate(window=Window(day(0), day(0.5)))
    comparison = comparison_create(spec=spec(horizon_days=1.5, replications=2))
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

    # Cancelling asks first: dismissed, the run goes on; accepted, it stops.
    asked: list[str] = []

    def answer(accept: bool):
        def on_dialog(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return on_dialog

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Cancel the run").click()
    wait_until(lambda: asked, timeout_s=10, what="the confirmation to be asked")
    assert asked[0].startswith("Cancel this run?")
    assert Comparison.objects.get(pk=comparison.pk).status == Comparison.Status.RUNNING
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Cancel the run").click()
    expect(page.locator("#progress")).to_contain_text("Cancelled")
    expect(page.locator("#progress")).to_contain_text("2 of 6 replications done")
    expect(page.locator("#progress")).not_to_contain_text("to go")


def test_a_planner_builds_runs_and_reads_a_two_scenario_comparison_across_a_web_restart(
    page, start_daphne, start_celery_worker, role_user, demo_network, tmp_path
):
    emulated_history(days=0.5)
    calibrate(window=Window(day(0), day(0.5)))
    worker = start_celery_worker()
    role_user(PLANNER, username="ana", password="planner-pass-5")
    web = {"TWIN_CELERY_QUEUE": worker.queue}
    base_url = start_daphne(env_overrides=web)
    sign_in(page, base_url, "ana", "planner-pass-5")

    comparison_new(page, base_url)
    page.get_by_label("Name").first.fill("Relieve NE")
    page.get_by_label("Horizon (days)").fill("1")
    page.get_by_label("Horizon (days)").press("Tab")
    expect(page.locator("#settings-err-horizon_days")).to_contain_text("longer than the warm-up")
    page.get_by_label("Horizon (days)").fill("2")
    page.get_by_label("Replications").fill("2")
    page.get_by_label("Replications").press("Tab")
    expect(page.locator("#settings [role=status]")).to_have_text("Saved.")

    shift = scenario_add(page, "Shift 30% to SE")
    intervention_pick(page, shift, "Shift 30% to SE", "ShiftVolume")
    shift.get_by_label("From DC").select_option("NE")
    shift.get_by_label("To DC").select_option("SE")
    share = shift.get_by_label("Share (%)")
    share.fill("150")
    expect(shift.locator(".field-error").filter(has_text="between 0 and 100%")).to_be_visible()
    share.fill("30")
    expect(shift.get_by_role("status")).to_contain_text("✓ Serve 30% of NE's orders from SE")
    expect(shift.locator(".field-error").filter(has_text="between 0 and 100%")).to_have_count(0)
    shift.get_by_role("button", name="Add to Shift 30% to SE").click()
    expect(shift.locator("ol.interventions")).to_contain_text("Serve 30% of NE's orders from SE")

    via = scenario_add(page, "Through XD1")
    intervention_pick(page, via, "Through XD1", "RouteViaCrossDock")
    via.get_by_label("MAT (from NE)").check()
    via.get_by_label("NEN (from NE)").check()
    via.get_by_label("Cross-dock").select_option("XD1")
    via.get_by_label("NE", exact=True).check()  # From DCs: NE's own orders, not moved ones
    via.get_by_role("button", name="Add to Through XD1").click()
    expect(via.locator("ol.interventions")).to_contain_text("from NE through cross-dock XD1")

    page.get_by_role("button", name="Run the comparison").click()
    expect(page.get_by_role("heading", name="Relieve NE")).to_be_visible()
    expect(page.locator('[data-field="progress-text"]')).to_contain_text("of 6 replications done")

    # The web process dies and comes back: the run goes on on the worker, and the page,
    # reconnected, shows the results when it ends.
    # (Once its script is connected: or already showing the results, if the run was quicker.)
    page.wait_for_selector("#progress[data-connected=true], table.ranking")
    daphne = start_daphne.processes[0]
    daphne.kill()
    daphne.wait()
    start_daphne(env_overrides=web, port=int(base_url.rsplit(":", 1)[1]))

    ranking = page.locator("table.ranking tbody tr")
    expect(ranking).to_have_count(3, timeout=120_000)
    expect(page.locator("#progress")).to_contain_text("6 of 6 replications done")
    charts = ("chart-utilisation", "chart-trade-off", "chart-cycle-time", "chart-otif")
    for chart in (*charts, "chart-hourly"):
        expect(page.locator(f'[data-plotly-figure="{chart}"]')).to_have_attribute(
            "data-drawn", "true"
        )
    expect(page.locator("dl.trade-offs dt")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "comparison.png"), full_page=True)
