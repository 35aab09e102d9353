"""What the twin assumes before it has seen any data: the master data and the demand plan.

Every fitter falls back on its prior for a parameter the window cannot support. The prior
is the current calibrated version when there is one; before the first calibration it is
built here from the network's master data (shifts, standard rates, wages, lanes, SLAs)
and the network's planned demand (fixtures/build_demo_network.py is its one source).
"""

from apps.network.demo import demo_sizing
from apps.network.models import Customer, DistributionCenter, Lane, Region, Sku
from apps.simulation.customer import CustomerParams
from apps.simulation.demand import DemandParams
from apps.simulation.finance import FinanceParams
from apps.simulation.labour import DcLabour, LabourParams, ShiftPlan
from apps.simulation.logistics import CarrierPickups, LogisticsParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.supply import SupplyParams

PRIOR_LEAD_TIME_HOURS = 120.0
PRIOR_PICKUP_HOURS = (18.0,)


def planned_demand() -> DemandParams:
    plan = demo_sizing()
    profile_total = sum(plan.HOUR_PROFILE)
    orders_per_hour = {}
    for code, _name, _lat, _lon, _home, share in plan.REGIONS:
        rates = []
        for day in range(7):
            factor = plan.WEEKDAY_FACTOR if day < 5 else plan.WEEKEND_FACTOR
            rates += [
                plan.ORDERS_PER_DAY * share * factor * h / profile_total for h in plan.HOUR_PROFILE
            ]
        orders_per_hour[code] = tuple(rates)
    # A network built from a company's history (TWIN_DATA) has regions no plan speaks for:
    # they start at no orders, and the first calibration sets them from what the history
    # shows, instead of leaving its orders uncounted under the plan's regions (which that
    # network does not have, and a simulation would refuse).
    regions = list(Region.objects.values_list("code", flat=True))
    if regions:
        idle = (0.0,) * len(rates)
        orders_per_hour = {code: orders_per_hour.get(code, idle) for code in regions}
    skus = list(Sku.objects.order_by("code").values_list("code", "velocity_class"))
    tiers: dict[str, int] = {}
    for tier in Customer.objects.values_list("sla_tier", flat=True):
        tiers[tier] = tiers.get(tier, 0) + 1
    total = sum(tiers.values()) or 1
    return DemandParams(
        orders_per_hour=orders_per_hour,
        lines_per_order_pmf=tuple(plan.LINES_PER_ORDER_PMF),
        sku_weights={code: plan.VELOCITY_WEIGHT[velocity] for code, velocity in skus},
        quantity_pmf=tuple(plan.QUANTITY_PMF),
        tier_mix={tier: count / total for tier, count in sorted(tiers.items())}
        or {"standard": 1.0},
    )


def master_data_parameters() -> ModelParameters:
    """The prior of every sub-model, from master data and the demand plan."""
    dcs = list(DistributionCenter.objects.prefetch_related("shifts").order_by("code"))
    carriers = sorted(set(Lane.objects.values_list("carrier__code", flat=True)))
    sla: dict[str, list[int]] = {}
    for tier, hours in Customer.objects.values_list("sla_tier", "promised_hours"):
        sla.setdefault(tier, []).append(hours)
    families = sorted(set(Sku.objects.values_list("family", flat=True)))
    return ModelParameters(
        demand=planned_demand(),
        supply=SupplyParams(
            # Reorder policies are not master data: the first calibration observes them.
            policies=(),
            lead_time_hours_median={family: PRIOR_LEAD_TIME_HOURS for family in families},
        ),
        logistics=LogisticsParams(
            pickups=tuple(CarrierPickups(code, PRIOR_PICKUP_HOURS, 200) for code in carriers),
            tender_rejection_rate={code: 0.0 for code in carriers},
        ),
        labour=LabourParams(
            dcs=tuple(
                DcLabour(
                    dc=dc.code,
                    shifts=tuple(
                        ShiftPlan(
                            name=shift.name,
                            start_hour=shift.starts_at.hour + shift.starts_at.minute / 60,
                            hours=float(shift.hours),
                            weekdays=shift.weekdays,
                            pickers=shift.pickers,
                            packers=shift.packers,
                            loaders=shift.loaders,
                        )
                        for shift in dc.shifts.all()
                    ),
                    pick_lines_per_hour=dc.standard_pick_lines_per_hour,
                    pack_orders_per_hour=dc.standard_pack_orders_per_hour,
                    pick_error_rate=0.005,
                )
                for dc in dcs
            )
        ),
        finance=FinanceParams(
            wage_usd_per_hour={dc.code: float(dc.wage_usd_per_hour) for dc in dcs},
            overtime_premium=1.5,
        ),
        customer=CustomerParams(
            sla_hours_by_tier={
                tier: float(sorted(hours)[len(hours) // 2]) for tier, hours in sla.items()
            }
            or CustomerParams().sla_hours_by_tier
        ),
    )
