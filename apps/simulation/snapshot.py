"""NetworkSnapshot: the state of the network the simulation starts from."""

from dataclasses import dataclass, field

ORDER_STAGES = ("backorder", "released", "picked", "packed", "in_transit")


@dataclass(frozen=True)
class DcInfo:
    code: str
    region: str
    pick_stations: int
    dock_doors: int
    # Share of pick stations whose equipment is up; caps how many pickers can work.
    equipment_up_share: float = 1.0
    # SKUs the DC has picked before; others follow the labour model's learning curve.
    handled_skus: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkuInfo:
    code: str
    family: str
    weight_kg: float
    unit_cost_usd: float
    unit_price_usd: float


@dataclass(frozen=True)
class RegionInfo:
    code: str
    home_dc: str


@dataclass(frozen=True)
class LaneInfo:
    code: str
    origin: str  # a DC or cross-dock code
    destination: str  # a region code
    carrier: str
    mode: str  # "ground" or "expedited"
    transit_hours_median: float
    transit_hours_sigma: float
    cost_usd_per_shipment: float
    cost_usd_per_kg: float
    # How unsure the master data's median is, for a lane no history calibrates (one never
    # used): the log-normal sigma of the median itself, drawn once per replication.
    transit_median_uncertainty: float = 0.0


@dataclass(frozen=True)
class CrossDockInfo:
    """A cross-dock as master data states it: the history has no cross-dock movement to
    fit, so its dwell and fee are assumptions, each with its stated uncertainty."""

    code: str
    region: str
    dwell_hours_median: float
    fee_usd_per_shipment: float
    dwell_median_uncertainty: float = 0.0  # log-normal sigma of the median itself
    fee_usd_uncertainty: float = 0.0  # the fee lies within ± this, drawn uniformly


@dataclass(frozen=True)
class StockPosition:
    sku: str
    dc: str
    on_hand: int
    on_order: int = 0
    # Hours until the open purchase order's quantity arrives (ignored when on_order is 0).
    on_order_due_hours: float = 24.0


@dataclass(frozen=True)
class OpenOrder:
    """An order already in the network when the simulation starts."""

    order_id: str
    region: str
    dc: str
    tier: str
    age_hours: float
    lines: tuple[tuple[str, int], ...]
    stage: str = "released"
    hours_to_delivery: float = 0.0  # for stage "in_transit"


@dataclass(frozen=True)
class NetworkSnapshot:
    # Monday 00:00 is hour 0 of the week; demand and shifts follow the hour of the week.
    start_hour_of_week: float
    dcs: tuple[DcInfo, ...]
    skus: tuple[SkuInfo, ...]
    regions: tuple[RegionInfo, ...]
    lanes: tuple[LaneInfo, ...]
    cross_docks: tuple[CrossDockInfo, ...] = ()
    stock: tuple[StockPosition, ...] = ()
    open_orders: tuple[OpenOrder, ...] = field(default_factory=tuple)

    def dc(self, code: str) -> DcInfo:
        for dc in self.dcs:
            if dc.code == code:
                return dc
        raise KeyError(code)

    @property
    def dc_codes(self) -> tuple[str, ...]:
        return tuple(dc.code for dc in self.dcs)

    @property
    def region_codes(self) -> tuple[str, ...]:
        return tuple(region.code for region in self.regions)

    @property
    def sku_codes(self) -> tuple[str, ...]:
        return tuple(sku.code for sku in self.skus)
