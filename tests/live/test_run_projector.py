"""The projector process follows ingestion by itself."""

import subprocess
import sys

import pytest

from apps.live.selectors import dc_state_list
from apps.sources.services import events_ingest
from tests.conftest import BASE_DIR, stop_process, wait_until
from tests.live.test_projector import clock

pytestmark = pytest.mark.slow


def test_a_running_projector_applies_events_soon_after_they_are_committed(
    subprocess_env, demo_network, tmp_path
):
    log = (tmp_path / "projector.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_projector"],
        cwd=BASE_DIR, env=subprocess_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        events_ingest(items=[clock("P1", "picker", "in", 0)])

        def ne_has_a_picker() -> bool:
            ne = next(s for s in dc_state_list() if s.dc == "NE")
            return ne.workers_on_shift.get("picker") == 1

        wait_until(ne_has_a_picker, timeout_s=20, what="the projector to apply the clock-in")
        events_ingest(items=[clock("P2", "picker", "in", 1)])
        wait_until(
            lambda: (
                next(s for s in dc_state_list() if s.dc == "NE").workers_on_shift.get("picker") == 2
            ),
            timeout_s=20,
            what="the projector to apply the second clock-in",
        )
    finally:
        stop_process(process)
    assert process.returncode == 0, (tmp_path / "projector.log").read_text()
