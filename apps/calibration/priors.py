"""What the twin assumes before it has seen any data: the master data and the demand plan.

Every fitter falls back on its prior for a parameter the window cannot support. The prior
is the current calibrated version when there is one; before the first calibration it is
built here from the network's master data (shifts, standard rates, wages, lanes, SLAs)
and its demand plan (`DemandPlan` and each region's planned orders a day), when it has one.
"""

from apps.network.models import Customer, DemandPlan, DistributionCenter, Lane, Region, Sku
from apps.simulation.customer import CustomerParams
from apps.simulation.demand import HOURS_PER_WEEK, DemandParams
from apps.simulation.finance import FinanceParams
from apps.simulation.labour import DcLabour, LabourParams, ShiftPlan
from apps.simulation.logistics import CarrierPickups, LogisticsParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.supply import SupplyParams

PRIOR_LEAD_TIME_HOURS = 120.0
PRIOR_PICKUP_HOURS = (18.0,)


# A network without a demand plan (one imported from a company's history) starts from the
# plainest shape: one line of one unit an order, every SKU alike. Its first calibration
# replaces each from what the history shows.
UNPLANNED_PMF = (0.0, 1.0)


def planned_demand() -> DemandParams:
    """The demand prior: each region's planned orders a day spread over the plan's week."""
    plan = DemandPlan.objects.first()
    regions = list(Region.objects.values_list("code", "planned_orders_per_day"))
    orders_per_hour = {
        code: _planned_week(plan, per_day) if plan and per_day is not None else IDLE_WEEK
        for code, per_day in regions
    }
    skus = list(Sku.objects.order_by("code").values_list("code", "velocity_class"))
    tiers: dict[str, int] = {}
    for tier in Customer.objects.values_list("sla_tier", flat=True):
        tiers[tier] = tiers.get(tier, 0) + 1
    total = sum(tiers.values()) or 1
    return DemandParams(
        orders_per_hour=orders_per_hour,
        lines_per_order_pmf=tuple(plan.lines_per_order_pmf) if plan else UNPLANNED_PMF,
        sku_weights={
            code: float(plan.velocity_weights[velocity]) if plan else 1.0 for code, velocity in skus
        },
        quantity_pmf=tuple(plan.quantity_pmf) if plan else UNPLANNED_PMF,
        tier_mix={tier: count / total for tier, count in sorted(tiers.items())}
        or {"standard": 1.0},
    )


# A region no plan speaks for starts at no orders, and the first calibration sets it from
# what the history shows, instead of leaving its orders uncounted.
IDLE_WEEK = (0.0,) * HOURS_PER_WEEK


def _planned_week(plan: DemandPlan, orders_per_day: float) -> tuple[float, ...]:
    """168 hourly rates, Monday 00:00 first: the day's orders by weekday factor and hour."""
    profile_total = sum(plan.hour_profile)
    rates: list[float] = []
    for day in range(7):
        factor = plan.weekday_factor if day < 5 else plan.weekend_factor
        rates += [orders_per_day * factor * h / profile_total for h in plan.hour_profile]
    return tuple(rates)


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
