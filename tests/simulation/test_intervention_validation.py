"""Bad interventions are refused with the field at fault and why."""

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
from tests.simulation.builders import demo_network


def refused(*interventions) -> SimulationInputError:
    snapshot, parameters = demo_network()
    with pytest.raises(SimulationInputError) as caught:
        run_replication(snapshot, parameters, interventions, replication=0, seed=1, horizon_hours=1)
    return caught.value


@pytest.mark.parametrize(
    ("intervention", "field", "reason"),
    [
        (ShiftVolume("NE", "XX", 0.3), "to_dc", "unknown DC 'XX'"),
        (ShiftVolume("NE", "SE", 1.3), "share", "must lie in (0, 1]"),
        (ShiftVolume("NE", "SE", 0.0), "share", "must lie in (0, 1]"),
        (ShiftVolume("NE", "NE", 0.3), "to_dc", "must differ from from_dc"),
        (ShiftVolume("NE", "SE", 0.3, regions=("ZZZ",)), "regions[0]", "unknown region"),
        (
            ShiftVolume("NE", "SE", 0.3, regions=("NEN", "WST")),
            "regions[1]",
            "region WST is not served by NE: choose one of MAT, NEN",
        ),
        (ShiftVolume("NE", "SE", 0.3, sku_families=("Toys",)), "sku_families[0]", "unknown"),
        (ShiftVolume("NE", "SE", 0.3, stock="some"), "stock", "must be one of policies, "),
        (RouteViaCrossDock(("NEN",), "XD9"), "cross_dock", "unknown cross-dock"),
        (RouteViaCrossDock((), "XD1"), "regions", "names no region"),
        (RouteViaCrossDock(("NEN",), "XD1", ("XX",)), "from_dcs[0]", "unknown DC 'XX'"),
        (ChangeHeadcount("NE", "pickers", -99, "Day"), "delta", "below zero"),
        (ChangeHeadcount("NE", "drivers", 1, "Day"), "role", "must be one of"),
        (ChangeHeadcount("NE", "pickers", 1, "Night"), "shift", "no shift 'Night'"),
        (Overtime("NE", 9.0), "hours_per_day", "overtime limit"),
        (ChangeCarrier("NE-MAT-NOPE", "RDX"), "lane", "unknown lane"),
        (ChangeCarrier("NE-MAT-BLT", "PCT"), "carrier", "has no lane from NE to MAT"),
        (TransferStock(("FAS-0001",), "NE", "SE", 10**7), "skus[0]", "fewer than"),
        (TransferStock(("NOPE-1",), "NE", "SE", 1), "skus[0]", "unknown SKU"),
        (TransferStock((), "NE", "SE", 1), "skus", "names no SKU"),
        (ChangeReorderPolicy(("FAS-0001",), "SE", -1, 10), "reorder_point", "below zero"),
        (ChangeReorderPolicy(("FAS-0001",), "SE", 5, 0), "reorder_quantity", "positive"),
    ],
)
def test_it_names_the_intervention_field_and_reason(intervention, field, reason):
    error = refused(ShiftVolume("MW", "W", 0.1), intervention)
    assert error.field == f"interventions[1] ({type(intervention).__name__}).{field}"
    assert reason in error.reason


def test_each_intervention_describes_itself_in_plain_language():
    assert ShiftVolume("NE", "SE", 0.3, regions=("NEN", "MAT")).describe() == (
        "Serve 30% of NE's orders for NEN, MAT from SE; SE reorders the moved SKUs for the "
        "demand it takes over"
    )
    assert (
        ShiftVolume("NE", "SE", 0.3, stock="policies_and_transfer")
        .describe()
        .endswith(
            "; SE reorders the moved SKUs for the demand it takes over, and NE sends it their "
            "share of its stock"
        )
    )
    assert ShiftVolume("NE", "SE", 0.3, stock="none").describe() == (
        "Serve 30% of NE's orders from SE; SE's stock and reorder policies unchanged"
    )
    assert RouteViaCrossDock(("NEN",), "XD1").describe() == (
        "Route orders for NEN shipped from a DC other than their home DC through cross-dock XD1"
    )
    assert RouteViaCrossDock(("NEN", "MAT"), "XD1", from_dcs=("SE",)).describe() == (
        "Route orders for NEN, MAT shipped from SE through cross-dock XD1"
    )
    assert ChangeHeadcount("SE", "packers", -2, "Evening").describe() == (
        "Remove 2 packers on SE's Evening shift"
    )
    assert ChangeHeadcount("SE", "pickers", 1, "Day").describe() == "Add 1 picker on SE's Day shift"
    assert Overtime("NE", 1.5).describe() == "Work 1.5 h of overtime a day at NE"
    assert TransferStock(("A", "B"), "NE", "SE", 40).describe() == (
        "Move 40 each of 2 SKU(s) from NE to SE"
    )


def test_bad_parameters_are_refused_naming_the_parameter():
    from dataclasses import replace

    snapshot, parameters = demo_network()
    bad = replace(parameters, demand=replace(parameters.demand, sku_weights={"NOPE": 1.0}))
    with pytest.raises(SimulationInputError, match=r"demand\.sku_weights: unknown SKU 'NOPE'"):
        run_replication(snapshot, bad, replication=0, seed=1, horizon_hours=1)
