"""Interventions: typed, validated what-if changes, each with a plain-language description."""

from dataclasses import dataclass, field, replace

from apps.simulation.errors import SimulationInputError
from apps.simulation.labour import LabourParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.supply import (
    POLICY_FLOOR,
    ReorderPolicy,
    SupplyParams,
    daily_units,
    reorder_sizes,
)

ROLES = ("pickers", "packers")

# What a volume shift does with the stock of the SKUs it moves (ShiftVolume.stock):
# "policies": the receiving DC takes reorder policies sized to the demand it takes over, and
# the sending DC's shrink by the share of its demand that leaves; "policies_and_transfer":
# that, and the sending DC ships the moved share of its stock to the receiving DC at once;
# "none": stock and policies stay as they are (the receiving DC sells only what it holds).
STOCK_CHOICES = ("policies", "policies_and_transfer", "none")


@dataclass(frozen=True)
class VolumeMove:
    from_dc: str
    to_dc: str
    share: float
    families: frozenset[str]


@dataclass(frozen=True)
class StockTransfer:
    sku: str
    from_dc: str
    to_dc: str
    quantity: int


@dataclass
class ScenarioPlan:
    """The inputs after interventions, plus the routing and transfers they ask for."""

    snapshot: NetworkSnapshot
    parameters: ModelParameters
    volume_moves: dict[str, list[VolumeMove]] = field(default_factory=dict)  # by region
    # (DC, region) -> cross-dock: only the flows a RouteViaCrossDock names.
    cross_dock_routes: dict[tuple[str, str], str] = field(default_factory=dict)
    transfers: list[StockTransfer] = field(default_factory=list)


def _dc_known(snapshot: NetworkSnapshot, value: str, name: str) -> None:
    if value not in snapshot.dc_codes:
        raise SimulationInputError(name, f"unknown DC {value!r}")


def _regions_known(snapshot: NetworkSnapshot, regions: tuple[str, ...], name: str) -> None:
    for i, region in enumerate(regions):
        if region not in snapshot.region_codes:
            raise SimulationInputError(f"{name}[{i}]", f"unknown region {region!r}")


def _skus_known(snapshot: NetworkSnapshot, skus: tuple[str, ...], name: str) -> None:
    if not skus:
        raise SimulationInputError(name, "names no SKU")
    known = set(snapshot.sku_codes)
    for i, sku in enumerate(skus):
        if sku not in known:
            raise SimulationInputError(f"{name}[{i}]", f"unknown SKU {sku!r}")


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


@dataclass(frozen=True)
class MovedStock:
    """What a volume shift does to one moved SKU's stock: the receiving DC's policy, the
    sending DC's (None: it has none), and the units transferred at the start."""

    sku: str
    daily_units: float  # the demand moved, units a day
    receiving_policy: ReorderPolicy
    sending_policy: ReorderPolicy | None
    transfer_units: int


