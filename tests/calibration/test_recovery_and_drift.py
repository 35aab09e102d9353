"""Calibration on data with a known truth: the emulator runs 14 days, NE's pickers slow
down by 20% on day 10. Days 0–10 go into the twin at once and are calibrated; days 10–14
then arrive hour by hour, as live operation would bring them, with a prediction round at
each hour.
"""

import copy
import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum

from apps.calibration.history import Window
from apps.calibration.models import ModelVersion, Prediction, Recalibration
from apps.calibration.rounds import delta_rounds
from apps.calibration.selectors import current_parameters, version_parameters
from apps.calibration.services import calibrate
from apps.calibration.snapshot import network_snapshot
from apps.live.models import DcHour
from apps.live.network_selectors import otif_between
from apps.live.projector import project_pending
from apps.network.models import Shift
from apps.network.services import demo_network_load
from apps.simulation.model import run_replication
from apps.sources.services import events_ingest
from apps.world.enterprise import Emulator
from apps.world.network import demo_sizing

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
DRIFT = START + timedelta(days=10)
END = START + timedelta(days=14)
# NE's first shift starts at 06:00: the slowdown can show from then on. Detection is
# promised within this many event-time hours of the drift (six of them on the floor).
DETECTION_HOURS = 12

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def ingest(events: list[dict]) -> None:
    for i in range(0, len(events), 5000):
        result = events_ingest(items=events[i : i + 5000])
        assert not result.rejections, result.rejections[:3]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo_network_load()
        emulator = Emulator(start=START, days=14, seed=11, changes=["day=10 dc=NE pick_rate=-20%"])
        truth = copy.deepcopy(emulator.truth)  # before the change is applied
        before, later = [], defaultdict(list)
        for event in emulator.events():
            at = datetime.fromisoformat(event["occurred_at"])
            if at < DRIFT:
                before.append(event)
                if len(before) == 5000:
                    ingest(before)
                    before = []
            else:
                later[at.replace(minute=0, second=0, microsecond=0)].append(event)
        ingest(before)
        while project_pending(batch_size=5000).applied:
            pass
        versions = {
            o.sub_model: o.version for o in calibrate(window=Window(START, DRIFT), reason="test")
        }
        yield {"truth": truth, "later": later, "versions": versions, "reorder": emulator.reorder}
        call_command("flush", interactive=False, verbosity=0)


def off(fitted: float, true: float) -> float:
    return abs(fitted - true) / true


