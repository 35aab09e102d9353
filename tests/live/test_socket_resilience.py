"""The live socket stays open while nothing happens, and says so when Redis goes away.

Real daphne, real websocket clients, and a Redis of the test's own that it can stop.
"""

import os
import signal

import pytest
import redis
from websockets.exceptions import ConnectionClosed

from apps.accounts.roles import VIEWER
from apps.live.consumers import CLOSE_DEGRADED, HEARTBEAT_S
from tests.conftest import wait_until
from tests.live.test_push import open_socket, receive, session_cookie
from twin_web.embedded_redis import embedded_redis

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_idle_socket_is_not_dropped(start_daphne, role_user, demo_network):
    base_url = start_daphne()
    with open_socket(base_url, "/ws/live/", cookie=session_cookie(role_user(VIEWER))) as socket:
        receive(socket, kind="snapshot")
        # Two heartbeats: longer than channels-redis's 5 s wait for a message, which with
        # redis-py's 5 s read timeout used to drop every idle socket within about 6 s.
        for _ in range(2):
            receive(socket, kind="heartbeat", timeout_s=HEARTBEAT_S + 5)
        assert socket.protocol.close_code is None


def test_without_redis_a_socket_gets_the_state_and_word_of_the_outage(
    start_daphne, role_user, demo_network, tmp_path
):
    with embedded_redis(data_dir=tmp_path / "redis") as url:
        base_url = start_daphne(env_overrides={"REDIS_URL": url})
        cookie = session_cookie(role_user(VIEWER))
        watching = open_socket(base_url, "/ws/live/", cookie=cookie)
        receive(watching, kind="snapshot")
        pid = redis.Redis.from_url(url).info("server")["process_id"]
        os.kill(pid, signal.SIGSTOP)
        try:
            # A socket open when Redis froze is told, then closed for the page to retry.
            assert "Redis" in receive(watching, kind="degraded", timeout_s=30)["detail"]
            with pytest.raises(ConnectionClosed):
                watching.recv(timeout=30)
            assert watching.protocol.close_code == CLOSE_DEGRADED

            # One opened meanwhile gets the state as the database has it, and the same word.
            with open_socket(base_url, "/ws/live/", cookie=cookie) as socket:
                snapshot = receive(socket, kind="snapshot", timeout_s=30)
                assert [dc["dc"] for dc in snapshot["dcs"]] == ["MW", "NE", "SE", "W"]
                assert "Redis" in receive(socket, kind="degraded", timeout_s=30)["detail"]
                with pytest.raises(ConnectionClosed):
                    socket.recv(timeout=30)
                assert socket.protocol.close_code == CLOSE_DEGRADED
        finally:
            os.kill(pid, signal.SIGCONT)

        def live_again() -> bool:
            with open_socket(base_url, "/ws/live/", cookie=cookie) as socket:
                receive(socket, kind="snapshot")
                return receive(socket, kind="heartbeat", timeout_s=HEARTBEAT_S + 5)

        wait_until(live_again, timeout_s=60, what="the socket to work once Redis is back")
