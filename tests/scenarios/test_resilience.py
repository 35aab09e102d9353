"""Nothing is lost when parts fail: a worker process killed in the middle of a replication,
and a run whose tasks never reached the broker (the web process died first)."""

import os
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.services import comparison_create, comparison_freeze, replication_execute
from apps.scenarios.tasks import dispatch, resume_stalled_comparisons_task
from tests.conftest import run_in_thread, wait_until
from tests.scenarios.test_runs import spec
from twin_web.celery import app

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _running(**changes) -> Comparison:
    comparison = comparison_create(spec=spec(**changes))
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.submitted_at = timezone.now()
    comparison.save()
    return comparison


def _closed(comparison: Comparison):
    def check() -> bool:
        comparison.refresh_from_db()
        return comparison.status != Comparison.Status.RUNNING

    return check


def _every_replication_once(comparison: Comparison) -> None:
    pairs = list(
        ReplicationRun.objects.filter(scenario__comparison=comparison).values_list(
            "scenario__position", "replication"
        )
    )
    assert sorted(pairs) == [
        (s, r) for s in range(comparison.scenarios.count()) for r in range(comparison.replications)
    ]


def test_a_worker_process_killed_mid_replication_loses_nothing(demo_network, start_celery_worker):
    worker = start_celery_worker(pool="prefork", concurrency=1)
    comparison = _running(horizon_days=3, replications=2)
    dispatch(comparison.pk, queue=worker.queue)

    def a_replication_running():
        active = app.control.inspect(destination=[worker.name], timeout=1).active() or {}
        running = [t for t in active.get(worker.name, []) if "run_replication" in t["name"]]
        return running[0] if running else None

    task = wait_until(a_replication_running, timeout_s=60, what="a replication to start")
    killed_at = timezone.now()
    os.kill(task["worker_pid"], signal.SIGKILL)

    wait_until(_closed(comparison), timeout_s=180, what="the comparison to finish")
    assert comparison.status == Comparison.Status.DONE, comparison.error
    _every_replication_once(comparison)
    # The killed replication was run again after the kill, by the worker's new process.
    scenario_id, replication = task["args"]
    rerun = ReplicationRun.objects.get(scenario_id=scenario_id, replication=replication)
    assert rerun.finished_at > killed_at
    with pytest.raises(ProcessLookupError):
        os.kill(task["worker_pid"], 0)


def test_a_run_whose_tasks_were_lost_is_resumed_and_a_live_one_is_left_alone(
    demo_network, celery_worker
):
    lost = _running(horizon_days=1.5, replications=2)
    first = lost.scenarios.get(position=0)
    run_in_thread(replication_execute, first.pk, 0, timeout_s=120)  # it publishes progress
    long_ago = timezone.now() - timedelta(minutes=10)
    Comparison.objects.filter(pk=lost.pk).update(submitted_at=long_ago)
    ReplicationRun.objects.filter(scenario__comparison=lost).update(finished_at=long_ago)
    live = _running(name="Just submitted", horizon_days=1.5, replications=2)

    assert resume_stalled_comparisons_task(queue=celery_worker) == [lost.pk]

    wait_until(_closed(lost), timeout_s=120, what="the resumed comparison to finish")
    assert lost.status == Comparison.Status.DONE, lost.error
    _every_replication_once(lost)
    live.refresh_from_db()
    assert live.status == Comparison.Status.RUNNING
    assert not ReplicationRun.objects.filter(scenario__comparison=live).exists()
