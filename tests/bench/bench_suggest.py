"""Benchmark: "Suggest rebalances" end to end on the demo network: the planner's click (the
imbalance measured, the candidates built, the comparison created, frozen and handed out)
to the ranked results of its 16 candidates and the baseline × 10 replications × 14 days
(× 2 replications × 2 days in the short form) on 2 Celery worker processes, against its
peer measured in the same run: one replication (the median of the comparison's own) ×
the replications actually run ÷ processes, what a perfect fan-out of them with no overhead
would take. Suggest's candidates race (apps/scenarios/screening.py): the benchmark also says
how many replications the racing saved, which is where its answer gains on the peer of
running them all.

Target (issue 19): ≤ 60 s for the long form with 2 worker processes.
"""

import statistics
import time

import pytest

from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.suggestions import rebalance_suggest
from tests.bench.bench_scenarios import (
    comparison_ranked,
    replication_seconds,
    where_the_time_went,
)
from tests.calibration.history import day, emulated_history

PROCESSES = 2
# click → ranked ÷ (one replication × replications ÷ processes): the comparisons' gate, as
# the suggestion adds its candidates' building and freezing to the same fan-out.
GATE = 2.0


@pytest.mark.short
@pytest.mark.django_db(transaction=True)
def test_suggest_benchmark(demo_network, start_celery_worker, role_user, bench):
    replications, horizon_days = (2, 2) if bench.short else (10, 14)
    emulated_history(days=1)  # the demo's NE runs hot and SE cool over its last 24 hours
    calibrate(window=Window(day(0), day(1)))
    planner = role_user()
    worker = start_celery_worker(pool="prefork", concurrency=PROCESSES)
    started, clicked_at = time.perf_counter(), time.time()
    comparison = rebalance_suggest(
        user=planner,
        horizon_days=horizon_days,
        replications=replications,
        run_now=True,
        queue=worker.queue,
    )
    clicked = time.perf_counter() - started
    document, wall, seen_at = comparison_ranked(
        comparison, bench=bench, started=started, timeout_s=1800
    )
    scenarios = comparison.scenarios.count()
    assert scenarios == 17, scenarios  # 16 candidates on the demo network, and the baseline
    ranking = document.ranking
    assert len(ranking.scenarios) + len(ranking.screened_out) == scenarios
    # The ranked ones ran every replication; a screened one is not ranked on fewer.
    assert all(row.score.n == replications for row in ranking.scenarios)
    seconds = replication_seconds(comparison)
    median, count = statistics.median(seconds), len(seconds)
    planned = scenarios * replications
    assert count <= planned, (count, planned)

    bench.header(
        f'"Suggest rebalances": {scenarios - 1} candidates + baseline × {replications} '
        f"replications × {horizon_days} days, demo network, {PROCESSES} worker processes"
    )
    print(
        f"  the click (imbalance, candidates, comparison created, frozen, handed out): "
        f"{1000 * clicked:.0f} ms"
    )
    print(
        f"  {count} replications, median {median:.2f} s each, {sum(seconds):.1f} s in all "
        f"({sum(seconds) / PROCESSES:.1f} s per process)"
    )
    afters = sorted(row.after for row in ranking.screened_out)
    print(
        f"  racing: {len(afters)} of {scenarios - 1} candidates screened out"
        + (f" (after {', '.join(map(str, afters))} replications)" if afters else "")
        + f"; {count} of {planned} replications run, {planned - count} saved "
        f"({(planned - count) / planned:.0%}); {len(ranking.scenarios)} ranked on all "
        f"{replications}: "
        + ", ".join(f"{row.rank}. {row.name}" for row in ranking.scenarios[:3])
        + (", …" if len(ranking.scenarios) > 3 else "")
    )
    print(
        "  where the time went: "
        + where_the_time_went(comparison, clicked_at=clicked_at, seen_at=seen_at)
    )
    ideal = median * count / PROCESSES
    # What the racing gains, in the same run and so whatever the machine's load: the wall
    # time against a perfect fan-out of every replication asked for.
    print(
        f"  click → ranked vs a perfect fan-out of all {planned} replications "
        f"({median:.2f} s × {planned} ÷ {PROCESSES} = {median * planned / PROCESSES:.1f} s): "
        f"{wall / (median * planned / PROCESSES):.2f}×"
    )
    bench.ratio(
        "click → ranked vs one replication × replications ÷ processes",
        f"{wall:.1f} s (target ≤ 60 s for the long form)",
        f"{median:.2f} s × {count} ÷ {PROCESSES} = {ideal:.1f} s",
        wall / ideal,
        gate=GATE,
    )
