"""In real Chromium, the states a filled twin does not show: every page before any event,
comparison or decision (an approver's badge at zero), and the live page once its server has
gone. axe-core finds no serious or critical violation in them, text contrast included."""

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import APPROVER
from tests.conftest import stop_process
from tests.e2e.every_page import axe_findings, page_open
from tests.e2e.test_live_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMPTY_PAGES = (
    "/live/",
    "/live/dc/NE/",
    "/network/",
    "/models/",
    "/scenarios/",
    "/decisions/",
    "/decisions/audit/",
    "/sources/",
)


def test_every_page_of_an_empty_twin_and_a_lost_live_page_pass_axe(
    page, start_daphne, role_user, demo_network
):
    role_user(APPROVER, username="ada", password="approver-pass-9")
    base_url = start_daphne()
    sign_in(page, base_url, "ada", "approver-pass-9")
    expect(page.locator("[data-decisions-badge]")).to_have_text("0")
    findings = []
    for path in EMPTY_PAGES:
        page_open(page, f"{base_url}{path}")
        findings += [f"{path}: {finding}" for finding in axe_findings(page)]

    page_open(page, f"{base_url}/live/")
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live")
    for process in start_daphne.processes:
        stop_process(process)
    expect(status).to_have_attribute("data-state", "reconnecting")
    findings += [f"/live/ reconnecting: {finding}" for finding in axe_findings(page)]
    assert not findings, "\n".join(findings)
