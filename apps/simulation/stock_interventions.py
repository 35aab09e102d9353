"""Stock interventions: moving a share of a DC's volume to another (ShiftVolume), moving
stock (TransferStock) and changing reorder policies (ChangeReorderPolicy)."""

from dataclasses import dataclass, replace

from apps.simulation.errors import SimulationInputError
from apps.simulation.parameters import ModelParameters
from apps.simulation.plan import (
    ScenarioPlan,
    StockTransfer,
    VolumeMove,
    dc_known,
    lead_time_days,
    percent,
    regions_known,
    skus_known,
)
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.supply import (
    POLICY_FLOOR,
    ReorderPolicy,
    daily_units,
    reorder_sizes,
)

# What a volume shift does with the stock of the SKUs it moves (ShiftVolume.stock):
# "policies": the receiving DC takes reorder policies sized to the demand it takes over, and
# the sending DC's shrink by the share of its demand that leaves; "policies_and_transfer":
# that, and the sending DC ships the moved share of its stock to the receiving DC at once;
# "none": stock and policies stay as they are (the receiving DC sells only what it holds).
STOCK_CHOICES = ("policies", "policies_and_transfer", "none")


@dataclass(frozen=True)
class MovedStock:
    """What a volume shift does to one moved SKU's stock: the receiving DC's policy, the
    sending DC's (None: it has none), and the units transferred at the start."""

    sku: str
    daily_units: float  # the demand moved, units a day
    receiving_policy: ReorderPolicy
    sending_policy: ReorderPolicy | None
    transfer_units: int


@dataclass(frozen=True)
class ShiftVolume:
    """Serve a share of the orders that would go to one DC from another, and say what
    happens to the stock of the SKUs those orders buy (STOCK_CHOICES)."""

    from_dc: str
    to_dc: str
    share: float
    regions: tuple[str, ...] = ()  # default: every region from_dc serves
    sku_families: tuple[str, ...] = ()  # default: all; else orders mostly of these families
    # Default for shifts saved before it existed too: a DC never sells what it never stocks.
    stock: str = "policies"

    def validate(self, snapshot: NetworkSnapshot) -> None:
        dc_known(snapshot, self.from_dc, "from_dc")
        dc_known(snapshot, self.to_dc, "to_dc")
        if self.from_dc == self.to_dc:
            raise SimulationInputError("to_dc", "must differ from from_dc")
        if not 0 < self.share <= 1:
            raise SimulationInputError("share", f"must lie in (0, 1], got {self.share}")
        regions_known(snapshot, self.regions, "regions")
        # Only a region from_dc serves has orders of its to move: another moves nothing.
        served = sorted(r.code for r in snapshot.regions if r.home_dc == self.from_dc)
        for i, region in enumerate(self.regions):
            if region not in served:
                raise SimulationInputError(
                    f"regions[{i}]",
                    f"region {region} is not served by {self.from_dc}: choose one of "
                    f"{', '.join(served) or 'none (it serves no region)'}",
                )
        families = {sku.family for sku in snapshot.skus}
        for i, family in enumerate(self.sku_families):
            if family not in families:
                raise SimulationInputError(f"sku_families[{i}]", f"unknown SKU family {family!r}")
        if self.stock not in STOCK_CHOICES:
            raise SimulationInputError(
                "stock", f"must be one of {', '.join(STOCK_CHOICES)}, got {self.stock!r}"
            )

    def describe(self) -> str:
        scope = f"orders for {', '.join(self.regions)}" if self.regions else "orders"
        if self.sku_families:
            scope += f" mostly of {', '.join(self.sku_families)}"
        stock = {
            "policies": f"{self.to_dc} reorders the moved SKUs for the demand it takes over",
            "policies_and_transfer": (
                f"{self.to_dc} reorders the moved SKUs for the demand it takes over, and "
                f"{self.from_dc} sends it their share of its stock"
            ),
            "none": f"{self.to_dc}'s stock and reorder policies unchanged",
        }.get(self.stock, self.stock)
        return f"Serve {percent(self.share)} of {self.from_dc}'s {scope} from {self.to_dc}; {stock}"

    def moved_regions(self, snapshot: NetworkSnapshot) -> tuple[str, ...]:
        return self.regions or tuple(r.code for r in snapshot.regions if r.home_dc == self.from_dc)

    def moved_stock(
        self, snapshot: NetworkSnapshot, parameters: ModelParameters
    ) -> list[MovedStock]:
        """Each moved SKU's policies and transfer under `stock` (none for "none").

        The receiving DC's reorder point grows by the moved demand over the supplier's lead
        time plus SAFETY_DAYS, its order quantity by COVER_DAYS of it (supply.reorder_sizes;
        from POLICY_FLOOR where it had no policy). The sending DC's point and quantity
        shrink by the share of its own demand for the SKU that leaves, not by the receiving
        DC's sizes: its policy was fitted from its purchase orders, not by this rule. A
        transfer ships that same share of the sending DC's stock on hand, so that both DCs
        start with the days of cover the sending DC had."""
        if self.stock == "none":
            return []
        family = {sku.code: sku.family for sku in snapshot.skus}
        regions = self.moved_regions(snapshot)
        moved = daily_units(
            parameters.demand,
            family,
            regions=regions,
            share=self.share,
            families=frozenset(self.sku_families),
        )
        served = tuple(r.code for r in snapshot.regions if r.home_dc == self.from_dc)
        sending_demand = daily_units(parameters.demand, family, regions=served, share=1.0)
        policies = {(p.sku, p.dc): p for p in parameters.supply.policies}
        on_hand = {(p.sku, p.dc): p.on_hand for p in snapshot.stock}
        result = []
        for sku, daily in sorted(moved.items()):
            add_point, add_quantity = reorder_sizes(
                daily, lead_time_days(parameters.supply, family[sku])
            )
            have = policies.get((sku, self.to_dc))
            point, quantity = (have.reorder_point, have.reorder_quantity) if have else POLICY_FLOOR
            receiving = ReorderPolicy(sku, self.to_dc, point + add_point, quantity + add_quantity)
            leaving = min(1.0, daily / sending_demand[sku]) if sending_demand.get(sku) else 0.0
            sending = policies.get((sku, self.from_dc))
            if sending is not None:
                sending = ReorderPolicy(
                    sku,
                    self.from_dc,
                    round(sending.reorder_point * (1 - leaving)),
                    max(1, round(sending.reorder_quantity * (1 - leaving))),
                )
            transfer = 0
            if self.stock == "policies_and_transfer":
                transfer = int(on_hand.get((sku, self.from_dc), 0) * leaving)
            result.append(MovedStock(sku, daily, receiving, sending, transfer))
        return result

    def apply(self, plan: ScenarioPlan) -> None:
        move = VolumeMove(self.from_dc, self.to_dc, self.share, frozenset(self.sku_families))
        for region in self.moved_regions(plan.snapshot):
            plan.volume_moves.setdefault(region, []).append(move)
        moved = self.moved_stock(plan.snapshot, plan.parameters)
        if not moved:
            return
        changed = {m.sku: m.receiving_policy for m in moved}
        changed_sending = {m.sku: m.sending_policy for m in moved if m.sending_policy}
        supply = plan.parameters.supply
        kept = tuple(
            p
            for p in supply.policies
            if not (p.dc == self.to_dc and p.sku in changed)
            and not (p.dc == self.from_dc and p.sku in changed_sending)
        )
        policies = kept + tuple(changed.values()) + tuple(changed_sending.values())
        plan.parameters = replace(plan.parameters, supply=replace(supply, policies=policies))
        plan.transfers.extend(
            StockTransfer(m.sku, self.from_dc, self.to_dc, m.transfer_units)
            for m in moved
            if m.transfer_units > 0
        )


