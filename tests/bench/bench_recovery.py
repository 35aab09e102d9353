"""Benchmark: how soon the live state catches up after the projector is killed, and after
Redis is frozen or killed, with 1,000 events/s posted through the API.

Runs a whole twin as `make run` does (supervisord, embedded Redis; the suite's database
server when DATABASE_URL is PostgreSQL). "Caught up": the projector has applied events
committed after the moment measured from (so a new projector, or one that heard from
Redis again, is at work) and is within one second's traffic (1,000 events) of the log's
newest event. Measured from the kill -9 of the projector or of Redis, and from the moment
a frozen Redis is resumed. Run with `make bench`; prints figures.

The recovery must also be bounded: a figure past MAX_RECOVERY_S fails the benchmark.
"""

import os
import signal
import statistics
import time

import pytest

from tests.conftest import wait_until
from tests.twin_web.supervised import SupervisedTwin, own_database

RATE = 1000  # events/s
BATCH = 200
ROUNDS = 3
REDIS_FREEZE_S = 10
MAX_RECOVERY_S = 30.0


def seconds_to_catch_up(twin: SupervisedTwin, since: float, head_then: int) -> float:
    def caught_up() -> bool:
        head, checkpoint = twin.lag()
        return checkpoint > head_then and head - checkpoint <= RATE

    wait_until(caught_up, timeout_s=MAX_RECOVERY_S, what=f"catching up in {MAX_RECOVERY_S} s")
    return time.monotonic() - since


def now_and_head(twin: SupervisedTwin) -> tuple[float, int]:
    return time.monotonic(), twin.lag()[0]


def steady_lag(twin: SupervisedTwin, seconds: float = 5) -> float:
    lags = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        head, checkpoint = twin.lag()
        lags.append(head - checkpoint)
        time.sleep(0.1)
    return statistics.median(lags)


@pytest.mark.slow
def test_recovery_benchmark(tmp_path):
    results: dict[str, list[float]] = {"projector killed": [], "Redis frozen": [],
                                       "Redis killed": []}  # fmt: skip
    with own_database(tmp_path / "var") as database_url:
        database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
        twin = SupervisedTwin(tmp_path / "var", database_url, emulator=False)
        poster = None
        try:
            twin.start()
            poster = twin.poster(batch=BATCH, interval_s=BATCH / RATE)
            poster.start()
            wait_until(lambda: len(poster.acknowledged) > 5 * RATE, timeout_s=60, what="load")
            posted_at = time.monotonic(), len(poster.acknowledged)
            lag_before = steady_lag(twin)
            rate = (len(poster.acknowledged) - posted_at[1]) / (time.monotonic() - posted_at[0])
            worst_frozen_lag = 0
            for _ in range(ROUNDS):
                # The pid first: asking supervisord takes a moment, in which the projector
                # would apply events past the head read below.
                old = twin.pid("projector")
                moment = now_and_head(twin)
                os.kill(old, signal.SIGKILL)
                results["projector killed"].append(seconds_to_catch_up(twin, *moment))
                twin.wait_restarted("projector", old)

                twin.kill("redis", signal.SIGSTOP)
                frozen_until = time.monotonic() + REDIS_FREEZE_S
                while time.monotonic() < frozen_until:
                    head, checkpoint = twin.lag()
                    worst_frozen_lag = max(worst_frozen_lag, head - checkpoint)
                    time.sleep(0.2)
                twin.kill("redis", signal.SIGCONT)
                results["Redis frozen"].append(seconds_to_catch_up(twin, *now_and_head(twin)))

                old = twin.pid("redis")
                moment = now_and_head(twin)
                os.kill(old, signal.SIGKILL)
                results["Redis killed"].append(seconds_to_catch_up(twin, *moment))
                twin.wait_restarted("redis", old)
            lag_after = steady_lag(twin)
        finally:
            if poster is not None:
                poster.stop()
            twin.stop()
    print()
    print(f"recovery: a twin under `make run`'s supervisord, {rate:,.0f} events/s posted "
          f"through the API in batches of {BATCH}, caught up = within {RATE:,} events "
          f"of the log head; database: {database}")  # fmt: skip
    print(f"  steady lag: {lag_before:,.0f} events before, {lag_after:,.0f} after; "
          f"worst while Redis was frozen for {REDIS_FREEZE_S} s: {worst_frozen_lag:,}")  # fmt: skip
    for what, seconds in results.items():
        print(f"  {what}: {statistics.median(seconds):.2f} s to catch up, median of {ROUNDS} "
              f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})")  # fmt: skip
    assert poster.rejected == []
