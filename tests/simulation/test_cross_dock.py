"""RouteViaCrossDock routes exactly the flows it names, and the cross-dock's master-data
inputs (dwell, fee, lanes never used) carry their stated uncertainty into the replications."""

from dataclasses import replace

import pytest

from apps.simulation.interventions import Overtime, RouteViaCrossDock, ShiftVolume
from apps.simulation.logistics import draw_assumptions
from apps.simulation.model import run_replication
from apps.simulation.results import ReplicationResult
from apps.simulation.serialization import from_jsonable, intervention_from_jsonable, to_jsonable
from tests.simulation.builders import demo_network

HORIZON_H = 3 * 24
NORTHEAST = ("NEN", "MAT")
SHIFT = ShiftVolume("NE", "SE", 0.3, regions=NORTHEAST)
MOVED_GROUND = ("SE-NEN-BLT", "SE-MAT-CDF")  # SE's ground lanes to NE's regions
LINE_HAUL = "SE-MAT-CDF"  # SE's ground lane to MAT, where XD1 stands


def run(*interventions, replication: int = 0):
    snapshot, parameters = demo_network()
    return run_replication(
        snapshot,
        parameters,
        interventions,
        replication=replication,
        seed=11,
        horizon_hours=HORIZON_H,
    )


def orders_by_lane(result) -> dict[str, int]:
    return {lane.lane: lane.orders for lane in result.lanes}


@pytest.fixture(scope="module")
def shifted():
    return orders_by_lane(run(SHIFT))


@pytest.fixture(scope="module")
def through_xd1():
    """The shift with its moved orders through XD1, as saved before from_dcs existed."""
    return run(SHIFT, RouteViaCrossDock(NORTHEAST, "XD1"))


def test_the_cross_dock_carries_the_moved_orders_and_no_other(shifted, through_xd1):
    routed = orders_by_lane(through_xd1)
    xd1 = sum(n for lane, n in routed.items() if lane.startswith("XD1-"))
    # Every order on the line-haul goes on from XD1, and the line-haul carries only them.
    assert xd1 == routed[LINE_HAUL] > 100
    assert routed.get("SE-NEN-BLT", 0) == 0
    # The same orders as SE shipped direct, but for the few the line-haul's carrier had
    # not yet collected at the horizon (its pick-ups differ from BLT's).
    direct = sum(shifted[lane] for lane in MOVED_GROUND)
    assert 0.9 * direct <= routed[LINE_HAUL] <= direct
    # NE's unmoved orders, and every other flow, ship exactly as before, order for order.
    untouched = {lane for lane in shifted if lane not in MOVED_GROUND}
    assert {"NE-NEN-CDF", "NE-MAT-BLT"} <= untouched
    assert {lane: routed.get(lane, 0) for lane in untouched} == {
        lane: shifted[lane] for lane in untouched
    }


def test_expedited_lanes_carry_the_same_orders_with_the_cross_dock(shifted, through_xd1):
    snapshot, _ = demo_network()
    expedited = [
        lane.code
        for lane in snapshot.lanes
        if lane.mode == "expedited" and lane.origin in snapshot.dc_codes
    ]
    routed = orders_by_lane(through_xd1)
    # SE's platinum orders to New England would miss 24 h on the ground (37 h): expedited.
    assert shifted["SE-NEN-RDX"] > 0
    assert {lane: routed.get(lane, 0) for lane in expedited} == {
        lane: shifted.get(lane, 0) for lane in expedited
    }


def test_naming_the_home_dc_routes_its_orders_and_leaves_the_moved_ones_direct(shifted):
    routed = orders_by_lane(run(SHIFT, RouteViaCrossDock(NORTHEAST, "XD1", from_dcs=("NE",))))
    assert routed.get("NE-NEN-CDF", 0) == 0 and routed["NE-MAT-BLT"] > 0  # NE's line-haul
    for lane in (*MOVED_GROUND, "SE-NEN-RDX", "NE-NEN-RDX", "NE-MAT-RDX"):
        assert routed.get(lane, 0) == shifted.get(lane, 0)