def _lead_time_days(supply: SupplyParams, family: str) -> float:
    return supply.lead_time_hours_median.get(family, supply.default_lead_time_hours_median) / 24


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
        _dc_known(snapshot, self.from_dc, "from_dc")
        _dc_known(snapshot, self.to_dc, "to_dc")
        if self.from_dc == self.to_dc:
            raise SimulationInputError("to_dc", "must differ from from_dc")
        if not 0 < self.share <= 1:
            raise SimulationInputError("share", f"must lie in (0, 1], got {self.share}")
        _regions_known(snapshot, self.regions, "regions")
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
        return (
            f"Serve {_percent(self.share)} of {self.from_dc}'s {scope} from {self.to_dc}; {stock}"
        )

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
                daily, _lead_time_days(parameters.supply, family[sku])
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
class RouteViaCrossDock:
    """Ship the orders for these regions that leave these DCs through the cross-dock
    instead of direct; every other flow, and every order its DC would expedite, is unchanged.

    `from_dcs` empty (and every intervention saved before it existed) means the DCs other
    than each region's home DC: the cross-dock consolidates the long haul of orders a volume
    shift sent away from home, which is what the planners' question ("shift 30% of NE's
    volume to SE and route it through XD1") and the rebalance suggestions meant; the home
    DC's own orders keep their direct lanes unless it is named.
    """

    regions: tuple[str, ...]
    cross_dock: str
    from_dcs: tuple[str, ...] = ()

    def routed(self, snapshot: NetworkSnapshot) -> list[tuple[str, str]]:
        """The flows it names, as (DC, region) pairs."""
        home = {r.code: r.home_dc for r in snapshot.regions}
        return [
            (dc, region)
            for region in self.regions
            for dc in (self.from_dcs or snapshot.dc_codes)
            if self.from_dcs or dc != home.get(region)
        ]

    def validate(self, snapshot: NetworkSnapshot) -> None:
        if not self.regions:
            raise SimulationInputError("regions", "names no region")
        _regions_known(snapshot, self.regions, "regions")
        for i, dc in enumerate(self.from_dcs):
            _dc_known(snapshot, dc, f"from_dcs[{i}]")
        docks = {xd.code: xd for xd in snapshot.cross_docks}
        if self.cross_dock not in docks:
            raise SimulationInputError("cross_dock", f"unknown cross-dock {self.cross_dock!r}")
        served = {lane.destination for lane in snapshot.lanes if lane.origin == self.cross_dock}
        for i, region in enumerate(self.regions):
            if region not in served:
                raise SimulationInputError(
                    f"regions[{i}]", f"no lane from {self.cross_dock} to {region}"
                )
        hub = docks[self.cross_dock].region
        origins = {
            lane.origin
            for lane in snapshot.lanes
            if lane.destination == hub and lane.mode == "ground"
        }
        for dc in sorted({dc for dc, _ in self.routed(snapshot)}):
            if dc not in origins:
                name = f"from_dcs[{self.from_dcs.index(dc)}]" if self.from_dcs else "cross_dock"
                raise SimulationInputError(name, f"no ground lane from {dc} to {hub}")

    def describe(self) -> str:
        source = (
            f"from {', '.join(self.from_dcs)}"
            if self.from_dcs
            else "from a DC other than their home DC"
        )
        return (
            f"Route orders for {', '.join(self.regions)} shipped {source} "
            f"through cross-dock {self.cross_dock}"
        )

    def apply(self, plan: ScenarioPlan) -> None:
        for route in self.routed(plan.snapshot):
            plan.cross_dock_routes[route] = self.cross_dock


@dataclass(frozen=True)
class ChangeHeadcount:
    dc: str
    role: str  # "pickers" or "packers"
    delta: int
    shift: str

    def validate(self, snapshot: NetworkSnapshot, parameters: ModelParameters) -> None:
        _dc_known(snapshot, self.dc, "dc")
        if self.role not in ROLES:
            raise SimulationInputError("role", f"must be one of {', '.join(ROLES)}")
        labour = parameters.labour.for_dc(self.dc)
        shifts = {s.name: s for s in labour.shifts}
        if self.shift not in shifts:
            raise SimulationInputError("shift", f"{self.dc} has no shift {self.shift!r}")
        resulting = getattr(shifts[self.shift], self.role) + self.delta
        if resulting < 0:
            raise SimulationInputError("delta", f"would leave {resulting} {self.role}: below zero")

    def describe(self) -> str:
        verb = "Add" if self.delta >= 0 else "Remove"
        people = self.role if abs(self.delta) != 1 else self.role.removesuffix("s")
        return f"{verb} {abs(self.delta)} {people} on {self.dc}'s {self.shift} shift"

    def apply(self, plan: ScenarioPlan) -> None:
        def change(shift):
            if shift.name != self.shift:
                return shift
            return replace(shift, **{self.role: getattr(shift, self.role) + self.delta})

        plan.parameters = _with_dc_labour(
            plan.parameters,
            self.dc,
            lambda dc: replace(dc, shifts=tuple(change(s) for s in dc.shifts)),
        )


