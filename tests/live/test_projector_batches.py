"""How the projector runs a batch: the cyclic garbage collector paused while it applies,
and running again afterwards, once the batch's objects are freed, whether the batch
committed or failed."""

import gc
from types import SimpleNamespace

import pytest

from apps.live.projection_rules import DISPATCH
from apps.live.projector import ProjectionFailed, apply_batch, project_pending
from tests.live.stream import ingest, pick


@pytest.fixture
def collector_seen(monkeypatch) -> list[bool]:
    """Whether the cyclic collector was enabled, at each pick the projector applied."""
    seen: list[bool] = []
    apply_pick = DISPATCH["wms.pick_completed"]

    def watched(event, state) -> None:
        seen.append(gc.isenabled())
        apply_pick(event, state)

    monkeypatch.setitem(DISPATCH, "wms.pick_completed", watched)
    return seen


def test_the_cyclic_collector_is_paused_while_a_batch_applies_and_runs_again_after(
    demo_network, collector_seen
):
    assert gc.isenabled()
    ingest(*[pick(10 + i, 60) for i in range(4)])
    assert project_pending().applied == 4
    assert collector_seen == [False] * 4
    assert gc.isenabled()


def test_the_cyclic_collector_runs_again_after_a_batch_that_failed(demo_network, monkeypatch):
    ingest(*[pick(10 + i, 60) for i in range(3)])
    monkeypatch.setattr("apps.live.projector.MAX_QUARANTINED_PER_BATCH", 1)

    def broken(event, state) -> None:
        raise AttributeError("a bug in every pick")

    monkeypatch.setitem(DISPATCH, "wms.pick_completed", broken)
    with pytest.raises(ProjectionFailed):
        apply_batch()
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(demo_network, collector_seen):
    ingest(pick(10, 60))
    gc.disable()
    try:
        project_pending()
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert collector_seen == [False]


def test_the_collector_runs_again_only_once_the_batchs_events_are_freed(demo_network, monkeypatch):
    ingest(pick(5, 60))
    project_pending()  # what a first projection caches for the process's life is made
    ingest(*[pick(10 + i % 600, 60) for i in range(4000)])
    young_at_enable: list[int] = []

    def enable() -> None:
        # Objects the collector tracks, made since its last run and not freed yet: what its
        # next run (at the next allocation) would walk.
        young_at_enable.append(gc.get_count()[0])
        gc.enable()

    monkeypatch.setattr(
        "apps.live.projector.gc",
        SimpleNamespace(isenabled=gc.isenabled, disable=gc.disable, enable=enable),
    )
    assert project_pending().applied == 4000
    assert len(young_at_enable) == 1
    # Each event is two such objects at least (its row and its payload); about 2,000 others,
    # whatever the batch's size, are the process's own.
    assert young_at_enable[0] < 4000
