"""Benchmark: 200,000 emulated events over HTTP to daphne by 2 concurrent clients, then resent.

Target (issue 3): at least 10,000 events/s accepted on the 2-core reference machine, with
PostgreSQL. Run with `make bench` (DATABASE_URL pointing at PostgreSQL); prints figures.
"""

import json
import statistics
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from django.db import connection

from apps.sources.models import Event
from apps.sources.tokens import source_token_create
from apps.world.enterprise import Emulator

EVENTS = 200_000
BATCH = 1000


def emulated_batches() -> list[tuple[str, bytes]]:
    """(source, JSON body) batches of one source each, in stream order."""
    emulator = Emulator(start=datetime(2026, 10, 1, tzinfo=UTC), days=10, seed=1)
    pending: dict[str, list[dict]] = {}
    batches = []
    for count, event in enumerate(emulator.events(), start=1):
        batch = pending.setdefault(event["source"], [])
        batch.append(event)
        if len(batch) == BATCH:
            batches.append((event["source"], json.dumps(batch).encode()))
            pending[event["source"]] = []
        if count == EVENTS:
            break
    batches += [(s, json.dumps(b).encode()) for s, b in pending.items() if b]
    return batches


def post_all(base_url: str, tokens: dict, batches: list, clients: int = 2) -> tuple[float, list]:
    latencies: list[float] = []
    lock = threading.Lock()
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}

    def client(share: list) -> None:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            for source, body in share:
                started = time.perf_counter()
                response = http.post(
                    "/api/v1/events",
                    content=body,
                    headers={"Authorization": f"Bearer {tokens[source]}",
                             "Content-Type": "application/json"},
                )  # fmt: skip
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                counts = response.json()
                with lock:
                    latencies.append(elapsed)
                    for key in totals:
                        totals[key] += counts[key]

    threads = [threading.Thread(target=client, args=(batches[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, totals


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@pytest.mark.django_db(transaction=True)
def test_ingestion_benchmark(start_daphne, demo_network):
    if connection.vendor != "postgresql":
        pytest.skip("the ingestion benchmark runs on PostgreSQL: set DATABASE_URL")
    batches = emulated_batches()
    total = sum(body.count(b'"event_id"') for _, body in batches)
    tokens = {s: source_token_create(source=s) for s in ("erp", "wms", "tms", "crm", "iot")}
    base_url = start_daphne()

    wall, latencies, totals = post_all(base_url, tokens, batches)
    rows = Event.objects.count()
    resend_wall, resend_latencies, resend = post_all(base_url, tokens, batches)
    rows_after = Event.objects.count()

    print()
    print(f"ingestion: {total} emulated events in {len(batches)} batches of ≤{BATCH}, 2 clients,")
    print("  daphne (1 process) + PostgreSQL")
    print(f"  accepted {totals['accepted']} ({totals['rejected']} rejected) in {wall:.1f} s: "
          f"{totals['accepted'] / wall:,.0f} events/s (target ≥ 10,000)")  # fmt: skip
    print(f"  request latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms")  # fmt: skip
    print(f"  resend: {resend['duplicate']} duplicates in {resend_wall:.1f} s: "
          f"{resend['duplicate'] / resend_wall:,.0f} duplicates/s, "
          f"p50 {statistics.median(resend_latencies) * 1000:.0f} ms; "
          f"new rows {rows_after - rows}")  # fmt: skip
    assert rows == totals["accepted"] == total
    assert rows_after == rows
