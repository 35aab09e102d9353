"""Interventions change what they should, in the direction they should."""

import json

import pytest

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
from apps.simulation.serialization import intervention_from_jsonable, to_jsonable
from tests.simulation.builders import demo_network

HORIZON_H = 14 * 24
NORTHEAST_REGIONS = ("NEN", "MAT")


@pytest.fixture(scope="module")
def baseline_and_shifted():
    snapshot, parameters = demo_network()
    runs = {"baseline": [], "shifted": []}
    for replication in range(3):
        for name, interventions in (
            ("baseline", ()),
            ("shifted", (ShiftVolume("NE", "SE", 0.3),)),
        ):
            runs[name].append(
                run_replication(
                    snapshot,
                    parameters,
                    interventions,
                    replication=replication,
                    seed=42,
                    horizon_hours=HORIZON_H,
                )
            )
    return runs


def test_an_empty_intervention_list_reproduces_the_baseline_exactly():
    """A scenario saved with no intervention (its JSON list, read back) runs exactly as the
    baseline, which passes none; half an hour of overtime at NE changes NE's figures and
    leaves every other DC's exactly as they were (common random numbers)."""
    snapshot, parameters = demo_network()

    def run(*interventions) -> dict:
        result = run_replication(
            snapshot, parameters, *interventions, replication=1, seed=9, horizon_hours=3 * 24
        )
        return to_jsonable(result)

    baseline = run()
    saved = [intervention_from_jsonable(item, i) for i, item in enumerate(json.loads("[]"))]
    assert run(saved) == baseline
    nudged = run([Overtime("NE", 0.5)])
    by_dc = {dc["dc"]: dc for dc in baseline["dcs"]}
    for dc in nudged["dcs"]:
        assert (dc == by_dc[dc["dc"]]) == (dc["dc"] != "NE"), dc["dc"]


@pytest.mark.slow
def test_shifting_30_percent_of_northeast_volume_moves_utilisation(baseline_and_shifted):
    for base, shifted in zip(
        baseline_and_shifted["baseline"], baseline_and_shifted["shifted"], strict=True
    ):
        assert shifted.dc("NE").labour_utilisation < base.dc("NE").labour_utilisation - 0.1
        assert shifted.dc("SE").labour_utilisation > base.dc("SE").labour_utilisation + 0.1
        assert shifted.dc("SE").orders_shipped > base.dc("SE").orders_shipped


@pytest.mark.slow
def test_skus_new_to_the_southeast_pick_slower_and_with_more_errors(baseline_and_shifted):
    for base, shifted in zip(
        baseline_and_shifted["baseline"], baseline_and_shifted["shifted"], strict=True
    ):
        se = shifted.dc("SE")
        assert se.new_sku_lines > base.dc("SE").new_sku_lines
        assert se.new_sku_time_factor_mean > 1.05
        assert se.new_sku_error_rate > 2 * se.known_sku_error_rate
        assert se.pick_accuracy < base.dc("SE").pick_accuracy
    # The NE DC knows every SKU: no learning there.
    assert baseline_and_shifted["baseline"][0].dc("NE").new_sku_lines == 0


@pytest.mark.slow
def test_northeast_customers_served_from_the_southeast_wait_longer_in_transit(
    baseline_and_shifted,
):
    for base, shifted in zip(
        baseline_and_shifted["baseline"], baseline_and_shifted["shifted"], strict=True
    ):
        for region in NORTHEAST_REGIONS:
            assert (
                shifted.region(region).transit_hours_mean > base.region(region).transit_hours_mean
            )
        # Customers elsewhere are untouched by the move.
        assert shifted.region("WST").orders_delivered == base.region("WST").orders_delivered


