"""The demo enterprise: a self-contained "real world" that emits ERP, WMS, TMS, CRM and IoT events.

It is a small event-driven simulation of its own (a heap of timed happenings), independent
of apps/simulation, so that the twin's calibration and simulation can be checked against
a truth they did not write. Orders arrive by region, hour and weekday; are released when
stock allows; are picked line by line and packed by workers on shift; leave on carrier
pick-ups, travel their lane and are delivered; late or wrong orders draw complaints.
"""

import heapq
import itertools
import json
import math
import random
import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from apps.network.demo import demo_sizing
from apps.network.models import Customer, DistributionCenter, Lane, Region, Sku

BACKORDER_PATIENCE_H = 96.0
EQUIPMENT_PER_DC = 4
EQUIPMENT_MTBF_H = 400.0
EQUIPMENT_MTTR_H = 5.0
SURVEY_RATE = 0.15
# Real pickers run below the engineered standard, more so where the floor is stretched:
# the truth calibration has to find, different from the master data's standard.
PICK_RATE_VS_STANDARD = {"NE": 0.95, "SE": 0.97}


@dataclass
class Change:
    """A change to the truth from a day on: "day=10 dc=NE pick_rate=-20%"."""

    day: float
    dc: str
    pick_rate_factor: float = 1.0
    pack_rate_factor: float = 1.0

    @classmethod
    def parse(cls, text: str, known_dcs: set[str]) -> "Change":
        fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
        unknown = set(fields) - {"day", "dc", "pick_rate", "pack_rate"}
        if unknown or "day" not in fields or "dc" not in fields:
            raise ValueError(
                f"--change {text!r}: expected 'day=N dc=CODE pick_rate=±P% [pack_rate=±P%]'"
            )
        if fields["dc"] not in known_dcs:
            raise ValueError(f"--change {text!r}: unknown DC {fields['dc']!r}")

        def factor(name: str) -> float:
            raw = fields.get(name)
            if raw is None:
                return 1.0
            match = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)%", raw)
            if not match:
                raise ValueError(f"--change {text!r}: {name} must look like -20%")
            return 1.0 + float(match.group(1)) / 100

        return cls(float(fields["day"]), fields["dc"], factor("pick_rate"), factor("pack_rate"))


@dataclass
class DcTruth:
    pick_lines_per_hour: float
    pack_orders_per_hour: float
    pick_error_rate: float
    pick_time_cv: float
    pack_time_cv: float
    wage_usd_per_hour: float


@dataclass
class Truth:
    """What the world really is: written with --truth for calibration tests to recover."""

    seed: int
    start: str
    days: float
    orders_per_day: float
    region_share: dict[str, float]
    hour_profile: list[float]
    weekday_factor: float
    weekend_factor: float
    lines_per_order_pmf: list[float]
    quantity_pmf: list[float]
    dcs: dict[str, DcTruth]
    lane_transit_hours: dict[str, list[float]]  # lane -> [median, sigma]
    tender_rejection_rate: dict[str, float]
    pickup_hours: dict[str, list[float]]
    lead_time_hours_median: dict[str, float]
    lead_time_sigma: float
    complaint_base: float = 0.004
    complaint_per_late_day: float = 0.12
    complaint_per_pick_error: float = 0.30
    changes: list[Change] = field(default_factory=list)
    # Filled in after the run: what the truth produced.
    labour_utilisation: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


class Order:
    __slots__ = ("customer", "dc", "due", "errors", "id", "lines", "region", "weight")

    def __init__(self, order_id, customer, region, dc, lines, due, weight):
        self.id, self.customer, self.region, self.dc = order_id, customer, region, dc
        self.lines, self.due, self.weight = lines, due, weight
        self.errors = 0


class Worker:
    __slots__ = ("busy_h", "clocked_h", "clocked_in_at", "id", "leaving", "role", "working")

    def __init__(self, worker_id: str, role: str) -> None:
        self.id, self.role = worker_id, role
        self.working = self.leaving = False
        self.clocked_in_at = 0.0
        self.busy_h = self.clocked_h = 0.0


