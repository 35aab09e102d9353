"""Benchmark: the projector rebuilding the live state from 200,000 stored emulated events.

Target (issue 4): at least 20,000 events/s applied, on PostgreSQL. Run with `make bench`
(DATABASE_URL pointing at PostgreSQL); prints figures.
"""

import statistics
import time
from datetime import UTC, datetime

import pytest
from django.db import connection

from apps.live.models import OrderProgress
from apps.live.projector import live_state_reset, project_pending
from apps.sources.models import Event
from apps.sources.services import events_ingest
from apps.world.enterprise import Emulator

EVENTS = 200_000
RUNS = 3


def store_emulated_log() -> int:
    emulator = Emulator(start=datetime(2026, 10, 1, tzinfo=UTC), days=10, seed=1)
    batch, stored = [], 0
    for event in emulator.events():
        batch.append(event)
        if len(batch) == 5000 or stored + len(batch) == EVENTS:
            stored += events_ingest(items=batch).accepted
            batch = []
        if stored == EVENTS:
            break
    return stored


@pytest.mark.django_db(transaction=True)
def test_projector_benchmark(demo_network):
    if connection.vendor != "postgresql":
        pytest.skip("the projector benchmark runs on PostgreSQL: set DATABASE_URL")
    stored = store_emulated_log()
    assert stored == Event.objects.count() == EVENTS
    rates = []
    for _ in range(RUNS):
        live_state_reset()
        started = time.perf_counter()
        result = project_pending()
        elapsed = time.perf_counter() - started
        assert result.applied == EVENTS
        rates.append(EVENTS / elapsed)
    print()
    print(f"projector: rebuild from {EVENTS:,} stored emulated events, batches of 2,000, "
          "PostgreSQL")  # fmt: skip
    print(f"  {statistics.median(rates):,.0f} events/s median of {RUNS} "
          f"(runs: {', '.join(f'{r:,.0f}' for r in rates)}; target ≥ 20,000)")  # fmt: skip
    print(f"  state: {OrderProgress.objects.count():,} orders")
