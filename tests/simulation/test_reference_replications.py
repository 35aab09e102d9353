"""The engine's output on reference replications is pinned: a change that alters any figure of
any of them shows here, and is either a bug or a change to explain and re-record.

Covered: the demo network over 14 days with a warm-up and without; a cross-dock with a volume
shift and overtime; a carrier change with overtime and a stock transfer; open orders at every
stage with stock on order; the one-DC M/M/8 queue. Digests: SHA-256 of each result's JSON
(sorted keys), its event count left out (a count of the engine's own scheduling, not a figure).
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import replace

import pytest

from apps.simulation.interventions import (
    ChangeCarrier,
    Overtime,
    RouteViaCrossDock,
    ShiftVolume,
    TransferStock,
)
from apps.simulation.model import run_replication
from apps.simulation.serialization import to_jsonable
from apps.simulation.snapshot import OpenOrder, StockPosition
from tests.simulation.builders import demo_network, single_queue

pytestmark = pytest.mark.slow

NORTHEAST = ("NEN", "MAT")
STAGES = ("backorder", "released", "picked", "packed", "in_transit")
# The engine's figures were recorded 2026-12-06 before that day's speed work and unchanged
# by it (M/M/8's still is). The demo's were re-recorded once, when the tests' input came to
# be built by production (tests/simulation/demo_input.py) instead of by hand: first shown
# equal (==) to the hand-built input, which gave the old digests, then taken as production
# gives it, rows by code rather than in the fixture's order and shifts with their loaders.
DIGESTS = {
    "demo 14 days, 24 h warm-up": "63ec8af6ba6c252a",
    "demo 14 days, replication 3": "205dc41ca1eb9132",
    "cross-dock, shift and overtime": "28880a11ddc92e82",
    "overtime, carrier change, transfer": "2689cb3970627dbe",
    "open orders at every stage": "7f012bca7389ee7a",
    "M/M/8": "6e0408fd2893464f",
}


def digest(result) -> str:
    document = to_jsonable(replace(result, events=0))
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16]


def reference_runs() -> dict:
    snapshot, parameters = demo_network()
    routes = defaultdict(list)
    for lane in snapshot.lanes:
        routes[(lane.origin, lane.destination)].append(lane)
    lane, other = next(v for v in routes.values() if len({x.carrier for x in v}) > 1)[:2]
    open_orders = tuple(
        OpenOrder(order_id=f"O{i}-{stage}", region="MAT", dc="NE", tier="gold",
                  age_hours=5.0 + i, lines=(("FAS-0002", 3), ("ELE-0003", 1)), stage=stage,
                  hours_to_delivery=6.0)
        for i in range(20)
        for stage in STAGES
    )  # fmt: skip
    stock = tuple(
        StockPosition("FAS-0002", "NE", 0, on_order=500, on_order_due_hours=10.0)
        if (p.sku, p.dc) == ("FAS-0002", "NE")
        else p
        for p in snapshot.stock
    )
    seeded = replace(snapshot, open_orders=open_orders, stock=stock)
    queue, queue_parameters = single_queue(orders_per_hour=7.2, pickers=8)
    shift = ShiftVolume("NE", "SE", 0.3, regions=NORTHEAST)
    return {
        "demo 14 days, 24 h warm-up": (snapshot, parameters, (),
                                       dict(replication=0, seed=1, horizon_hours=336,
                                            warmup_hours=24)),
        "demo 14 days, replication 3": (snapshot, parameters, (),
                                        dict(replication=3, seed=7, horizon_hours=336)),
        "cross-dock, shift and overtime": (
            snapshot, parameters,
            (shift, RouteViaCrossDock(NORTHEAST, "XD1"), Overtime("SE", 1.0)),
            dict(replication=0, seed=11, horizon_hours=72)),
        "overtime, carrier change, transfer": (
            snapshot, parameters,
            (Overtime("NE", 2.0), ChangeCarrier(lane.code, other.carrier),
             TransferStock(("FAS-0002", "ELE-0003"), "MW", "SE", 50)),
            dict(replication=1, seed=5, horizon_hours=168, warmup_hours=24)),
        "open orders at every stage": (seeded, parameters, (),
                                       dict(replication=0, seed=21, horizon_hours=48)),
        "M/M/8": (queue, queue_parameters, (), dict(replication=0, seed=3, horizon_hours=2000)),
    }  # fmt: skip


@pytest.mark.parametrize("name", list(DIGESTS))
def test_a_reference_replication_reproduces_its_pinned_figures(name):
    snapshot, parameters, interventions, options = reference_runs()[name]
    assert digest(run_replication(snapshot, parameters, interventions, **options)) == DIGESTS[name]
