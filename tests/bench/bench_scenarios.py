"""Benchmark (issue 7): six scenarios and the baseline × 10 replications × 14 days on the
demo network, fanned out to real Celery workers: wall time from submit to the ranked
results with 2 worker processes and with 1, and the speed-up. On PostgreSQL and Redis.

Target: ≤ 60 s with 2 worker processes. Prints its figures, asserts no timing."""

import statistics
import time

import pytest
from django.db import connection

from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import (
    comparison_create,
    comparison_submit,
    finished_results_forget,
)
from tests.calibration.history import day, emulated_history
from tests.conftest import stop_process, wait_until

RUNS = 5
SHIFT = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "regions": ["MAT", "NEN"]}
CROSS_DOCK = {"kind": "RouteViaCrossDock", "regions": ["MAT", "NEN"], "cross_dock": "XD1"}
STAFF = {"kind": "ChangeHeadcount", "dc": "SE", "role": "pickers", "delta": 3, "shift": "Day"}
SCENARIOS = [
    {"name": f"Shift {share}%", "interventions": [SHIFT | {"share": share / 100}]}
    for share in (10, 20, 30, 40)
] + [
    {"name": "Shift 30% via XD1", "interventions": [SHIFT | {"share": 0.3}, CROSS_DOCK]},
    {"name": "Shift 30% + pickers", "interventions": [SHIFT | {"share": 0.3}, STAFF]},
]


@pytest.mark.django_db(transaction=True)
def test_scenarios_benchmark(demo_network, start_celery_worker):
    if connection.vendor != "postgresql":
        pytest.skip("the scenarios benchmark runs on PostgreSQL: set DATABASE_URL")
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    figures = {}
    for processes in (1, 2):
        worker = start_celery_worker(pool="prefork", concurrency=processes)
        comparison = comparison_create(
            spec={
                "name": f"Benchmark, {processes} worker process(es)",
                "horizon_days": 14,
                "replications": 10,
                "scenarios": SCENARIOS,
            }
        )
        started = time.perf_counter()
        comparison_submit(comparison, queue=worker.queue)  # autocommit: dispatched at once

        def closed(comparison: Comparison = comparison) -> bool:
            comparison.refresh_from_db()
            return comparison.status != Comparison.Status.RUNNING

        wait_until(closed, timeout_s=900, what="the benchmark comparison to finish")
        document = comparison_document(comparison)
        wall = time.perf_counter() - started
        assert comparison.status == Comparison.Status.DONE, comparison.error
        assert len(document["ranking"]["scenarios"]) == 7
        seconds = list(
            ReplicationRun.objects.filter(scenario__comparison=comparison).values_list(
                "seconds", flat=True
            )
        )
        figures[processes] = (wall, statistics.median(seconds), len(seconds))
        stop_process(worker.process, timeout_s=30)

    # Re-weighting the finished comparison: what a planner waits for on each change.
    weights = {"network.otif": 2.0, "network.total_cost_usd": 1.0}
    cold, warm = [], []
    for _ in range(RUNS):
        finished_results_forget()
        started = time.perf_counter()
        comparison_document(comparison, weights=weights)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        comparison_document(comparison, weights=weights)
        warm.append(time.perf_counter() - started)

    print()
    print("scenarios: 6 scenarios + baseline × 10 replications × 14 days, demo network")
    for processes, (wall, median, count) in figures.items():
        print(
            f"  {processes} worker process(es): {wall:.1f} s submit → ranked results "
            f"({count} replications, median {median:.2f} s each)"
        )
    speed_up = figures[1][0] / figures[2][0]
    print(f"  speed-up 2 vs 1 process(es): {speed_up:.2f}× (target: ≤ 60 s with 2)")
    print(
        f"  re-weighting the 70 replications, median of {RUNS}: "
        f"{1000 * statistics.median(cold):.0f} ms reading them, "
        f"{1000 * statistics.median(warm):.0f} ms once read"
    )
