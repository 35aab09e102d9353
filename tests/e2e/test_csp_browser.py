"""In real Chromium on a filled twin: every page carries the Content-Security-Policy, and the
pages still work under it, with nothing refused: plotly draws its charts, htmx swaps, the
status filter submits itself, and the websockets connect and receive pushes."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import expect

from apps.accounts.roles import APPROVER, PLANNER
from apps.decisions.services import decision_act, recommendation_create
from apps.scenarios.models import Comparison
from tests.conftest import run_in_thread
from tests.e2e.builder_steps import htmx_settled
from tests.e2e.csp_watch import csp_refusals, csp_watch
from tests.e2e.every_page import (
    ADMIN,
    PAGE_NAMED,
    PAGES,
    page_open,
    role_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def signed_in(chromium, filled_site):
    with role_pages(chromium, filled_site) as page_for:

        def watched(role: str):
            page = page_for(role)
            csp_watch(page)
            return page

        yield watched


def _policy() -> dict[str, str]:
    return {
        directive: " ".join(sources)
        for directive, sources in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()
    }


def test_the_policy_allows_no_inline_script_and_no_eval():
    policy = _policy()
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy["default-src"] + policy["script-src"]
    assert "unsafe" not in policy["style-src"] + policy["style-src-elem"]  # attributes only
    assert policy["connect-src"] == "'self'"  # the websockets too: see the last test


def fullest_role(page) -> str:
    """Who sees the most of a page: the admin where allowed, else the only role it names."""
    return ADMIN if ADMIN in page.roles else sorted(page.roles)[0]


@pytest.mark.parametrize("page_name", [page.name for page in PAGES])
def test_every_page_carries_the_policy_and_runs_under_it(filled_site, signed_in, page_name):
    shown = PAGE_NAMED[page_name]
    page = signed_in(fullest_role(shown))
    response = page.goto(filled_site.url(shown))
    header = response.headers.get("content-security-policy", "")
    for directive, sources in _policy().items():
        assert f"{directive} {sources}" in header, f"{shown.path}: {header!r}"
    page_open(page, filled_site.url(shown), status=shown.status)  # charts drawn, htmx settled
    assert csp_refusals(page) == []


@pytest.mark.parametrize("page_name", ["live", "dc", "network", "results", "tracking"])
def test_plotly_draws_every_chart_under_the_policy(filled_site, signed_in, page_name):
    page = signed_in(APPROVER)
    page_open(page, filled_site.url(PAGE_NAMED[page_name]))
    charts = page.locator("[data-plotly-figure], .js-plotly-plot")
    assert charts.count() > 0
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    # Its own rules (mode bar, hover labels) went into the stylesheet base.html links for them.
    rules = "document.getElementById('plotly.js-style-global').sheet.cssRules.length"
    assert page.evaluate(rules) > 10
    assert csp_refusals(page) == []


def test_htmx_adds_a_scenario_to_the_draft_under_the_policy(filled_site, signed_in):
    page = signed_in(PLANNER)
    page_open(page, filled_site.url(PAGE_NAMED["builder"]))
    page.get_by_label("Scenario name").fill("Added under the policy")
    page.get_by_role("button", name="Add scenario").click()
    card = page.locator('[data-scenario="Added under the policy"]')
    expect(card).to_be_visible()
    htmx_settled(page)
    card.get_by_label("Intervention for Added under the policy").select_option(index=1)
    expect(card.locator(".palette-form")).to_be_visible()
    htmx_settled(page)
    assert csp_refusals(page) == []


def test_the_status_filter_submits_itself_without_an_inline_handler(filled_site, signed_in):
    page = signed_in(APPROVER)
    page_open(page, filled_site.url(PAGE_NAMED["decisions"]))
    assert page.locator("[onchange], [onclick], [onsubmit]").count() == 0
    with page.expect_navigation():
        page.get_by_label("Status").select_option("proposed")
    assert page.url.endswith("?status=proposed")
    statuses = page.locator("tbody .pill")
    assert statuses.count() > 0
    expect(statuses).to_have_text(["Proposed"] * statuses.count())
    assert csp_refusals(page) == []


def _propose_another(comparison_pk: int) -> None:
    planner = User.objects.get(username=PLANNER)
    made = recommendation_create(
        comparison=Comparison.objects.get(pk=comparison_pk),
        user=planner,
        scenario_name="Shift 30% via cross-dock",
        reason="Proposed while the approver watches the badge.",
    )
    decision_act(made.pk, actor=planner, action="propose")


def test_the_websockets_connect_and_receive_pushes_under_the_policy(filled_site, signed_in):
    """connect-src 'self' lets the same host's ws: through (CSP Level 3): the live page's
    socket goes live, and the approvers' badge hears a proposal made elsewhere."""
    page = signed_in(APPROVER)
    page_open(page, filled_site.url(PAGE_NAMED["live"]))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    badge = page.locator("[data-decisions-badge]")
    waiting = int(badge.text_content())
    # In a thread of its own, outside this test's transaction: committed, so the push that
    # follows the commit is sent and daphne's next read sees it.
    run_in_thread(_propose_another, filled_site.filled.finished)
    expect(badge).to_have_text(str(waiting + 1))
    assert csp_refusals(page) == []


def test_the_api_description_renders_under_the_policy(filled_site, signed_in):
    """django-ninja's Swagger UI, served from its own static files: no CDN, no inline script."""
    page = signed_in(PLANNER)
    response = page.goto(f"{filled_site.base_url}/api/docs")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Twin ingestion API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert csp_refusals(page) == []
