"""The demo enterprise: a self-contained "real world" that emits ERP, WMS, TMS, CRM and IoT events.

It is a small event-driven simulation of its own (a heap of timed happenings), independent
of apps/simulation and of the twin's tables, so that the twin's calibration and simulation
can be checked against a truth they did not write. Orders arrive by region, hour and
weekday; are released when stock allows; are picked line by line and packed by workers on
shift; leave on carrier pick-ups, travel their lane and are delivered; late or wrong orders
draw complaints. It reaches the twin only through the twin's public API (apps.world.output,
apps.world.decisions).
"""

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from types import ModuleType

import apps.world.counterparts  # noqa: F401  (registers the counterparts)
from apps.world.changes import WorldChange, changes_parse
from apps.world.floor import Floor, Staffing, worker_id_prefix
from apps.world.network import Dc, demo_network, demo_sizing
from apps.world.orders import REORDER_FLOOR, OrdersAndStock, reorder_sizes
from apps.world.transport import Transport, lane_tables
from apps.world.truth import (
    EQUIPMENT_MTBF_H,
    EQUIPMENT_MTTR_H,
    EQUIPMENT_PER_DC,
    PICK_RATE_VS_STANDARD,
    DcTruth,
    Order,
    Truth,
    Worker,
)


class Emulator(OrdersAndStock, Floor, Transport):
    """Generates the event stream; `events()` yields envelopes in event-time order."""

    def __init__(
        self,
        *,
        start: datetime,
        days: float,
        seed: int,
        changes: list[str | WorldChange] | None = None,
    ) -> None:
        sizing = demo_sizing()
        network = self.network = demo_network()
        self.rng = random.Random(seed)
        self.seed = seed
        self.start = start
        self.horizon = days * 24.0
        self.heap: list = []
        self.scheduled = False
        self.sequence = itertools.count()
        self.event_number = itertools.count(1)
        self.next_id = itertools.count(1)

        self.dcs = network.dcs
        self.home = dict(network.home)
        self.customers = network.customers
        skus = network.skus
        self.sku_weight_kg = {s.code: s.weight_kg for s in skus}
        self.sku_family = {s.code: s.family for s in skus}
        lanes = network.lanes
        self.ground, self.expedited = lane_tables(lanes)
        self.lanes_by_code = {lane.code: lane for lane in lanes}
        self.truth = self._truth(sizing, start=start, days=days, seed=seed)

        parsed = [c for c in changes or [] if isinstance(c, WorldChange)]
        parsed += changes_parse([c for c in changes or [] if isinstance(c, str)], network)
        self.changes: list[WorldChange] = sorted(parsed, key=lambda c: c.day)
        self.truth.changes = [c.as_json() for c in self.changes]
        # What the world was built with; decisions carried out later are part of its state.
        self.scripted = tuple(repr(c) for c in self.changes)
        self.now = 0.0
        self._sku_mix(sizing)
        self._opening_stock(seed)
        self._streams(seed)
        self._crews()

    def _truth(self, sizing: ModuleType, *, start: datetime, days: float, seed: int) -> Truth:
        """The world's hidden parameters, which calibration must recover."""
        network, skus, lanes = self.network, self.network.skus, self.network.lanes
        shares = {code: share for code, *_rest, share in sizing.REGIONS}
        region_share = {r: shares.get(r, 1.0) for r in self.customers}
        total = sum(region_share.values())
        dc_truth = {
            code: DcTruth(
                pick_lines_per_hour=dc.standard_pick_lines_per_hour
                * PICK_RATE_VS_STANDARD.get(code, 1.0),
                pack_orders_per_hour=dc.standard_pack_orders_per_hour,
                pick_error_rate=0.004,
                pick_time_cv=0.6,
                pack_time_cv=0.5,
                wage_usd_per_hour=dc.wage_usd_per_hour,
            )
            for code, dc in self.dcs.items()
        }
        families = sorted({s.family for s in skus})
        return Truth(
            seed=seed,
            start=start.isoformat(),
            days=days,
            orders_per_day=sizing.ORDERS_PER_DAY,
            region_share={r: s / total for r, s in sorted(region_share.items())},
            hour_profile=list(sizing.HOUR_PROFILE),
            weekday_factor=sizing.WEEKDAY_FACTOR,
            weekend_factor=sizing.WEEKEND_FACTOR,
            lines_per_order_pmf=list(sizing.LINES_PER_ORDER_PMF),
            quantity_pmf=list(sizing.QUANTITY_PMF),
            dcs=dc_truth,
            lane_transit_hours={
                lane.code: [lane.transit_hours_median, lane.transit_hours_spread] for lane in lanes
            },
            tender_rejection_rate={"BLT": 0.04, "CDF": 0.06, "PCT": 0.03, "RDX": 0.01},
            pickup_hours={c: [17.0, 21.0] if c == "RDX" else [18.0] for c in network.carriers},
            lead_time_hours_median={f: 96.0 + 12 * i for i, f in enumerate(families)},
            lead_time_sigma=0.3,
        )

    def _sku_mix(self, sizing: ModuleType) -> None:
        """SKU mix by region: Southeast customers never buy the families new to its DC."""
        skus = self.network.skus
        velocity = sizing.VELOCITY_WEIGHT
        self.sku_codes = [s.code for s in skus]
        self.sku_cumulative: dict[str, list[float]] = {}
        for region in self.customers:
            excluded = set(sizing.NEW_TO_SE) if self.home.get(region) == "SE" else set()
            weights = [0.0 if s.family in excluded else velocity[s.velocity_class] for s in skus]
            self.sku_cumulative[region] = list(itertools.accumulate(weights))
        self.lines_cumulative = list(itertools.accumulate(self.truth.lines_per_order_pmf))
        self.quantity_cumulative = list(itertools.accumulate(self.truth.quantity_pmf))

    def _opening_stock(self, seed: int) -> None:
        # Stock: a reorder point covering lead time plus four days; a week's order quantity.
        units_per_order = sum(i * p for i, p in enumerate(self.truth.lines_per_order_pmf)) * sum(
            i * p for i, p in enumerate(self.truth.quantity_pmf)
        )
        self.stock: dict[tuple[str, str], int] = {}
        self.on_order: dict[tuple[str, str], int] = {}
        self.reorder: dict[tuple[str, str], tuple[int, int]] = {}
        for region, cumulative in self.sku_cumulative.items():
            dc = self.home[region]
            daily_orders = self.truth.orders_per_day * self.truth.region_share[region]
            previous = 0.0
            for code, cum in zip(self.sku_codes, cumulative, strict=True):
                share = (cum - previous) / cumulative[-1]
                previous = cum
                daily = daily_orders * units_per_order * share
                lead_days = self.truth.lead_time_hours_median[self.sku_family[code]] / 24
                point, quantity = self.reorder.get((code, dc), REORDER_FLOOR)
                add_point, add_quantity = reorder_sizes(daily, lead_days)
                self.reorder[(code, dc)] = (point + add_point, quantity + add_quantity)
        # A running business is somewhere in each SKU's reorder cycle, not all freshly
        # replenished: purchase orders (and lead times to learn from) flow from the first day.
        cycle = random.Random(seed + 7919)
        for key, (point, quantity) in sorted(self.reorder.items()):
            self.stock[key] = point + 1 + int(cycle.random() * quantity)
            self.on_order[key] = 0

    def _streams(self, seed: int) -> None:
        # Volume shifts carried out (counterparts.stock.ShiftVolume), by region, and the
        # seeded stream of their "is this order moved" draws, apart from self.rng.
        self.volume_moves: dict[str, list] = {}
        self.routing_rng = random.Random(f"{seed}:routing")
        # Cross-docks and customers (dwell, complaints, surveys) draw from a
        # stream of their own: how orders are shipped leaves demand, the floor and supply
        # drawing the same.
        self.transport_rng = random.Random(f"{seed}:transport")
        # Tenders and transit, one draw each per load, apart from the customers' draws per
        # order: two worlds that ship the same loads draw the same outcomes for them.
        self.tender_rng = random.Random(f"{seed}:tenders")

    def _crews(self) -> None:
        self.pick_queue = {code: deque() for code in self.dcs}
        self.pack_queue = {code: deque() for code in self.dcs}
        self.backorders = {code: deque() for code in self.dcs}
        self.staged: dict[str, list[Order]] = {code: [] for code in self.dcs}
        self.workers: dict[str, dict[str, list[Worker]]] = {}
        for code, dc in self.dcs.items():
            # Each shift has its own crew: worker ids carry the shift's name.
            self.workers[code] = {}
            for shift in dc.shifts:
                crew = []
                for role, count in (
                    ("picker", shift.pickers),
                    ("packer", shift.packers),
                    ("loader", shift.loaders),
                ):
                    prefix = worker_id_prefix(code, shift.name, role)
                    crew += [Worker(f"{prefix}{n:02d}", role) for n in range(1, count + 1)]
                self.workers[code][shift.name] = crew
        self.idle = {code: {"picker": [], "packer": []} for code in self.dcs}
        self.staffing = Staffing()
        self.shipment_seq = itertools.count(1)
        self.po_seq = itertools.count(1)

    # ---- scheduling --------------------------------------------------------------------
    def at(self, hours: float, action: Callable, *args) -> None:
        heapq.heappush(self.heap, (hours, next(self.sequence), action, args))

    def emit(self, hours: float, source: str, event_type: str, payload: dict) -> None:
        """Schedule an event for the time it happens, so the stream leaves in time order."""
        self.at(hours, self._out, source, event_type, payload)

    def _out(self, now: float, source: str, event_type: str, payload: dict) -> dict:
        return {
            "event_id": f"{source}-{self.seed}-{next(self.event_number):09d}",
            "source": source,
            "type": event_type,
            "occurred_at": self.iso(now),
            "payload": payload,
        }

    def iso(self, hours: float) -> str:
        return (self.start + timedelta(hours=hours)).isoformat(timespec="seconds")

    def events(self) -> Iterator[dict]:
        """The events from where the world stands: from its start, or, for a world restored
        from a checkpoint (emulator_output.Resume), from where the checkpoint left it."""
        if not self.scheduled:
            self.scheduled = True
            self._schedule_world()
        while self.heap:
            now, _, action, args = heapq.heappop(self.heap)
            if now > self.horizon:
                break
            self.now = now
            produced = action(now, *args)
            if produced is not None:
                yield produced
        self._close_clocks()

    # ---- the world ---------------------------------------------------------------------
    def _schedule_world(self) -> None:
        for region, customers in sorted(self.customers.items()):
            for customer, hours in customers:
                self.emit(
                    0.0, "crm", "crm.sla_committed", {"customer": customer, "promised_hours": hours}
                )
            self.at(0.0, self._arrivals, region)
        # The stock on the shelves when the stream begins, as the ERP's opening balance.
        for (sku, dc), quantity in sorted(self.stock.items()):
            if quantity > 0:
                self.emit(
                    0.0,
                    "erp",
                    "erp.inventory_adjusted",
                    {"sku": sku, "dc": dc, "delta": quantity, "reason": "opening balance"},
                )
        for code, dc in self.dcs.items():
            self._schedule_dc(code, dc)
        self._schedule_pickups()
        for day in range(1, int(self.horizon // 24) + 1):
            self.at(day * 24.0, self._daily_postings, day)
        for change in self.changes:
            self.at(change.day * 24.0, self._apply_change, change)

    def _schedule_dc(self, code: str, dc: Dc) -> None:
        """A DC's shifts over the horizon, its equipment's first breakdowns, its sensors."""
        for shift in dc.shifts:
            start_h = shift.starts_at.hour + shift.starts_at.minute / 60
            for day in range(-1, int(self.horizon // 24) + 2):
                moment = self.start + timedelta(days=day)
                if shift.weekdays[moment.weekday()] != "1":
                    continue
                midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
                begins = (midnight - self.start).total_seconds() / 3600 + start_h
                ends = begins + float(shift.hours)
                if ends <= 0 or begins >= self.horizon:
                    continue
                self.at(max(begins, 0.0), self._shift_start, code, shift.name)
                self.at(ends, self._shift_end, code, shift.name)
        for n in range(1, EQUIPMENT_PER_DC + 1):
            self.at(
                self.rng.expovariate(1 / EQUIPMENT_MTBF_H),
                self._breakdown,
                code,
                f"{code}-FL{n}",
            )
        self.at(0.0, self._iot, code, 0)

    def _schedule_pickups(self) -> None:
        for carrier, hours in self.truth.pickup_hours.items():
            for day in range(0, int(self.horizon // 24) + 2):
                midnight = (self.start + timedelta(days=day)).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                for hour in hours:
                    t = (midnight - self.start).total_seconds() / 3600 + hour
                    if 0 < t <= self.horizon:
                        self.at(t, self._pickup, carrier)

    def _apply_change(self, now: float, change: WorldChange) -> None:
        change.change.apply(self, now)

    def carry_out(self, change: WorldChange) -> None:
        """A change decided while the world runs (a decision from the twin's feed): from
        its day on, which must not be in the world's past."""
        if change.day * 24.0 < self.now:
            raise ValueError(f"day {change.day:g} is before the world's now ({self.now / 24:.2f})")
        if not self.scheduled:
            # Its own schedule first, as in a world that runs; else it would schedule this
            # change a second time with the scripted ones.
            self.scheduled = True
            self._schedule_world()
        self.changes.append(change)
        self.truth.changes.append(change.as_json())
        # Ahead of whatever else falls due at that moment, however late it was decided: a
        # world rebuilt from its start that knows the decision at once (a restart without a
        # checkpoint) then draws the same events as the world that learnt it while running.
        when = (change.day * 24.0, -next(self.sequence), self._apply_change, (change,))
        heapq.heappush(self.heap, when)

    # ---- equipment, sensors, money ---------------------------------------------------------
    def _breakdown(self, now: float, dc: str, equipment: str) -> dict:
        repair = self.rng.expovariate(1 / EQUIPMENT_MTTR_H)
        self.emit(
            now + repair,
            "wms",
            "wms.equipment_status",
            {"dc": dc, "equipment_id": equipment, "kind": "forklift", "status": "up"},
        )
        self.at(
            now + repair + self.rng.expovariate(1 / EQUIPMENT_MTBF_H),
            self._breakdown,
            dc,
            equipment,
        )
        return self._out(
            now,
            "wms",
            "wms.equipment_status",
            {
                "dc": dc,
                "equipment_id": equipment,
                "kind": "forklift",
                "status": "down",
                "reason": "fault",
            },
        )

    def _iot(self, now: float, dc: str, excursion_left: int) -> dict:
        """A temperature reading every 15 minutes; now and then a door left open heats it."""
        if excursion_left == 0 and self.rng.random() < 0.002:
            excursion_left = 4
        value = self.rng.gauss(20.0, 0.6) + (9.0 if excursion_left else 0.0)
        self.at(now + 0.25, self._iot, dc, max(0, excursion_left - 1))
        if int(now * 4) % 4 == 0:
            self.emit(
                now,
                "iot",
                "iot.equipment_telemetry",
                {
                    "dc": dc,
                    "equipment_id": f"{dc}-CONV1",
                    "metric": "motor_temp_c",
                    "value": round(self.rng.gauss(58, 3), 1),
                },
            )
        return self._out(
            now,
            "iot",
            "iot.reading",
            {
                "dc": dc,
                "sensor_id": f"{dc}-T1",
                "kind": "temperature",
                "value": round(value, 2),
                "unit": "C",
            },
        )