@dataclass(frozen=True)
class Overtime:
    dc: str
    hours_per_day: float

    def validate(self, snapshot: NetworkSnapshot, parameters: ModelParameters) -> None:
        _dc_known(snapshot, self.dc, "dc")
        limit = parameters.labour.max_overtime_hours_per_day
        if not 0 < self.hours_per_day <= limit:
            raise SimulationInputError(
                "hours_per_day", f"must be more than 0 and at most {limit:g} h (the overtime limit)"
            )

    def describe(self) -> str:
        return f"Work {self.hours_per_day:g} h of overtime a day at {self.dc}"

    def apply(self, plan: ScenarioPlan) -> None:
        plan.parameters = _with_dc_labour(
            plan.parameters,
            self.dc,
            lambda dc: replace(dc, overtime_hours_per_day=self.hours_per_day),
        )


@dataclass(frozen=True)
class ChangeCarrier:
    lane: str
    carrier: str

    def validate(self, snapshot: NetworkSnapshot) -> None:
        lanes = {lane.code: lane for lane in snapshot.lanes}
        if self.lane not in lanes:
            raise SimulationInputError("lane", f"unknown lane {self.lane!r}")
        current = lanes[self.lane]
        if not any(
            lane.origin == current.origin
            and lane.destination == current.destination
            and lane.carrier == self.carrier
            for lane in snapshot.lanes
        ):
            raise SimulationInputError(
                "carrier",
                f"{self.carrier!r} has no lane from {current.origin} to {current.destination}",
            )

    def describe(self) -> str:
        return f"Use carrier {self.carrier} on {self.lane}'s route"

    def apply(self, plan: ScenarioPlan) -> None:
        lane = next(lane for lane in plan.snapshot.lanes if lane.code == self.lane)
        logistics = plan.parameters.logistics
        primary = {**logistics.primary_carrier, f"{lane.origin}>{lane.destination}": self.carrier}
        plan.parameters = replace(
            plan.parameters, logistics=replace(logistics, primary_carrier=primary)
        )


@dataclass(frozen=True)
class TransferStock:
    skus: tuple[str, ...]
    from_dc: str
    to_dc: str
    quantity: int  # of each SKU

    def validate(self, snapshot: NetworkSnapshot) -> None:
        _skus_known(snapshot, self.skus, "skus")
        _dc_known(snapshot, self.from_dc, "from_dc")
        _dc_known(snapshot, self.to_dc, "to_dc")
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
        _skus_known(snapshot, self.skus, "skus")
        _dc_known(snapshot, self.dc, "dc")
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


Intervention = (
    ShiftVolume
    | RouteViaCrossDock
    | ChangeHeadcount
    | Overtime
    | ChangeCarrier
    | TransferStock
    | ChangeReorderPolicy
)
INTERVENTION_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        ShiftVolume,
        RouteViaCrossDock,
        ChangeHeadcount,
        Overtime,
        ChangeCarrier,
        TransferStock,
        ChangeReorderPolicy,
    )
}


def _with_dc_labour(parameters: ModelParameters, dc: str, change) -> ModelParameters:
    labour: LabourParams = parameters.labour
    dcs = tuple(change(d) if d.dc == dc else d for d in labour.dcs)
    return replace(parameters, labour=replace(labour, dcs=dcs))


def validate_intervention(
    intervention, snapshot: NetworkSnapshot, parameters: ModelParameters, index: int
) -> None:
    """Validate one intervention, prefixing the field with its place in the list."""
    try:
        if isinstance(intervention, ChangeHeadcount | Overtime):
            intervention.validate(snapshot, parameters)
        else:
            intervention.validate(snapshot)
    except SimulationInputError as error:
        name = type(intervention).__name__
        raise SimulationInputError(
            f"interventions[{index}] ({name}).{error.field}", error.reason
        ) from None


def plan_scenario(
    snapshot: NetworkSnapshot, parameters: ModelParameters, interventions
) -> ScenarioPlan:
    """Validate every intervention against the inputs, then apply them in order."""
    plan = ScenarioPlan(snapshot=snapshot, parameters=parameters)
    for index, intervention in enumerate(interventions):
        validate_intervention(intervention, plan.snapshot, plan.parameters, index)
        intervention.apply(plan)
    return plan
