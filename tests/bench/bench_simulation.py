"""Benchmark: one 14-day replication of the demo network, against bare salabim per event.

Targets (issue 5): a 14-day replication in ≤ 3 s; our cost per event ≤ 3× salabim's own.
Run with `make bench`; prints its figures, asserts no timing.
"""

import statistics
import time

from apps.simulation.model import run_replication
from tests.bench.bare_salabim import mmc_events_per_second
from tests.simulation.builders import demo_network

RUNS = 5
HORIZON_H = 14 * 24


def test_simulation_benchmark():
    snapshot, parameters = demo_network()
    run_replication(snapshot, parameters, replication=0, seed=1, horizon_hours=24)  # warm up
    model_s, salabim_s, events = [], [], 0
    probe_events, _ = mmc_events_per_second(customers=10_000)
    per_customer = probe_events / 10_000
    for run in range(RUNS):
        started = time.perf_counter()
        result = run_replication(
            snapshot, parameters, replication=run, seed=1, horizon_hours=HORIZON_H
        )
        model_s.append(time.perf_counter() - started)
        events = result.events
        # Same event count, interleaved with our runs so both see the same machine load.
        bare_events, seconds = mmc_events_per_second(customers=int(events / per_customer))
        salabim_s.append(seconds / bare_events)
    model_wall = statistics.median(model_s)
    model_per_event = statistics.median(s / events for s in model_s)
    salabim_per_event = statistics.median(salabim_s)
    ratio = model_per_event / salabim_per_event
    print()
    print(f"simulation: demo network (4 DCs, {len(snapshot.skus)} SKUs), 14 days, 1 replication")
    print(f"  orders {result.network.orders_created}, events {events}")
    print(f"  wall time median of {RUNS}: {model_wall:.2f} s (target ≤ 3 s)")
    print(f"  events/s: model {1 / model_per_event:,.0f}, ", end="")
    print(f"bare salabim M/M/8 {1 / salabim_per_event:,.0f}")
    print(f"  cost per event vs bare salabim: {ratio:.2f}× (target ≤ 3×)")
    print(f"  runs (s): {', '.join(f'{s:.2f}' for s in model_s)}")
