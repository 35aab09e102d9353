"""Comparisons run from a spec: in-process and fanned out to a real Celery worker; the
mission's story; reproducibility; bad specs; cancel; the JSON endpoint."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.accounts.roles import VIEWER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.models import Backtest, Comparison, ReplicationRun
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import (
    comparison_cancel,
    comparison_create,
    comparison_freeze,
    comparison_run_here,
    replication_execute,
)
from apps.scenarios.specs import ScenarioInputError
from apps.scenarios.submission import comparison_submit
from apps.scenarios.tasks import dispatch
from tests.calibration.history import day, emulated_history
from tests.conftest import wait_until

pytestmark = pytest.mark.slow

SHIFT = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.3}
CROSS_DOCK = {"kind": "RouteViaCrossDock", "regions": ["MAT", "NEN"], "cross_dock": "XD1"}


def spec(**changes) -> dict:
    return {
        "name": "Rebalance NE",
        "horizon_days": 2,
        "replications": 3,
        "scenarios": [
            {"name": "Shift 30% NE to SE", "interventions": [SHIFT]},
            {"name": "Shift 30% via cross-dock", "interventions": [SHIFT, CROSS_DOCK]},
        ],
    } | changes


@pytest.fixture
def twin_now(demo_network):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))


def test_the_missions_story_runs_from_a_file_and_ranks(twin_now, tmp_path):
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(spec()))
    out = StringIO()
    call_command("run_scenarios", str(path), stdout=out)
    text = out.getvalue()
    assert "done, 9 replications" in text
    assert "Back-test: Not enough history: the event log begins" in text
    assert all(name in text for name in ("Baseline", "Shift 30% NE to SE", "via cross-dock"))
    comparison = Comparison.objects.get()
    assert ReplicationRun.objects.filter(scenario__comparison=comparison).count() == 9
    assert set(comparison.versions) == {
        "demand",
        "supply",
        "logistics",
        "labour",
        "finance",
        "customer",
    }
    rows = {r.name: r for r in comparison_document(comparison).ranking.scenarios}
    shifted = rows["Shift 30% NE to SE"].vs_baseline
    # Moving NE's volume to SE cools NE and warms SE, on every replication's pairing.
    assert shifted["dc.NE.labour_utilisation"].high < 0
    assert shifted["dc.SE.labour_utilisation"].low > 0
    # ...which closes the gap between the busiest and the idlest DC, with or without the
    # cross-dock, and the default weights value that balance.
    for name in ("Shift 30% NE to SE", "Shift 30% via cross-dock"):
        assert rows[name].vs_baseline["network.utilisation_gap"].high < 0
    assert comparison.weights["network.utilisation_gap"] > 0
    assert sorted(r.rank for r in rows.values()) == [1, 2, 3]
    # The cross-dock's dwell and fee are master data's, drawn per replication: the results
    # say so, for the scenario that used them only.
    assumed = {row.label: row for row in comparison_document(comparison).assumptions}
    for label in ("Cross-dock XD1: median dwell", "Cross-dock XD1: fee per line-haul"):
        assert list(assumed[label].scenarios) == ["Shift 30% via cross-dock"]
        assert assumed[label].low <= assumed[label].stated <= assumed[label].high
        assert assumed[label].drawn_low < assumed[label].drawn_high


def test_a_rerun_of_the_frozen_inputs_reproduces_every_result(twin_now):
    first = comparison_run_here(comparison_create(spec=spec(replications=2)))
    again = comparison_run_here(comparison_create(spec=spec(replications=2)))
    assert first.snapshot == again.snapshot and first.parameters == again.parameters

    def results(comparison):
        return [
            (run.scenario.name, run.replication, run.result)
            for run in ReplicationRun.objects.filter(scenario__comparison=comparison)
            .select_related("scenario")
            .order_by("scenario__position", "replication")
        ]

    assert results(first) == results(again)
    # A replication redelivered after it ran adds nothing.
    scenario = first.scenarios.get(name="Shift 30% NE to SE")
    assert replication_execute(scenario.pk, 0) is False
    assert ReplicationRun.objects.filter(scenario=scenario).count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"scenarios": [{"name": "X", "interventions": [{"kind": "Teleport"}]}]},
            "scenarios[0].interventions[0].kind",
            "unknown intervention 'Teleport'",
        ),
        (
            {"scenarios": [{"name": "Baseline", "interventions": []}]},
            "scenarios[0].name",
            "used twice",
        ),
        ({"weights": {"network.otif": -1}}, "weights.network.otif", "≥ 0"),
        ({"weights": {"fun": 1}}, "weights.fun", "not a rankable KPI"),
        ({"replications": 1}, "replications", "greater than or equal to 2"),
        ({"colour": "red"}, "colour", "not a known field"),
    ],
)
def test_bad_specs_are_refused_naming_the_field(demo_network, changes, field, reason):
    with pytest.raises(ScenarioInputError) as caught:
        comparison_create(spec=spec(**changes))
    assert caught.value.field == field and reason in caught.value.reason
    assert not Comparison.objects.exists()


def test_an_intervention_naming_an_unknown_dc_is_refused_before_anything_runs(twin_now, tmp_path):
    bad = spec(scenarios=[{"name": "Typo", "interventions": [SHIFT | {"to_dc": "XX"}]}])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(CommandError, match=r"scenarios\[0\]\.interventions\[0\] \(ShiftVolume\)"):
        call_command("run_scenarios", str(path), stdout=StringIO())
    assert not ReplicationRun.objects.exists()
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("run_scenarios", str(tmp_path / "broken.json"), stdout=StringIO())


def test_a_cancelled_comparison_runs_nothing_more(twin_now):
    comparison = comparison_create(spec=spec())
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.save()
    comparison_cancel(comparison)
    scenario = comparison.scenarios.first()
    assert replication_execute(scenario.pk, 0) is False
    assert not ReplicationRun.objects.exists()
    with pytest.raises(ScenarioInputError, match="only a running comparison"):
        comparison_cancel(comparison)


@pytest.mark.django_db(transaction=True)
def test_replications_fan_out_to_a_worker_and_a_chord_finishes_the_run(
    twin_now, celery_worker, client, role_user
):
    comparison = comparison_create(spec=spec())
    comparison_submit(comparison, queue=celery_worker)

    def finished():
        comparison.refresh_from_db()
        return comparison.status != Comparison.Status.RUNNING

    wait_until(finished, timeout_s=120, what="the comparison to finish on the worker")
    assert comparison.status == Comparison.Status.DONE, comparison.error
    runs = ReplicationRun.objects.filter(scenario__comparison=comparison)
    assert sorted((r.scenario.position, r.replication) for r in runs) == [
        (s, r) for s in range(3) for r in range(3)
    ]
    client.force_login(role_user(VIEWER))
    document = client.get(reverse("scenarios:status", args=[comparison.pk])).json()
    assert document["status"] == "done" and document["progress"]["done"] == 9
    assert len(document["ranking"]["scenarios"]) == 3
    # The back-test follows the ranking on the same worker, with its own outcome: a day of
    # history is too little for it.
    backtest = Backtest.objects.get(comparison=comparison)
    wait_until(
        lambda: Backtest.objects.get(pk=backtest.pk).status != Backtest.Status.PENDING,
        timeout_s=30,
        what="the back-test to run after the comparison",
    )
    backtest.refresh_from_db()
    assert backtest.status == Backtest.Status.TOO_LITTLE_HISTORY
    client.logout()
    response = client.get(reverse("scenarios:status", args=[comparison.pk]))
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_replications_spread_over_every_worker_on_the_queue(twin_now, start_celery_worker):
    # Two workers on one queue, as on two machines: each takes one replication at a time.
    first = start_celery_worker()
    second = start_celery_worker(queue=first.queue)
    comparison = comparison_create(spec=spec(replications=4))
    comparison_submit(comparison, queue=first.queue)

    def finished():
        comparison.refresh_from_db()
        return comparison.status != Comparison.Status.RUNNING

    wait_until(finished, timeout_s=180, what="the comparison to finish on two workers")
    assert comparison.status == Comparison.Status.DONE, comparison.error
    workers = set(
        ReplicationRun.objects.filter(scenario__comparison=comparison).values_list(
            "worker", flat=True
        )
    )
    assert {w.split(" ")[0] for w in workers} == {first.name, second.name}
    progress = comparison_document(comparison).progress
    assert progress.text == "12 of 12 replications done on 2 worker processes."


@pytest.mark.django_db(transaction=True)
def test_a_replication_that_keeps_failing_closes_the_run_as_failed(twin_now, celery_worker):
    comparison = comparison_create(spec=spec(replications=2))
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.save()
    # The frozen inputs of one scenario turn unreadable: each of its replications fails
    # on every retry, the others finish.
    comparison.scenarios.filter(name="Shift 30% NE to SE").update(
        interventions=[{"kind": "Teleport"}]
    )
    dispatch(comparison.pk, queue=celery_worker)

    def closed():
        comparison.refresh_from_db()
        return comparison.status != Comparison.Status.RUNNING

    wait_until(closed, timeout_s=120, what="the failed comparison to close")
    assert comparison.status == Comparison.Status.FAILED
    assert comparison.error == "2 of 6 replications did not finish"
    assert ReplicationRun.objects.filter(scenario__comparison=comparison).count() == 4
