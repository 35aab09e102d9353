"""A scenario's plan: the inputs after its interventions, with the routing and stock
transfers they ask for, and the checks interventions share."""

from dataclasses import dataclass, field, replace

from apps.simulation.errors import SimulationInputError
from apps.simulation.labour import LabourParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.supply import SupplyParams


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


def dc_known(snapshot: NetworkSnapshot, value: str, name: str) -> None:
    if value not in snapshot.dc_codes:
        raise SimulationInputError(name, f"unknown DC {value!r}")


def regions_known(snapshot: NetworkSnapshot, regions: tuple[str, ...], name: str) -> None:
    for i, region in enumerate(regions):
        if region not in snapshot.region_codes:
            raise SimulationInputError(f"{name}[{i}]", f"unknown region {region!r}")


def skus_known(snapshot: NetworkSnapshot, skus: tuple[str, ...], name: str) -> None:
    if not skus:
        raise SimulationInputError(name, "names no SKU")
    known = set(snapshot.sku_codes)
    for i, sku in enumerate(skus):
        if sku not in known:
            raise SimulationInputError(f"{name}[{i}]", f"unknown SKU {sku!r}")


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def with_dc_labour(parameters: ModelParameters, dc: str, change) -> ModelParameters:
    labour: LabourParams = parameters.labour
    dcs = tuple(change(d) if d.dc == dc else d for d in labour.dcs)
    return replace(parameters, labour=replace(labour, dcs=dcs))


def lead_time_days(supply: SupplyParams, family: str) -> float:
    return supply.lead_time_hours_median.get(family, supply.default_lead_time_hours_median) / 24
