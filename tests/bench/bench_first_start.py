"""Benchmark: the first `make run` on an empty database, to a calibrated twin going live.

Runs the launcher as `make run` does (supervisord, embedded Redis, SQLite as a newcomer
has it) with the default 28 days of history, and reads the launcher's own figures: the
history load (stream through ingestion, projection, calibration) and the whole start to
the printed URL. Then a second start on the same data, which only catches up. Run with
`make bench`; prints figures. The issue's budget is 5 minutes for the first start.
"""

import re
import time

from tests.twin_web.supervised import SupervisedTwin

HISTORY_DAYS = 28
BUDGET_S = 300


def launcher_figures(twin: SupervisedTwin) -> dict[str, str]:
    log = twin.log_path.read_text(errors="replace").replace("\r", "\n")
    found = {}
    for name, pattern in {
        "loaded": r"History loaded: .*? (\d[\d,]*) events, projected and calibrated in (\d+) s",
        "caught_up": r"caught up ([\d,]+) events in ([\d.]+) s",
        "ready": r"twin: ready in (\d+) s",
    }.items():
        matches = re.findall(pattern, log)
        if matches:
            found[name] = matches[-1]
    return found


def test_first_start_to_a_calibrated_twin(tmp_path):
    var = tmp_path / "var"
    database = f"sqlite:///{var / 'twin.sqlite3'}"
    twin = SupervisedTwin(var, database, history_days=HISTORY_DAYS)
    began = time.monotonic()
    try:
        twin.start(timeout_s=3 * BUDGET_S)
        first_s = time.monotonic() - began
        first = launcher_figures(twin)
    finally:
        twin.stop()
    second_twin = SupervisedTwin(var, database, history_days=HISTORY_DAYS)
    began = time.monotonic()
    try:
        second_twin.start()
        second_s = time.monotonic() - began
        second = launcher_figures(second_twin)
    finally:
        second_twin.stop()
    events, history_s = first["loaded"]
    print(
        f"\nfirst start, {HISTORY_DAYS} days of history; database: SQLite (a newcomer's): "
        f"{events} events streamed, "
        f"projected and calibrated in {history_s} s; ready (URL printed) in "
        f"{first['ready']} s; every program running after {first_s:.0f} s "
        f"(budget {BUDGET_S} s)\nsecond start: caught up {second['caught_up'][0]} events in "
        f"{second['caught_up'][1]} s; ready in {second['ready']} s "
        f"({second_s:.0f} s to every program running)"
    )
    assert int(first["ready"]) <= BUDGET_S, f"first start took {first['ready']} s"
