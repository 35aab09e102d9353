"""In real Chromium against real daphne: as a planner builds a scenario, the builder says under
it, before any run, when it changes nothing and which intervention changes nothing, and the
comparison still runs."""

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import PLANNER
from apps.scenarios.run_selectors import network_now
from tests.e2e.builder_steps import comparison_new, htmx_settled, intervention_pick, scenario_add
from tests.e2e.test_live_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_builder_warns_of_a_scenario_that_changes_nothing_before_it_runs(
    page, start_daphne, role_user, demo_network
):
    shift = network_now().parameters.labour.for_dc("NE").shifts[0]
    role_user(PLANNER, username="ana", password="planner-pass-5")
    base_url = start_daphne()
    sign_in(page, base_url, "ana", "planner-pass-5")

    comparison_new(page, base_url)
    card = scenario_add(page, "Same as today")
    status = card.locator("[data-scenario-status]")
    expect(status).to_contain_text("This scenario changes nothing yet")

    intervention_pick(page, card, "Same as today", "ChangeHeadcount")
    card.get_by_label("DC").select_option("NE")
    card.get_by_label("Role").select_option("pickers")
    card.get_by_label("Change (people)").fill("0")
    card.get_by_label("Shift").select_option(shift.name)
    card.get_by_role("button", name="Add to Same as today").click()
    expect(card.locator("ol.interventions")).to_contain_text("NE")
    expect(status).to_contain_text("changes nothing, it adds and removes no one.")
    expect(status).to_contain_text("This scenario changes nothing: every intervention")
    htmx_settled(page)

    intervention_pick(page, card, "Same as today", "Overtime")
    card.get_by_label("DC").select_option("NE")
    card.get_by_label("Hours a day").fill("1.5")
    card.get_by_role("button", name="Add to Same as today").click()
    expect(card.locator("ol.interventions li")).to_have_count(2)
    expect(status).not_to_contain_text("This scenario changes nothing")
    expect(status).to_contain_text("changes nothing, it adds and removes no one.")

    # Warned, not refused: the comparison runs.
    page.get_by_role("button", name="Run the comparison").click()
    expect(page.locator('[data-field="progress-text"]')).to_be_visible()


def test_the_run_card_states_the_run_settings_as_saved(page, start_daphne, role_user, demo_network):
    role_user(PLANNER, username="ana", password="planner-pass-5")
    base_url = start_daphne()
    sign_in(page, base_url, "ana", "planner-pass-5")
    comparison_new(page, base_url)
    plan = page.locator("[data-run-plan]")
    expect(plan).to_contain_text("10 replications of 14 days")

    page.get_by_label("Horizon (days)").fill("3")
    page.get_by_label("Replications").fill("4")
    page.get_by_label("Replications").press("Tab")
    expect(page.locator("#settings [role=status]")).to_have_text("Saved.")
    expect(plan).to_contain_text("4 replications of 3 days")

    # A value refused is not saved: the card goes on stating what is.
    page.get_by_label("Replications").fill("0")
    page.get_by_label("Replications").press("Tab")
    expect(page.locator("#settings-err-replications")).not_to_be_empty()
    expect(plan).to_contain_text("4 replications of 3 days")
    page.reload()
    expect(page.locator("[data-run-plan]")).to_contain_text("4 replications of 3 days")
