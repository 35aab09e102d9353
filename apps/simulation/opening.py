"""A run's opening state: stock and reorder policies, orders already in the network at
their stage, and the stock transfers a scenario starts with."""

from typing import TYPE_CHECKING

from apps.simulation import finance

if TYPE_CHECKING:
    from apps.simulation.model import NetworkModel


def load_stock(model: "NetworkModel") -> None:
    """Stock on hand and on order at the start, and the reorder policies, reviewed once."""
    for position in model.snapshot.stock:
        dc = model.dcs[position.dc]
        sku = model.sku_index[position.sku]
        dc.inventory.adjust(sku, position.on_hand)
        if position.on_order:
            dc.inventory.expect(sku, position.on_order, position.on_order_due_hours)
    for policy in model.params.supply.policies:
        inventory = model.dcs[policy.dc].inventory
        sku = model.sku_index[policy.sku]
        inventory.reorder_point[sku] = policy.reorder_point
        inventory.reorder_quantity[sku] = policy.reorder_quantity
    for dc in model.dcs.values():
        for sku in range(len(model.sku_codes)):
            dc.inventory.review(sku, 0.0)


def load_open_orders(model: "NetworkModel") -> None:
    """Orders already in the network, each put back at its stage."""
    for open_order in model.snapshot.open_orders:
        lines = [(model.sku_index[sku], qty) for sku, qty in open_order.lines]
        created = -open_order.age_hours
        order = model.new_order(open_order.region, created, open_order.tier, lines)
        order.weight = sum(qty * model.sku_weight[sku] for sku, qty in lines)
        order.value = sum(qty * model.sku_price[sku] for sku, qty in lines)
        order.dc = open_order.dc
        dc = model.dcs[open_order.dc]
        if open_order.stage == "in_transit":
            order.lane = model.lanes.ground[(order.dc, order.region)].code
            model.outbound.deliver(order, 0.0, open_order.hours_to_delivery, transit=None)
            continue
        dc.in_dc += 1
        if open_order.stage == "backorder":
            model.backorder(dc, order, 0.0)
        elif open_order.stage == "released":
            order.released = 0.0
            dc.pick.enqueue(order, 0.0)
        elif open_order.stage == "picked":
            dc.pack.enqueue(order, 0.0)
        else:
            model.outbound.stage(dc, order, 0.0)


def start_transfers(model: "NetworkModel") -> None:
    """Stock transfers a scenario starts with: out of one DC now, into another on arrival."""
    for transfer in model.plan.transfers:
        source = model.dcs[transfer.from_dc]
        target = model.dcs[transfer.to_dc]
        sku = model.sku_index[transfer.sku]
        source.inventory.adjust(sku, -transfer.quantity)
        source.inventory.review(sku, 0.0)  # what leaves may take it to its reorder point
        region = model.snapshot.dc(transfer.to_dc).region
        lane = model.lanes.ground[(transfer.from_dc, region)]
        target.inventory.expect(sku, transfer.quantity, model.lanes.transit[lane.code][0])
        model.costs.freight += finance.freight_cost(
            lane.cost_usd_per_shipment / len(model.plan.transfers),
            lane.cost_usd_per_kg,
            transfer.quantity * model.sku_weight[sku],
        )