def test_an_intervention_saved_before_from_dcs_loads_with_the_moved_orders_default():
    saved = {"kind": "RouteViaCrossDock", "regions": ["NEN", "MAT"], "cross_dock": "XD1"}
    loaded = intervention_from_jsonable(saved)
    assert loaded == RouteViaCrossDock(NORTHEAST, "XD1", from_dcs=())
    snapshot, _ = demo_network()
    flows = loaded.routed(snapshot)
    assert ("NE", "NEN") not in flows and ("SE", "NEN") in flows and ("W", "MAT") in flows


def test_each_replication_draws_its_own_assumed_values_the_same_in_every_scenario():
    snapshot, parameters = demo_network()

    def drawn(replication: int, seed: int = 11):
        return draw_assumptions(
            snapshot, parameters.logistics, calibrated_fees={}, seed=seed, replication=replication
        ).inputs

    draws = [drawn(r) for r in range(4)]
    for name in (
        "cross_dock.XD1.dwell_hours_median",
        "cross_dock.XD1.fee_usd_per_shipment",
        "lane.XD1-NEN-CDF.transit_hours_median",
        "lane.SE-NEN-BLT.transit_hours_median",
    ):
        values = [d[name].drawn for d in draws]
        assert len(set(values)) == 4, f"{name}: one value per replication"
        assert drawn(2)[name] == draws[2][name], f"{name}: common random numbers"
    fee = draws[0]["cross_dock.XD1.fee_usd_per_shipment"]
    assert (fee.stated, fee.low, fee.high) == (85.0, 60.0, 110.0)
    assert all(60 <= d["cross_dock.XD1.fee_usd_per_shipment"].drawn <= 110 for d in draws)
    dwell = draws[0]["cross_dock.XD1.dwell_hours_median"]
    assert dwell.low < 6.0 == dwell.stated < dwell.high
    # A calibrated lane is no assumption; a fee calibration supports is none either.
    assert "lane.NE-NEN-CDF.transit_hours_median" not in draws[0]
    known_fee = draw_assumptions(
        snapshot, parameters.logistics, calibrated_fees={"XD1": 90.0}, seed=11, replication=0
    ).inputs
    assert "cross_dock.XD1.fee_usd_per_shipment" not in known_fee


def test_the_engine_uses_the_drawn_values_and_its_results_name_the_assumptions(through_xd1):
    other_scenario = run(SHIFT, RouteViaCrossDock(NORTHEAST, "XD1"), Overtime("SE", 1.0))
    assumed = {a.name: a for a in through_xd1.assumptions}
    assert {
        "cross_dock.XD1.dwell_hours_median",
        "cross_dock.XD1.fee_usd_per_shipment",
        "lane.XD1-NEN-CDF.transit_hours_median",
        "lane.SE-MAT-CDF.transit_hours_median",
    } <= set(assumed)
    assert not any(name.startswith("lane.NE-") for name in assumed)  # calibrated
    fee = assumed["cross_dock.XD1.fee_usd_per_shipment"].drawn
    line_hauls = next(lane.shipments for lane in through_xd1.lanes if lane.lane == LINE_HAUL)
    cost = through_xd1.network.cost_by_component_usd["cross_dock"]
    assert cost == pytest.approx(fee * line_hauls)
    assert fee != 85.0
    # Same replication, another scenario: the same draws (common random numbers).
    assert {a.name: a.drawn for a in other_scenario.assumptions} == {
        name: a.drawn for name, a in assumed.items()
    }
    # The baseline ships on calibrated lanes only: it leans on no assumption.
    assert run().assumptions == ()
    # A result carries its assumptions across processes.
    again = from_jsonable(ReplicationResult, to_jsonable(through_xd1))
    assert again.assumptions == through_xd1.assumptions


def test_a_stated_uncertainty_of_zero_draws_master_datas_value():
    snapshot, parameters = demo_network()
    certain = replace(
        snapshot,
        cross_docks=tuple(
            replace(xd, dwell_median_uncertainty=0.0, fee_usd_uncertainty=0.0)
            for xd in snapshot.cross_docks
        ),
    )
    inputs = draw_assumptions(
        certain, parameters.logistics, calibrated_fees={}, seed=11, replication=3
    ).inputs
    assert inputs["cross_dock.XD1.dwell_hours_median"].drawn == 6.0
    assert inputs["cross_dock.XD1.fee_usd_per_shipment"].drawn == 85.0
