"""Chaos against a running twin with events flowing: every process killed in turn, Redis
stopped and killed; the twin comes back, loses no acknowledged event and projects each once.

Every acknowledged event is checked to be stored after each kill; the live state is
compared with a rebuild once, at the end: projection is cumulative, so an event applied
twice or skipped at any step would still show then.
"""

import signal
import time

import httpx
import pytest

from tests.conftest import wait_until
from tests.twin_web.supervised import PROGRAMS, SupervisedTwin, own_database

REDIS_PAUSE_S = 20


def acknowledged_grows(poster, *, within_s: float) -> bool:
    before = len(poster.acknowledged)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if len(poster.acknowledged) > before:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_the_twin_survives_each_process_and_redis_going_away(tmp_path):
    with own_database(tmp_path / "var") as database_url:
        twin = SupervisedTwin(tmp_path / "var", database_url)
        poster = None
        try:
            twin.start()
            poster = twin.poster(batch=20, interval_s=0.2)
            poster.start()
            assert acknowledged_grows(poster, within_s=30), twin.log_tail()

            for program in PROGRAMS:
                old = twin.kill(program)
                twin.wait_restarted(program, old)
                wait_until(twin.healthy, timeout_s=60, what=f"/healthz after killing {program}")
                assert acknowledged_grows(poster, within_s=30), f"after {program}: no events"
                acknowledged = set(poster.acknowledged)
                assert acknowledged <= set(twin.probe("stored", poster.prefix)), program
            assert "exited: projector (terminated by SIGKILL" in twin.log_path.read_text()

            # Redis frozen: ingestion goes on committing, the health check says Redis is down.
            twin.kill("redis", signal.SIGSTOP)
            try:
                paused_at = time.monotonic()
                assert acknowledged_grows(poster, within_s=REDIS_PAUSE_S / 2), twin.log_tail()
                health = httpx.get(f"{twin.base_url}/healthz", timeout=10)
                assert health.status_code == 503
                assert health.json()["checks"]["redis"]["ok"] is False
                time.sleep(max(0.0, REDIS_PAUSE_S - (time.monotonic() - paused_at)))
            finally:
                twin.kill("redis", signal.SIGCONT)
            wait_until(twin.healthy, timeout_s=60, what="/healthz once Redis is back")
            wait_until(twin.caught_up, timeout_s=90, what="the projector to catch up after Redis")

            # Redis killed: supervisord starts an empty one on the same port.
            twin.wait_restarted("redis", twin.kill("redis"))
            wait_until(twin.healthy, timeout_s=60, what="/healthz after Redis restarted")
            assert acknowledged_grows(poster, within_s=30)
            wait_until(twin.caught_up, timeout_s=90, what="the projector to catch up")

            poster.stop()
            assert poster.rejected == []
            stored = twin.probe("stored", poster.prefix)
            assert len(stored) == len(set(stored))
            assert set(stored) == poster.acknowledged
            assert len(poster.acknowledged) > 200

            status = twin.status()
            assert all(status[name][0] == "RUNNING" for name in PROGRAMS), status
            twin.ctl("stop", "twin:emulator")
            wait_until(twin.caught_up, timeout_s=90, what="the projector to catch up")
            live = twin.probe("fingerprint")
            twin.ctl("stop", "twin:projector")
            twin.manage("rebuild_live")
            rebuilt = twin.probe("fingerprint")
            for table in live:
                assert live[table] == rebuilt[table], f"{table} differs from a rebuild"
        finally:
            if poster is not None:
                poster.stop()
            twin.stop()
        assert twin.leftovers() == []
