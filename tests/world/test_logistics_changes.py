"""The world's logistics counterparts: a cross-dock route and a carrier change, carried out
from their day on, seen in the events the world's TMS, WMS and ERP emit and by the twin."""

import dataclasses
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.live.models import CostDay, OrderProgress, Shipment
from apps.live.projector import project_pending
from apps.simulation import interventions
from apps.sources.services import events_ingest
from apps.world.changes import ChangeError, change_from_fields
from apps.world.enterprise import Emulator
from apps.world.network import demo_network
from tests.simulation.builders import demo_network as twin_network

START = datetime(2026, 11, 2, tzinfo=UTC)
SEED = 41  # no other test's
DAYS = 2.5  # the first line-hauls arrive, dwell and deliver; keeps the ingest short
CHANGE_AT = START + timedelta(hours=12)
VIA_CROSS_DOCK = "day=0.5 kind=RouteViaCrossDock regions=NEN,MAT cross_dock=XD1 from_dcs=NE"
NEW_CARRIER = "day=0.5 kind=ChangeCarrier lane=MW-MWE-CDF carrier=RDX"
TRANSPORT_TYPES = {
    "erp.order_created", "wms.shipped", "tms.tender", "tms.tracking", "tms.freight_accrued",
    "erp.financial_posted", "crm.complaint_opened", "crm.complaint_closed",
    "crm.satisfaction_survey",
}  # fmt: skip


def at(event: dict) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


class Shipments:
    """A stream's shipments as the TMS and WMS tell them."""

    def __init__(self, events: list[dict]) -> None:
        self.tenders: dict[str, list[dict]] = defaultdict(list)
        self.tender_times: dict[str, list[datetime]] = defaultdict(list)
        self.orders: dict[str, list[str]] = defaultdict(list)  # shipment -> wms.shipped orders
        self.shipped_at: dict[tuple[str, datetime], list[str]] = defaultdict(list)
        self.shipped: dict[str, datetime] = {}  # order -> when its DC shipped it
        self.shipment_of: dict[str, str] = {}
        self.kg: dict[str, float] = {}  # order -> its weight
        self.created: dict[str, datetime] = {}
        weight = {sku.code: sku.weight_kg for sku in demo_network().skus}
        self.tracking: dict[str, dict[str, datetime]] = defaultdict(dict)
        self.fees: list[dict] = []
        # Postings other than payroll and cross-dock fees from the change on (packaging).
        self.other_postings = Decimal(0)
        for event in events:
            payload, kind = event["payload"], event["type"]
            if kind == "tms.tender":
                self.tenders[payload["shipment_id"]].append(payload)
                self.tender_times[payload["shipment_id"]].append(at(event))
            elif kind == "erp.order_created":
                self.created[payload["order_id"]] = at(event)
                self.kg[payload["order_id"]] = sum(
                    line["qty"] * weight[line["sku"]] for line in payload["lines"]
                )
            elif kind == "wms.shipped":
                self.orders[payload["shipment_id"]].append(payload["order_id"])
                self.shipped_at[(payload["dc"], at(event))].append(payload["order_id"])
                self.shipped[payload["order_id"]] = at(event)
                self.shipment_of[payload["order_id"]] = payload["shipment_id"]
            elif kind == "tms.tracking":
                moment = datetime.fromisoformat(payload["at"])
                self.tracking[payload["shipment_id"]][payload["status"]] = moment
            elif kind == "erp.financial_posted" and "cross-dock" in payload["account"]:
                self.fees.append({**payload, "at": at(event)})
            elif (
                kind == "erp.financial_posted"
                and at(event) >= CHANGE_AT
                and not payload["account"].startswith("61")
            ):
                self.other_postings += Decimal(payload["amount"])

    def accepted_on(self, prefix: str, after: datetime = CHANGE_AT) -> list[str]:
        return [
            shipment
            for shipment, tenders in self.tenders.items()
            if tenders[-1]["lane"].startswith(prefix)
            and tenders[-1]["status"] == "accepted"
            and self.tender_times[shipment][0] >= after
        ]

    def line_hauls(self) -> list[str]:
        """Accepted shipments from NE to the cross-dock's region that no order ships under."""
        return [s for s in self.accepted_on("NE-MAT-") if s not in self.orders]


