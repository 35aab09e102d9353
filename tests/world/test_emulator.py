"""The demo enterprise: accepted whole, reproducible, and true to its stated truth."""

import json
import re
from collections import defaultdict
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.sources.models import DeadLetter, Event
from apps.sources.schemas import PAYLOADS

START = "2026-11-02T00:00:00+00:00"


def emulate(tmp_path, *args: str, name: str = "stream.ndjson") -> tuple[list[dict], str]:
    path = tmp_path / name
    out = StringIO()
    call_command("emulate", "--start", START, "--to-file", str(path), *args, stdout=out)
    return [json.loads(line) for line in path.read_text().splitlines()], out.getvalue()


def labour_utilisation(events: list[dict]) -> dict[str, float]:
    """Busy pick and pack time over clocked pick and pack time, from the events alone."""
    busy: dict[str, float] = defaultdict(float)
    clocked: dict[str, float] = defaultdict(float)
    clocked_in: dict[str, datetime] = {}
    last = max(datetime.fromisoformat(e["occurred_at"]) for e in events)
    for e in events:
        payload = e["payload"]
        if e["type"] in ("wms.pick_completed", "wms.pack_completed"):
            busy[payload["dc"]] += payload["duration_s"]
        elif e["type"] == "wms.labor_clock" and payload["role"] in ("picker", "packer"):
            at = datetime.fromisoformat(e["occurred_at"])
            if payload["direction"] == "in":
                clocked_in[payload["worker_id"]] = at
            else:
                began = clocked_in.pop(payload["worker_id"], None)
                if began is not None:
                    clocked[payload["dc"]] += (at - began).total_seconds()
    for worker, began in clocked_in.items():
        clocked[worker.split("-")[0]] += (last - began).total_seconds()
    return {dc: busy[dc] / clocked[dc] for dc in clocked}


def test_its_stream_is_accepted_with_zero_rejections(tmp_path, demo_network):
    events, _ = emulate(tmp_path, "--days", "2", "--seed", "4")
    assert len(events) > 30_000
    path = tmp_path / "stream.ndjson"
    out = StringIO()
    call_command("import_events", str(path), stdout=out, stderr=StringIO())
    assert f"{len(events)} accepted, 0 duplicate, 0 rejected" in out.getvalue()
    assert Event.objects.count() == len(events)
    assert not DeadLetter.objects.exists()
    # Every system speaks from the first days; slower processes (supplier receipts after
    # 4+ days, breakdowns every ~400 h) show up in longer streams.
    assert {e["source"] for e in events} == {"erp", "wms", "tms", "crm", "iot"}
    seen = {e["type"] for e in events}
    assert seen >= {
        "erp.order_created", "erp.financial_posted", "erp.inventory_adjusted",
        "wms.order_released", "wms.pick_completed", "wms.pack_completed", "wms.shipped",
        "wms.labor_clock", "tms.tender", "tms.tracking", "tms.freight_accrued",
        "crm.sla_committed", "iot.reading", "iot.equipment_telemetry",
    }  # fmt: skip
    assert seen <= set(PAYLOADS)


def test_it_is_reproducible_for_a_seed(tmp_path, demo_network):
    first, _ = emulate(tmp_path, "--days", "0.5", "--seed", "9", name="a.ndjson")
    again, _ = emulate(tmp_path, "--days", "0.5", "--seed", "9", name="b.ndjson")
    other, _ = emulate(tmp_path, "--days", "0.5", "--seed", "10", name="c.ndjson")
    assert first == again
    assert first != other


def test_its_stream_is_in_event_time_order(tmp_path, demo_network):
    events, _ = emulate(tmp_path, "--days", "1", "--seed", "2")
    times = [datetime.fromisoformat(e["occurred_at"]) for e in events]
    assert times == sorted(times)


