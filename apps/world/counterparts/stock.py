"""The world's stock counterparts: volume re-sourced to another DC, which stocks what it now
sells; stock transferred between DCs; reorder points and quantities changed."""

import math
from dataclasses import dataclass

from apps.world.changes import ChangeError, Counterpart, counterpart
from apps.world.network import Network
from apps.world.orders import REORDER_FLOOR, reorder_sizes

# What a volume shift does with the moved SKUs' stock: the twin's ShiftVolume.STOCK_CHOICES.
STOCK_CHOICES = ("policies", "policies_and_transfer", "none")


def _dc_known(network: Network, value: str, name: str) -> None:
    if value not in network.dcs:
        raise ChangeError(name, f"unknown DC {value!r}; one of {', '.join(network.dcs)}")


def _skus_known(network: Network, skus: tuple[str, ...]) -> None:
    if not skus:
        raise ChangeError("skus", "names no SKU")
    known = {sku.code for sku in network.skus}
    for i, sku in enumerate(skus):
        if sku not in known:
            raise ChangeError(f"skus[{i}]", f"unknown SKU {sku!r}")


def _ground_lane(network: Network, origin: str, region: str) -> bool:
    return any(
        lane.origin == origin and lane.destination == region and lane.mode == "ground"
        for lane in network.lanes
        if not lane.from_cross_dock
    )


@dataclass(frozen=True)
class VolumeMove:
    """One region's share of orders re-sourced from one DC to another (the world's
    `volume_moves`, read by OrdersAndStock._serving_dc)."""

    from_dc: str
    to_dc: str
    share: float
    families: frozenset[str]


@counterpart
class ShiftVolume(Counterpart):
    """Serve a share of a DC's orders from another DC: the ERP creates those orders for the
    receiving DC, which picks, packs and ships them on its own lanes. Unless `stock` is
    "none", the planners size its reorder points for the demand it takes over (and shrink the
    sending DC's); with "policies_and_transfer" the sending DC also ships the receiving DC, at
    once, the share of its stock of each moved SKU that its moved demand is of its own."""

    from_dc: str
    to_dc: str
    share: float
    regions: tuple[str, ...] = ()  # default: every region from_dc serves
    sku_families: tuple[str, ...] = ()  # default: all; else orders mostly of these families
    # The twin's ShiftVolume.stock: "policies" (resize the reorder policies, as before the
    # field existed), "policies_and_transfer" (and ship the moved share of from_dc's stock
    # to to_dc at once) or "none" (leave stock and policies as they are).
    stock: str = "policies"

    def check(self, network: Network) -> None:
        _dc_known(network, self.from_dc, "from_dc")
        _dc_known(network, self.to_dc, "to_dc")
        if self.from_dc == self.to_dc:
            raise ChangeError("to_dc", "must differ from from_dc")
        if not 0 < self.share <= 1:
            raise ChangeError("share", f"must lie in (0, 1], e.g. 30%; got {self.share:g}")
        served = sorted(r for r, dc in network.home.items() if dc == self.from_dc)
        if not served:
            raise ChangeError("from_dc", f"{self.from_dc} serves no region: nothing to move")
        for i, region in enumerate(self.regions):
            if region not in network.home:
                raise ChangeError(f"regions[{i}]", f"unknown region {region!r}")
            if region not in served:
                raise ChangeError(
                    f"regions[{i}]",
                    f"region {region} is not served by {self.from_dc}: one of {', '.join(served)}",
                )
        for region in self.regions or served:
            if not _ground_lane(network, self.to_dc, region):
                raise ChangeError("to_dc", f"{self.to_dc} has no lane to region {region}")
        families = {sku.family for sku in network.skus}
        for i, family in enumerate(self.sku_families):
            if family not in families:
                raise ChangeError(f"sku_families[{i}]", f"unknown SKU family {family!r}")
        if self.stock not in STOCK_CHOICES:
            raise ChangeError(
                "stock", f"must be one of {', '.join(STOCK_CHOICES)}, got {self.stock!r}"
            )
        if self.stock == "policies_and_transfer":
            region = network.dcs[self.to_dc].region
            if not _ground_lane(network, self.from_dc, region):
                raise ChangeError(
                    "stock", f"{self.from_dc} has no lane to {self.to_dc}'s {region} to transfer"
                )

    def apply(self, world, now: float) -> None:
        served = tuple(sorted(r for r, dc in world.home.items() if dc == self.from_dc))
        regions = self.regions or served
        move = VolumeMove(self.from_dc, self.to_dc, self.share, frozenset(self.sku_families))
        for region in regions:
            world.volume_moves.setdefault(region, []).append(move)
        if self.stock == "none":
            return
        moved = _moved_daily_units(world, move, regions)
        if self.stock == "policies_and_transfer":
            # The moved share of the sending DC's own demand for each SKU, taken before the
            # reorder points change: the same share of its stock goes with the orders.
            whole = VolumeMove(self.from_dc, self.to_dc, 1.0, frozenset())
            sending = _moved_daily_units(world, whole, served)
            wanted = {
                sku: int(world.stock.get((sku, self.from_dc), 0) * min(1.0, daily / sending[sku]))
                for sku, daily in sorted(moved.items())
                if sending.get(sku)
            }
        _restock(world, move, moved, now)
        if self.stock == "policies_and_transfer":
            _ship_transfer(world, now, self.from_dc, self.to_dc, wanted)