@pytest.fixture(scope="module")
def unchanged() -> list[dict]:
    return list(Emulator(start=START, days=DAYS, seed=SEED).events())


@pytest.fixture(scope="module")
def changed() -> list[dict]:
    world = Emulator(start=START, days=DAYS, seed=SEED, changes=[VIA_CROSS_DOCK, NEW_CARRIER])
    return list(world.events())


@pytest.fixture(scope="module")
def transport(changed) -> Shipments:
    return Shipments(changed)


@pytest.mark.slow  # shares two 2.5-day worlds (~14 s) across the module
def test_nothing_changes_before_the_change_day(unchanged, changed):
    before = [e for e in unchanged if at(e) < CHANGE_AT]
    assert len(before) > 5_000
    assert [e for e in changed if at(e) < CHANGE_AT] == before


@pytest.mark.slow  # shares two 2.5-day worlds (~14 s) across the module
def test_routed_orders_leave_their_dc_on_consolidated_line_hauls_to_the_cross_dock(
    transport, unchanged
):
    line_hauls = transport.line_hauls()
    assert len(line_hauls) >= 2
    direct = Shipments(unchanged).accepted_on("NE-NEN-")
    # Unchanged, New England is served direct from NE, in loads of many orders ...
    assert len(direct) >= 2
    assert sum(len(Shipments(unchanged).orders[s]) for s in direct) > 100
    # ... changed, through XD1, but for the orders the routing guide expedites to keep
    # their promise: those keep their expedited lane, as without the cross-dock. The route
    # is decided as an order is staged: ground orders created before the change may still
    # leave direct.
    direct_after = transport.accepted_on("NE-NEN-")
    ground_after = [
        order
        for s in direct_after
        if transport.tenders[s][-1]["lane"] != "NE-NEN-RDX"
        for order in transport.orders[s]
    ]
    assert all(transport.created[order] < CHANGE_AT for order in ground_after)
    for line_haul in line_hauls:
        left = transport.tracking[line_haul]["picked_up"]
        # NE's orders now all go through XD1: the ones the WMS shipped at the line-haul's
        # pick-up are aboard, each under the id of the outbound leg that will deliver it.
        # (Orders staged for MAT before the change left direct at the same pick-up, in a
        # load of their own, tendered from NE.)
        aboard = [
            order
            for order in transport.shipped_at[("NE", left)]
            if not transport.tenders[transport.shipment_of[order]][0]["lane"].startswith("NE-")
        ]
        assert len(aboard) >= 10, "one line-haul carries many orders"
        tender = transport.tenders[line_haul][-1]
        assert tender["carrier"] == "BLT" and tender["lane"] == "NE-MAT-BLT"
        kg = sum(transport.kg[order] for order in aboard)
        assert tender["rate"] == pytest.approx(41.99 + 0.289 * kg, abs=0.01)  # priced on all


@pytest.mark.slow  # shares two 2.5-day worlds (~14 s) across the module
def test_line_hauls_dwell_then_orders_go_on_outbound_legs_and_the_fee_is_posted(transport):
    handled = {fee["reference"].removeprefix("XDF-"): fee for fee in transport.fees}
    assert handled, "a line-haul arrived and was handled within the world's days"
    assert set(handled) <= set(transport.line_hauls())
    legs_by_departure: dict[datetime, list[str]] = defaultdict(list)
    for shipment in transport.accepted_on("XD1-"):
        legs_by_departure[transport.tender_times[shipment][0]].append(shipment)
    for line_haul, fee in handled.items():
        assert fee["account"] == "6300-cross-dock-XD1" and fee["amount"] == "85.00"
        dwell_h = (fee["at"] - transport.tracking[line_haul]["delivered"]).total_seconds() / 3600
        assert 2 < dwell_h < 18  # log-normal around XD1's 6 h median
        # One outbound load per lane the line-haul's orders leave the dock on.
        legs = legs_by_departure[fee["at"]]
        lanes = [transport.tenders[leg][-1]["lane"] for leg in legs]
        assert len(lanes) == len(set(lanes))
        assert {lane.split("-")[1] for lane in lanes} == {"NEN", "MAT"}
        assert sum(len(transport.orders[leg]) for leg in legs) >= 10
    delivered = [
        leg for leg in transport.accepted_on("XD1-") if "delivered" in transport.tracking[leg]
    ]
    assert sum(len(transport.orders[leg]) for leg in delivered) >= 10, (
        "cross-docked orders still reach their customers"
    )


