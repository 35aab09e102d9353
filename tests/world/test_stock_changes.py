"""The world carries out the twin's stock interventions: a volume shift re-sources orders to
another DC, which stocks what it now sells; a stock transfer ships, travels and is booked
in; a reorder-policy change is reviewed at once. Each against the unchanged world of the
same seed."""

import dataclasses
import json
import math
import pickle
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from apps.simulation.interventions import ChangeReorderPolicy, ShiftVolume, TransferStock
from apps.simulation.serialization import intervention_to_jsonable
from apps.sources.services import events_ingest
from apps.world.changes import ChangeError, change_from_fields, parse_change
from apps.world.enterprise import Emulator
from apps.world.network import demo_network, demo_sizing
from apps.world.orders import REORDER_FLOOR

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
CHANGED_AT = (START + timedelta(days=1)).isoformat(timespec="seconds")
DAY_TWO_ENDS = (START + timedelta(days=2)).isoformat(timespec="seconds")
SEED, FAMILY_SEED, STOCK_SEED = 301, 302, 303  # seeds no other test uses
HVAC = tuple(s.code for s in demo_network().skus if s.family == "HVAC")
NEW_TO_SE = set(demo_sizing().NEW_TO_SE)
FAMILY = {s.code: s.family for s in demo_network().skus}
CHANGES = [
    "day=1 kind=ShiftVolume from_dc=NE to_dc=SE share=30%",
    # Stock to go with the moved volume: HVAC is new to the Southeast.
    f"day=1 kind=TransferStock skus={','.join(HVAC)} from_dc=NE to_dc=SE quantity=30",
    "day=1 kind=TransferStock skus=FAS-0001,FAS-0002 from_dc=MW to_dc=W quantity=100000",
    "day=1 kind=ChangeReorderPolicy skus=ADH-0001,ADH-0002 dc=MW reorder_point=100000 "
    "reorder_quantity=777",
    "day=1 kind=ChangeReorderPolicy skus=ADH-0003 dc=MW reorder_point=0 reorder_quantity=50",
]
FAMILIES = ("Power tools", "HVAC", "Lighting")


def run(days: float, seed: int, changes: list[str]) -> tuple[dict, list[dict]]:
    """The world's reorder sizes at the end, and its events."""
    world = Emulator(start=START, days=days, seed=seed, changes=changes)
    events = list(world.events())
    return world.reorder, events


@pytest.fixture(scope="module")
def unchanged() -> tuple[dict, list[dict]]:
    return run(2, SEED, [])


@pytest.fixture(scope="module")
def changed() -> tuple[dict, list[dict]]:
    # Long enough for the transfer to the Southeast (a day or so on the road) to arrive.
    return run(2.5, SEED, CHANGES)


@pytest.fixture(scope="module")
def by_families() -> tuple[dict, list[dict]]:
    families = ",".join(f'"{family}"' for family in FAMILIES)
    return run(2, FAMILY_SEED, [f"day=0 kind=ShiftVolume from_dc=NE to_dc=SE share=100% "
                                f"sku_families={families}"])  # fmt: skip


def of_type(events: list[dict], kind: str, *, at: str | None = None) -> list[dict]:
    return [e["payload"] for e in events if e["type"] == kind and at in (None, e["occurred_at"])]


def region_of(customer: str) -> str:
    return next(r for r, cs in demo_network().customers.items() if customer in dict(cs))


def moved_orders(events: list[dict]) -> set[str]:
    return {
        o["order_id"]
        for o in of_type(events, "erp.order_created")
        if o["dc"] == "SE" and region_of(o["customer"]) in ("NEN", "MAT")
    }


def test_the_world_before_the_change_is_the_unchanged_world(unchanged, changed):
    before = [e for e in changed[1] if e["occurred_at"] < CHANGED_AT]
    assert before == [e for e in unchanged[1] if e["occurred_at"] < CHANGED_AT]


