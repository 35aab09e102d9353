"""Round trips the projector saves: a batch applied without a savepoint unless an event
fails, and run_projector's loop keeping the projector lock between projections."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from apps.live.projection_rules import DISPATCH
from apps.live.projector import project_pending
from apps.live.projector_lock import lock_release, single_projector
from apps.sources.models import Event, QuarantinedEvent
from tests.live.stream import ingest, pick
from tests.live.test_quarantine import fails_for, lines_picked


def statements(**kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        project_pending(**kwargs)
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_applies_takes_no_savepoint(demo_network):
    ingest(pick(9, 60))
    project_pending()  # the checkpoint is created (in a savepoint of get_or_create's)
    ingest(*[pick(10 + i, 60) for i in range(5)])
    assert not [sql for sql in statements() if "SAVEPOINT" in sql]
    assert lines_picked() == 6


def test_a_failing_event_rolls_the_batch_back_and_only_it_is_left_out(demo_network, monkeypatch):
    ingest(*[pick(10 + i, 60) for i in range(5)])
    buggy = Event.objects.order_by("id")[2]
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, KeyError("sku")))
    result = project_pending()
    assert (result.applied, result.quarantined) == (4, 1)
    assert QuarantinedEvent.objects.get().log_event_id == buggy.id
    assert lines_picked() == 4  # the first attempt's work was rolled back, not doubled


def other_projector_may_run() -> bool:
    """Whether a projector on another connection would get the lock now."""
    answer: list[bool] = []

    def other() -> None:
        try:
            with single_projector() as mine:
                answer.append(mine)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    return answer[0]


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises projectors batch by batch; there is no lock to keep")
    yield
    lock_release()


@pytest.mark.django_db(transaction=True)
def test_a_kept_lock_costs_no_round_trip_and_keeps_other_projectors_out(
    demo_network, postgresql_only
):
    ingest(pick(10, 60))
    assert any("pg_try_advisory_lock" in sql for sql in statements(keep_lock=True))
    ingest(pick(11, 60))
    later = statements(keep_lock=True)
    assert not [sql for sql in later if "advisory" in sql]
    assert lines_picked() == 2
    assert not other_projector_may_run()
    lock_release()
    assert other_projector_may_run()


@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_loses_the_lock_and_the_next_projection_takes_it_again(
    demo_network, postgresql_only
):
    project_pending(keep_lock=True)
    connection.close()
    assert other_projector_may_run()
    assert any("pg_try_advisory_lock" in sql for sql in statements(keep_lock=True))
    assert not other_projector_may_run()


@pytest.mark.django_db(transaction=True)
def test_run_projector_releases_the_lock_it_kept(demo_network, postgresql_only, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    ingest(pick(10, 60))
    call_command("run_projector", "--once")
    assert lines_picked() == 1
    assert other_projector_may_run()
