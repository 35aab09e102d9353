"""In real Chromium, every page of a filled twin as each role: axe-core finds no serious or
critical accessibility violation (text contrast included), and at 1280 and 1920 px no table
or chart runs past its card."""

from pathlib import Path

import pytest

from apps.accounts.roles import APPROVER, PLANNER, VIEWER
from tests.e2e.every_page import (
    PAGE_NAMED,
    PAGES,
    axe_findings,
    page_open,
    role_pages,
)

# The twin is filled once for the module (see every_page); each test only reads it, inside a
# transaction of its own that it rolls back.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db]

# Who sees the most of each page: an approver also plans, and is not the one who proposed.
FULLEST_VIEW = APPROVER
WIDTHS = (1280, 1920)


@pytest.fixture(scope="module")
def signed_in(chromium, filled_site):
    with role_pages(chromium, filled_site) as page_for:
        yield page_for


@pytest.mark.parametrize(
    ("page_name", "role"),
    [(page.name, role) for page in PAGES for role in sorted(page.roles)],
)
def test_every_page_has_no_serious_accessibility_violation_for_each_role(
    filled_site,
    signed_in,
    page_name,
    role,
):
    shown = PAGE_NAMED[page_name]
    page = signed_in(role)
    page_open(page, filled_site.url(shown), status=shown.status)
    findings = axe_findings(page)
    assert not findings, "\n".join(findings)


def test_the_builder_with_an_intervention_form_open_has_no_serious_violation(
    filled_site,
    signed_in,
):
    page = signed_in(PLANNER)
    page_open(page, filled_site.url(PAGE_NAMED["builder"]))
    page.locator(".scenario-card select[name=kind]").first.select_option(index=1)
    page.locator(".palette-form").first.wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    findings = axe_findings(page)
    assert not findings, "\n".join(findings)


# Not the Models page: on the filled twin no prediction has settled yet, so it draws no chart
# (it says when the first check comes); charts.js sets the mode bar for every page alike.
@pytest.mark.parametrize("page_name", ["results", "tracking"])
def test_no_chart_offers_to_upload_itself_to_plotly_cloud(filled_site, signed_in, page_name):
    page = signed_in(VIEWER)
    page_open(page, filled_site.url(PAGE_NAMED[page_name]))
    assert page.locator(".modebar-btn").count() > 0  # the mode bar is there, without the button
    assert page.locator('.modebar-btn[data-title="Share chart..."]').count() == 0


OVERFLOWS = (Path(__file__).parent / "overflows.js").read_text()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", [page.name for page in PAGES if FULLEST_VIEW in page.roles])
def test_no_table_or_chart_runs_past_its_card(
    filled_site,
    signed_in,
    page_name,
    width,
):
    shown = PAGE_NAMED[page_name]
    page = signed_in(FULLEST_VIEW, width=width)
    page_open(page, filled_site.url(shown), status=shown.status)
    overflows = page.evaluate(OVERFLOWS)
    assert not overflows, "\n".join(overflows)
