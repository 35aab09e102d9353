"""Websocket push: who may connect, snapshot then deltas, sequence numbers, coalescing.

The consumers run in a real daphne; the clients are real websocket clients; the channel
layer is the real Redis.
"""

import itertools
import json

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from apps.accounts.roles import VIEWER
from apps.live import push
from apps.live.projector import project_pending
from apps.live.push import NETWORK_GROUP, Publisher, mark_watched
from tests.conftest import run_in_thread
from tests.live.stream import happened, ingest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def open_socket(base_url: str, path: str, *, cookie: str | None, origin: str | None = None):
    headers = {"Cookie": cookie} if cookie else {}
    return connect(
        base_url.replace("http://", "ws://") + path,
        origin=origin or base_url,
        additional_headers=headers,
        open_timeout=10,
    )


def receive(socket, *, kind: str, timeout_s: float = 10) -> dict:
    """The next message of a kind, skipping heartbeats."""
    while True:
        message = json.loads(socket.recv(timeout=timeout_s))
        if message["type"] == kind:
            return message


def test_anonymous_and_foreign_origin_connections_are_refused(
    start_daphne, role_user, demo_network
):
    base_url = start_daphne()
    with pytest.raises(InvalidStatus) as anonymous:
        open_socket(base_url, "/ws/live/", cookie=None)
    assert anonymous.value.response.status_code == 403
    cookie = session_cookie(role_user(VIEWER))
    with pytest.raises(InvalidStatus) as foreign:
        open_socket(base_url, "/ws/live/", cookie=cookie, origin="http://evil.example")
    assert foreign.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as roleless:
        open_socket(base_url, "/ws/live/", cookie=session_cookie(role_user()))
    assert roleless.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        open_socket(base_url, "/ws/live/dc/XX/", cookie=cookie)


def test_a_snapshot_on_connect_then_a_delta_after_an_event(start_daphne, role_user, demo_network):
    base_url = start_daphne()
    cookie = session_cookie(role_user(VIEWER))
    with open_socket(base_url, "/ws/live/", cookie=cookie) as socket:
        snapshot = receive(socket, kind="snapshot")
        assert snapshot["group"] == NETWORK_GROUP
        assert [dc["dc"] for dc in snapshot["dcs"]] == ["MW", "NE", "SE", "W"]
        assert snapshot["watermark"] is None

        ingest(happened("wms.order_released", 0, order_id="SO-P1", dc="NE"))
        project_pending()
        publisher = Publisher()  # the socket above marked the network group watched
        publisher.note({"NE"})
        run_in_thread(publisher.flush)
        delta = receive(socket, kind="delta")
        assert delta["seq"] == snapshot["seq"] + 1
        assert delta["watermark"] is not None
        assert [dc["dc"] for dc in delta["dcs"]] == ["NE"]  # only what changed
        assert delta["dcs"][0]["backlog_orders"] == 1

        socket.send(json.dumps({"type": "resync"}))
        again = receive(socket, kind="snapshot")
        assert again["seq"] == delta["seq"]
        assert len(again["dcs"]) == 4
        publisher.close()

    with open_socket(base_url, "/ws/live/dc/NE/", cookie=cookie) as socket:
        detail = receive(socket, kind="snapshot")
        assert detail["group"] == "dc.NE"
        assert detail["dc"]["backlog_orders"] == 1
        assert detail["events"][0]["type"] == "wms.order_released"
        assert set(detail["charts"]) == {"utilisation", "throughput", "backlog", "labour"}


def watch(*groups: str) -> None:
    for group in groups:
        mark_watched(group)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_coalescing_sends_at_most_one_message_per_group_per_interval(demo_network):
    watch(NETWORK_GROUP, "dc.NE", "dc.SE")
    clock = FakeClock()
    publisher = Publisher(network_interval_s=0.2, dc_interval_s=1.0, clock=clock)
    # 1,000 projector batches in two seconds, each changing NE and SE.
    for step in range(1000):
        clock.now = step * 0.002
        publisher.note({"NE", "SE"})
        run_in_thread(publisher.flush)
    clock.now = 2.0
    while run_in_thread(publisher.flush) is not None:
        clock.now += 0.05
    # Network: at most one per 0.2 s over 2 s (+ the first, sent at once, + the last one
    # held back); each DC group at most one per second. And at least one per interval, as
    # every interval had changes: coalescing delays a change, it never drops one.
    assert 2.0 / 0.2 <= publisher.sent_by_group[NETWORK_GROUP] <= 2.0 / 0.2 + 2
    assert 2.0 / 1.0 <= publisher.sent_by_group["dc.NE"] <= 2.0 / 1.0 + 2
    assert 2.0 / 1.0 <= publisher.sent_by_group["dc.SE"] <= 2.0 / 1.0 + 2
    # Nothing noted is lost: the last change was sent.
    assert not publisher.pending
    publisher.close()