@pytest.mark.slow  # shares two 2.5-day worlds (~14 s) across the module
def test_the_carrier_change_moves_the_routes_tenders_to_the_new_carriers_lane(transport, unchanged):
    before = Shipments(unchanged)

    def orders_on(shipments: Shipments, lane: str) -> int:
        return sum(len(shipments.orders[s]) for s in shipments.accepted_on(lane))

    assert orders_on(before, "MW-MWE-CDF") > 100
    assert orders_on(before, "MW-MWE-RDX") < orders_on(before, "MW-MWE-CDF") / 3
    # The lane is decided as an order is staged: orders packed before the change keep their
    # carrier; none created after it goes with CDF.
    late_cdf = [o for s in transport.accepted_on("MW-MWE-CDF") for o in transport.orders[s]]
    assert all(transport.created[o] < CHANGE_AT for o in late_cdf)
    moved = transport.accepted_on("MW-MWE-RDX")
    assert orders_on(transport, "MW-MWE-RDX") > 100
    # RDX's rate and RDX's pick-up times (17:00 and 21:00), not CDF's 18:00.
    assert all(transport.tenders[s][-1]["rate"] >= 75.62 for s in moved)
    assert {transport.tender_times[s][0].hour for s in moved} == {17, 21}


@pytest.mark.slow  # shares two 2.5-day worlds (~14 s) across the module
def test_the_twin_ingests_and_projects_the_changed_world_and_follows_cross_docked_orders(
    changed, transport, demo_network
):
    # What the changes act on: every event of the types transport emits from the change on
    # (before it, the world is the unchanged one), and the orders' creation for their
    # promised times; the floor's picks and clocks are left out to keep the test short.
    events = [
        e
        for e in changed
        if e["type"] in TRANSPORT_TYPES and (at(e) >= CHANGE_AT or e["type"] == "erp.order_created")
    ]
    result = events_ingest(items=events)
    assert (result.accepted, result.rejected) == (len(events), 0)
    projected = project_pending(batch_size=20_000)
    assert projected.quarantined == 0 and projected.applied == len(events)
    delivered_legs = [
        leg for leg in transport.accepted_on("XD1-") if "delivered" in transport.tracking[leg]
    ]
    # Every order of a delivered outbound load is delivered, when that load is.
    orders = {order: leg for leg in delivered_legs for order in transport.orders[leg]}
    assert len(orders) >= 10
    seen = OrderProgress.objects.filter(order_id__in=orders)
    assert seen.count() == len(orders)
    for order in seen:
        leg = orders[order.order_id]
        assert order.dc == "NE" and order.shipped_at == transport.shipped[order.order_id]
        assert order.delivered_at == transport.tracking[leg]["delivered"]
    line_hauls = Shipment.objects.filter(shipment_id__in=transport.line_hauls())
    assert {(s.lane, s.order_id) for s in line_hauls} == {("NE-MAT-BLT", "")}
    other = CostDay.objects.filter(category="other").values_list("amount_usd", flat=True)
    assert sum(other) == Decimal("85.00") * len(transport.fees) + transport.other_postings


