"""In real Chromium against a real daphne: sign in as a planner and see the network."""

import pytest

from apps.accounts.roles import PLANNER

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_planner_signs_in_and_sees_the_four_dcs_on_the_network_page(
    page, start_daphne, role_user, demo_network
):
    role_user(PLANNER, username="pam", password="planner-pass-1")
    base_url = start_daphne()

    page.goto(f"{base_url}/network/")
    assert "/login/" in page.url
    page.fill("#id_username", "pam")
    page.fill("#id_password", "planner-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/network/")

    rows = page.locator("#dc-table tbody tr")
    assert rows.count() == 4
    codes = sorted(cell.split()[0] for cell in rows.locator("td:first-child").all_inner_texts())
    assert codes == ["MW", "NE", "SE", "W"]
    # The map was drawn by plotly.js served from our own static files.
    page.wait_for_selector('[data-plotly-figure][data-drawn="true"] .main-svg')
    assert page.locator(".mainnav a[aria-current=page]").inner_text() == "Network"


def test_static_assets_come_from_the_server_itself(page, start_daphne, role_user, demo_network):
    role_user(PLANNER, username="pia", password="planner-pass-2")
    base_url = start_daphne()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "pia")
    page.fill("#id_password", "planner-pass-2")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base_url}/network/")
    page.wait_for_selector('[data-drawn="true"]')
    assert requested
    assert all(url.startswith(base_url) for url in requested), requested
