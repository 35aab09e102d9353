"""Backorders: filled in the order they came once their stock arrives, lost past patience,
and looked at only when stock they lack arrives or their patience may have run out."""

from dataclasses import replace

from apps.simulation.interventions import plan_scenario
from apps.simulation.model import NetworkModel
from apps.simulation.runtime import Order
from apps.simulation.snapshot import SkuInfo, StockPosition
from tests.simulation.builders import single_queue

S1, S2 = 0, 1


def _model() -> NetworkModel:
    snapshot, parameters = single_queue(orders_per_hour=1.0, pickers=1)
    snapshot = replace(
        snapshot,
        skus=(*snapshot.skus, SkuInfo("S2", "F1", 1.0, 10.0, 15.0)),
        stock=(StockPosition("S1", "D1", 0), StockPosition("S2", "D1", 0)),
    )
    parameters = replace(
        parameters, customer=replace(parameters.customer, backorder_patience_hours=10.0)
    )
    return NetworkModel(
        plan_scenario(snapshot, parameters, ()), replication=0, seed=1, horizon_hours=48
    )


def test_backorders_wait_for_the_stock_they_lack_and_go_first_come_first_served():
    model = _model()
    dc = model.dcs["D1"]
    dc.inventory.restocked.clear()  # the opening stock, all zero, is in
    orders = {
        name: model.new_order("R1", created, "standard", lines)
        for name, created, lines in (
            ("a", 0.0, [(S1, 2)]),
            ("b", 1.0, [(S2, 1)]),
            ("c", 2.0, [(S1, 1), (S2, 1)]),
            ("d", 3.0, [(S1, 5)]),
        )
    }
    for order in orders.values():
        dc.in_dc += 1
        model.backorder(dc, order, order.created)

    def waiting() -> set[str]:
        return {name for name, order in orders.items() if order.waiting}

    dc.inventory.adjust(S1, 3)
    model.retry_backorders(dc, 4.0)
    # a takes 2 of the 3; c still lacks S2; d wants 5; b was never looked at.
    assert waiting() == {"b", "c", "d"} and orders["a"].released == 4.0
    assert dc.inventory.on_hand[S1] == 1 and dc.inventory.backordered[S1] == 6

    dc.inventory.adjust(S2, 1)
    model.retry_backorders(dc, 5.0)
    # b came before c: it gets the one S2, and c goes on waiting, now for S2.
    assert waiting() == {"c", "d"} and orders["b"].released == 5.0
    assert dc.blocked_on[S2] == [orders["c"]]

    model.retry_backorders(dc, 12.5)  # no stock came: only patience runs out, for c
    assert waiting() == {"d"} and model.lost == 1 and dc.in_dc == 3
    assert dc.oldest_backorder() is orders["d"]
    assert dc.inventory.backordered == [5, 0]


def test_an_order_backordered_with_its_stock_on_hand_is_released_at_the_next_look():
    model = _model()
    dc = model.dcs["D1"]
    dc.inventory.adjust(S1, 4)
    dc.inventory.restocked.clear()
    order: Order = model.new_order("R1", -2.0, "standard", [(S1, 4)])
    dc.in_dc += 1
    model.backorder(dc, order, 0.0)  # as an open order the snapshot says waits for stock
    assert dc.recheck == [order]
    model.retry_backorders(dc, 1.0)
    assert not order.waiting and order.released == 1.0 and dc.inventory.on_hand[S1] == 0