def test_routing_through_the_cross_dock_adds_its_fee_and_uses_its_lanes():
    snapshot, parameters = demo_network()
    base = run_replication(snapshot, parameters, replication=0, seed=4, horizon_hours=4 * 24)
    routed = run_replication(
        snapshot,
        parameters,
        (RouteViaCrossDock(NORTHEAST_REGIONS, "XD1", from_dcs=("NE",)),),
        replication=0,
        seed=4,
        horizon_hours=4 * 24,
    )
    assert base.network.cost_by_component_usd["cross_dock"] == 0
    assert routed.network.cost_by_component_usd["cross_dock"] > 0
    assert any(lane.lane.startswith("XD1-NEN") for lane in routed.lanes)
    assert not any(lane.lane.startswith("XD1-") for lane in base.lanes)


def test_more_pickers_and_overtime_cut_northeast_utilisation_and_wait():
    snapshot, parameters = demo_network()
    base = run_replication(snapshot, parameters, replication=0, seed=8, horizon_hours=7 * 24)
    relieved = run_replication(
        snapshot,
        parameters,
        (ChangeHeadcount("NE", "pickers", 4, "Day"), Overtime("NE", 2.0)),
        replication=0,
        seed=8,
        horizon_hours=7 * 24,
    )
    assert relieved.dc("NE").pick_utilisation < base.dc("NE").pick_utilisation
    assert relieved.dc("NE").pick_wait_hours_mean < base.dc("NE").pick_wait_hours_mean
    assert relieved.dc("NE").overtime_hours > base.dc("NE").overtime_hours
    assert (
        relieved.network.cost_by_component_usd["overtime"]
        > base.network.cost_by_component_usd["overtime"]
    )


def test_changing_the_carrier_moves_the_volume_to_its_lane():
    snapshot, parameters = demo_network()
    ground = next(
        lane
        for lane in snapshot.lanes
        if lane.origin == "NE" and lane.destination == "MAT" and lane.mode == "ground"
    )
    base = run_replication(snapshot, parameters, replication=0, seed=2, horizon_hours=3 * 24)
    changed = run_replication(
        snapshot,
        parameters,
        (ChangeCarrier(ground.code, "RDX"),),
        replication=0,
        seed=2,
        horizon_hours=3 * 24,
    )
    base_lanes = {lane.lane: lane.orders for lane in base.lanes}
    changed_lanes = {lane.lane: lane.orders for lane in changed.lanes}
    assert base_lanes.get(ground.code, 0) > 0
    assert changed_lanes.get(ground.code, 0) == 0
    assert changed_lanes["NE-MAT-RDX"] > base_lanes.get("NE-MAT-RDX", 0)


def test_transferring_stock_and_reordering_sooner_avoid_a_stockout():
    snapshot, parameters = demo_network()
    from dataclasses import replace

    # Empty one popular SKU at SE with no replenishment: its orders back up and some are lost.
    sku = "FAS-0001"
    stock = tuple(
        replace(p, on_hand=0) if (p.sku, p.dc) == (sku, "SE") else p for p in snapshot.stock
    )
    policies = tuple(p for p in parameters.supply.policies if (p.sku, p.dc) != (sku, "SE"))
    starved = replace(snapshot, stock=stock)
    no_reorder = replace(parameters, supply=replace(parameters.supply, policies=policies))
    horizon = 7 * 24
    base = run_replication(starved, no_reorder, replication=0, seed=6, horizon_hours=horizon)
    transferred = run_replication(
        starved,
        no_reorder,
        (TransferStock((sku,), "NE", "SE", 400),),
        replication=0,
        seed=6,
        horizon_hours=horizon,
    )
    reordered = run_replication(
        starved,
        no_reorder,
        (ChangeReorderPolicy((sku,), "SE", 50, 400),),
        replication=0,
        seed=6,
        horizon_hours=horizon,
    )
    assert base.network.orders_lost > 0
    assert transferred.network.orders_lost < base.network.orders_lost
    assert reordered.network.orders_lost < base.network.orders_lost
    assert transferred.network.fill_rate < 1.0
