"""The first start loads the demo history once, calibrated; a later start only catches up;
a stopped one goes on where it stopped, with nothing lost or counted twice."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.calibration.first_start import Progress, first_start
from apps.calibration.models import ModelVersion, SubModel
from apps.live.projector import projector_position
from apps.sources.models import Event, HistoryLoad
from apps.sources.selectors import event_time_span
from apps.sources.world_import import LogSink

DAYS = 1.0


def quiet(label: str) -> Progress:
    return Progress(lambda text: None, label=label, interactive=False)


def test_a_first_start_loads_projects_and_calibrates_then_a_second_only_catches_up(
    tmp_path, demo_network
):
    resume = tmp_path / "resume.json"
    before = timezone.now()
    first = first_start(days=DAYS, world_days=30, resume_path=resume, progress=quiet)

    assert first.loaded_now and first.load.finished_at is not None
    stored = Event.objects.count()
    assert first.events_accepted == first.load.events_accepted == stored > 10_000
    oldest, newest = event_time_span()
    assert before - timedelta(days=DAYS, minutes=1) <= oldest <= before - timedelta(hours=23)
    assert before - timedelta(hours=1) <= newest <= timezone.now()
    position = projector_position()
    assert position.lag_events == 0 and position.last_event_id > 0
    fitted = ModelVersion.objects.filter(reason__startswith="first start")
    assert sorted(fitted.values_list("sub_model", flat=True)) == sorted(SubModel.values)
    assert json.loads(resume.read_text())["sent"] == stored

    second = first_start(days=DAYS, world_days=30, resume_path=resume, progress=quiet)
    assert not second.loaded_now and second.load.pk == first.load.pk
    # Only what happened in the demo world since the first start, and no second fit.
    assert second.events_accepted == Event.objects.count() - stored
    assert second.events_accepted < 200
    assert ModelVersion.objects.filter(reason__startswith="first start").count() == len(
        SubModel.values
    )
    assert HistoryLoad.objects.count() == 1


class Stop(KeyboardInterrupt):
    """Ctrl-C after a number of batches reached the database."""


def test_a_stopped_first_start_goes_on_where_it_stopped(tmp_path, demo_network, monkeypatch):
    resume = tmp_path / "resume.json"
    sends = {"n": 0}
    real_send = LogSink._send

    def send_then_stop(self, source):
        sends["n"] += 1
        if sends["n"] == 12:
            raise Stop
        real_send(self, source)

    monkeypatch.setattr(LogSink, "_send", send_then_stop)
    with pytest.raises(Exception) as stopped:
        first_start(days=DAYS, world_days=30, resume_path=resume, progress=quiet)
    assert type(stopped.value).__name__ == "Interrupted"
    load = HistoryLoad.objects.get()
    assert load.finished_at is None and 0 < load.events_accepted == Event.objects.count()

    monkeypatch.setattr(LogSink, "_send", real_send)
    finished = first_start(days=DAYS, world_days=30, resume_path=resume, progress=quiet)
    assert finished.loaded_now and finished.load.pk == load.pk
    assert finished.load.events_accepted == Event.objects.count()
    # The same world throughout: one event per id, none lost at the stop.
    ids = list(Event.objects.values_list("source", "event_id"))
    assert len(ids) == len(set(ids))
    numbers = sorted(int(event_id.rsplit("-", 1)[1]) for _, event_id in ids)
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_twin_with_events_of_its_own_gets_no_demo_history(tmp_path, demo_network):
    path = tmp_path / "own.ndjson"
    call_command(
        "emulate", "--days", "0.05", "--seed", "9", "--to-file", str(path), stdout=io.StringIO()
    )
    call_command("import_events", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    held = Event.objects.count()
    outcome = first_start(days=DAYS, world_days=30, resume_path=tmp_path / "r.json", progress=quiet)
    assert outcome.load is None and "already holds events" in outcome.skipped
    assert Event.objects.count() == held and not HistoryLoad.objects.exists()


def test_the_command_refuses_a_history_longer_than_the_world(tmp_path, demo_network):
    with pytest.raises(CommandError, match="--world-days at least --days"):
        call_command("first_start", "--days", "30", "--world-days", "7", "--resume", tmp_path / "r")


def test_progress_on_a_log_is_a_line_a_tenth_and_on_a_terminal_one_line_redrawn():
    lines: list[str] = []
    logged = Progress(lines.append, label="history", interactive=False)
    for step in range(101):
        logged.show(step / 100, f"{step} events")
    assert len(lines) == 11 and all(line.endswith("\n") for line in lines)
    assert "100%" in lines[-1] and "100 events" in lines[-1]

    drawn: list[str] = []
    terminal = Progress(drawn.append, label="history", interactive=True)
    for step in range(5):
        terminal.show(step / 4)
    terminal.done("done")
    assert len(drawn) == 7 and all(text.startswith("\r") for text in drawn[:-1])
    assert drawn[-1] == "\n"


def test_a_database_that_outlived_its_demo_world_is_not_sent_a_new_one(tmp_path, demo_network):
    """`make clean` with PostgreSQL: the history is in the database, the resume file gone; a
    new world would reissue the stored ids with other contents."""
    resume = tmp_path / "resume.json"
    first_start(days=0.2, world_days=30, resume_path=resume, progress=quiet)
    held = Event.objects.count()
    resume.unlink()
    again = first_start(days=0.2, world_days=30, resume_path=resume, progress=quiet)
    assert "cannot go on" in again.skipped and not again.loaded_now
    assert Event.objects.count() == held and not resume.exists()
    out = io.StringIO()
    call_command("first_start", "--days", "0.2", "--world-days", "30", "--resume", resume,
                 stdout=out)  # fmt: skip
    assert "loaded earlier" in out.getvalue() and "cannot go on" in out.getvalue()


def test_a_first_start_behind_the_clock_ends_its_history_that_long_before_now(
    tmp_path, demo_network
):
    before = timezone.now()
    outcome = first_start(
        days=0.25, world_days=30, resume_path=tmp_path / "r.json", behind_days=0.5, progress=quiet
    )
    assert outcome.loaded_now
    oldest, newest = event_time_span()
    behind = before - timedelta(days=0.5)
    assert behind - timedelta(hours=6, minutes=1) <= oldest <= behind - timedelta(hours=5)
    assert behind - timedelta(hours=1) <= newest <= timezone.now() - timedelta(days=0.5)
    assert outcome.load.history_end <= timezone.now() - timedelta(days=0.5)
    with pytest.raises(CommandError, match="--world-days at least --days plus --behind-days"):
        call_command(
            "first_start", "--days", "7", "--world-days", "10", "--behind-days", "7",
            "--resume", tmp_path / "r2",
        )  # fmt: skip
