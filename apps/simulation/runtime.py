"""What a run holds as it goes: order records and each distribution centre's state."""

import heapq
from collections import defaultdict, deque
from operator import attrgetter

from apps.simulation.crews import Crew
from apps.simulation.labour import PackTimes, PickTimes
from apps.simulation.supply import Inventory


class Order:
    __slots__ = (
        "backorder_number",
        "created",
        "dc",
        "delivered",
        "due",
        "errors",
        "lane",
        "lines",
        "measured",
        "pick_start",
        "region",
        "released",
        "value",
        "via",
        "waiting",
        "weight",
    )

    def __init__(self, region: str, created: float, due: float, lines: list, measured: bool):
        self.region = region
        self.created = created
        self.due = due
        self.lines = lines
        self.measured = measured
        self.errors = 0
        self.dc = None
        self.lane = None
        self.via = None
        self.released = self.pick_start = self.delivered = 0.0
        self.weight = self.value = 0.0
        self.waiting = False  # backordered: waiting for stock
        self.backorder_number = 0  # its place in its DC's backorder queue


class DcRuntime:
    """One DC during a run: stock, crews, queues and what happened there."""

    def __init__(self, code: str) -> None:
        self.code = code
        # Backordered orders, first come first: those no longer waiting are dropped when
        # they reach the front. Each waiting order is also filed under one SKU it is short
        # of (or for a look at the next retry), and by age, so that a retry looks only at
        # the orders that stock received may fill and those out of patience.
        self.backorders: deque[Order] = deque()
        self.blocked_on: defaultdict[int, list[Order]] = defaultdict(list)
        self.recheck: list[Order] = []
        self.by_age: list[tuple[float, int, Order]] = []  # heap
        self.staged: list[Order] = []
        self.in_dc = 0
        self.shipped = self.lines_picked = self.errors = 0
        self.cycle_times: list[float] = []
        self.pick_wait_sum = 0.0
        self.pick_wait_count = 0
        self.pick: Crew
        self.pack: Crew
        self.inventory: Inventory
        self.pick_times: PickTimes
        self.pack_times: PackTimes
        self.timeline: list  # crew changes over the horizon
        self.crew_by_hour: list[float]  # clocked pick+pack labour-hours per hour
        self.clocked_h = self.overtime_h = 0.0  # within the measured span
        self.loader_h = 0.0  # loaders' clocked hours in the measured span
        self.lost = 0  # orders lost here for want of stock, out of patience
        # SKUs (indexes) an order created in the measured span found short here: the DC's
        # stock-outs, each SKU counted once however often it ran out.
        self.stocked_out: set[int] = set()

    def file_backorder(self, order: Order) -> None:
        """File a waiting order under a SKU it is short of, to be looked at when that SKU
        is restocked."""
        short = self.inventory.short_of(order.lines)
        if short is None:
            self.recheck.append(order)  # an open order backordered with stock: look again
        else:
            self.blocked_on[short].append(order)

    def oldest_backorder(self) -> Order | None:
        """The first backordered order still waiting."""
        queue = self.backorders
        while queue and not queue[0].waiting:
            queue.popleft()
        return queue[0] if queue else None

    def backorder(self, order: Order, now: float, *, number: int) -> None:
        """Hold an order short of stock until stock comes or the customer's patience ends."""
        inventory = self.inventory
        for sku, qty in order.lines:
            inventory.backordered[sku] += qty
            inventory.review(sku, now)
        order.backorder_number = number
        order.waiting = True
        self.backorders.append(order)
        heapq.heappush(self.by_age, (order.created, number, order))
        self.file_backorder(order)

    def retry_backorders(self, now: float, patience: float) -> tuple[list[Order], list[Order]]:
        """(released, lost): in the order they came, the backorders that stock now fills,
        taking their stock, and those out of patience. Only orders short of a restocked SKU
        can be filled now (stock of anything else has only gone down since they were last
        looked at), and only the oldest can be out of patience: the others are not looked
        at."""
        inventory = self.inventory
        candidates, self.recheck = self.recheck, []
        for sku in inventory.restocked:
            if sku in self.blocked_on:
                candidates.extend(self.blocked_on.pop(sku))
        inventory.restocked.clear()
        by_age = self.by_age
        while by_age and now - by_age[0][0] > patience:
            candidates.append(heapq.heappop(by_age)[2])
        waiting = {order for order in candidates if order.waiting}
        released, lost = [], []
        for order in sorted(waiting, key=attrgetter("backorder_number")):
            if inventory.available(order.lines):
                for sku, qty in order.lines:
                    inventory.backordered[sku] -= qty
                inventory.take(order.lines, now)
                order.released = now
                order.waiting = False
                released.append(order)
            elif now - order.created > patience:
                for sku, qty in order.lines:
                    inventory.backordered[sku] -= qty
                self.in_dc -= 1
                order.waiting = False
                lost.append(order)
            else:
                self.file_backorder(order)
        return released, lost
