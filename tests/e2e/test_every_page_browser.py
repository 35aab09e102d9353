"""In real Chromium, every page of a filled twin as each role: axe-core finds no serious or
critical accessibility violation (text contrast included), and at 1280 and 1920 px no table
or chart runs past its card."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from apps.accounts.roles import APPROVER, PLANNER
from tests.e2e.every_page import PAGE_NAMED, PAGES, page_open, role_pages, site_served

# The twin is filled once for the module (see every_page); each test only reads it, inside a
# transaction of its own that it rolls back.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db]

AXE = Axe()
BLOCKING = {"serious", "critical"}
# The rows of a long table repeat one row's markup: axe checks the first twenty of each,
# which keeps a DC's 252 stock rows from tripling the time of its page.
AXE_CONTEXT = {"exclude": [["tbody tr:nth-child(n+21)"]]}
# Who sees the most of each page: an approver also plans, and is not the one who proposed.
FULLEST_VIEW = APPROVER
WIDTHS = (1280, 1920)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        site_served(log_dir=tmp_path_factory.mktemp("site")) as served,
    ):
        yield served


@pytest.fixture(scope="module")
def signed_in(chromium, site):
    with role_pages(chromium, site) as page_for:
        yield page_for


def _measured_too_faint(check: dict) -> bool:
    """axe files text whose colours it measured as equal (white on white) under "needs
    review", as perhaps hidden on purpose; on these pages such text is a visible control, so a
    measured ratio under the required one counts as a violation."""
    data = check.get("data") or {}
    ratio, required = data.get("contrastRatio"), data.get("expectedContrastRatio")
    return bool(ratio and required) and ratio < float(required.split(":")[0])


def axe_findings(page) -> list[str]:
    """Serious and critical violations, and text whose contrast axe measured too low, one
    line per element, saying what and where."""
    results = AXE.run(
        page, context=AXE_CONTEXT, options={"resultTypes": ["violations", "incomplete"]}
    ).response
    findings = [
        (violation, node)
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ] + [
        (review, node)
        for review in results["incomplete"]
        if review["id"] == "color-contrast"
        for node in review["nodes"]
        if any(_measured_too_faint(check) for check in node["any"])
    ]
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}: {', '.join(node['target'])}: "
        f"{''.join((node.get('failureSummary') or '').splitlines()[-1:]).strip()}"
        for rule, node in findings
    ]


@pytest.mark.parametrize(
    ("page_name", "role"),
    [(page.name, role) for page in PAGES for role in sorted(page.roles)],
)
def test_every_page_has_no_serious_accessibility_violation_for_each_role(
    site,
    signed_in,
    page_name,
    role,
):
    page = signed_in(role)
    page_open(page, site, PAGE_NAMED[page_name])
    findings = axe_findings(page)
    assert not findings, "\n".join(findings)


def test_the_builder_with_an_intervention_form_open_has_no_serious_violation(
    site,
    signed_in,
):
    page = signed_in(PLANNER)
    page_open(page, site, PAGE_NAMED["builder"])
    page.locator(".scenario-card select[name=kind]").first.select_option(index=1)
    page.locator(".palette-form").first.wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    findings = axe_findings(page)
    assert not findings, "\n".join(findings)


OVERFLOWS = (Path(__file__).parent / "overflows.js").read_text()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", [page.name for page in PAGES if FULLEST_VIEW in page.roles])
def test_no_table_or_chart_runs_past_its_card(
    site,
    signed_in,
    page_name,
    width,
):
    page = signed_in(FULLEST_VIEW, width=width)
    page_open(page, site, PAGE_NAMED[page_name])
    overflows = page.evaluate(OVERFLOWS)
    assert not overflows, "\n".join(overflows)
