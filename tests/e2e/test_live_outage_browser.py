"""In real Chromium: while Redis is frozen the live page keeps its figures and says why
updates paused, and it goes live again by itself once Redis answers."""

import os
import signal

import pytest
import redis
from playwright.sync_api import expect

from apps.accounts.roles import VIEWER
from tests.e2e.test_live_browser import sign_in
from twin_web.embedded_redis import embedded_redis

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_live_page_says_redis_is_away_and_recovers(
    page, start_daphne, role_user, demo_network, tmp_path
):
    role_user(VIEWER, username="vic", password="viewer-pass-3")
    with embedded_redis(data_dir=tmp_path / "redis") as url:
        base_url = start_daphne(env_overrides={"REDIS_URL": url})
        sign_in(page, base_url, "vic", "viewer-pass-3")
        status = page.locator("#live-status")
        expect(status).to_have_attribute("data-state", "live")
        cards = page.locator("[data-dc]")
        expect(cards).to_have_count(4)

        pid = redis.Redis.from_url(url).info("server")["process_id"]
        os.kill(pid, signal.SIGSTOP)
        try:
            expect(status).to_have_attribute("data-state", "degraded", timeout=60_000)
            expect(status).to_contain_text("Live updates paused: Redis")
            expect(status).to_contain_text("Reconnecting")
            expect(cards).to_have_count(4)  # the figures stay on the page
        finally:
            os.kill(pid, signal.SIGCONT)
        expect(status).to_have_attribute("data-state", "live", timeout=60_000)