def test_a_volume_shift_creates_its_share_of_the_regions_orders_for_the_receiving_dc(changed):
    _, events = changed
    after = [
        e["payload"]
        for e in events
        if e["type"] == "erp.order_created" and e["occurred_at"] >= CHANGED_AT
    ]
    orders = [o for o in after if region_of(o["customer"]) in ("NEN", "MAT")]
    moved = sum(o["dc"] == "SE" for o in orders)
    assert {o["dc"] for o in orders} == {"NE", "SE"}
    # 30% within four binomial standard deviations (about ±4 points on ~1,900 orders).
    assert abs(moved - 0.3 * len(orders)) < 4 * math.sqrt(len(orders) * 0.3 * 0.7)
    others = [o for o in after if region_of(o["customer"]) not in ("NEN", "MAT")]
    assert all(o["dc"] == demo_network().home[region_of(o["customer"])] for o in others)


def test_moved_orders_are_released_picked_packed_and_shipped_at_the_receiving_dc(changed):
    _, events = changed
    moved = moved_orders(events)
    for kind in ("wms.order_released", "wms.pick_completed", "wms.pack_completed", "wms.shipped"):
        handled = [p for p in of_type(events, kind) if p["order_id"] in moved]
        assert handled, kind
        assert {p["dc"] for p in handled} == {"SE"}, kind
    shipments = {p["shipment_id"] for p in of_type(events, "wms.shipped") if p["order_id"] in moved}
    lanes = {p["lane"] for p in of_type(events, "tms.tender") if p["shipment_id"] in shipments}
    assert lanes and all(lane.startswith(("SE-NEN-", "SE-MAT-")) for lane in lanes)


def test_the_sending_dc_picks_less_and_the_receiving_dc_more(unchanged, changed):
    def picks(events: list[dict], dc: str) -> int:
        return sum(
            1
            for e in events
            if e["type"] == "wms.pick_completed"
            and e["payload"]["dc"] == dc
            and CHANGED_AT <= e["payload"]["started_at"] < DAY_TWO_ENDS
        )

    assert picks(changed[1], "NE") < 0.85 * picks(unchanged[1], "NE")
    # Less than NE lost: moved orders for SKUs the Southeast has yet to receive wait.
    assert picks(changed[1], "SE") > 1.05 * picks(unchanged[1], "SE")


def test_the_receiving_dc_is_sized_and_stocked_for_the_moved_skus(unchanged, changed):
    before, after = unchanged[0], changed[0]
    for sku in FAMILY:
        added = after[(sku, "SE")][0] - before[(sku, "SE")][0]
        # The NE reorder point covers NE's demand; 30% of it moves with the orders.
        assert added == pytest.approx(0.3 * (before[(sku, "NE")][0] - 2), abs=2), sku
        assert after[(sku, "NE")][0] == max(2, before[(sku, "NE")][0] - added), sku
    # The Southeast never sold the families new to it: its stock of them is its opening
    # balance and cycle counts. Its buyers order, at once, just enough to lift each above
    # the new reorder point, in lots of the new reorder quantity.
    on_hand, ordered = Counter(), Counter()
    for e in changed[1]:
        payload = e["payload"]
        if e["type"] == "erp.inventory_adjusted" and e["occurred_at"] < CHANGED_AT:
            on_hand[(payload["sku"], payload["dc"])] += payload["delta"]
        elif e["type"] == "erp.po_created" and e["occurred_at"] == CHANGED_AT:
            ordered[(payload["sku"], payload["dc"])] += payload["qty"]
    for sku in (sku for sku, family in FAMILY.items() if family in NEW_TO_SE):
        point, lot = after[(sku, "SE")]
        position = on_hand[(sku, "SE")] + ordered[(sku, "SE")]
        assert ordered[(sku, "SE")] % lot == 0 and point < position <= point + lot, sku


