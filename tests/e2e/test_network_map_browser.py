"""In real Chromium against real daphne: the network and live pages draw the map with its
state outlines and coloured lanes from our own server alone, and the live map follows
deliveries over the websocket."""

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from apps.accounts.roles import PLANNER
from apps.live.projector import project_pending
from apps.network.charts import lateness_colour
from apps.sources.services import events_ingest
from apps.sources.tokens import source_token_create
from tests.conftest import wait_until
from tests.e2e.test_live_browser import sign_in
from tests.network.deliveries import three_deliveries_one_late
from tests.sources.events import event

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Event time two hours ago, on the hour: every delivery lies in the past when posted.
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
LATE_CORRIDOR = "most often late is NE to MAT, 33% of 3 late"
# How the browser reports apps.network.charts' OUTLINE_COLOUR and NO_DATA_COLOUR.
OUTLINE_COLOUR_RGB, NO_DATA_COLOUR_RGB = "rgb(195, 202, 212)", "rgb(163, 172, 185)"


def stroke_colours(page, chart: str) -> set[str]:
    """The colours plotly drew the chart's lines in, as rgb(...) strings."""
    return set(page.eval_on_selector_all(f"{chart} path.js-line",
                                         "paths => paths.map(p => p.style.stroke)"))  # fmt: skip


def outline_rings(page, chart: str) -> int:
    """How many separate lines the first trace (the state outlines) was drawn as."""
    return page.locator(f"{chart} .scatterlayer .trace").first.locator("path.js-line").count()


def test_both_maps_draw_outlines_and_coloured_lanes_from_our_server_alone(
    page, start_daphne, role_user, demo_network
):
    assert events_ingest(items=three_deliveries_one_late(T0)).rejected == 0
    project_pending()
    role_user(PLANNER, username="mae", password="planner-pass-5")
    base_url = start_daphne()
    requested, sockets = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda socket: sockets.append(socket.url))
    sign_in(page, base_url, "mae", "planner-pass-5")
    late = lateness_colour(1 / 3)

    live_map = "#lane-map"
    expect(page.locator(f"{live_map} .main-svg").first).to_be_visible()
    assert outline_rings(page, live_map) >= 48  # a ring or more per state
    assert {late, NO_DATA_COLOUR_RGB} <= stroke_colours(page, live_map)
    expect(page.locator(live_map)).to_have_attribute("aria-label", re.compile(LATE_CORRIDOR))

    page.goto(f"{base_url}/network/")
    network_map = '[data-plotly-figure="network-map-figure"]'
    page.wait_for_selector(f'{network_map}[data-drawn="true"] .main-svg')
    assert outline_rings(page, network_map) >= 48
    assert {late, NO_DATA_COLOUR_RGB} <= stroke_colours(page, network_map)
    assert LATE_CORRIDOR in page.locator(network_map).get_attribute("aria-label")
    expect(page.locator(f"{network_map} .colorbar")).to_have_count(1)

    assert requested and all(url.startswith(base_url) for url in requested), requested
    assert sockets and all(url.startswith(base_url.replace("http", "ws")) for url in sockets)


def test_the_live_map_colours_a_lane_once_its_deliveries_arrive(
    page, start_daphne, projector_process, role_user, demo_network
):
    role_user(PLANNER, username="max", password="planner-pass-6")
    tokens = {source: source_token_create(source=source) for source in ("erp", "wms", "tms", "iot")}
    base_url = start_daphne()
    sign_in(page, base_url, "max", "planner-pass-6")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    live_map = page.locator("#lane-map")
    expect(live_map).to_have_attribute("aria-label", re.compile("every corridor is grey"))
    # The outlines and the home corridors, grey: nothing delivered yet.
    assert stroke_colours(page, "#lane-map") == {OUTLINE_COLOUR_RGB, NO_DATA_COLOUR_RGB}

    def post(*events: dict) -> None:
        """In order, each through its own source's token, as the source systems would."""
        for sent in events:
            token = tokens[sent["type"].split(".", 1)[0]]
            response = httpx.post(f"{base_url}/api/v1/events", json=[sent],
                                  headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert response.status_code == 200, response.text

    post(*three_deliveries_one_late(T0))
    posted_at = [time.monotonic()]

    def coloured() -> bool:
        # The lanes' figures are recomputed every few seconds and go out with the next
        # change: keep a trickle of readings coming, as a live network would.
        if time.monotonic() - posted_at[0] > 1:
            post({**event("iot.reading"), "occurred_at": (T0 + timedelta(minutes=100)).isoformat()})
            posted_at[0] = time.monotonic()
        return LATE_CORRIDOR in (live_map.get_attribute("aria-label") or "")

    wait_until(coloured, timeout_s=45, what="the live map to colour NE to the Mid-Atlantic")
    wait_until(lambda: lateness_colour(1 / 3) in stroke_colours(page, "#lane-map"), timeout_s=5,
               what="the lane drawn in its lateness colour")  # fmt: skip
    # The lanes' rows give the 7-day late counts the map's colours come from.
    late_7d = page.locator('#lane-table tbody tr[data-lane^="NE-MAT"] td:nth-child(8)')
    expect(late_7d.first).to_have_text(re.compile(r"^\d+ of \d+ \(\d+%\)$"))