@pytest.mark.slow
def test_its_truth_loads_the_northeast_near_94_and_the_southeast_near_62(tmp_path, demo_network):
    truth_path = tmp_path / "truth.json"
    # Two weeks: a stream that starts with empty queues needs a while to reach steady state.
    events, out = emulate(tmp_path, "--days", "14", "--seed", "6", "--truth", str(truth_path))
    measured = labour_utilisation(events)
    assert measured["NE"] == pytest.approx(0.94, abs=0.03)
    assert measured["SE"] == pytest.approx(0.62, abs=0.03)
    truth = json.loads(truth_path.read_text())
    assert truth["labour_utilisation"]["NE"] == pytest.approx(measured["NE"], abs=0.01)
    # The truth runs below the master data's engineered standard of 24 lines/h.
    assert truth["dcs"]["NE"]["pick_lines_per_hour"] == pytest.approx(24.0 * 0.95)
    assert "True labour utilisation: MW" in out


def test_a_scheduled_change_slows_northeast_picking(tmp_path, demo_network):
    truth_path = tmp_path / "truth.json"
    events, _ = emulate(
        tmp_path, "--days", "2", "--seed", "6", "--change", "day=1 dc=NE pick_rate=-20%",
        "--truth", str(truth_path),
    )  # fmt: skip
    day_one_end = datetime.fromisoformat(START).timestamp() + 24 * 3600

    def mean_pick_s(dc: str, after: bool) -> float:
        picks = [
            e["payload"]["duration_s"]
            for e in events
            if e["type"] == "wms.pick_completed"
            and e["payload"]["dc"] == dc
            and (datetime.fromisoformat(e["payload"]["started_at"]).timestamp() >= day_one_end)
            == after
        ]
        return sum(picks) / len(picks)

    ne_ratio = mean_pick_s("NE", True) / mean_pick_s("NE", False)
    se_ratio = mean_pick_s("SE", True) / mean_pick_s("SE", False)
    assert ne_ratio == pytest.approx(1 / 0.8, rel=0.06)
    assert se_ratio == pytest.approx(1.0, rel=0.06)
    assert json.loads(truth_path.read_text())["dcs"]["NE"]["pick_lines_per_hour"] == (
        pytest.approx(24.0 * 0.95 * 0.8)
    )


@pytest.mark.parametrize(
    "change",
    [
        "day=1 dc=XX pick_rate=-20%",
        "dc=NE pick_rate=-20%",
        "day=1 dc=NE pick_rate=20",
        "day=1 kind=Nothing dc=NE",
        "day=1 dc=NE speed=3",
        "day=-1 dc=NE pick_rate=-20%",
    ],
)
def test_a_malformed_change_is_refused(tmp_path, demo_network, change):
    with pytest.raises(CommandError, match="--change"):
        emulate(tmp_path, "--days", "1", "--change", change)


@pytest.mark.slow
def test_it_posts_to_the_api_with_the_tokens_provisioned_for_it(
    start_daphne, demo_network, tmp_path
):
    from apps.sources.models import SourceToken
    from apps.sources.tokens import source_token_revoke

    base_url = start_daphne()
    tokens = tmp_path / "world-tokens.json"
    call_command("source_token", "provision", "--file", str(tokens), stdout=StringIO())
    first = json.loads(tokens.read_text())
    assert set(first) == {"erp", "wms", "tms", "crm", "iot"}
    assert tokens.stat().st_mode & 0o077 == 0, "only its owner may read the tokens"
    # A restart keeps the tokens that are still active and replaces a revoked one.
    source_token_revoke(source="crm")
    call_command("source_token", "provision", "--file", str(tokens), stdout=StringIO())
    second = json.loads(tokens.read_text())
    assert {k: v for k, v in second.items() if k != "crm"} == {
        k: v for k, v in first.items() if k != "crm"
    }
    assert second["crm"] != first["crm"]
    assert SourceToken.objects.filter(revoked_at__isnull=True).count() == 5

    out = StringIO()
    call_command(
        "emulate", "--start", START, "--days", "1", "--seed", "8", "--to-api", base_url,
        "--tokens-file", str(tokens), stdout=out,
    )  # fmt: skip
    accepted = int(re.search(r"(\d+) accepted", out.getvalue()).group(1))
    assert accepted > 1000
    assert "0 rejected" in out.getvalue()
    assert Event.objects.count() == accepted
    assert set(Event.objects.values_list("source", flat=True).distinct()) >= {"erp", "wms", "iot"}


