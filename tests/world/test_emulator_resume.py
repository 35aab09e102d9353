"""A restarted demo enterprise goes on with the same world: no event lost, none reissued with
another content under an id the twin already stored."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from apps.world.enterprise import Emulator
from apps.world.output import EmulatorOutputError, Resume, stream

START = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 0.25


class Killed(Exception):
    """Stands for kill -9: nothing after it runs, whatever was not flushed is gone."""


class Sink:
    """Keeps what was flushed, as the twin keeps what it acknowledged; can die mid-stream."""

    def __init__(self, *, die_after: int | None = None) -> None:
        self.pending: list[dict] = []
        self.flushed: list[dict] = []
        self.die_after = die_after
        self.added = 0

    def add(self, event: dict) -> None:
        if self.die_after is not None and self.added == self.die_after:
            raise Killed
        self.pending.append(event)
        self.added += 1

    def flush(self) -> None:
        self.flushed.extend(self.pending)
        self.pending = []


def run(resume: Resume, sink: Sink) -> None:
    emulator = Emulator(start=resume.start, days=DAYS, seed=resume.seed)
    stream(emulator, sink, start=resume.start, speed=0, resume=resume, flush_every_s=0)
    sink.flush()


def test_a_killed_emulator_resumes_its_world_where_it_stopped(tmp_path, demo_network):
    path = tmp_path / "resume.json"
    whole = Sink()
    run(Resume(tmp_path / "whole.json", START, 1), whole)
    assert len(whole.flushed) > 1000

    first = Sink(die_after=700)
    with pytest.raises(Killed):
        run(Resume.load_or_create(path, start=START, seed=1), first)
    saved = json.loads(path.read_text())
    assert 0 < saved["sent"] <= len(first.flushed) <= 700

    # Restarted later: its own start would differ, the saved world wins.
    later = datetime(2026, 11, 5, tzinfo=UTC)
    second = Sink()
    run(Resume.load_or_create(path, start=later, seed=1), second)

    resent = first.flushed[saved["sent"] :]
    assert second.flushed[: len(resent)] == resent  # the same events, same ids and content
    ids = [e["event_id"] for e in first.flushed + second.flushed]
    assert set(ids) == {e["event_id"] for e in whole.flushed}
    by_id = {e["event_id"]: e for e in whole.flushed}
    assert all(by_id[e["event_id"]] == e for e in first.flushed + second.flushed)


def test_another_seed_starts_a_new_world(tmp_path):
    path = tmp_path / "resume.json"
    Resume.load_or_create(path, start=START, seed=1).save(500)
    other = Resume.load_or_create(path, start=datetime(2026, 11, 5, tzinfo=UTC), seed=2)
    assert (other.start, other.sent) == (datetime(2026, 11, 5, tzinfo=UTC), 0)


def test_a_damaged_resume_file_is_refused_with_its_path(tmp_path):
    path = tmp_path / "resume.json"
    path.write_text("{not json")
    with pytest.raises(EmulatorOutputError, match=str(path)):
        Resume.load_or_create(path, start=START, seed=1)


def drawn_count(emulator: Emulator) -> int:
    return sum(1 for _ in emulator.events())


def test_a_world_stopped_at_a_moment_is_kept_and_goes_on_without_drawing_its_past(
    tmp_path, demo_network
):
    """A first start's history stops at now: the next run restores that world from its
    checkpoint and sends the same events an uninterrupted run would, drawing none twice."""
    whole = Sink()
    run(Resume(tmp_path / "whole.json", START, 1), whole)

    path = tmp_path / "resume.json"
    resume = Resume.load_or_create(path, start=START, seed=1)
    first = Sink()
    until = START + timedelta(hours=3)
    emulator = Emulator(start=START, days=DAYS, seed=1)
    assert stream(emulator, first, start=START, speed=0, resume=resume, until=until)
    assert first.flushed and all(e["occurred_at"] <= until.isoformat() for e in first.flushed)
    assert resume.world_path.exists()

    later = Resume.load_or_create(path, start=START, seed=1)
    fresh = Emulator(start=START, days=DAYS, seed=1)
    restored, sent, drawn = later.restore(fresh)
    assert sent == later.sent == len(first.flushed) and len(drawn) == 1
    # What the restored world still holds is what lies after the first run's events.
    left = drawn_count(restored)
    assert 0 < left < len(whole.flushed) - len(first.flushed)

    second = Sink()
    stream(fresh, second, start=START, speed=0, resume=later, flush_every_s=0)
    second.flush()
    assert first.flushed + second.flushed == whole.flushed


def test_a_checkpoint_of_another_world_or_ahead_of_the_sent_count_is_not_used(
    tmp_path, demo_network
):
    path = tmp_path / "resume.json"
    resume = Resume.load_or_create(path, start=START, seed=1)
    stream(
        Emulator(start=START, days=DAYS, seed=1), Sink(), start=START, speed=0, resume=resume,
        until=START + timedelta(hours=2),
    )  # fmt: skip
    saved = Resume.load_or_create(path, start=START, seed=1)
    assert saved.restore(Emulator(start=START, days=DAYS, seed=1)) is not None
    longer = Emulator(start=START, days=DAYS * 2, seed=1)
    changed = Emulator(start=START, days=DAYS, seed=1, changes=["day=0.1 dc=NE pick_rate=-20%"])
    assert saved.restore(longer) is None and saved.restore(changed) is None
    behind = Resume(path, START, 1, sent=saved.sent - 1)
    assert behind.restore(Emulator(start=START, days=DAYS, seed=1)) is None

    resume.world_path.write_bytes(b"not a pickle")
    assert saved.restore(Emulator(start=START, days=DAYS, seed=1)) is None
    # A new world forgets the old one's checkpoint.
    Resume.load_or_create(path, start=START, seed=2)
    assert not resume.world_path.exists()
