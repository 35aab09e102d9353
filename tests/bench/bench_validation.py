"""Benchmark: the twin's report card. Every intervention the twin can propose, predicted by
the twin calibrated on the unchanged world's history and then carried out by the world
(tests/world/validation.py), over a longer horizon and with more replications than the
suite's test. Prints the table (intervention, KPI, predicted Δ, 95% interval, tolerance,
world Δ, verdict, and each KPI's level without the change) and the seconds it took.
Any database."""

import time

import pytest

from tests.world.validation import INTERVENTIONS, history_into_twin, table, validate

WORLD_SEED = 1727
COMPARISON_SEED = 1728
HORIZON_DAYS = 4.0  # Monday to Thursday: the working days after the change
REPLICATIONS = 10


@pytest.mark.django_db(transaction=True)
def test_validation_report_card(demo_network, bench):
    started = time.perf_counter()
    history = history_into_twin(seed=WORLD_SEED, horizon_days=HORIZON_DAYS)
    calibrated = time.perf_counter() - started
    by_kind = validate(
        history, list(INTERVENTIONS.values()), replications=REPLICATIONS, seed=COMPARISON_SEED
    )
    rows = [row for kind_rows in by_kind.values() for row in kind_rows]
    total = time.perf_counter() - started
    passed = sum(row.passes for row in rows)
    bench.header("validation: the report card")
    print(
        f"Report card: {HORIZON_DAYS:g} days after the change, {REPLICATIONS} replications, "
        f"world seed {WORLD_SEED}; {passed} of {len(rows)} figures within tolerance\n"
    )
    print(table(rows))
    print(f"\nhistory into the twin ({history.events} events, calibrated): {calibrated:.0f} s")
    print(f"prediction and worlds for {len(by_kind)} interventions: {total - calibrated:.0f} s")
    print(f"total: {total:.0f} s")
