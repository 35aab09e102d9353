"""The replay's pace: each event is sent when the paced clock reaches its time, never before,
and a stopped replay takes up where it stopped."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.imports.replay import (
    IngestTotals,
    ReplayError,
    ReplayState,
    in_event_time,
    past_cutoff,
    replay,
)

T0 = datetime(2018, 4, 13, 9, 0, tzinfo=UTC)


def event(n: int, hours: float, type: str = "erp.order_created") -> dict:
    return {
        "event_id": f"t:{n}",
        "source": type.split(".")[0],
        "type": type,
        "occurred_at": (T0 + timedelta(hours=hours)).isoformat(),
        "payload": {},
    }


class FakeClock:
    """Wall time that moves only when slept through."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


class Recorder:
    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.sent = clock, []

    def __call__(self, batch: list[dict]) -> IngestTotals:
        self.sent.append((self.clock.now, [e["event_id"] for e in batch]))
        return IngestTotals(accepted=len(batch))


def test_events_go_out_when_the_paced_clock_reaches_their_time():
    clock = FakeClock()
    send = Recorder(clock)
    # An hour of history per wall second; the past ended at T0.
    events = in_event_time([event(3, 2.5), event(1, 0), event(2, 0.0), event(4, 2.5), event(5, 6)])
    state = ReplayState(mapping="m.json", files=("a.csv",), cutoff=T0)
    saved = []
    result = replay(
        events, state=state, speed=3600, send=send, save=saved.append,
        clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    assert [ids for _, ids in send.sent] == [["t:1", "t:2"], ["t:3", "t:4"], ["t:5"]]
    walls = [wall - 100.0 for wall, _ in send.sent]
    assert walls[0] == pytest.approx(0.0)
    # Never early, and not late by more than one sleep step.
    assert 2.5 <= walls[1] <= 2.5 + 0.01
    assert 6.0 <= walls[2] <= 6.0 + 0.01
    assert result.finished and result.sent == 5 and result.totals.accepted == 5
    assert saved[-1].finished
    assert saved[-1].replayed_to == T0 + timedelta(hours=6)


def test_a_faster_pace_sends_the_same_history_in_proportionally_less_time():
    durations = []
    for speed in (3600, 36000):
        clock = FakeClock()
        send = Recorder(clock)
        events = [event(1, 0), event(2, 10)]
        replay(
            events, state=ReplayState("m", (), T0), speed=speed, send=send,
            clock=clock, sleep=clock.sleep,
        )  # fmt: skip
        durations.append(send.sent[-1][0] - 100.0)
    assert durations[0] == pytest.approx(10.0, abs=0.01)
    assert durations[1] == pytest.approx(1.0, abs=0.01)


def test_a_stopped_replay_resumes_from_its_last_sent_moment_and_skips_the_past():
    clock = FakeClock()
    send = Recorder(clock)
    events = [event(0, -1), event(1, 0), event(2, 1), event(3, 2)]
    saved: list[ReplayState] = []
    first = replay(
        events, state=ReplayState("m", (), T0), speed=3600, send=send, save=saved.append,
        stop=lambda: clock.now >= 101.5, clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    assert not first.finished
    # t:0 is before the cutoff: the first start's past, never replayed.
    assert [ids for _, ids in send.sent] == [["t:1"], ["t:2"]]
    resumed = Recorder(clock)
    second = replay(
        events, state=saved[-1], speed=3600, send=resumed, clock=clock, sleep=clock.sleep
    )
    # The last moment sent is sent again (a duplicate to ingestion), then the rest.
    assert [ids for _, ids in resumed.sent] == [["t:2"], ["t:3"]]
    assert second.finished


def test_the_past_ends_at_the_purchase_of_the_first_order_after_the_fraction():
    events = [event(n, n) for n in range(10)] + [event(99, 3.5, "wms.shipped")]
    assert past_cutoff(events, fraction=0.7) == T0 + timedelta(hours=7)
    with pytest.raises(ReplayError, match="between 0 and 1"):
        past_cutoff(events, fraction=1.0)
    with pytest.raises(ReplayError, match="fewer than two orders"):
        past_cutoff([event(1, 0)], fraction=0.5)


def test_the_resume_file_round_trips_and_a_broken_one_is_named(tmp_path):
    path = tmp_path / "replay.json"
    state = ReplayState("m.json", ("a.csv", "b.csv"), T0, T0 + timedelta(hours=1))
    state.save(path)
    assert ReplayState.load(path) == state
    path.write_text('{"mapping": "m"}')
    with pytest.raises(ReplayError, match=r"replay\.json: not a replay resume file"):
        ReplayState.load(path)
    with pytest.raises(ReplayError, match="no such resume file"):
        ReplayState.load(tmp_path / "gone.json")