def test_emulate_says_where_the_events_go_and_needs_every_token(tmp_path, demo_network):
    with pytest.raises(CommandError, match="--to-file FILE or --to-api URL"):
        call_command("emulate", "--start", START, "--days", "1")
    with pytest.raises(CommandError, match="no API token for wms, tms, crm, iot"):
        call_command(
            "emulate", "--start", START, "--days", "1", "--to-api", "http://127.0.0.1:9",
            "--token", "erp=twin_erp_x",
        )  # fmt: skip
    with pytest.raises(CommandError, match="not inside the 1 days"):
        emulate(tmp_path, "--days", "1", "--change", "day=1 dc=NE pick_rate=-20%")


def test_the_world_reaches_the_twin_through_nothing_but_its_api():
    """The world imports no other app: it cannot read the twin's tables or call its code."""
    import ast

    from tests.conftest import BASE_DIR

    world = BASE_DIR / "apps" / "world"
    found = []
    for path in sorted(world.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{path.relative_to(BASE_DIR)}: {name}"
                for name in names
                if name.startswith(("apps.", "twin_web")) and not name.startswith("apps.world")
            ]
    assert found == []


def test_paced_emulation_never_runs_ahead_of_the_real_clock(monkeypatch):
    from datetime import UTC, timedelta
    from types import SimpleNamespace

    from apps.world import output
    from apps.world.enterprise import Emulator

    class Clock:
        """The real clock as the emulator reads it (time.monotonic, time.sleep and
        datetime.now), moved on only by the emulator's own waits: the test takes no time."""

        def __init__(self, now: datetime) -> None:
            self.now, self.elapsed_s = now, 0.0

        def sleep(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)
            self.elapsed_s += seconds

    class Now(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now

    class Sink:
        def __init__(self) -> None:
            self.sent: list[tuple[datetime, datetime]] = []  # (occurred, the clock then)

        def add(self, event: dict) -> None:
            self.sent.append((datetime.fromisoformat(event["occurred_at"]), clock.now))

        def flush(self) -> None:
            pass

    # Mid-afternoon on a weekday, when the floor is busy: events every few seconds.
    started = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    clock = Clock(started)
    monkeypatch.setattr(output, "datetime", Now)
    monkeypatch.setattr(output, "time", SimpleNamespace(monotonic=lambda: clock.elapsed_s,
                                                        sleep=clock.sleep))  # fmt: skip
    sink = Sink()
    # An hour of history at 3,600× takes a second; then it must wait for real time.
    begin = started - timedelta(hours=1)
    assert output.stream(Emulator(start=begin, days=1, seed=1), sink, start=begin, speed=3600,
                         until=started + timedelta(minutes=10))  # fmt: skip
    ahead = [(occurred, then) for occurred, then in sink.sent if occurred > then]
    assert not ahead, f"{len(ahead)} events sent before they happened, the first {ahead[0]}"
    times = [occurred for occurred, _ in sink.sent]
    assert min(times) < started - timedelta(minutes=30)  # the hour of history was replayed
    assert sum(1 for t in times if t > started) >= 10  # and then it went on live
    # The replay took about a second of the clock, the live part as long as it lasted.
    assert clock.now - started == pytest.approx(
        timedelta(minutes=10) + timedelta(seconds=1), abs=timedelta(minutes=1)
    )


@pytest.mark.slow
def test_an_emulator_stopped_by_sigterm_leaves_whole_events(tmp_path, subprocess_env, demo_network):
    # Service managers stop it with SIGTERM: what it wrote must still be whole events.
    import signal
    import subprocess
    import sys
    import time
    from datetime import UTC, timedelta

    from tests.conftest import BASE_DIR

    path = tmp_path / "live.ndjson"
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "emulate", "--speed", "3600", "--days", "1",
         "--start", start, "--to-file", str(path)],
        cwd=BASE_DIR, env=subprocess_env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (path.exists() and path.stat().st_size):
        assert time.monotonic() < deadline, "nothing written within 60 s"
        assert process.poll() is None, "the emulator stopped by itself"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Emulator stopped" in stdout
    lines = path.read_text().splitlines()
    assert lines and all(json.loads(line)["occurred_at"] for line in lines)