def test_the_changes_are_built_from_the_twins_intervention_json():
    network = demo_network()
    for intervention in (
        interventions.RouteViaCrossDock(regions=("NEN", "MAT"), cross_dock="XD1"),
        interventions.RouteViaCrossDock(("NEN",), "XD1", from_dcs=("SE", "NE")),
        interventions.ChangeCarrier(lane="MW-MWE-CDF", carrier="RDX"),
    ):
        fields = dataclasses.asdict(intervention)
        change = change_from_fields(type(intervention).__name__, fields, network)
        assert dataclasses.asdict(change) == fields


@pytest.mark.parametrize(
    ("fields", "flows"),
    [
        # Saved before from_dcs existed: the orders other DCs ship there, not NE's own.
        (
            {"regions": ["NEN", "MAT"], "cross_dock": "XD1"},
            {(dc, r) for dc in ("SE", "MW", "W") for r in ("NEN", "MAT")},
        ),
        ({"regions": ["NEN", "MAT"], "cross_dock": "XD1", "from_dcs": ["SE"]},
         {("SE", "NEN"), ("SE", "MAT")}),
        ({"regions": ["MAT", "SEA"], "cross_dock": "XD1", "from_dcs": ["NE", "MW"]},
         {("NE", "MAT"), ("MW", "MAT"), ("NE", "SEA"), ("MW", "SEA")}),
    ],
)  # fmt: skip
def test_the_world_routes_exactly_the_flows_the_twin_routes(fields, flows):
    snapshot, parameters = twin_network()
    twin = interventions.plan_scenario(
        snapshot, parameters, [interventions.RouteViaCrossDock(**fields)]
    )
    assert set(twin.cross_dock_routes) == flows
    assert set(twin.cross_dock_routes.values()) == {"XD1"}
    world = change_from_fields("RouteViaCrossDock", fields, demo_network())
    assert set(world.routed(demo_network())) == flows


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("kind=RouteViaCrossDock regions=NEN,XX cross_dock=XD1", "regions[1]"),
        ("kind=RouteViaCrossDock regions= cross_dock=XD1", "regions"),
        ("kind=RouteViaCrossDock regions=NEN cross_dock=XD9", "cross_dock"),
        ("kind=RouteViaCrossDock regions=NEN cross_dock=XD1 from_dcs=SE,XX", "from_dcs[1]"),
        ("kind=ChangeCarrier lane=NE-XX-CDF carrier=RDX", "lane"),
        ("kind=ChangeCarrier lane=NE-NEN-CDF carrier=ACME", "carrier"),
        ("kind=ChangeCarrier lane=NE-NEN-CDF carrier=BLT", "carrier"),
    ],
)
def test_a_change_the_world_cannot_carry_out_is_refused_naming_the_field(tmp_path, change, field):
    with pytest.raises(CommandError, match=rf"--change .*: {re.escape(field)}: "):
        call_command(
            "emulate", "--start", START.isoformat(), "--days", "1",
            "--to-file", str(tmp_path / "x.ndjson"), "--change", f"day=1 {change}",
        )  # fmt: skip


def test_a_cross_dock_without_the_lanes_it_needs_is_refused():
    network = demo_network()
    fields = {"regions": ["SEA"], "cross_dock": "XD1"}
    no_outbound = dataclasses.replace(
        network, lanes=[lane for lane in network.lanes if lane.code != "XD1-SEA-CDF"]
    )
    no_outbound = dataclasses.replace(
        no_outbound, lanes=[lane for lane in no_outbound.lanes if lane.code != "XD1-SEA-RDX"]
    )
    with pytest.raises(ChangeError, match=r"^regions\[0\]: no lane from XD1 to SEA"):
        change_from_fields("RouteViaCrossDock", fields, no_outbound)
    no_line_haul = dataclasses.replace(
        network, lanes=[lane for lane in network.lanes if lane.code != "W-MAT-CDF"]
    )
    with pytest.raises(ChangeError, match=r"^cross_dock: no ground lane from W to MAT"):
        change_from_fields("RouteViaCrossDock", fields, no_line_haul)