def test_a_shift_of_sku_families_moves_only_orders_mostly_of_them(by_families):
    reorder, events = by_families
    ne_orders = [
        o
        for o in of_type(events, "erp.order_created")
        if region_of(o["customer"]) in ("NEN", "MAT")
    ]
    for order in ne_orders:
        in_scope = sum(FAMILY[line["sku"]] in FAMILIES for line in order["lines"])
        assert (order["dc"] == "SE") == (2 * in_scope > len(order["lines"])), order["order_id"]
    moved = [o for o in ne_orders if o["dc"] == "SE"]
    # The Southeast's reorder quantities grew by a week of the moved units, as an average
    # day (weekdays run above it; these two days are a Monday and a Tuesday).
    units_a_day = sum(line["qty"] for o in moved for line in o["lines"]) / 2
    units_a_day /= demo_sizing().WEEKDAY_FACTOR
    base = Emulator(start=START, days=2, seed=FAMILY_SEED).reorder
    added = sum(reorder[(sku, "SE")][1] - base.get((sku, "SE"), REORDER_FLOOR)[1] for sku in FAMILY)
    # ~200 moved orders: their units vary by ~10% (1 sd) around the mean; sizing them as
    # all of NE's orders, or the families' SKUs at their full demand, would be 3-10x off.
    assert added / 7 == pytest.approx(units_a_day, rel=0.25)


def test_a_transfer_ships_at_once_and_is_booked_in_on_delivery(changed):
    _, events = changed
    out = [
        p
        for p in of_type(events, "erp.inventory_adjusted", at=CHANGED_AT)
        if p["reason"].startswith("transfer out to SE")
    ]
    assert sorted(p["sku"] for p in out) == sorted(HVAC)
    assert {p["delta"] for p in out} == {-30} and {p["dc"] for p in out} == {"NE"}
    shipment = out[0]["reason"].rsplit(" ", 1)[1]
    (tender,) = [p for p in of_type(events, "tms.tender") if p["shipment_id"] == shipment]
    assert tender["lane"].startswith("NE-SEA-") and tender["status"] == "accepted"
    tracking = [p for p in of_type(events, "tms.tracking") if p["shipment_id"] == shipment]
    assert [p["status"] for p in tracking] == ["picked_up", "in_transit", "delivered"]
    delivered = tracking[-1]["at"]
    assert [p["shipment_id"] for p in of_type(events, "tms.freight_accrued", at=delivered)].count(
        shipment
    ) == 1
    booked_in = [
        p
        for p in of_type(events, "erp.inventory_adjusted", at=delivered)
        if p["reason"] == f"transfer in from NE on shipment {shipment}"
    ]
    assert sorted((p["sku"], p["dc"], p["delta"]) for p in booked_in) == sorted(
        (sku, "SE", 30) for sku in HVAC
    )
    # Back orders waiting at the Southeast for HVAC go out once it arrives.
    released = {p["order_id"] for p in of_type(events, "wms.order_released", at=delivered)}
    created = {o["order_id"]: o for o in of_type(events, "erp.order_created")}
    waited = [created[o] for o in released if created[o]["dc"] == "SE"]
    assert any(FAMILY[line["sku"]] == "HVAC" for o in waited for line in o["lines"])


def test_a_transfer_ships_no_more_than_the_dc_has(changed):
    out = [
        p
        for p in of_type(changed[1], "erp.inventory_adjusted", at=CHANGED_AT)
        if p["reason"].startswith("transfer out to W")
    ]
    assert sorted(p["sku"] for p in out) == ["FAS-0001", "FAS-0002"]
    for p in out:
        assert p["reason"].endswith(f": {-p['delta']} of 100000 asked, all MW had")
        assert 0 < -p["delta"] < 100000


def test_a_reorder_policy_change_is_reviewed_at_once(unchanged, changed):
    def pos(events: list[dict]) -> list[tuple]:
        return sorted(
            (p["sku"], p["qty"])
            for p in of_type(events, "erp.po_created", at=CHANGED_AT)
            if p["dc"] == "MW" and p["sku"].startswith("ADH-000")
        )

    assert pos(unchanged[1]) == []
    # Far below the new point: ordered now, the new quantity; at a point of 0: not yet.
    assert pos(changed[1]) == [("ADH-0001", 777), ("ADH-0002", 777)]
    assert changed[0][("ADH-0003", "MW")] == (0, 50)


