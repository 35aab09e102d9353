"""Inputs and results survive a trip through JSON unchanged; bad JSON names the field."""

import json

import pytest

from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import (
    ChangeCarrier,
    ChangeHeadcount,
    ChangeReorderPolicy,
    Overtime,
    RouteViaCrossDock,
    ShiftVolume,
    TransferStock,
)
from apps.simulation.model import run_replication
from apps.simulation.parameters import ModelParameters
from apps.simulation.results import HourlyPoint, ReplicationResult
from apps.simulation.serialization import (
    from_jsonable,
    intervention_from_jsonable,
    intervention_to_jsonable,
    to_jsonable,
)
from apps.simulation.snapshot import NetworkSnapshot
from tests.simulation.builders import demo_network


def round_trip(cls, value):
    return from_jsonable(cls, json.loads(json.dumps(to_jsonable(value))))


def test_snapshot_and_parameters_round_trip():
    snapshot, parameters = demo_network()
    assert round_trip(NetworkSnapshot, snapshot) == snapshot
    assert round_trip(ModelParameters, parameters) == parameters


def test_results_round_trip():
    snapshot, parameters = demo_network()
    result = run_replication(snapshot, parameters, replication=0, seed=1, horizon_hours=24)
    assert round_trip(ReplicationResult, result) == result


@pytest.mark.parametrize(
    "intervention",
    [
        ShiftVolume("NE", "SE", 0.3, regions=("NEN",), sku_families=("HVAC",)),
        RouteViaCrossDock(("NEN", "MAT"), "XD1"),
        ChangeHeadcount("NE", "pickers", 2, "Day"),
        Overtime("NE", 1.5),
        ChangeCarrier("NE-MAT-CDF", "RDX"),
        TransferStock(("FAS-0001",), "NE", "SE", 10),
        ChangeReorderPolicy(("FAS-0001",), "SE", 5, 50),
    ],
)
def test_every_intervention_round_trips_with_its_kind(intervention):
    data = json.loads(json.dumps(intervention_to_jsonable(intervention)))
    assert data["kind"] == type(intervention).__name__
    assert intervention_from_jsonable(data) == intervention


def test_unknown_kind_missing_and_mistyped_fields_are_named():
    with pytest.raises(SimulationInputError, match=r"interventions\[2\]\.kind: unknown"):
        intervention_from_jsonable({"kind": "Teleport"}, index=2)
    with pytest.raises(SimulationInputError, match=r"interventions\[0\]\.share: is required"):
        intervention_from_jsonable({"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE"})
    with pytest.raises(SimulationInputError, match=r"interventions\[0\]\.delta: expected int"):
        intervention_from_jsonable(
            {"kind": "ChangeHeadcount", "dc": "NE", "role": "pickers", "delta": "2", "shift": "Day"}
        )
    with pytest.raises(SimulationInputError, match=r"interventions\[0\]\.colour: is not a known"):
        intervention_from_jsonable(
            {"kind": "Overtime", "dc": "NE", "hours_per_day": 1, "colour": 1}
        )


def test_a_results_rows_read_as_the_general_path_reads_them():
    """Rows of plain scalars take a short path; it must read what the general path read
    and refuse what it refused, naming the same field."""
    point = {"hour": 3, "dc": "NE", "labour_utilisation": 1, "backlog_orders": 4}
    read = from_jsonable(HourlyPoint, point)
    # An int where a float is expected is read as a float; a field stored later defaults.
    assert read == HourlyPoint(3, "NE", 1.0, 4, 0.0)
    assert type(read.labour_utilisation) is float
    with pytest.raises(SimulationInputError, match=r"hourly\[1\]\.hour: expected int, got str"):
        from_jsonable(tuple[HourlyPoint, ...], [point, point | {"hour": "4"}], "hourly")
    with pytest.raises(SimulationInputError, match=r"^hourly\[0\]\.shift: is not a known field"):
        from_jsonable(tuple[HourlyPoint, ...], [point | {"shift": "Day"}], "hourly")
    with pytest.raises(SimulationInputError, match=r"^hourly\[0\]\.dc: is required"):
        from_jsonable(
            tuple[HourlyPoint, ...], [{k: v for k, v in point.items() if k != "dc"}], "hourly"
        )
    with pytest.raises(SimulationInputError, match=r"^hourly\[0\]: expected an object"):
        from_jsonable(tuple[HourlyPoint, ...], [[3, "NE"]], "hourly")
