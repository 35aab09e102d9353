"""How the projector runs a batch: the cyclic garbage collector paused while it applies,
and running again afterwards, whether the batch committed or failed."""

import gc

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
