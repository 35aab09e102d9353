"""The demo network as the engine gets it in production: master data loaded from the demo
fixture with loaddata, the live state a twin has after running the demo, the snapshot from
`network_snapshot` and the parameters from `master_data_parameters`.

Live state written: stock on hand at each DC (a full reorder cycle) and a day of picks at
Southeast of every SKU but the families new to it, so that `handled_skus` comes out of the
snapshot. Over the prior, as the first calibration would leave them: Southeast's regions
buying nothing of those families, supplier lead times by family, reorder policies, the
parcel carrier's second pickup, tender rejection by carrier, the transit of the lanes each
DC ships its own regions on, and the pick error rate. Everything else is production's:
wages, shifts, standard rates, SLAs (customers' promised hours), the demand plan.

Call inside a transaction that is rolled back: it writes the demo's rows.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apps.calibration.priors import master_data_parameters
from apps.calibration.snapshot import network_snapshot
from apps.live.models import StockDay, StockLevel
from apps.network.models import Region, Sku
from apps.network.services import demo_network_load
from apps.simulation.demand import DemandParams
from apps.simulation.labour import DcLabour, LabourParams
from apps.simulation.logistics import LaneTransit, LogisticsParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.snapshot import DcInfo, NetworkSnapshot
from apps.simulation.supply import ReorderPolicy, SupplyParams
from apps.world.network import demo_sizing

# A Monday at midnight: the runs start at hour 0 of the week.
AT = datetime(2026, 11, 2, tzinfo=UTC)
SAFETY_DAYS = 4
ORDER_DAYS = 7
# As the first calibration fits them from the demo's history.
PICK_ERROR_RATE = 0.004
TENDER_REJECTION_RATE = {"BLT": 0.04, "CDF": 0.06, "PCT": 0.03}
PICKUP_HOURS = {"RDX": (17.0, 21.0)}  # the parcel carrier calls twice; the others at 18:00


def demo_input_build() -> tuple[NetworkSnapshot, ModelParameters]:
    """Load the demo, write its live state, and read the engine's input back as production
    does. Writes rows: the caller rolls them back."""
    demo_network_load()
    prior = master_data_parameters()
    new_to_se = set(demo_sizing().NEW_TO_SE)
    demand = _demand_as_calibrated(prior.demand, new_to_se)
    # Supplier lead times: 96 h for the first family by name, 12 h more for each next one.
    lead_time_h = {
        family: 96.0 + 12 * i for i, family in enumerate(prior.supply.lead_time_hours_median)
    }
    policies = _reorder_policies(demand, lead_time_h)
    StockLevel.objects.bulk_create(
        StockLevel(sku=p.sku, dc=p.dc, on_hand=p.reorder_point + p.reorder_quantity)
        for p in policies
    )
    # Southeast has picked every SKU but those of the families new to it; the others have
    # picked none yet, which the snapshot reads as "knows them all".
    StockDay.objects.bulk_create(
        StockDay(sku=sku.code, dc="SE", day=AT.date() - timedelta(days=1), units_picked=1)
        for sku in Sku.objects.exclude(family__in=new_to_se)
    )
    snapshot = network_snapshot(at=AT)
    home_of = {region.code: region.home_dc for region in snapshot.regions}
    parameters = replace(
        prior,
        demand=demand,
        supply=SupplyParams(policies=policies, lead_time_hours_median=lead_time_h),
        logistics=LogisticsParams(
            pickups=tuple(
                replace(p, hours_of_day=PICKUP_HOURS.get(p.carrier, p.hours_of_day))
                for p in prior.logistics.pickups
            ),
            tender_rejection_rate=TENDER_REJECTION_RATE,
            # The lanes a DC ships to its own regions on are fitted (here: as planned); the
            # others, never used, keep master data's median with its stated uncertainty.
            lane_transit=tuple(
                LaneTransit(lane.code, lane.transit_hours_median, lane.transit_hours_sigma)
                for lane in snapshot.lanes
                if home_of.get(lane.destination) == lane.origin
            ),
        ),
        labour=LabourParams(dcs=_labour_as_calibrated(prior.labour, snapshot.dcs)),
    )
    return snapshot, parameters


def _labour_as_calibrated(prior: LabourParams, dcs: tuple[DcInfo, ...]) -> tuple[DcLabour, ...]:
    """The fitted pick error rate over each DC's prior."""
    by_dc = {dc.dc: dc for dc in prior.dcs}
    return tuple(replace(by_dc[dc.code], pick_error_rate=PICK_ERROR_RATE) for dc in dcs)


def _demand_as_calibrated(prior: DemandParams, new_to_se: set[str]) -> DemandParams:
    """The planned demand, with Southeast's customers buying nothing from the families their
    DC has never handled."""
    family_of = dict(Sku.objects.values_list("code", "family"))
    se_regions = Region.objects.filter(home_dc__code="SE").order_by("code")
    return replace(
        prior,
        sku_weights_by_region={
            region: {
                code: 0.0 if family_of[code] in new_to_se else weight
                for code, weight in prior.sku_weights.items()
            }
            for region in se_regions.values_list("code", flat=True)
        },
    )


def _reorder_policies(
    demand: DemandParams, lead_time_h: dict[str, float]
) -> tuple[ReorderPolicy, ...]:
    """Reorder when what is left covers the supplier lead time plus four days of safety;
    order a week's demand. The stock on hand starts at a full cycle."""
    family_of = dict(Sku.objects.values_list("code", "family"))
    units_per_order = demand.mean_lines_per_order() * sum(
        i * p for i, p in enumerate(demand.quantity_pmf)
    )
    daily_units: dict[tuple[str, str], float] = {}
    regions = Region.objects.order_by("code").values_list(
        "code", "home_dc__code", "planned_orders_per_day"
    )
    for region, home, orders_per_day in regions:
        weights = demand.sku_weights_by_region.get(region, demand.sku_weights)
        total = sum(weights.values())
        for code, weight in weights.items():
            units = orders_per_day * units_per_order * weight / total
            daily_units[code, home] = daily_units.get((code, home), 0.0) + units
    policies = []
    for (code, dc), daily in sorted(daily_units.items()):
        point = int(daily * (lead_time_h[family_of[code]] / 24 + SAFETY_DAYS)) + 2
        policies.append(ReorderPolicy(code, dc, point, int(daily * ORDER_DAYS) + 5))
    return tuple(policies)
