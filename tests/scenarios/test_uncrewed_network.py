"""A network whose DCs do no work the simulation models (a marketplace's seller regions
built from a history, as Olist's) is refused in words before anything runs."""

import pytest

from apps.network.models import DistributionCenter, Shift
from apps.scenarios.models import ReplicationRun
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.scenarios.specs import ScenarioInputError

SHIFT = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.3}
SPEC = {
    "name": "Shift NE volume",
    "horizon_days": 2,
    "replications": 2,
    "scenarios": [
        {
            "name": "30% NE to SE",
            "interventions": [SHIFT],
        }
    ],
}


def test_a_network_without_crews_is_refused_naming_why(demo_network):
    Shift.objects.all().delete()
    DistributionCenter.objects.update(
        standard_pick_lines_per_hour=0, standard_pack_orders_per_hour=0
    )
    with pytest.raises(ScenarioInputError) as refused:
        comparison_run_here(comparison_create(spec=SPEC))
    assert refused.value.field == "network"
    assert "no DC has shifts and pick and pack standards" in refused.value.reason
    assert not ReplicationRun.objects.exists()