@pytest.mark.parametrize(
    ("text", "kind", "fields"),
    [
        (
            "day=1 kind=ShiftVolume from_dc=NE to_dc=SE share=30% regions=NEN,MAT "
            'sku_families="Power tools",HVAC',
            "ShiftVolume",
            {"share": 0.3, "regions": ("NEN", "MAT"), "sku_families": ("Power tools", "HVAC")},
        ),
        (
            "day=2.5 kind=TransferStock skus=HVA-0001,HVA-0002 from_dc=NE to_dc=SE quantity=40",
            "TransferStock",
            {"skus": ("HVA-0001", "HVA-0002"), "from_dc": "NE", "to_dc": "SE", "quantity": 40},
        ),
        (
            "day=0 kind=ChangeReorderPolicy skus=ADH-0001 dc=MW reorder_point=0 "
            "reorder_quantity=120",
            "ChangeReorderPolicy",
            {"skus": ("ADH-0001",), "dc": "MW", "reorder_point": 0, "reorder_quantity": 120},
        ),
    ],
)
def test_a_stock_change_is_read_from_its_change_text(text, kind, fields):
    change = parse_change(text, demo_network()).change
    assert change.kind == kind
    assert {name: getattr(change, name) for name in fields} == fields


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ("kind=ShiftVolume from_dc=XX to_dc=SE share=30%", "from_dc"),
        ("kind=ShiftVolume from_dc=NE to_dc=NE share=30%", "to_dc"),
        ("kind=ShiftVolume from_dc=NE to_dc=SE share=0", "share"),
        ("kind=ShiftVolume from_dc=NE to_dc=SE share=130%", "share"),
        ("kind=ShiftVolume from_dc=NE to_dc=SE share=30% regions=NEN,XYZ", "regions[1]"),
        ("kind=ShiftVolume from_dc=NE to_dc=SE share=30% regions=SEA", "regions[0]"),
        ("kind=ShiftVolume from_dc=NE to_dc=SE share=30% sku_families=Toys", "sku_families[0]"),
        ("kind=ShiftVolume from_dc=NE to_dc=SE share=30% stock=everything", "stock"),
        ("kind=TransferStock skus=HVA-0001,NOPE from_dc=NE to_dc=SE quantity=5", "skus[1]"),
        ("kind=TransferStock skus=HVA-0001 from_dc=NE to_dc=NE quantity=5", "to_dc"),
        ("kind=TransferStock skus=HVA-0001 from_dc=NE to_dc=SE quantity=0", "quantity"),
        ("kind=ChangeReorderPolicy skus=ADH-0001 dc=Q reorder_point=1 reorder_quantity=5", "dc"),
        (
            "kind=ChangeReorderPolicy skus=ADH-0001 dc=MW reorder_point=-1 reorder_quantity=5",
            "reorder_point",
        ),
        (
            "kind=ChangeReorderPolicy skus=ADH-0001 dc=MW reorder_point=1 reorder_quantity=0",
            "reorder_quantity",
        ),
    ],
)
def test_a_stock_change_the_world_cannot_carry_out_is_refused_naming_the_field(fields, field):
    with pytest.raises(ChangeError) as refused:
        parse_change(f"day=1 {fields}", demo_network())
    assert refused.value.field == field


def test_the_emulate_command_refuses_a_bad_stock_change_naming_the_field(tmp_path):
    with pytest.raises(CommandError, match=r"--change .*share: must lie in \(0, 1\]"):
        call_command(
            "emulate", "--days", "1", "--to-file", str(tmp_path / "x.ndjson"),
            "--change", "day=0 kind=ShiftVolume from_dc=NE to_dc=SE share=2",
        )  # fmt: skip


def test_the_changed_worlds_events_are_accepted_by_the_twin(changed, demo_network):
    """What the changes made pass the twin's ingestion: everything at the moment of the
    change (transfers out, purchase orders), the transfers' shipments and bookings in,
    and every event of the moved orders and of their shipments."""
    _, events = changed
    moved = moved_orders(events)
    transfers = {
        p["reason"].split("shipment ")[1].split(":")[0]
        for p in of_type(events, "erp.inventory_adjusted")
        if p["reason"].startswith("transfer")
    }
    shipments = transfers | {
        p["shipment_id"] for p in of_type(events, "wms.shipped") if p["order_id"] in moved
    }
    made = [
        e
        for e in events
        if e["occurred_at"] == CHANGED_AT
        or e["payload"].get("order_id") in moved
        or e["payload"].get("shipment_id") in shipments
        or e["payload"].get("reason", "").startswith("transfer")
    ]
    assert len(moved) > 300 and len(transfers) == 2
    result = events_ingest(items=made)
    assert (result.rejected, result.accepted) == (0, len(made)), result.rejections[:3]