class Checks:
    """Fitted figures against the world's truth; every miss is collected, so that one run
    names them all."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def near(self, what: str, fitted: float | None, true: float, tolerance: float) -> None:
        if fitted is None or off(fitted, true) > tolerance:
            self.fail(f"{what}: fitted {fitted}, true {true}, tolerance ±{tolerance:.0%}")

    def fail(self, text: str) -> None:
        self.failures.append(text)


def _pmf_mean(pmf) -> float:
    return sum(i * p for i, p in enumerate(pmf)) / sum(pmf)


def test_fitted_parameters_recover_the_emulators_truth(world):
    truth, versions = world["truth"], world["versions"]
    fit = {name: version_parameters(v) for name, v in versions.items()}
    stats = {name: v.stats for name, v in versions.items()}
    checks = Checks()
    demand_recovered(checks, fit, stats, truth)
    supply_recovered(checks, fit, stats, truth, world["reorder"])
    logistics_recovered(checks, fit, stats, truth)
    labour_recovered(checks, fit, stats, truth)
    finance_and_customer_recovered(checks, fit, stats, truth)
    assert not checks.failures, "\n".join(checks.failures)


def demand_recovered(checks: Checks, fit: dict, stats: dict, truth) -> None:
    # Demand, ±5%: each region's orders a day, weekday and weekend factors, lines, quantities.
    for region, share in truth.region_share.items():
        checks.near(
            f"orders/day {region}",
            sum(fit["demand"].orders_per_hour[region]) / 7,
            truth.orders_per_day * share,
            0.05,
        )
    factors = stats["demand"]["day_of_week_factor"]
    mean_factor = (5 * truth.weekday_factor + 2 * truth.weekend_factor) / 7
    for day, factor in enumerate(factors):
        true = truth.weekday_factor if day < 5 else truth.weekend_factor
        checks.near(f"day-of-week factor {day}", factor, true / mean_factor, 0.05)
    profile_total = sum(truth.hour_profile)
    for hour, share in enumerate(stats["demand"]["hour_profile"]):
        true = truth.hour_profile[hour] / profile_total
        if true >= 0.04:  # the busy hours; the night's few orders are too noisy for ±10%
            checks.near(f"hour-of-day share {hour}", share, true, 0.10)

    # The emulator merges two draws of the same SKU into one line: slightly fewer, bigger lines.
    checks.near(
        "lines per order",
        _pmf_mean(fit["demand"].lines_per_order_pmf),
        _pmf_mean(truth.lines_per_order_pmf),
        0.05,
    )
    checks.near(
        "quantity per line",
        _pmf_mean(fit["demand"].quantity_pmf),
        _pmf_mean(truth.quantity_pmf),
        0.05,
    )
    velocity = demo_sizing().VELOCITY_WEIGHT
    se_families = set(demo_sizing().NEW_TO_SE)
    from apps.network.models import Sku

    skus = {s.code: s for s in Sku.objects.all()}
    by_class = defaultdict(float)
    for code, weight in fit["demand"].sku_weights.items():
        by_class[skus[code].velocity_class] += weight
    per_class = {c: sum(1 for s in skus.values() if s.velocity_class == c) for c in velocity}
    true_total = sum(velocity[c] * n for c, n in per_class.items())
    fitted_total = sum(by_class.values())
    # Southeast regions never buy four families, which shifts the network mix a little.
    for velocity_class, weight in velocity.items():
        checks.near(
            f"SKU mix class {velocity_class}",
            by_class[velocity_class] / fitted_total,
            weight * per_class[velocity_class] / true_total,
            0.10,
        )
    for region in ("SEA", "SCN"):
        bought = [
            c
            for c, w in fit["demand"].sku_weights_by_region[region].items()
            if w > 0 and skus[c].family in se_families
        ]
        if bought:
            checks.fail(f"{region} buys families new to SE: {bought[:3]}")


def supply_recovered(checks: Checks, fit: dict, stats: dict, truth, reorder: dict) -> None:
    # Supply: lead-time medians by family, within 3 standard errors of a log-normal median
    # (σ·1.25/√n), never tighter than ±5%.
    receipts = stats["supply"]["receipts_by_family"]
    sigma = truth.lead_time_sigma
    fitted_families = 0
    for family, true in truth.lead_time_hours_median.items():
        n = receipts.get(family, 0)
        if n >= 8:
            fitted_families += 1
            tolerance = max(0.05, 3 * sigma * 1.25 / math.sqrt(n))
            checks.near(
                f"lead time {family} ({n} receipts)",
                fit["supply"].lead_time_hours_median[family],
                true,
                tolerance,
            )
    if fitted_families < len(truth.lead_time_hours_median) // 2:
        checks.fail(f"only {fitted_families} families had enough receipts to fit")
    checks.near("lead-time σ", fit["supply"].lead_time_sigma, sigma, 0.25)
    # Reorder points replayed from the stock positions at each purchase order: within 10%
    # or 2 units (a line's allocation can overshoot the point); sizes exactly.
    for policy in fit["supply"].policies:
        point, quantity = reorder[(policy.sku, policy.dc)]
        if abs(policy.reorder_point - point) > max(2, 0.1 * point):
            checks.fail(
                f"reorder point {policy.sku}@{policy.dc}: {policy.reorder_point} vs {point}"
            )
        if policy.reorder_quantity != quantity:
            checks.fail(
                f"reorder size {policy.sku}@{policy.dc}: {policy.reorder_quantity} vs {quantity}"
            )


def logistics_recovered(checks: Checks, fit: dict, stats: dict, truth) -> None:
    # Logistics: median transit ±5% on every lane used; σ ±20%; tender rejection within
    # 3 standard errors; pick-up hours exactly.
    deliveries = stats["logistics"]["deliveries_by_lane"]
    for transit in fit["logistics"].lane_transit:
        median, spread = truth.lane_transit_hours[transit.lane]
        if deliveries.get(transit.lane, 0) >= 100:
            checks.near(
                f"transit median {transit.lane}", transit.transit_hours_median, median, 0.05
            )
            checks.near(f"transit σ {transit.lane}", transit.transit_hours_sigma, spread, 0.20)
    tenders = stats["logistics"]["tenders_by_carrier"]
    for carrier, rate in truth.tender_rejection_rate.items():
        fitted = fit["logistics"].tender_rejection_rate[carrier]
        n = tenders[carrier]
        if abs(fitted - rate) > 3 * math.sqrt(rate * (1 - rate) / n):
            checks.fail(f"tender rejection {carrier}: fitted {fitted}, true {rate}, n {n}")
    for pickup in fit["logistics"].pickups:
        if list(pickup.hours_of_day) != truth.pickup_hours[pickup.carrier]:
            checks.fail(f"pick-up hours {pickup.carrier}: {pickup.hours_of_day}")


def labour_recovered(checks: Checks, fit: dict, stats: dict, truth) -> None:
    # Labour: rates ±5%; time variability ±10%; error rate within 3 standard errors; every
    # shift of the master data found with its start, length, weekdays and crew.
    lines = stats["labour"]["lines_by_dc"]
    for dc in fit["labour"].dcs:
        true = truth.dcs[dc.dc]
        checks.near(f"pick rate {dc.dc}", dc.pick_lines_per_hour, true.pick_lines_per_hour, 0.05)
        checks.near(f"pack rate {dc.dc}", dc.pack_orders_per_hour, true.pack_orders_per_hour, 0.05)
        checks.near(f"pick time cv {dc.dc}", dc.pick_time_cv, true.pick_time_cv, 0.10)
        checks.near(f"pack time cv {dc.dc}", dc.pack_time_cv, true.pack_time_cv, 0.10)
        p, n = true.pick_error_rate, lines[dc.dc]
        if abs(dc.pick_error_rate - p) > 3 * math.sqrt(p * (1 - p) / n):
            checks.fail(f"pick error rate {dc.dc}: fitted {dc.pick_error_rate}, true {p}")
        planned = {
            (float(s.starts_at.hour), float(s.hours), s.weekdays, s.pickers, s.packers)
            for s in Shift.objects.filter(dc__code=dc.dc)
        }
        found = {(s.start_hour, s.hours, s.weekdays, s.pickers, s.packers) for s in dc.shifts}
        if found != planned:
            checks.fail(f"shifts {dc.dc}: fitted {sorted(found)}, planned {sorted(planned)}")


def finance_and_customer_recovered(checks: Checks, fit: dict, stats: dict, truth) -> None:
    # Finance: wages ±5%; customer: SLA hours exactly, complaint model within 3 standard errors.
    for code, dc in truth.dcs.items():
        checks.near(
            f"wage {code}", fit["finance"].wage_usd_per_hour[code], dc.wage_usd_per_hour, 0.05
        )
    assert fit["customer"].sla_hours_by_tier == {"gold": 48.0, "platinum": 24.0, "standard": 72.0}
    errors = stats["customer"]["complaint_standard_errors"]
    for name, true, fitted in (
        ("base", truth.complaint_base, fit["customer"].complaint_base_probability),
        ("per_late_day", truth.complaint_per_late_day, fit["customer"].complaint_per_late_day),
        (
            "per_pick_error",
            truth.complaint_per_pick_error,
            fit["customer"].complaint_per_pick_error,
        ),
    ):
        if abs(fitted - true) > 3 * errors[name]:
            checks.fail(f"complaint {name}: fitted {fitted}, true {true} ± 3×{errors[name]}")


def test_a_drop_in_ne_pick_rate_is_flagged_and_only_labour_recalibrates(world):
    truth, later = world["truth"], world["later"]
    delta_rounds(until=DRIFT)
    hour = DRIFT
    while hour < END:
        ingest(later.get(hour, []))
        while project_pending(batch_size=5000).applied:
            pass
        hour += timedelta(hours=1)
        delta_rounds(until=hour)

    recalibrations = list(Recalibration.objects.order_by("at"))
    assert recalibrations, "no drift was flagged"
    summaries = [r.summary for r in recalibrations]
    drifted = {(r.sub_model, r.subject, r.metric) for r in recalibrations}
    assert drifted == {("labour", "NE", "pick_rate")}, summaries
    first = recalibrations[0]
    assert (first.metric, first.subject) == ("pick_rate", "NE"), first.summary
    assert first.at <= DRIFT + timedelta(hours=DETECTION_HOURS), first.summary
    assert "recalibrated, pick rate" in first.summary and first.error_pct > 10

    latest = version_parameters(ModelVersion.objects.filter(sub_model="labour").first())
    dropped = truth.dcs["NE"].pick_lines_per_hour * 0.8
    assert off(latest.for_dc("NE").pick_lines_per_hour, dropped) <= 0.05
    for code in ("MW", "SE", "W"):
        assert (
            off(latest.for_dc(code).pick_lines_per_hour, truth.dcs[code].pick_lines_per_hour)
            <= 0.05
        )

    # Every forecast the rounds made is settled once its period is over.
    overdue = Prediction.objects.filter(
        settled=False, period_end__lte=END - timedelta(days=1)
    ).exclude(metric="delivery_time")
    assert not overdue.exists()
    assert Prediction.objects.filter(metric="orders_next_day", settled=True).count() >= 7 * 72


def test_a_baseline_simulation_reproduces_the_last_weeks_utilisation_and_otif(world):
    """The calibrated sub-models together, from the live state, against the week observed."""
    params, _ = current_parameters()
    # The live rows credit clocked time at clock-out: the week observed ends 12 hours back,
    # when every shift running in it has ended. The run warms up the day before it.
    end = DRIFT - timedelta(hours=12)
    week = end - timedelta(days=7)
    snapshot = network_snapshot(at=week - timedelta(days=1))
    observed = {}
    for dc in ("MW", "NE", "SE", "W"):
        hours = DcHour.objects.filter(dc=dc, hour__gte=week, hour__lt=end)
        totals = hours.aggregate(busy=Sum("busy_s"), clocked=Sum("clocked_s"))
        observed[dc] = 100 * totals["busy"] / totals["clocked"]
    # OTIF as kpis defines it, for the engine and the live view alike: the orders due in
    # the week, lost (cancelled) or undelivered ones failing.
    observed_otif = 100 * otif_between(after=week, until=end)[0]
    # The mission's picture: NE stretched, SE idle.
    assert observed["NE"] > 90 and observed["SE"] < 66, observed

    runs = [
        run_replication(
            snapshot, params, replication=r, seed=3, horizon_hours=8 * 24, warmup_hours=24
        )
        for r in range(5)
    ]
    simulated = {
        dc: 100 * statistics.fmean(run.dc(dc).labour_utilisation for run in runs) for dc in observed
    }
    simulated_otif = 100 * statistics.fmean(run.network.otif for run in runs)
    for dc in observed:
        assert abs(simulated[dc] - observed[dc]) <= 3, (dc, simulated, observed)
    # Counted alike, as the orders due in the week. The twin ran 3.6 points low while the
    # world shipped each order on its own and the twin in loads; with the world shipping the
    # twin's loads (one per lane and pick-up, its transit drawn once), the two agree within
    # 0.2 points (89.1% against 88.9%, seed 3). The bound keeps them within 2.
    assert abs(observed_otif - simulated_otif) <= 2.0, (simulated_otif, observed_otif)
