"""Interventions: typed, validated what-if changes, each with a plain-language description.

The stock interventions live in stock_interventions; every type is importable from here."""

from dataclasses import dataclass, replace

from apps.simulation.errors import SimulationInputError
from apps.simulation.parameters import ModelParameters
from apps.simulation.plan import (
    ScenarioPlan,
    StockTransfer,
    VolumeMove,
    dc_known,
    regions_known,
    with_dc_labour,
)
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.stock_interventions import (
    STOCK_CHOICES,
    ChangeReorderPolicy,
    MovedStock,
    ShiftVolume,
    TransferStock,
)

ROLES = ("pickers", "packers")

__all__ = [
    "INTERVENTION_TYPES", "ROLES", "STOCK_CHOICES", "ChangeCarrier", "ChangeHeadcount",
    "ChangeReorderPolicy", "Intervention", "MovedStock", "Overtime", "RouteViaCrossDock",
    "ScenarioPlan", "ShiftVolume", "StockTransfer", "TransferStock", "VolumeMove",
    "plan_scenario", "validate_intervention",
]  # fmt: skip


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
        regions_known(snapshot, self.regions, "regions")
        for i, dc in enumerate(self.from_dcs):
            dc_known(snapshot, dc, f"from_dcs[{i}]")
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
        dc_known(snapshot, self.dc, "dc")
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

        plan.parameters = with_dc_labour(
            plan.parameters,
            self.dc,
            lambda dc: replace(dc, shifts=tuple(change(s) for s in dc.shifts)),
        )


@dataclass(frozen=True)
class Overtime:
    dc: str
    hours_per_day: float

    def validate(self, snapshot: NetworkSnapshot, parameters: ModelParameters) -> None:
        dc_known(snapshot, self.dc, "dc")
        limit = parameters.labour.max_overtime_hours_per_day
        if not 0 < self.hours_per_day <= limit:
            raise SimulationInputError(
                "hours_per_day", f"must be more than 0 and at most {limit:g} h (the overtime limit)"
            )

    def describe(self) -> str:
        return f"Work {self.hours_per_day:g} h of overtime a day at {self.dc}"

    def apply(self, plan: ScenarioPlan) -> None:
        plan.parameters = with_dc_labour(
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
