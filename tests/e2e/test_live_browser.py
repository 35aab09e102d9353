"""In real Chromium against real daphne and a real projector process: the live network page
follows events posted to the API without a reload, and survives a restart of daphne."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import expect

from apps.accounts.roles import PLANNER
from apps.live.projector import project_pending
from apps.sources.services import events_ingest
from apps.sources.tokens import source_token_create
from tests.conftest import stop_process
from tests.sources.events import event

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Event time on the hour, two to three hours ago: nothing lies in the future when posted,
# and the 60-minute window ends on an hour, where the hourly rows it reads are exact (an
# hour only partly inside the window counts pro rata).
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)


def happened(event_type: str, minutes: float, **payload) -> dict:
    sent = event(event_type, **payload)
    sent["occurred_at"] = (T0 + timedelta(minutes=minutes)).isoformat()
    return sent


def pick(minutes_done: float, duration_s: float, dc: str = "NE") -> dict:
    started = T0 + timedelta(minutes=minutes_done) - timedelta(seconds=duration_s)
    return happened("wms.pick_completed", minutes_done, dc=dc, started_at=started.isoformat(),
                    duration_s=duration_s, error=False)  # fmt: skip


def clock_in(worker: str, dc: str) -> dict:
    return happened("wms.labor_clock", 0, dc=dc, worker_id=worker, role="picker",
                    direction="in")  # fmt: skip


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/live/")


def test_the_live_page_follows_posted_events_and_reconnects_after_a_restart(
    page, start_daphne, projector_process, role_user, demo_network
):
    role_user(PLANNER, username="lee", password="planner-pass-3")
    token = source_token_create(source="wms")
    base_url = start_daphne()
    sign_in(page, base_url, "lee", "planner-pass-3")  # the live page is a planner's home

    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live")
    ne = page.locator("#dc-card-NE")
    expect(ne.locator('[data-field="utilisation"]')).to_have_text("no one clocked in")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    def post(*events: dict) -> None:
        response = httpx.post(f"{base_url}/api/v1/events", json=list(events),
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert response.status_code == 200 and response.json()["accepted"] == len(events)

    # One picker in NE, busy 30 of the 60 minutes; one in SE, busy 36 minutes.
    post(clock_in("NE-P1", "NE"), clock_in("SE-P1", "SE"), pick(60, 1800), pick(60, 2160, "SE"))
    expect(ne.locator('[data-field="utilisation"]')).to_have_text("50% utilised")
    expect(ne.locator(".gauge .number")).to_have_text("50%")
    expect(ne).to_have_attribute("data-band", "low")

    # Another 24 minutes of picking: 90%, over the red threshold, and the gap is called out.
    post(pick(60, 1440))
    expect(ne.locator('[data-field="utilisation"]')).to_have_text("90% utilised")
    expect(ne.locator(".gauge .number")).to_have_text("90%")
    expect(ne).to_have_attribute("data-band", "high")
    expect(page.locator("#imbalance")).to_contain_text("NE 90% vs SE 60%")
    expect(page.locator("#imbalance")).to_contain_text("30 points apart")
    expect(page.locator("#alerts")).to_contain_text("NE labour utilisation 90% ≥ 90%")
    assert page.evaluate("window.__sameDocument") is True

    # Kill the websocket server: the page says so plainly, keeps what it showed, and
    # reconnects by itself once daphne is back on its address.
    daphne = start_daphne.processes[-1]
    stop_process(daphne)
    expect(status).to_have_attribute("data-state", "reconnecting")
    expect(status).to_contain_text(re.compile("Reconnecting"))
    # Meanwhile an event arrives by another way in: the page catches up through the
    # snapshot it gets on reconnecting.
    result = events_ingest(items=[clock_in("NE-P2", "NE")])
    assert result.accepted == 1
    start_daphne(port=urlparse(base_url).port)
    expect(status).to_have_attribute("data-state", "live", timeout=30_000)
    expect(ne.locator('[data-field="on-shift"]')).to_have_text("2 pickers")
    assert page.evaluate("window.__sameDocument") is True


def test_the_dc_page_charts_its_hours_and_finds_and_sorts_stock(
    page, start_daphne, role_user, demo_network
):
    role_user(PLANNER, username="kim", password="planner-pass-4")
    stock = [happened("erp.inventory_adjusted", 0, sku=sku, dc="NE", delta=delta,
                      reason="opening balance")
             for sku, delta in (("FAS-0001", 100), ("FAS-0002", 40), ("ELE-0001", 70))]  # fmt: skip
    picked = [happened("wms.pick_completed", 30, sku=sku, qty=qty, dc="NE")
              for sku, qty in (("FAS-0001", 10), ("FAS-0002", 20), ("ELE-0001", 7))]  # fmt: skip
    assert events_ingest(items=stock + picked).accepted == 6
    project_pending()
    base_url = start_daphne()
    sign_in(page, base_url, "kim", "planner-pass-4")
    page.click("#dc-card-NE h2 a")
    page.wait_for_url(f"{base_url}/live/dc/NE/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    # Least cover first: FAS-0002 has 20 left after picking 20, the others more.
    rows = page.locator("#stock-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-sku", "FAS-0002")
    page.click('#stock-table th[data-sort="on_hand"] button')
    expect(rows.first).to_have_attribute("data-sku", "FAS-0002")
    page.click('#stock-table th[data-sort="on_hand"] button')  # again: descending
    expect(rows.first).to_have_attribute("data-sku", "FAS-0001")
    page.fill("#stock-search", "ele")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-sku", "ELE-0001")
    for chart in ("utilisation", "throughput", "backlog"):
        expect(page.locator(f'[data-chart="{chart}"] .main-svg').first).to_be_visible()
    expect(page.locator('[data-chart="labour"]')).to_be_hidden()  # nobody clocked in
    expect(page.locator("#event-table tbody tr")).to_have_count(6)


# Each tick label of every gauge on the page, against the box the gauge is drawn in (which
# clips what falls outside it): the pixels by which the label sticks out on any side.
TICKS_OUTSIDE = """() => [...document.querySelectorAll('.gauge')].flatMap((gauge) => {
  const box = gauge.getBoundingClientRect();
  return [...gauge.querySelectorAll('text')]
    .filter((t) => /^\\d+%$/.test(t.textContent) && !t.closest('.number'))
    .map((t) => {
      const r = t.getBoundingClientRect();
      return {label: t.textContent, out: Math.max(box.left - r.left, r.right - box.right,
                                                box.top - r.top, r.bottom - box.bottom)};
    });
})"""


def test_the_gauges_tick_labels_are_inside_their_boxes_at_common_widths(
    page, start_daphne, role_user, demo_network
):
    role_user(PLANNER, username="gus", password="planner-pass-5")
    base_url = start_daphne()
    sign_in(page, base_url, "gus", "planner-pass-5")
    for path in ("/live/", "/live/dc/NE/"):
        for width in (1280, 1400, 1920):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base_url}{path}")
            expect(page.locator(".gauge .main-svg").first).to_be_visible()
            ticks = page.evaluate(TICKS_OUTSIDE)
            assert {t["label"] for t in ticks} >= {"0%", "100%"}, (path, width, ticks)
            clipped = [t for t in ticks if t["out"] > 0]
            assert clipped == [], (path, width, clipped)
