"""The projector's log: an INFO summary now and then, batches at DEBUG, one warning an outage."""

import logging

from django.core.management import call_command

from apps.live.log_follower import Backoff, Summary
from apps.live.projector import ProjectionResult
from apps.sources.models import Event
from tests.live.stream import ingest, pick
from tests.live.test_quarantine import poison_pick

LOGGER = "apps.live.projector"


def messages(caplog, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_at_info_it_logs_a_summary_and_no_line_per_batch(demo_network, caplog):
    ingest(*[pick(10 + i, 60) for i in range(4)])
    poison_pick(20)
    caplog.set_level(logging.INFO, logger=LOGGER)
    call_command("run_projector", "--once")
    [summary] = [m for m in messages(caplog, logging.INFO) if m.startswith("applied")]
    last = Event.objects.latest("id").id
    assert summary.startswith("applied 4 events in")
    assert f"at event {last} of {last} (0 behind)" in summary and "; 1 quarantined" in summary
    assert not [m for m in messages(caplog, logging.INFO) if "up to" in m]
    assert [r for r in caplog.records if r.levelno == logging.ERROR and "quarantined" in r.msg]


def test_at_debug_it_logs_each_batch(demo_network, caplog):
    ingest(*[pick(10 + i, 60) for i in range(3)])
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    call_command("run_projector", "--once")
    assert [m for m in messages(caplog, logging.DEBUG) if m.startswith("applied 3 events up to")]


def test_the_summary_comes_once_per_period_with_the_rate_and_lag(demo_network, caplog):
    now = [0.0]
    summary = Summary(60, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger=LOGGER)
    summary.add(ProjectionResult(applied=300))
    now[0] = 30.0
    summary.log_if_due()
    assert not messages(caplog, logging.INFO)
    summary.add(ProjectionResult(applied=600))
    now[0] = 60.0
    summary.log_if_due()
    now[0] = 90.0
    summary.log_if_due()
    [line] = messages(caplog, logging.INFO)
    assert line.startswith("applied 900 events in 60s (15.0/s)")
    ingest(pick(10, 60))  # not projected: the summary says how far behind it is
    last = Event.objects.latest("id").id
    now[0] = 120.0
    summary.log_if_due()
    assert f"at event 0 of {last} ({last} behind)" in messages(caplog, logging.INFO)[-1]


def test_an_outage_is_reported_once_and_retried_ever_less_often_up_to_ten_seconds(caplog):
    now = [0.0]
    outage = Backoff("Redis", clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger=LOGGER)
    delays = []
    for _ in range(7):
        outage.failed(ConnectionError("refused"))
        delays.append(outage.seconds_to_retry())
        now[0] += delays[-1]
    assert delays == [0.5, 1, 2, 4, 8, 10, 10]
    assert messages(caplog, logging.WARNING) == ["Redis unavailable, retrying in 0.5s"]
    outage.succeeded()
    assert not outage.down and outage.seconds_to_retry() == 0
    assert messages(caplog, logging.INFO) == ["Redis back after 35.5s"]
    outage.failed(ConnectionError("refused"))
    assert outage.seconds_to_retry() == 0.5  # a new outage starts from the shortest wait
    assert len(messages(caplog, logging.WARNING)) == 2


def test_a_locked_or_lost_database_is_waited_out_not_a_crash(
    transactional_db, demo_network, caplog, monkeypatch
):
    """Under SQLite a calibration on weeks of events can hold the write lock past the busy
    timeout: the projector says so once and goes on from its checkpoint afterwards."""
    from django.db import OperationalError

    from apps.live import log_follower
    from apps.live.projector import project_pending, projector_position

    ingest(*[pick(10 + i, 60) for i in range(3)])
    calls = {"n": 0}

    def locked_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")
        return project_pending(**kwargs)

    monkeypatch.setattr(log_follower, "project_pending", locked_once)
    caplog.set_level(logging.INFO, logger=LOGGER)
    call_command("run_projector", "--once")
    assert projector_position().last_event_id == 0
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith("Database unavailable to the projector, retrying in")

    call_command("run_projector", "--once")
    assert projector_position().lag_events == 0 and calls["n"] == 2