@pytest.mark.parametrize(
    "intervention",
    [
        ShiftVolume("NE", "SE", 0.3, regions=("MAT",), sku_families=("Power tools",)),
        ShiftVolume("NE", "SE", 0.3, stock="policies_and_transfer"),
        ShiftVolume("MW", "W", 0.2, stock="none"),
        TransferStock(("HVA-0001", "HVA-0002"), "NE", "SE", 40),
        ChangeReorderPolicy(("ADH-0001",), "MW", 10, 50),
    ],
)
def test_a_stock_counterpart_is_built_from_the_twins_intervention_json(intervention):
    """The feed publishes an intervention as the twin serialises it; the world's
    counterpart has the same fields, so it is built from that JSON as it stands."""
    data = json.loads(json.dumps(intervention_to_jsonable(intervention)))
    kind = data.pop("kind")
    change = change_from_fields(kind, data, demo_network())
    assert dataclasses.asdict(change) == dataclasses.asdict(intervention)


def test_a_world_checkpointed_with_a_transfer_on_the_road_goes_on_the_same(changed):
    """Checkpoints pickle the world (output.Resume): moves, transfers in flight and their
    arrival must survive it."""
    world = Emulator(start=START, days=2.5, seed=SEED, changes=CHANGES)
    halfway = (START + timedelta(days=1.5)).isoformat(timespec="seconds")
    drawn = []
    for event in world.events():
        drawn.append(event)
        if event["occurred_at"] >= halfway:
            break
    restored = pickle.loads(pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL))
    assert drawn + list(restored.events()) == changed[1]


def test_a_shift_with_its_stock_ships_the_moved_share_and_one_without_changes_no_policy():
    """The shift's `stock` field, carried out: "none" leaves every reorder size as it was;
    "policies_and_transfer" resizes them and ships the receiving DC, at once, the moved
    share of the sending DC's stock (NE serves only the moved regions: 30% of it), which is
    booked in on delivery."""
    world = Emulator(start=START, days=2.5, seed=STOCK_SEED)
    events = world.events()
    for event in events:
        if event["occurred_at"] >= CHANGED_AT:
            break
    network, now = demo_network(), world.now
    reorder = dict(world.reorder)
    bare = "day=1 kind=ShiftVolume from_dc=MW to_dc=W share=20% stock=none"
    parse_change(bare, network).change.apply(world, now)
    assert world.reorder == reorder
    stock = dict(world.stock)
    text = "day=1 kind=ShiftVolume from_dc=NE to_dc=SE share=30% stock=policies_and_transfer"
    parse_change(text, network).change.apply(world, now)
    assert world.reorder[("HVA-0001", "SE")][0] > reorder.get(("HVA-0001", "SE"), (0, 0))[0]
    rest = list(events)
    out = {
        p["sku"]: -p["delta"]
        for p in of_type(rest, "erp.inventory_adjusted")
        if p["dc"] == "NE" and p["reason"].startswith("transfer out to SE")
    }
    expected = {sku: int(stock[(sku, "NE")] * 0.3) for sku in FAMILY if stock.get((sku, "NE"))}
    assert out.keys() == {sku for sku, units in expected.items() if units > 0}
    for sku, units in out.items():
        assert expected[sku] - 1 <= units <= expected[sku], sku  # 0.3 as a float ratio
    assert set(HVAC) <= set(out)  # new to the Southeast, now on its way there
    booked_in = {
        p["sku"]: p["delta"]
        for p in of_type(rest, "erp.inventory_adjusted")
        if p["dc"] == "SE" and p["reason"].startswith("transfer in from NE")
    }
    assert booked_in == out
