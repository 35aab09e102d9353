"""A worker reads a comparison's frozen inputs once and runs every replication it is handed
on them: each replication's result is the same, to the bit, as one run on inputs read
afresh from the stored JSON, whichever scenarios ran before it in the same process."""

import pytest

from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.models import ReplicationRun
from apps.scenarios.run_selectors import frozen_inputs
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.scenarios.specs import interventions_read
from apps.simulation.model import run_replication
from apps.simulation.parameters import ModelParameters
from apps.simulation.serialization import from_jsonable, to_jsonable
from apps.simulation.snapshot import NetworkSnapshot
from tests.calibration.history import day, emulated_history

pytestmark = pytest.mark.slow

SHIFT = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.3}
CROSS_DOCK = {"kind": "RouteViaCrossDock", "regions": ["MAT", "NEN"], "cross_dock": "XD1"}
STAFF = {"kind": "ChangeHeadcount", "dc": "SE", "role": "pickers", "delta": 3, "shift": "Day"}


@pytest.mark.django_db(transaction=True)
def test_replications_on_inputs_read_once_match_inputs_read_afresh(demo_network):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    comparison = comparison_create(
        spec={
            "name": "Read once",
            "horizon_days": 2,
            "replications": 2,
            "scenarios": [
                {"name": "Shift via XD1", "interventions": [SHIFT, CROSS_DOCK]},
                {"name": "Shift and staff", "interventions": [SHIFT, STAFF]},
            ],
        }
    )
    comparison_run_here(comparison)
    comparison.refresh_from_db()
    assert frozen_inputs(comparison) is frozen_inputs(comparison)  # read once, then kept
    runs = ReplicationRun.objects.filter(scenario__comparison=comparison).select_related("scenario")
    assert runs.count() == 6
    for run in runs:
        afresh = run_replication(
            from_jsonable(NetworkSnapshot, comparison.snapshot, "snapshot"),
            from_jsonable(ModelParameters, comparison.parameters, "parameters"),
            interventions_read(run.scenario.interventions, run.scenario.name),
            replication=run.replication,
            seed=comparison.seed,
            horizon_hours=comparison.horizon_days * 24,
            warmup_hours=comparison.warmup_hours,
        )
        assert run.result == to_jsonable(afresh), (run.scenario.name, run.replication)