def _mostly_chance(lines: int, family_share: float, line_in_family: bool) -> float:
    """The chance an order of `lines` lines, one of them known to be (or not to be) of the
    shift's families, has more than half of its lines in them: the rest are drawn
    independently, each of the families with `family_share`."""
    others = lines - 1
    needed = lines // 2 + 1 - int(line_in_family)
    return sum(
        math.comb(others, k) * family_share**k * (1 - family_share) ** (others - k)
        for k in range(max(needed, 0), others + 1)
    )


def _moved_daily_units(world, move: VolumeMove, regions: tuple[str, ...]) -> dict[str, float]:
    """Units a day of each SKU the shift moves, by the world's own demand sizing (its
    __init__): orders a day × lines × units a line × the SKU's share of the region's
    lines, times the share moved and, for a shift of SKU families, the chance that an
    order with a line of the SKU is mostly of those families. Lines are taken as distinct,
    which slightly overstates the chance for orders that repeat a SKU."""
    truth = world.truth
    units_per_line = sum(i * p for i, p in enumerate(truth.quantity_pmf))
    units: dict[str, float] = {}
    for region in regions:
        cumulative = world.sku_cumulative[region]
        weights = [b - a for a, b in zip([0.0, *cumulative], cumulative, strict=False)]
        share_of_lines = {
            sku: weight / cumulative[-1]
            for sku, weight in zip(world.sku_codes, weights, strict=True)
            if weight > 0
        }
        family_share = sum(
            s for sku, s in share_of_lines.items() if world.sku_family[sku] in move.families
        )
        lines_moved = {}  # per order, for a line of a SKU in the families or not
        for in_family in (False, True):
            lines_moved[in_family] = sum(
                p * n * (_mostly_chance(n, family_share, in_family) if move.families else 1.0)
                for n, p in enumerate(truth.lines_per_order_pmf)
                if n > 0
            )
        orders = truth.orders_per_day * truth.region_share[region] * move.share
        for sku, s in share_of_lines.items():
            in_family = world.sku_family[sku] in move.families
            units[sku] = units.get(sku, 0.0) + orders * lines_moved[in_family] * s * units_per_line
    return units


def _restock(world, move: VolumeMove, daily_units: dict[str, float], now: float) -> None:
    """The receiving DC's reorder sizes grow by the moved demand and the sending DC's shrink
    by as much; the receiving DC's buyers then order until each SKU's inventory position
    is above its new reorder point, as a first stocking of a new assortment is bought."""
    for sku, daily in sorted(daily_units.items()):
        lead_days = world.truth.lead_time_hours_median[world.sku_family[sku]] / 24
        add_point, add_quantity = reorder_sizes(daily, lead_days)
        receiving = (sku, move.to_dc)
        point, quantity = world.reorder.get(receiving, REORDER_FLOOR)
        world.reorder[receiving] = (point + add_point, quantity + add_quantity)
        world.stock.setdefault(receiving, 0)
        world.on_order.setdefault(receiving, 0)
        sending = (sku, move.from_dc)
        if sending in world.reorder:
            point, quantity = world.reorder[sending]
            world.reorder[sending] = (
                max(REORDER_FLOOR[0], point - add_point),
                max(REORDER_FLOOR[1], quantity - add_quantity),
            )
    for sku in sorted(daily_units):
        receiving = (sku, move.to_dc)
        point, _ = world.reorder[receiving]
        while world.stock[receiving] + world.on_order[receiving] <= point:
            world._review(sku, move.to_dc, now)


