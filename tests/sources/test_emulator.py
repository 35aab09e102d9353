"""The demo enterprise: accepted whole, reproducible, and true to its stated truth."""

import json
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
    "change", ["day=1 dc=XX pick_rate=-20%", "dc=NE pick_rate=-20%", "day=1 dc=NE pick_rate=20"]
)
def test_a_malformed_change_is_refused(tmp_path, demo_network, change):
    with pytest.raises(CommandError, match="--change"):
        emulate(tmp_path, "--days", "1", "--change", change)


@pytest.mark.slow
def test_it_posts_to_the_api_with_a_token_per_source(start_daphne, demo_network):
    from apps.sources.models import SourceToken
    from apps.sources.tokens import source_token_create

    base_url = start_daphne()
    given = source_token_create(source="erp")
    out = StringIO()
    call_command(
        "emulate", "--start", START, "--days", "1", "--seed", "8", "--to-api", base_url,
        "--token", f"erp={given}", stdout=out,
    )  # fmt: skip
    # It created tokens only for the sources it was not given one for.
    assert SourceToken.objects.filter(source="erp").count() == 1
    assert SourceToken.objects.filter(label="emulator").count() == 4
    accepted = int(out.getvalue().split(": ")[1].split(" accepted")[0])
    assert accepted > 1000
    assert "0 rejected" in out.getvalue()
    assert Event.objects.count() == accepted
    assert set(Event.objects.values_list("source", flat=True).distinct()) >= {"erp", "wms", "iot"}


def test_the_emulator_is_independent_of_the_simulation_engine():
    import subprocess
    import sys

    from tests.conftest import BASE_DIR

    code = (
        "import django, sys; django.setup(); import apps.sources.emulator; "
        "import apps.sources.management.commands.emulate; "
        "sys.exit(1 if any(m.startswith('apps.simulation') for m in sys.modules) else 0)"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "twin_web.settings", "DEBUG": "1"}
    assert subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env).returncode == 0


@pytest.mark.slow
def test_paced_emulation_never_runs_ahead_of_the_real_clock(tmp_path, subprocess_env, demo_network):
    import signal
    import subprocess
    import sys
    import time
    from datetime import UTC, timedelta

    from tests.conftest import BASE_DIR

    path = tmp_path / "live.ndjson"
    started = datetime.now(UTC)
    # An hour of history at 3,600× takes a second; then it must wait for real time.
    process = subprocess.Popen(
        [sys.executable, "manage.py", "emulate", "--speed", "3600", "--days", "1",
         "--start", (started - timedelta(hours=1)).isoformat(), "--to-file", str(path)],
        cwd=BASE_DIR, env=subprocess_env,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(4)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    stopped = datetime.now(UTC)
    times = [datetime.fromisoformat(json.loads(line)["occurred_at"])
             for line in path.read_text().splitlines()]  # fmt: skip
    assert times, "the replayed hour produced events"
    assert max(times) <= stopped
    assert min(times) < started - timedelta(minutes=30)
