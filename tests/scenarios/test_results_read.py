"""A finished comparison is read for its ranking without its hourly points: it ranks as
when read whole, its page still draws the chosen scenarios' hourly lines, and at the size
of 70 fourteen-day replications no query brings the hourly points back."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import VIEWER
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.run_selectors import comparison_results, finished_results_forget
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import baseline_add
from apps.scenarios.specs import BASELINE, DEFAULT_WEIGHTS
from apps.simulation.interventions import ShiftVolume
from apps.simulation.model import run_replication
from apps.simulation.serialization import intervention_to_jsonable, to_jsonable
from tests.simulation.builders import demo_network

pytestmark = pytest.mark.slow

SHIFT = ShiftVolume("NE", "SE", 0.3, regions=("MAT", "NEN"))


def finished_comparison(*, horizon_days: int, ran: int, stored: int, scenarios: int) -> Comparison:
    """A finished comparison of the baseline and `scenarios` shifts of NE's volume, each with
    `stored` replications. `ran` replications of the baseline and of the shift are really
    run; the other rows repeat them under their own replication numbers, so a big comparison
    has the size of a real one without the minutes it takes to run."""
    snapshot, parameters = demo_network()
    comparison = Comparison.objects.create(
        name="Read back",
        horizon_days=horizon_days,
        replications=stored,
        weights=DEFAULT_WEIGHTS,
        status=Comparison.Status.DONE,
        snapshot=to_jsonable(snapshot),
        parameters=to_jsonable(parameters),
        submitted_at=timezone.now(),
        finished_at=timezone.now(),
        as_of=timezone.now(),
    )
    real = {
        interventions: [
            run_replication(
                snapshot,
                parameters,
                list(interventions),
                replication=r,
                seed=1,
                horizon_hours=horizon_days * 24,
                warmup_hours=24,
            )
            for r in range(ran)
        ]
        for interventions in ((), (SHIFT,))
    }
    scenario_rows = [(baseline_add(comparison), ())]
    for position in range(1, scenarios + 1):
        shifted = comparison.scenarios.create(
            position=position,
            name=f"Shift {position}",
            interventions=[intervention_to_jsonable(SHIFT)],
        )
        scenario_rows.append((shifted, (SHIFT,)))
    ReplicationRun.objects.bulk_create(
        ReplicationRun(
            scenario=scenario,
            replication=r,
            result=to_jsonable(dataclasses.replace(real[interventions][r % ran], replication=r)),
            seconds=0,
        )
        for scenario, interventions in scenario_rows
        for r in range(stored)
    )
    return comparison


@pytest.mark.django_db
def test_the_ranking_read_leaves_the_hourly_points_out_and_ranks_the_same():
    comparison = finished_comparison(horizon_days=2, ran=3, stored=3, scenarios=1)
    light = comparison_results(comparison, hourly=False)
    finished_results_forget()
    whole = comparison_results(comparison)
    assert list(light) == list(whole) == [BASELINE, "Shift 1"]
    assert all(r.hourly for runs in whole.values() for r in runs)
    assert light == {
        name: [dataclasses.replace(r, hourly=()) for r in runs] for name, runs in whole.items()
    }
    assert comparison_document(comparison) == comparison_document(comparison, results=whole)
    chosen = comparison_results(comparison, scenarios=["Shift 1"])
    assert list(chosen) == ["Shift 1"] and chosen["Shift 1"] == whole["Shift 1"]


@pytest.mark.django_db
def test_the_page_draws_the_chosen_scenarios_hourly_lines(client, role_user):
    comparison = finished_comparison(horizon_days=2, ran=2, stored=2, scenarios=1)
    finished_results_forget()
    client.force_login(role_user(VIEWER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk]))
    assert page.status_code == 200
    lines = page.context["charts"]["hourly"]["data"]
    assert {line["name"] for line in lines} == {BASELINE, "Shift 1"}
    assert all(line["y"] and max(line["y"]) > 0 for line in lines)


@pytest.mark.django_db
def test_the_first_read_of_seventy_fourteen_day_replications_leaves_the_hourly_points_stored():
    """The first read's speed is `make bench`'s (bench_scenarios: 1.8 s read whole, 0.1 s
    now); here, what makes it quick: no query brings a result's hourly points back."""
    comparison = finished_comparison(horizon_days=14, ran=1, stored=10, scenarios=6)
    finished_results_forget()
    with CaptureQueriesContext(connection) as queries:
        document = comparison_document(comparison)
    assert len(document.ranking.scenarios) == 7
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if "scenarios_replicationrun" in q["sql"] and "result" in q["sql"]
    ]
    assert reads, "the results were not read from the database"
    assert all("hourly" in sql for sql in reads), reads
