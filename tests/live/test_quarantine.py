"""A poison event cannot stop the projector: quarantined, passed, shown, retried after a fix."""

import threading
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections
from django.utils import timezone

from apps.accounts.roles import PLANNER
from apps.live import projector
from apps.live.models import DcHour, ProjectorCheckpoint, StockLevel
from apps.live.projection_rules import CHECKPOINT, DISPATCH
from apps.live.projector import (
    ProjectionFailed,
    live_state_reset,
    project_pending,
    single_projector,
)
from apps.sources.models import Event, QuarantinedEvent
from apps.sources.quarantine import quarantine_retry_request
from tests.live.stream import happened, ingest, pick
from tests.live.test_projector import live_snapshot


def stored(sent: dict) -> Event:
    """Put an event into the log as an older version of the schemas would have let it in."""
    payload = sent["payload"]
    return Event.objects.create(
        source=sent["source"], event_id=sent["event_id"], type=sent["type"],
        occurred_at=datetime.fromisoformat(sent["occurred_at"]), received_at=timezone.now(),
        payload=payload, dc=payload.get("dc", ""), order_id=payload.get("order_id", ""),
    )  # fmt: skip


def poison_pick(minutes: float) -> Event:
    """A pick lasting 31,700 years: its end lies past the year 9999."""
    sent = pick(minutes, 60)
    sent["payload"]["duration_s"] = 1e12
    return stored(sent)


def fails_for(event_id: int, error: Exception):
    """The pick projection, but raising for one event of the log (a bug, until it is fixed)."""
    apply = DISPATCH["wms.pick_completed"]

    def apply_or_fail(event, state) -> None:
        if event.id == event_id:
            raise error
        apply(event, state)

    return apply_or_fail


def lines_picked() -> int:
    return sum(DcHour.objects.values_list("lines_picked", flat=True))


def checkpoint() -> int:
    return ProjectorCheckpoint.objects.get(name=CHECKPOINT).last_event_id


def rebuilt_snapshot() -> dict:
    live_state_reset()
    project_pending()
    return live_snapshot()


def test_a_poison_event_is_quarantined_and_the_rest_of_its_batch_applied(demo_network):
    ingest(*[pick(10 + i, 60) for i in range(5)])
    poison = poison_pick(20)
    ingest(*[pick(30 + i, 60) for i in range(5)])
    result = project_pending()
    assert (result.applied, result.quarantined, result.batches) == (10, 1, 1)
    held = QuarantinedEvent.objects.get()
    assert held.log_event_id == poison.id
    assert (held.source, held.event_id, held.type) == ("wms", poison.event_id, poison.type)
    assert held.error_type == "OverflowError" and "out of range" in held.error
    assert held.status == QuarantinedEvent.Status.OPEN
    assert checkpoint() == Event.objects.latest("id").id
    assert lines_picked() == 10
    incremental = live_snapshot()
    # A rebuild leaves it out too, without trying it again.
    assert rebuilt_snapshot() == incremental
    assert QuarantinedEvent.objects.get().attempts == 1


@pytest.mark.parametrize("batch_size", [1, 3, 2000])
def test_poison_events_at_either_end_of_a_batch_are_quarantined_whatever_its_size(
    demo_network, batch_size
):
    first = poison_pick(5)
    ingest(*[pick(10 + i, 60) for i in range(4)])
    last = poison_pick(20)
    while project_pending(batch_size=batch_size, max_batches=1).last_event_id:
        pass
    assert set(QuarantinedEvent.objects.values_list("log_event_id", flat=True)) == {
        first.id,
        last.id,
    }
    assert lines_picked() == 4
    assert checkpoint() == last.id


def test_an_event_the_database_refuses_is_quarantined_too(demo_network):
    # 10^20 units do not fit the stock rows' integer column: the write of the whole batch
    # fails in the database, not in the projection rules, and savepoints isolate the event.
    ingest(happened("erp.inventory_adjusted", 10, delta=5))
    huge = stored(happened("erp.inventory_adjusted", 11, delta=10**20))
    ingest(happened("erp.inventory_adjusted", 12, delta=-2))
    project_pending()
    held = QuarantinedEvent.objects.get()
    assert held.log_event_id == huge.id
    assert "out of range" in held.error or "too large" in held.error  # PostgreSQL, SQLite
    assert StockLevel.objects.get(sku="FAS-0001", dc="NE").on_hand == 3


def test_the_sources_page_lists_it_and_a_retry_after_the_fix_applies_it_once(
    demo_network, client, role_user, monkeypatch
):
    ingest(*[pick(10 + i, 60) for i in range(3)])
    buggy = Event.objects.order_by("id")[1]
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, KeyError("sku")))
    project_pending()
    assert lines_picked() == 2
    client.force_login(role_user(PLANNER))
    html = client.get("/sources/").content.decode()
    assert buggy.event_id in html and "KeyError" in html and "(1 open)" in html

    monkeypatch.undo()  # the fix is deployed
    held = QuarantinedEvent.objects.get()
    client.post("/sources/quarantine/retry", {"id": held.id})
    held.refresh_from_db()
    assert held.status == QuarantinedEvent.Status.RETRY_REQUESTED
    assert project_pending().resolved == 1
    held.refresh_from_db()
    assert held.status == QuarantinedEvent.Status.RESOLVED and held.resolved_at is not None
    assert lines_picked() == 3
    assert project_pending().resolved == 0 and lines_picked() == 3
    retried = live_snapshot()
    assert rebuilt_snapshot() == retried  # a full rebuild, which applies it in log order
    assert "(1 open)" not in client.get("/sources/").content.decode()