def test_a_quiet_group_gets_its_first_change_at_once(demo_network):
    watch(NETWORK_GROUP, "dc.NE")
    clock = FakeClock()
    publisher = Publisher(network_interval_s=0.2, dc_interval_s=1.0, clock=clock)
    publisher.note({"NE"})
    assert run_in_thread(publisher.flush) is None  # both groups went out immediately
    assert publisher.sent_by_group == {NETWORK_GROUP: 1, "dc.NE": 1}
    clock.now = 0.05
    publisher.note({"NE"})
    assert run_in_thread(publisher.flush) == pytest.approx(
        0.15
    )  # held back for the rest of the interval
    publisher.close()


def test_groups_nobody_watches_get_no_messages(demo_network):
    watch(NETWORK_GROUP)
    publisher = Publisher(network_interval_s=0.2, dc_interval_s=1.0, clock=FakeClock())
    publisher.redis.zrem("twin:live:watched", "dc.W")
    publisher.note({"W"})
    assert run_in_thread(publisher.flush) is None
    assert publisher.sent_by_group == {NETWORK_GROUP: 1}
    assert not publisher.pending
    publisher.close()


def test_the_interval_runs_from_when_a_message_was_read_not_from_when_it_went_out(
    demo_network, monkeypatch
):
    watch(NETWORK_GROUP)
    clock = FakeClock()
    building = push.network_document

    def slow_build(**kwargs) -> dict:
        clock.now += 0.03  # building and sending a message takes time
        return building(**kwargs)

    monkeypatch.setattr(push, "network_document", slow_build)
    publisher = Publisher(network_interval_s=0.2, dc_interval_s=1.0, clock=clock)
    publisher.redis.zrem("twin:live:watched", "dc.NE")
    publisher.note({"NE"})
    run_in_thread(publisher.flush)
    clock.now = 0.2
    publisher.note({"NE"})
    # Read at 0 and at 0.2: one interval apart, though the first was out only at 0.03.
    assert run_in_thread(publisher.flush) is None
    assert publisher.sent_by_group == {NETWORK_GROUP: 2}
    publisher.close()


def test_the_slow_parts_are_refreshed_in_turn_each_once_a_refresh_period(demo_network, monkeypatch):
    watch(NETWORK_GROUP)
    clock = FakeClock()
    refreshed: list[tuple[float, str]] = []

    def recorded(name: str):
        read = getattr(push, name)

        def reading(**kwargs):
            refreshed.append((clock.now, name))
            return read(**kwargs)

        return reading

    for name in ("lane_state_list", "network_kpis"):
        monkeypatch.setattr(push, name, recorded(name))
    publisher = Publisher(network_interval_s=0.05, dc_interval_s=1.0, clock=clock)
    publisher.redis.zrem("twin:live:watched", "dc.NE")
    seconds = 4 * push.SLOW_PARTS_REFRESH_S
    for step in range(int(seconds / 0.05)):  # a change every 50 ms, as at 1,000 events/s
        clock.now = step * 0.05
        publisher.note({"NE"})
        run_in_thread(publisher.flush)
    lanes = [at for at, name in refreshed if name == "lane_state_list"]
    kpis = [at for at, name in refreshed if name == "network_kpis"]
    # Both for the first message; then each every refresh period, never both at once.
    assert lanes[0] == kpis[0] == 0.0
    for times in (lanes, kpis):
        gaps = [later - earlier for earlier, later in itertools.pairwise(times[1:])]
        assert gaps and all(g == pytest.approx(push.SLOW_PARTS_REFRESH_S, abs=0.06) for g in gaps)
    assert not set(lanes[1:]) & set(kpis[1:])
    assert len(lanes) + len(kpis) >= 2 * seconds / push.SLOW_PARTS_REFRESH_S
    publisher.close()