@dataclass(frozen=True)
class TransferStock:
    skus: tuple[str, ...]
    from_dc: str
    to_dc: str
    quantity: int  # of each SKU

    def validate(self, snapshot: NetworkSnapshot) -> None:
        skus_known(snapshot, self.skus, "skus")
        dc_known(snapshot, self.from_dc, "from_dc")
        dc_known(snapshot, self.to_dc, "to_dc")
        if self.from_dc == self.to_dc:
            raise SimulationInputError("to_dc", "must differ from from_dc")
        if self.quantity <= 0:
            raise SimulationInputError("quantity", "must be positive")
        on_hand = {(p.sku, p.dc): p.on_hand for p in snapshot.stock}
        for i, sku in enumerate(self.skus):
            have = on_hand.get((sku, self.from_dc), 0)
            if have < self.quantity:
                raise SimulationInputError(
                    f"skus[{i}]", f"{self.from_dc} has {have} of {sku}, fewer than {self.quantity}"
                )

    def describe(self) -> str:
        return (
            f"Move {self.quantity} each of {len(self.skus)} SKU(s) from {self.from_dc} "
            f"to {self.to_dc}"
        )

    def apply(self, plan: ScenarioPlan) -> None:
        plan.transfers.extend(
            StockTransfer(sku, self.from_dc, self.to_dc, self.quantity) for sku in self.skus
        )


@dataclass(frozen=True)
class ChangeReorderPolicy:
    skus: tuple[str, ...]
    dc: str
    reorder_point: int
    reorder_quantity: int

    def validate(self, snapshot: NetworkSnapshot) -> None:
        skus_known(snapshot, self.skus, "skus")
        dc_known(snapshot, self.dc, "dc")
        if self.reorder_point < 0:
            raise SimulationInputError("reorder_point", "must not be below zero")
        if self.reorder_quantity <= 0:
            raise SimulationInputError("reorder_quantity", "must be positive")

    def describe(self) -> str:
        return (
            f"Reorder {len(self.skus)} SKU(s) at {self.dc} at {self.reorder_point}, "
            f"{self.reorder_quantity} at a time"
        )

    def apply(self, plan: ScenarioPlan) -> None:
        supply = plan.parameters.supply
        changed = set(self.skus)
        kept = tuple(p for p in supply.policies if not (p.dc == self.dc and p.sku in changed))
        added = tuple(
            ReorderPolicy(sku, self.dc, self.reorder_point, self.reorder_quantity)
            for sku in self.skus
        )
        plan.parameters = replace(plan.parameters, supply=replace(supply, policies=kept + added))
