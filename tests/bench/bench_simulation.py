"""Benchmark: the engine against its peers, interleaved run by run in the same process.

1. One 14-day replication of the demo network, its cost per event against bare salabim's
   (tests/bench/bare_salabim.py) on as many events: each run divided by its own count.
2. The same M/M/c queue (c = 8, ρ = 0.9) through the engine's one-DC network and through
   a textbook SimPy model (a process per customer, a Resource): customers per second.

Targets (issue 19): a replication ≤ 0.75 s and ≤ 2× salabim per event; ≥ 0.5× SimPy's
customers/s. The gates sit above the spread measured on the 2-core machine.
"""

import random
import statistics
import time

import pytest
import simpy

from apps.simulation.model import run_replication
from tests.bench.bare_salabim import mmc_events_per_second
from tests.simulation.builders import demo_network, erlang_c_wait, single_queue

SERVERS = 8
LOAD = 0.9
# Cost ratios by form (short?). Set 2026-12-05 above the spread measured (load average
# 5-12) and below twice the lowest; reset 2026-12-06 after the actors' short paths through
# salabim (apps/simulation/actors.py): engine ÷ bare salabim per event, short 1.99-2.04×,
# long 1.99× (load 2-3); engine ÷ SimPy per customer, short 1.93-1.97×, long 1.90×. The
# loaded runs of the day before ran up to 1.5× (per event) and 1.8× (SimPy) above that
# day's quiet ones, which puts these gates below twice the lowest and above a loaded run.
GATE_PER_EVENT = {True: 3.5, False: 3.5}
GATE_SIMPY = {True: 3.8, False: 3.8}


def simpy_mmc(*, customers: int, servers: int = SERVERS, load: float = LOAD) -> float:
    """Mean wait in queue (service times) of the textbook SimPy M/M/c."""
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    rng = random.Random(1)
    waits: list[float] = []

    def customer(env: simpy.Environment):
        arrived = env.now
        with desk.request() as turn:
            yield turn
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1.0))

    def arrivals(env: simpy.Environment):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(load * servers))
            env.process(customer(env))

    env.process(arrivals(env))
    env.run()
    assert len(waits) == customers
    return statistics.fmean(waits)


@pytest.mark.short
def test_simulation_benchmark(bench):
    runs = 3 if bench.short else 5
    horizon_h = (3 if bench.short else 14) * 24
    customers = 20_000 if bench.short else 60_000
    snapshot, parameters = demo_network()
    run_replication(snapshot, parameters, replication=0, seed=1, horizon_hours=24)  # warm up
    probe_events, _ = mmc_events_per_second(customers=10_000)
    per_customer = probe_events / 10_000

    model_s, model_per_event, salabim_per_event, events = [], [], [], []
    for run in range(runs):
        result, seconds = bench.timed(
            lambda run=run: run_replication(
                snapshot, parameters, replication=run, seed=1, horizon_hours=horizon_h
            )
        )
        assert result.events > 0 and result.network.orders_created > 0
        model_s.append(seconds)
        events.append(result.events)
        model_per_event.append(seconds / result.events)
        # As many events, right after our run, so that both see the same machine load.
        bare_events, bare_s = mmc_events_per_second(customers=int(result.events / per_customer))
        salabim_per_event.append(bare_s / bare_events)

    queue, queue_params = single_queue(orders_per_hour=LOAD * SERVERS, pickers=SERVERS)
    hours = customers / (LOAD * SERVERS)
    engine_rate, simpy_rate, bare_rate, waits = [], [], [], []
    for run in range(runs):
        result, seconds = bench.timed(
            lambda run=run: run_replication(
                queue, queue_params, replication=run, seed=2, horizon_hours=hours
            )
        )
        engine_rate.append(result.network.orders_created / seconds)
        waits.append(result.dc("D1").pick_wait_hours_mean)
        started = time.perf_counter()
        wait = simpy_mmc(customers=customers)
        simpy_rate.append(customers / (time.perf_counter() - started))
        waits.append(wait)
        bare_events, seconds = mmc_events_per_second(customers=customers)
        bare_rate.append(customers / seconds)
    theory = erlang_c_wait(arrival_rate=LOAD * SERVERS, service_rate=1.0, servers=SERVERS)
    # Both models must be the queue they claim to be: at ρ = 0.9 one run's mean wait
    # swings widely, so only a gross error (a wrong rate, a lost server) fails here.
    assert all(0.4 * theory < w < 2.5 * theory for w in waits), (waits, theory)

    # Gated on the best run of each: load only ever adds time, so the minima are the
    # figures a busy machine disturbs least.
    per_event = min(model_per_event) / min(salabim_per_event)
    versus_simpy = max(simpy_rate) / max(engine_rate)
    bench.header(
        f"simulation: demo network (4 DCs, {len(snapshot.skus)} SKUs), "
        f"{horizon_h // 24} days, {runs} runs interleaved with their peers"
    )
    print(
        f"  replication wall time median {statistics.median(model_s):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in model_s)}; target ≤ 0.75 s for 14 days), "
        f"events per run {min(events):,}-{max(events):,}"
    )
    bench.ratio(
        "cost per event vs bare salabim",
        f"{1 / min(model_per_event):,.0f} events/s (best of {runs})",
        f"{1 / min(salabim_per_event):,.0f} events/s bare salabim",
        per_event,
        gate=GATE_PER_EVENT[bench.short],
    )
    print(
        f"  M/M/{SERVERS} at ρ = {LOAD}, {customers:,} customers: engine "
        f"{statistics.median(engine_rate):,.0f}/s, SimPy {statistics.median(simpy_rate):,.0f}/s, "
        f"bare salabim {statistics.median(bare_rate):,.0f}/s; mean wait "
        f"{statistics.fmean(waits):.3f} vs Erlang C {theory:.3f} service times"
    )
    bench.ratio(
        "M/M/8 cost per customer vs SimPy",
        f"{max(engine_rate):,.0f} customers/s (best of {runs})",
        f"{max(simpy_rate):,.0f} customers/s textbook SimPy",
        versus_simpy,
        gate=GATE_SIMPY[bench.short],
    )