def test_a_retry_that_fails_again_keeps_it_quarantined_with_the_new_error(
    demo_network, client, role_user, monkeypatch
):
    ingest(*[pick(10 + i, 60) for i in range(3)])
    buggy = Event.objects.order_by("id")[2]
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, KeyError("sku")))
    project_pending()
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, ValueError("qty")))
    client.force_login(role_user(PLANNER))
    client.post("/sources/quarantine/retry", {"all": "1"})
    result = project_pending()
    assert (result.resolved, result.applied) == (0, 0)
    held = QuarantinedEvent.objects.get()
    assert held.status == QuarantinedEvent.Status.OPEN
    assert (held.error_type, held.error, held.attempts) == ("ValueError", "qty", 2)
    assert lines_picked() == 2
    assert rebuilt_snapshot() == live_snapshot()


def test_a_rebuild_quarantines_again_a_resolved_event_that_fails_once_more(
    demo_network, monkeypatch
):
    ingest(*[pick(10 + i, 60) for i in range(3)])
    buggy = Event.objects.order_by("id")[0]
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, KeyError("sku")))
    project_pending()
    quarantine_retry_request(now=timezone.now())
    monkeypatch.undo()
    assert project_pending().resolved == 1
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, KeyError("lot")))
    call_command("rebuild_live", stdout=(out := StringIO()))
    held = QuarantinedEvent.objects.get()
    assert (held.status, held.attempts, held.error) == ("open", 2, "'lot'")
    assert lines_picked() == 2
    assert "1 in quarantine left out" in out.getvalue()


def test_a_retry_waits_until_a_rebuild_has_passed_the_event(demo_network, monkeypatch):
    ingest(*[pick(10 + i, 60) for i in range(4)])
    buggy = Event.objects.order_by("id")[1]
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for(buggy.id, KeyError("sku")))
    project_pending()
    monkeypatch.undo()
    quarantine_retry_request(now=timezone.now())
    live_state_reset()
    result = project_pending(batch_size=1, max_batches=1)  # the checkpoint is before it
    assert result.resolved == 0
    while project_pending(batch_size=1, max_batches=1).last_event_id:
        pass
    assert QuarantinedEvent.objects.get().status == QuarantinedEvent.Status.RESOLVED
    assert lines_picked() == 4


def test_when_most_of_a_batch_fails_the_projector_is_at_fault_and_nothing_is_committed(
    demo_network, monkeypatch
):
    monkeypatch.setattr(projector, "MAX_QUARANTINED_PER_BATCH", 2)
    ingest(*[pick(10 + i, 60) for i in range(5)])

    def broken(event, state) -> None:
        raise AttributeError("a bug in every pick")

    monkeypatch.setitem(DISPATCH, "wms.pick_completed", broken)
    with pytest.raises(ProjectionFailed, match="more than 2 events"):
        project_pending()
    assert not QuarantinedEvent.objects.exists()
    assert not ProjectorCheckpoint.objects.filter(last_event_id__gt=0).exists()


def test_the_limit_of_failures_scales_with_the_batch_never_below_the_floor():
    assert projector.quarantine_limit(1) == projector.MAX_QUARANTINED_PER_BATCH == 100
    assert projector.quarantine_limit(2_000) == 100
    assert projector.quarantine_limit(10_000) == 500  # 5 %, as 100 of the old 2,000


def fails_for_ids(ids: set[int], error: Exception):
    apply = DISPATCH["wms.pick_completed"]

    def apply_or_fail(event, state) -> None:
        if event.id in ids:
            raise error
        apply(event, state)

    return apply_or_fail


@pytest.mark.parametrize(("failing", "raised"), [(3, False), (4, True)])
def test_a_batch_may_quarantine_its_share_of_failures_beyond_the_floor(
    demo_network, monkeypatch, failing, raised
):
    monkeypatch.setattr(projector, "MAX_QUARANTINED_PER_BATCH", 1)
    monkeypatch.setattr(projector, "MAX_QUARANTINED_SHARE", 0.5)
    ingest(*[pick(10 + i, 60) for i in range(6)])
    ids = set(Event.objects.order_by("id").values_list("id", flat=True)[:failing])
    monkeypatch.setitem(DISPATCH, "wms.pick_completed", fails_for_ids(ids, KeyError("sku")))
    if raised:
        with pytest.raises(ProjectionFailed, match="more than 3 events"):
            project_pending()
        assert not QuarantinedEvent.objects.exists()
        return
    result = project_pending()
    assert (result.applied, result.quarantined) == (3, 3)
    assert QuarantinedEvent.objects.count() == 3
    assert lines_picked() == 3


def test_a_database_outage_is_raised_not_quarantined(demo_network, monkeypatch):
    ingest(*[pick(10 + i, 60) for i in range(3)])
    first = Event.objects.order_by("id")[0]
    monkeypatch.setitem(
        DISPATCH,
        "wms.pick_completed",
        fails_for(first.id, OperationalError("server closed the connection unexpectedly")),
    )
    with pytest.raises(OperationalError):
        project_pending()
    assert not QuarantinedEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_second_projector_is_locked_out_by_the_database_not_by_redis(demo_network, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises projectors batch by batch; there is no lock to hold")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    ingest(pick(10, 60))
    holding, release = threading.Event(), threading.Event()

    def other_projector() -> None:
        try:
            with single_projector() as mine:
                assert mine
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_projector)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        assert project_pending().locked_out
        with pytest.raises(CommandError, match="another projector is running"):
            call_command("rebuild_live", stdout=StringIO())
    finally:
        release.set()
        thread.join()
    assert project_pending().applied == 1
