"""A planner's steps in the scenario builder, as the browser tests take them: open a new
comparison, add a scenario, pick an intervention for it; each waits for htmx to settle."""

from playwright.sync_api import Locator, Page, expect


def htmx_settled(page: Page) -> None:
    """Wait until htmx has swapped and settled what it added: a new element shows at once,
    but its own hx-* attributes are wired up only at settle, and an event before that is
    lost (a person is never that quick; a test is)."""
    busy = ".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


def comparison_new(page: Page, base_url: str) -> None:
    """From the comparisons list to an empty draft in the builder."""
    page.goto(f"{base_url}/scenarios/")
    page.get_by_role("button", name="New comparison").click()
    expect(page.get_by_role("heading", name="Build a comparison")).to_be_visible()


def scenario_add(page: Page, name: str) -> Locator:
    """Add a scenario by name; its card, once htmx has wired it up."""
    page.get_by_label("Scenario name").fill(name)
    page.get_by_role("button", name="Add scenario").click()
    card = page.locator(f'[data-scenario="{name}"]')
    expect(card).to_be_visible()
    htmx_settled(page)
    return card


def intervention_pick(page: Page, card: Locator, name: str, kind: str) -> None:
    """Open the palette's form of one kind of intervention on scenario `name`'s card."""
    card.get_by_label(f"Intervention for {name}").select_option(kind)
    expect(card.locator(".palette-form")).to_be_visible()
    htmx_settled(page)
