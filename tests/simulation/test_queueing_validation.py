"""The engine against theory: Erlang C, Little's law, conservation of orders."""

import pytest

from apps.simulation.model import run_replication
from apps.simulation.statistics import summarize
from tests.simulation.builders import demo_network, erlang_c_wait, single_queue

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("utilisation", "pickers", "replications", "horizon_h"),
    [(0.5, 3, 5, 6_000), (0.8, 3, 6, 8_000), (0.9, 4, 8, 10_000), (0.95, 4, 10, 16_000)],
)
def test_the_mean_wait_before_picking_matches_erlang_c(
    utilisation, pickers, replications, horizon_h
):
    arrival_rate = utilisation * pickers  # pick rate 1 line/h per picker, one line per order
    snapshot, parameters = single_queue(orders_per_hour=arrival_rate, pickers=pickers)
    waits = [
        run_replication(
            snapshot,
            parameters,
            replication=r,
            seed=2026,
            horizon_hours=horizon_h,
            warmup_hours=500,
        )
        .dc("D1")
        .pick_wait_hours_mean
        for r in range(replications)
    ]
    summary = summarize(waits)
    theory = erlang_c_wait(arrival_rate=arrival_rate, service_rate=1.0, servers=pickers)
    assert summary.ci95_low <= theory <= summary.ci95_high, (summary, theory)
    # The interval must be tight enough for the comparison to mean something.
    assert summary.half_width < 0.25 * theory


def test_littles_law_holds_on_a_stationary_queue():
    snapshot, parameters = single_queue(orders_per_hour=2.4, pickers=3)
    result = run_replication(
        snapshot, parameters, replication=0, seed=11, horizon_hours=8_000, warmup_hours=500
    )
    network = result.network
    little = network.throughput_orders_per_hour * network.mean_hours_in_system
    assert network.mean_orders_in_system == pytest.approx(little, rel=0.03)


def test_littles_law_holds_on_the_demo_network():
    snapshot, parameters = demo_network()
    result = run_replication(
        snapshot, parameters, replication=0, seed=5, horizon_hours=28 * 24, warmup_hours=7 * 24
    )
    network = result.network
    little = network.throughput_orders_per_hour * network.mean_hours_in_system
    # Non-stationary demand and orders still in the system at the end: a small edge effect.
    assert network.mean_orders_in_system == pytest.approx(little, rel=0.03)


@pytest.mark.parametrize("interventions", ["baseline", "rebalanced"])
def test_every_order_is_accounted_for(interventions):
    from apps.simulation.interventions import RouteViaCrossDock, ShiftVolume

    snapshot, parameters = demo_network()
    chosen = (
        ()
        if interventions == "baseline"
        else (ShiftVolume("NE", "SE", 0.3), RouteViaCrossDock(("NEN", "MAT"), "XD1"))
    )
    network = run_replication(
        snapshot, parameters, chosen, replication=0, seed=3, horizon_hours=7 * 24
    ).network
    assert network.orders_created == (
        network.orders_delivered
        + network.orders_in_transit
        + network.orders_in_dcs
        + network.orders_lost
    )
    # Most orders arrive even when SE runs short of the SKUs it never stocked.
    assert network.orders_delivered > 0.7 * network.orders_created


def test_orders_and_stock_already_in_the_network_are_carried_through():
    from dataclasses import replace

    from apps.simulation.snapshot import OpenOrder, StockPosition

    snapshot, parameters = demo_network()
    stages = ("backorder", "released", "picked", "packed", "in_transit")
    open_orders = tuple(
        OpenOrder(
            order_id=f"OPEN-{stage}",
            region="MAT",
            dc="NE",
            tier="gold",
            age_hours=5.0,
            lines=(("FAS-0002", 3), ("ELE-0003", 1)),
            stage=stage,
            hours_to_delivery=6.0,
        )
        for stage in stages
    )
    # NE holds none of FAS-0002 but has 500 on order, due in 10 hours.
    stock = tuple(
        StockPosition("FAS-0002", "NE", 0, on_order=500, on_order_due_hours=10.0)
        if (p.sku, p.dc) == ("FAS-0002", "NE")
        else p
        for p in snapshot.stock
    )
    seeded = replace(snapshot, open_orders=open_orders, stock=stock)
    # Eight hours: no new order can be delivered yet (the first pick-up is at 17:00).
    empty = run_replication(snapshot, parameters, replication=0, seed=21, horizon_hours=8)
    result = run_replication(seeded, parameters, replication=0, seed=21, horizon_hours=8)
    network = result.network
    assert empty.network.orders_delivered == 0
    assert network.orders_created == empty.network.orders_created + len(stages)
    assert network.orders_delivered == 1  # the one already in transit, due at hour 6
    assert network.orders_in_dcs == empty.network.orders_in_dcs + len(stages) - 1
    assert network.orders_created == (
        network.orders_delivered
        + network.orders_in_transit
        + network.orders_in_dcs
        + network.orders_lost
    )
    # The purchase order on the way arrives at hour 10 and refills NE.
    later = run_replication(seeded, parameters, replication=0, seed=21, horizon_hours=48)
    assert later.network.orders_lost == 0
    assert later.network.fill_rate < 1.0
