"""What one replication reports: KPIs per DC, lane and region, for the network, and hourly."""

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class DcKpis:
    dc: str
    # Busy pick and pack labour-hours ÷ clocked labour-hours (overtime included).
    labour_utilisation: float
    pick_utilisation: float
    pack_utilisation: float
    orders_shipped: int
    lines_picked: int
    throughput_lines_per_hour: float
    end_backlog_orders: int
    cycle_time_hours_mean: float  # order created → shipped
    cycle_time_hours_p95: float
    pick_wait_hours_mean: float  # released to the floor → a picker starts it
    pick_accuracy: float
    clocked_hours: float
    overtime_hours: float
    new_sku_lines: int
    new_sku_error_rate: float
    known_sku_error_rate: float
    new_sku_time_factor_mean: float  # 1.0 = as fast as a known SKU
    # SKUs new to the DC picked at least once (0 in results stored before it was recorded).
    new_skus_picked: int = 0
    # Orders lost here, out of patience waiting for stock (0 in results stored before).
    orders_lost: int = 0
    # SKUs an order found short here (a stock-out), each counted once (0 in results stored
    # before it was recorded).
    stockouts: int = 0


@dataclass(frozen=True)
class LaneKpis:
    lane: str
    shipments: int
    orders: int
    kg: float
    transit_hours_mean: float
    transit_hours_p95: float


@dataclass(frozen=True)
class RegionKpis:
    region: str
    orders_delivered: int
    delivery_hours_mean: float  # order created → delivered
    transit_hours_mean: float
    on_time_rate: float


@dataclass(frozen=True)
class NetworkKpis:
    orders_created: int
    orders_delivered: int
    orders_in_transit: int
    orders_in_dcs: int
    orders_lost: int
    otif: float
    fill_rate: float
    lost_sales_usd: float
    complaints: int
    satisfaction_index: float
    total_cost_usd: float
    cost_per_order_usd: float
    cost_by_component_usd: dict[str, float]
    cost_per_order_by_component_usd: dict[str, float]
    throughput_orders_per_hour: float
    mean_hours_in_system: float  # of orders that left: delivered or lost
    mean_orders_in_system: float
    # Stock-outs: SKUs an order found short, counted once per DC, summed over the DCs
    # (0 in results stored before it was recorded).
    stockouts: int = 0


@dataclass(frozen=True)
class HourlyPoint:
    hour: int
    dc: str
    labour_utilisation: float
    backlog_orders: int
    # Pick and pack labour-hours clocked in that hour: the weight of its utilisation when
    # hours are added up into days (0 in results stored before it was recorded).
    clocked_hours: float = 0.0


@dataclass(frozen=True)
class AssumedInput:
    """An input no history supports, taken from master data with its stated uncertainty:
    "cross_dock.XD1.dwell_hours_median", "cross_dock.XD1.fee_usd_per_shipment",
    "lane.<code>.transit_hours_median". `low`–`high` is the stated range (about 95% of a
    log-normal's draws, a uniform's bounds); `drawn` is this replication's value."""

    name: str
    stated: float
    low: float
    high: float
    drawn: float


@dataclass(frozen=True)
class ReplicationResult:
    replication: int
    seed: int
    horizon_hours: float
    warmup_hours: float
    events: int
    dcs: tuple[DcKpis, ...]
    lanes: tuple[LaneKpis, ...]
    regions: tuple[RegionKpis, ...]
    network: NetworkKpis
    hourly: tuple[HourlyPoint, ...]
    # The master-data assumptions the run used (a lane that carried something, a
    # cross-dock that handled a shipment); () in results stored before it was recorded.
    assumptions: tuple[AssumedInput, ...] = ()

    def dc(self, code: str) -> DcKpis:
        return next(d for d in self.dcs if d.dc == code)

    def region(self, code: str) -> RegionKpis:
        return next(r for r in self.regions if r.region == code)

    def kpis(self) -> dict[str, float]:
        """Every numeric KPI under a flat name: "network.otif", "dc.NE.labour_utilisation"."""
        flat: dict[str, float] = {}
        for f in fields(NetworkKpis):
            value = getattr(self.network, f.name)
            if isinstance(value, dict):
                for key, item in value.items():
                    flat[f"network.{f.name}.{key}"] = float(item)
            else:
                flat[f"network.{f.name}"] = float(value)
        if len(self.dcs) > 1:
            # Derived rather than stored, so results saved before it existed rank on it too:
            # how far apart the busiest and the idlest DC run, the imbalance a rebalance closes.
            utilisations = [d.labour_utilisation for d in self.dcs]
            flat["network.utilisation_gap"] = max(utilisations) - min(utilisations)
        for prefix, rows, key in (("dc", self.dcs, "dc"), ("region", self.regions, "region"),
                                  ("lane", self.lanes, "lane")):  # fmt: skip
            for row in rows:
                for f in fields(row):
                    if f.name != key:
                        flat[f"{prefix}.{getattr(row, key)}.{f.name}"] = float(getattr(row, f.name))
        return flat