class Emulator:
    """Generates the event stream; `events()` yields envelopes in event-time order."""

    def __init__(
        self, *, start: datetime, days: float, seed: int, changes: list[str] | None = None
    ) -> None:
        sizing = demo_sizing()
        self.rng = random.Random(seed)
        self.seed = seed
        self.start = start
        self.horizon = days * 24.0
        self.heap: list = []
        self.scheduled = False
        self.sequence = itertools.count()
        self.event_number = itertools.count(1)
        self.next_id = itertools.count(1)

        self.dcs = {dc.code: dc for dc in DistributionCenter.objects.prefetch_related("shifts")}
        self.home = dict(Region.objects.values_list("code", "home_dc__code"))
        self.customers: dict[str, list[tuple[str, float]]] = {}
        for code, region, hours in Customer.objects.values_list(
            "code", "region__code", "promised_hours"
        ).order_by("code"):
            self.customers.setdefault(region, []).append((code, float(hours)))
        skus = list(Sku.objects.order_by("code"))
        self.sku_weight_kg = {s.code: float(s.weight_kg) for s in skus}
        self.sku_family = {s.code: s.family for s in skus}
        lanes = list(Lane.objects.select_related("origin_dc", "carrier", "destination"))
        self.ground, self.expedited = {}, {}
        for lane in lanes:
            if lane.origin_dc_id is None:
                continue
            route = (lane.origin_dc.code, lane.destination.code)
            table = self.ground if lane.mode == "ground" else self.expedited
            best = table.get(route)
            if best is None or lane.cost_usd_per_shipment < best.cost_usd_per_shipment:
                table[route] = lane

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
                wage_usd_per_hour=float(dc.wage_usd_per_hour),
            )
            for code, dc in self.dcs.items()
        }
        families = sorted({s.family for s in skus})
        self.truth = Truth(
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
            pickup_hours={
                c: [17.0, 21.0] if c == "RDX" else [18.0]
                for c in sorted({lane.carrier.code for lane in lanes})
            },
            lead_time_hours_median={f: 96.0 + 12 * i for i, f in enumerate(families)},
            lead_time_sigma=0.3,
            changes=[Change.parse(text, set(self.dcs)) for text in changes or []],
        )

        # SKU mix by region: Southeast customers never buy the families new to its DC.
        velocity = sizing.VELOCITY_WEIGHT
        self.sku_codes = [s.code for s in skus]
        self.sku_cumulative: dict[str, list[float]] = {}
        for region in self.customers:
            excluded = set(sizing.NEW_TO_SE) if self.home.get(region) == "SE" else set()
            weights = [0.0 if s.family in excluded else velocity[s.velocity_class] for s in skus]
            self.sku_cumulative[region] = list(itertools.accumulate(weights))
        self.lines_cumulative = list(itertools.accumulate(self.truth.lines_per_order_pmf))
        self.quantity_cumulative = list(itertools.accumulate(self.truth.quantity_pmf))

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
                point, quantity = self.reorder.get((code, dc), (2, 5))
                point += int(daily * (lead_days + 4))
                quantity += int(daily * 7)
                self.reorder[(code, dc)] = (point, quantity)
        # A running business is somewhere in each SKU's reorder cycle, not all freshly
        # replenished: purchase orders (and lead times to learn from) flow from the first day.
        cycle = random.Random(seed + 7919)
        for key, (point, quantity) in sorted(self.reorder.items()):
            self.stock[key] = point + 1 + int(cycle.random() * quantity)
            self.on_order[key] = 0

        self.pick_queue = {code: deque() for code in self.dcs}
        self.pack_queue = {code: deque() for code in self.dcs}
        self.backorders = {code: deque() for code in self.dcs}
        self.staged: dict[str, list[Order]] = {code: [] for code in self.dcs}
        self.workers: dict[str, dict[str, list[Worker]]] = {}
        for code, dc in self.dcs.items():
            # Each shift has its own crew: worker ids carry the shift's name.
            self.workers[code] = {}
            for shift in dc.shifts.all():
                crew = []
                for role, count in (
                    ("picker", shift.pickers),
                    ("packer", shift.packers),
                    ("loader", shift.loaders),
                ):
                    crew += [
                        Worker(f"{code}-{shift.name[:3].upper()}-{role[:2].upper()}{n:02d}", role)
                        for n in range(1, count + 1)
                    ]
                self.workers[code][shift.name] = crew
        self.idle = {code: {"picker": [], "packer": []} for code in self.dcs}
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
            for shift in dc.shifts.all():
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
        for carrier, hours in self.truth.pickup_hours.items():
            for day in range(0, int(self.horizon // 24) + 2):
                midnight = (self.start + timedelta(days=day)).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                for hour in hours:
                    t = (midnight - self.start).total_seconds() / 3600 + hour
                    if 0 < t <= self.horizon:
                        self.at(t, self._pickup, carrier)
        for day in range(1, int(self.horizon // 24) + 1):
            self.at(day * 24.0, self._daily_postings, day)
        for change in self.truth.changes:
            self.at(change.day * 24.0, self._apply_change, change)

    def _apply_change(self, now: float, change: Change) -> None:
        truth = self.truth.dcs[change.dc]
        truth.pick_lines_per_hour *= change.pick_rate_factor
        truth.pack_orders_per_hour *= change.pack_rate_factor

    def _arrivals(self, now: float, region: str) -> None:
        """Orders arrive as a Poisson process whose rate follows hour and weekday."""
        moment = self.start + timedelta(hours=now)
        factor = self.truth.weekday_factor if moment.weekday() < 5 else self.truth.weekend_factor
        profile = self.truth.hour_profile
        rate = (
            self.truth.orders_per_day
            * self.truth.region_share[region]
            * factor
            * profile[moment.hour]
            / sum(profile)
        )
        boundary = now + (60 - moment.minute - moment.second / 60) / 60
        arrival = now + self.rng.expovariate(rate) if rate > 0 else boundary
        if arrival >= boundary:
            self.at(boundary, self._arrivals, region)
            return
        self.at(arrival, self._arrivals, region)
        self._order(arrival, region)

    def _draw(self, cumulative: list[float]) -> int:
        return bisect_right(cumulative, self.rng.random() * cumulative[-1])

    def _order(self, now: float, region: str) -> None:
        customer, promised = self.rng.choice(self.customers[region])
        dc = self.home[region]
        lines: dict[str, int] = {}
        for _ in range(self._draw(self.lines_cumulative)):
            sku = self.sku_codes[self._draw(self.sku_cumulative[region])]
            lines[sku] = lines.get(sku, 0) + self._draw(self.quantity_cumulative)
        order_id = f"SO-{self.seed}-{next(self.next_id):08d}"
        weight = sum(qty * self.sku_weight_kg[sku] for sku, qty in lines.items())
        order = Order(order_id, customer, region, dc, lines, now + promised, weight)
        self.emit(
            now,
            "erp",
            "erp.order_created",
            {
                "order_id": order_id,
                "customer": customer,
                "lines": [{"sku": sku, "qty": qty} for sku, qty in lines.items()],
                "requested_by": self.iso(order.due),
                "dc": dc,
            },
        )
        if self._allocate(order, now):
            self._release(order, now)
        else:
            self.backorders[dc].append((now, order))

    def _allocate(self, order: Order, now: float) -> bool:
        if any(self.stock.get((sku, order.dc), 0) < qty for sku, qty in order.lines.items()):
            return False
        for sku, qty in order.lines.items():
            self.stock[(sku, order.dc)] -= qty
            self._review(sku, order.dc, now)
        return True

    def _review(self, sku: str, dc: str, now: float) -> None:
        point, quantity = self.reorder.get((sku, dc), (None, None))
        if point is None or self.stock[(sku, dc)] + self.on_order[(sku, dc)] > point:
            return
        po_id = f"PO-{self.seed}-{next(self.po_seq):06d}"
        median = self.truth.lead_time_hours_median[self.sku_family[sku]]
        lead = median * math.exp(self.rng.gauss(0, self.truth.lead_time_sigma))
        self.on_order[(sku, dc)] += quantity
        self.emit(
            now,
            "erp",
            "erp.po_created",
            {
                "po_id": po_id,
                "sku": sku,
                "dc": dc,
                "qty": quantity,
                "expected_at": self.iso(now + median),
            },
        )
        self.at(now + lead, self._receipt, po_id, sku, dc, quantity)

    def _receipt(self, now: float, po_id: str, sku: str, dc: str, quantity: int) -> dict:
        self.on_order[(sku, dc)] -= quantity
        self.stock[(sku, dc)] += quantity
        waiting, self.backorders[dc] = self.backorders[dc], deque()
        for created, order in waiting:
            if self._allocate(order, now):
                self._release(order, now)
            elif now - created > BACKORDER_PATIENCE_H:
                self.emit(
                    now,
                    "erp",
                    "erp.order_cancelled",
                    {"order_id": order.id, "reason": "out of stock too long"},
                )
            else:
                self.backorders[dc].append((created, order))
        return self._out(
            now,
            "erp",
            "erp.receipt_posted",
            {"po_id": po_id, "sku": sku, "dc": dc, "qty": quantity},
        )

    def _release(self, order: Order, now: float) -> None:
        self.emit(now, "wms", "wms.order_released", {"order_id": order.id, "dc": order.dc})
        self.pick_queue[order.dc].append(order)
        self._dispatch(order.dc, "picker", now)

    # ---- labour ------------------------------------------------------------------------
    def _shift_start(self, now: float, dc: str, shift: str) -> None:
        for worker in self.workers[dc][shift]:
            worker.working, worker.leaving = True, False
            worker.clocked_in_at = now
            self.emit(
                now,
                "wms",
                "wms.labor_clock",
                {"dc": dc, "worker_id": worker.id, "role": worker.role, "direction": "in"},
            )
            if worker.role in ("picker", "packer"):
                self.idle[dc][worker.role].append(worker)
        self._dispatch(dc, "picker", now)
        self._dispatch(dc, "packer", now)

    def _shift_end(self, now: float, dc: str, shift: str) -> None:
        for worker in self.workers[dc][shift]:
            if worker in self.idle[dc].get(worker.role, []):
                self.idle[dc][worker.role].remove(worker)
                self._clock_out(worker, dc, now)
            elif worker.role == "loader":
                self._clock_out(worker, dc, now)
            else:
                worker.leaving = True  # finishes the order in hand first

    def _clock_out(self, worker: Worker, dc: str, now: float) -> None:
        worker.working = False
        worker.clocked_h += now - worker.clocked_in_at
        self.emit(
            now,
            "wms",
            "wms.labor_clock",
            {"dc": dc, "worker_id": worker.id, "role": worker.role, "direction": "out"},
        )

    def _close_clocks(self) -> None:
        """Account for workers still clocked in when the stream ends, and report utilisation."""
        for dc, shifts in self.workers.items():
            busy = clocked = 0.0
            for crew in shifts.values():
                for worker in crew:
                    if worker.role not in ("picker", "packer"):
                        continue
                    busy += worker.busy_h
                    clocked += worker.clocked_h + (
                        self.horizon - worker.clocked_in_at if worker.working else 0.0
                    )
            self.truth.labour_utilisation[dc] = round(busy / clocked, 4) if clocked else 0.0

    def _dispatch(self, dc: str, role: str, now: float) -> None:
        queue = self.pick_queue[dc] if role == "picker" else self.pack_queue[dc]
        idle = self.idle[dc][role]
        while queue and idle:
            worker = idle.pop(0)
            order = queue.popleft()
            if role == "picker":
                self._pick(worker, order, now)
            else:
                self._pack(worker, order, now)

    def _gamma(self, mean: float, cv: float) -> float:
        shape = 1 / cv**2
        return self.rng.gammavariate(shape, mean / shape)

    def _pick(self, worker: Worker, order: Order, now: float) -> None:
        truth = self.truth.dcs[order.dc]
        t = now
        for sku, qty in order.lines.items():
            duration = self._gamma(1 / truth.pick_lines_per_hour, truth.pick_time_cv)
            error = self.rng.random() < truth.pick_error_rate
            order.errors += error
            self.emit(
                t + duration,
                "wms",
                "wms.pick_completed",
                {
                    "order_id": order.id,
                    "dc": order.dc,
                    "sku": sku,
                    "qty": qty,
                    "picker_id": worker.id,
                    "started_at": self.iso(t),
                    "duration_s": round(duration * 3600, 1),
                    "error": error,
                },
            )
            t += duration
        worker.busy_h += t - now
        self.at(t, self._picked, worker, order)

    def _picked(self, now: float, worker: Worker, order: Order) -> None:
        self._free(worker, order.dc, now)
        self.pack_queue[order.dc].append(order)
        self._dispatch(order.dc, "packer", now)

    def _pack(self, worker: Worker, order: Order, now: float) -> None:
        truth = self.truth.dcs[order.dc]
        duration = self._gamma(1 / truth.pack_orders_per_hour, truth.pack_time_cv)
        worker.busy_h += duration
        self.emit(
            now + duration,
            "wms",
            "wms.pack_completed",
            {
                "order_id": order.id,
                "dc": order.dc,
                "packer_id": worker.id,
                "duration_s": round(duration * 3600, 1),
            },
        )
        self.at(now + duration, self._packed, worker, order)

    def _packed(self, now: float, worker: Worker, order: Order) -> None:
        self._free(worker, order.dc, now)
        self.staged[order.dc].append(order)

    def _free(self, worker: Worker, dc: str, now: float) -> None:
        if worker.leaving:
            self._clock_out(worker, dc, now)
            return
        self.idle[dc][worker.role].append(worker)
        self._dispatch(dc, worker.role, now)

    # ---- transport and customers ------------------------------------------------------------
    def _lane_for(self, order: Order, now: float) -> Lane:
        route = (order.dc, order.region)
        ground = self.ground[route]
        median = self.truth.lane_transit_hours[ground.code][0]
        if order.due - now < median and route in self.expedited:
            return self.expedited[route]
        return ground

    def _pickup(self, now: float, carrier: str) -> None:
        for dc, staged in self.staged.items():
            waiting = []
            for order in staged:
                lane = self._lane_for(order, now)
                if lane.carrier.code != carrier:
                    waiting.append(order)
                    continue
                if not self._ship(order, lane, now):
                    waiting.append(order)  # re-tendered at the carrier's next pick-up
            self.staged[dc] = waiting

    def _ship(self, order: Order, lane: Lane, now: float) -> bool:
        """Tender the order's shipment; if the carrier accepts, it leaves now. Accepted?"""
        shipment = f"SH-{self.seed}-{next(self.shipment_seq):08d}"
        carrier = lane.carrier.code
        rate = float(lane.cost_usd_per_shipment) + float(lane.cost_usd_per_kg) * order.weight
        rejected = self.rng.random() < self.truth.tender_rejection_rate.get(carrier, 0.0)
        self.emit(
            now,
            "tms",
            "tms.tender",
            {
                "shipment_id": shipment,
                "carrier": carrier,
                "lane": lane.code,
                "status": "rejected" if rejected else "accepted",
                "rate": round(rate, 2),
            },
        )
        if rejected:
            return False
        median, sigma = self.truth.lane_transit_hours[lane.code]
        transit = median * math.exp(self.rng.gauss(0, sigma))
        delivered = now + transit
        eta = self.iso(now + median)
        self.emit(
            now,
            "wms",
            "wms.shipped",
            {"order_id": order.id, "dc": order.dc, "shipment_id": shipment, "carrier": carrier},
        )
        self.emit(
            now,
            "tms",
            "tms.tracking",
            {"shipment_id": shipment, "status": "picked_up", "at": self.iso(now), "eta": eta},
        )
        self.emit(
            now + transit / 2,
            "tms",
            "tms.tracking",
            {
                "shipment_id": shipment,
                "status": "in_transit",
                "at": self.iso(now + transit / 2),
                "eta": eta,
            },
        )
        self.emit(
            delivered,
            "tms",
            "tms.tracking",
            {"shipment_id": shipment, "status": "delivered", "at": self.iso(delivered)},
        )
        self.emit(
            delivered,
            "tms",
            "tms.freight_accrued",
            {"shipment_id": shipment, "amount": round(rate, 2), "currency": "USD"},
        )
        self.at(delivered, self._delivered, order)
        return True

    def _delivered(self, now: float, order: Order) -> None:
        late_h = now - order.due
        truth = self.truth
        p = truth.complaint_base + truth.complaint_per_pick_error * order.errors
        if late_h > 0:
            p += truth.complaint_per_late_day * late_h / 24
        if self.rng.random() < min(1.0, p):
            complaint = f"CMP-{order.id}"
            category = "wrong_item" if order.errors else ("late" if late_h > 0 else "damaged")
            self.emit(
                now + 2,
                "crm",
                "crm.complaint_opened",
                {
                    "complaint_id": complaint,
                    "customer": order.customer,
                    "order_id": order.id,
                    "category": category,
                },
            )
            self.emit(
                now + 50,
                "crm",
                "crm.complaint_closed",
                {"complaint_id": complaint, "resolution": "credit issued"},
            )
        if self.rng.random() < SURVEY_RATE:
            score = 5 - (late_h > 0) - 2 * (order.errors > 0)
            score = max(1, min(5, score + self.rng.choice((-1, 0, 0, 0, 1))))
            self.emit(
                now + 24,
                "crm",
                "crm.satisfaction_survey",
                {"customer": order.customer, "order_id": order.id, "score": score},
            )

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

    def _daily_postings(self, now: float, day: int) -> None:
        """Each DC's labour cost of the day just ended, as the payroll system books it."""
        weekday = (self.start + timedelta(hours=now - 1)).weekday()
        for dc in sorted(self.workers):
            hours = sum(
                float(s.hours) * (s.pickers + s.packers + s.loaders)
                for s in self.dcs[dc].shifts.all()
                if s.weekdays[weekday] == "1"
            )
            amount = hours * self.truth.dcs[dc].wage_usd_per_hour
            self.emit(
                now,
                "erp",
                "erp.financial_posted",
                {
                    "account": f"6100-labour-{dc}",
                    "amount": f"{amount:.2f}",
                    "currency": "USD",
                    "reference": f"PAY-{self.seed}-{dc}-{day}",
                },
            )
            self._cycle_count(now, dc)

    def _cycle_count(self, now: float, dc: str) -> None:
        """A daily cycle count finds a small difference on one SKU, and the ERP books it."""
        sku = self.rng.choice(self.sku_codes)
        if (sku, dc) not in self.stock:
            return
        delta = self.rng.choice((-3, -2, -1, 1, 2))
        delta = max(delta, -self.stock[(sku, dc)]) or 1
        self.stock[(sku, dc)] += delta
        self.emit(
            now,
            "erp",
            "erp.inventory_adjusted",
            {"sku": sku, "dc": dc, "delta": delta, "reason": "cycle count"},
        )