@counterpart
class TransferStock(Counterpart):
    """A stock transfer: from_dc books the units out and hands them to the carrier of its
    lane to the receiving DC's region; they are booked in at to_dc when delivered, and
    serve the back orders waiting there. A DC ships no more than it has."""

    skus: tuple[str, ...]
    from_dc: str
    to_dc: str
    quantity: int  # of each SKU

    def check(self, network: Network) -> None:
        _skus_known(network, self.skus)
        _dc_known(network, self.from_dc, "from_dc")
        _dc_known(network, self.to_dc, "to_dc")
        if self.from_dc == self.to_dc:
            raise ChangeError("to_dc", "must differ from from_dc")
        if self.quantity <= 0:
            raise ChangeError("quantity", f"must be positive, got {self.quantity}")
        # There are no DC-to-DC lanes: a transfer rides the lane to the receiving DC's region.
        region = network.dcs[self.to_dc].region
        if not _ground_lane(network, self.from_dc, region):
            raise ChangeError("to_dc", f"{self.from_dc} has no lane to {self.to_dc}'s {region}")

    def apply(self, world, now: float) -> None:
        wanted = {sku: self.quantity for sku in dict.fromkeys(self.skus)}
        _ship_transfer(world, now, self.from_dc, self.to_dc, wanted)


def _ship_transfer(world, now: float, from_dc: str, to_dc: str, wanted: dict[str, int]) -> None:
    """Book `wanted` units of each SKU out of from_dc (no more than it has) and ship them in
    one shipment on its lane to to_dc's region, to be booked in on delivery."""
    lane = world.ground[(from_dc, world.dcs[to_dc].region)]
    shipment = f"SH-{world.seed}-{next(world.shipment_seq):08d}"
    moved = []
    for sku, asked in wanted.items():
        units = min(world.stock.get((sku, from_dc), 0), asked)
        if units <= 0:
            continue  # nothing on the shelf to ship, and an adjustment of 0 is no booking
        world.stock[(sku, from_dc)] -= units
        reason = f"transfer out to {to_dc} on shipment {shipment}"
        if units < asked:
            reason += f": {units} of {asked} asked, all {from_dc} had"
        world.emit(
            now,
            "erp",
            "erp.inventory_adjusted",
            {"sku": sku, "dc": from_dc, "delta": -units, "reason": reason},
        )
        world._review(sku, from_dc, now)
        moved.append((sku, units))
    if not moved:
        return
    weight = sum(units * world.sku_weight_kg[sku] for sku, units in moved)
    rate = round(lane.cost_usd_per_shipment + lane.cost_usd_per_kg * weight, 2)
    median, sigma = world.truth.lane_transit_hours[lane.code]
    transit = median * math.exp(world.rng.gauss(0, sigma))
    delivered, eta = now + transit, world.iso(now + median)
    # A planned transfer is booked with the carrier ahead: tendered once and accepted.
    tender = {"shipment_id": shipment, "carrier": lane.carrier, "lane": lane.code}
    world.emit(now, "tms", "tms.tender", {**tender, "status": "accepted", "rate": rate})
    for at, status in ((now, "picked_up"), (now + transit / 2, "in_transit")):
        world.emit(
            at,
            "tms",
            "tms.tracking",
            {"shipment_id": shipment, "status": status, "at": world.iso(at), "eta": eta},
        )
    world.emit(
        delivered,
        "tms",
        "tms.tracking",
        {"shipment_id": shipment, "status": "delivered", "at": world.iso(delivered)},
    )
    world.emit(
        delivered,
        "tms",
        "tms.freight_accrued",
        {"shipment_id": shipment, "amount": rate, "currency": "USD"},
    )
    world.at(delivered, _transfer_received, world, shipment, from_dc, to_dc, moved)


def _transfer_received(
    now: float, world, shipment: str, from_dc: str, to_dc: str, moved: list[tuple[str, int]]
) -> None:
    for sku, units in moved:
        world.stock[(sku, to_dc)] = world.stock.get((sku, to_dc), 0) + units
        world.on_order.setdefault((sku, to_dc), 0)
        world.emit(
            now,
            "erp",
            "erp.inventory_adjusted",
            {
                "sku": sku,
                "dc": to_dc,
                "delta": units,
                "reason": f"transfer in from {from_dc} on shipment {shipment}",
            },
        )
    world._serve_backorders(to_dc, now)


@counterpart
class ChangeReorderPolicy(Counterpart):
    """New reorder point and quantity for SKUs at a DC, reviewed at once: a purchase order
    goes out now for each SKU whose inventory position is at or below its new point."""

    skus: tuple[str, ...]
    dc: str
    reorder_point: int
    reorder_quantity: int

    def check(self, network: Network) -> None:
        _skus_known(network, self.skus)
        _dc_known(network, self.dc, "dc")
        if self.reorder_point < 0:
            raise ChangeError("reorder_point", f"must not be below zero, got {self.reorder_point}")
        if self.reorder_quantity <= 0:
            raise ChangeError("reorder_quantity", f"must be positive, got {self.reorder_quantity}")

    def apply(self, world, now: float) -> None:
        for sku in dict.fromkeys(self.skus):
            key = (sku, self.dc)
            world.reorder[key] = (self.reorder_point, self.reorder_quantity)
            world.stock.setdefault(key, 0)
            world.on_order.setdefault(key, 0)
            world._review(sku, self.dc, now)
