"""Priors from master data: the demand plan is read from the network's tables, not the demo."""

from apps.calibration.priors import UNPLANNED_PMF, planned_demand
from apps.network.models import DemandPlan, Region
from apps.simulation.demand import HOURS_PER_WEEK
from apps.world.network import demo_sizing


def test_the_demo_prior_is_the_builders_plan_to_the_last_bit(demo_network):
    plan = demo_sizing()
    total = sum(plan.HOUR_PROFILE)
    expected = {}
    for code, _name, _lat, _lon, _home, share in plan.REGIONS:
        rates = []
        for day in range(7):
            factor = plan.WEEKDAY_FACTOR if day < 5 else plan.WEEKEND_FACTOR
            rates += [plan.ORDERS_PER_DAY * share * factor * h / total for h in plan.HOUR_PROFILE]
        expected[code] = tuple(rates)
    prior = planned_demand()
    assert prior.orders_per_hour == expected
    assert prior.lines_per_order_pmf == plan.LINES_PER_ORDER_PMF
    assert prior.quantity_pmf == plan.QUANTITY_PMF
    assert set(prior.sku_weights.values()) == set(plan.VELOCITY_WEIGHT.values())


def test_an_edited_plan_moves_the_prior(demo_network):
    before = planned_demand().orders_per_hour["NEN"]
    Region.objects.filter(code="NEN").update(
        planned_orders_per_day=2 * Region.objects.get(code="NEN").planned_orders_per_day
    )
    DemandPlan.objects.update(velocity_weights={"A": 1, "B": 1, "C": 1})
    prior = planned_demand()
    assert prior.orders_per_hour["NEN"] == tuple(2 * rate for rate in before)
    assert set(prior.sku_weights.values()) == {1.0}


def test_a_network_without_a_plan_starts_idle_with_the_plainest_shape(demo_network):
    DemandPlan.objects.all().delete()
    Region.objects.filter(code="SEA").update(planned_orders_per_day=None)
    prior = planned_demand()
    assert set(prior.orders_per_hour) == set(Region.objects.values_list("code", flat=True))
    assert all(rates == (0.0,) * HOURS_PER_WEEK for rates in prior.orders_per_hour.values())
    assert prior.lines_per_order_pmf == prior.quantity_pmf == UNPLANNED_PMF
    assert set(prior.sku_weights.values()) == {1.0}
