"""run_projector rides out Redis outages: it keeps projecting, and pushes once Redis is back."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import redis

from apps.live.models import ProjectorCheckpoint
from apps.live.push import WATCHED_KEY, sequence_key
from apps.sources.models import Event
from tests.conftest import BASE_DIR, stop_process, wait_until
from tests.live.stream import ingest, pick
from twin_web.embedded_redis import embedded_redis_command, free_loopback_port, wait_for_redis

pytestmark = pytest.mark.slow


class PrivateRedis:
    """A redis-server of this test's own, on a fixed port, to stop and start at will."""

    def __init__(self, data_dir) -> None:
        self.port = free_loopback_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = embedded_redis_command(port=self.port, data_dir=data_dir)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, start_new_session=True)
        wait_for_redis(self.port, self.process, timeout_s=10)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()  # a stopped process takes SIGKILL too, but may linger as a zombie
            self.process.kill()
            self.process.wait()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


def caught_up() -> bool:
    head = Event.objects.order_by("-id").values_list("id", flat=True).first()
    done = ProjectorCheckpoint.objects.filter(last_event_id=head).exists()
    return head is not None and done


def test_the_projector_keeps_projecting_through_redis_outages_and_pushes_again_after(
    subprocess_env, demo_network, private_redis, settings, tmp_path
):
    # Ingestion announces to the same Redis, so its outage is felt on both sides.
    settings.REDIS_URL = private_redis.url
    log_path = tmp_path / "projector.log"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_projector"],
        cwd=BASE_DIR, env={**subprocess_env, "REDIS_URL": private_redis.url},
        stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    minutes = iter(range(10, 1000))

    def ingest_and_catch_up(what: str) -> None:
        ingest(*[pick(next(minutes), 60) for _ in range(3)])
        wait_until(caught_up, timeout_s=15, what=f"the projector to catch up {what}")
        assert process.poll() is None, log_path.read_text()

    def logged(text: str, times: int = 1) -> Callable[[], bool]:
        return lambda: log_path.read_text().count(text) >= times

    try:
        ingest_and_catch_up("with Redis up")
        private_redis.pause()
        ingest_and_catch_up("while Redis does not answer")
        wait_until(logged("Redis unavailable, retrying in"), timeout_s=15, what="a warning")
        ingest_and_catch_up("while it waits to try Redis again")
        private_redis.resume()
        wait_until(logged("Redis back after"), timeout_s=15, what="the recovery")

        private_redis.kill()
        ingest_and_catch_up("while Redis is down")
        wait_until(logged("Redis unavailable", 2), timeout_s=15, what="a second warning")
        ingest_and_catch_up("while it waits to try Redis again")
        private_redis.start()  # empty, on the same port
        client = redis.Redis.from_url(private_redis.url)
        client.zadd(WATCHED_KEY, {"network": 4_102_444_800})  # watched until 2100
        ingest_and_catch_up("after Redis came back")
        wait_until(logged("Redis back after", 2), timeout_s=15, what="a second recovery")
        wait_until(
            lambda: int(client.get(sequence_key("network")) or 0) > 0,
            timeout_s=15,
            what="a push to the network group through the new Redis",
        )
        client.close()
    finally:
        stop_process(process)
    log = log_path.read_text()
    assert process.returncode == 0, log
    assert log.count("Redis unavailable") == 2, log  # once per outage, however long
