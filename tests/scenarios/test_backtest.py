"""The back-test on every comparison: the twin started from the state it held before the
snapshot, with the versions of that time, held against the days that followed; the "not
enough history" case; the verdict read before any what-if."""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db.models import Sum
from django.urls import reverse

from apps.accounts.roles import APPROVER, PLANNER, VIEWER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.decisions.services import recommendation_create
from apps.live.models import DcHour, OrderProgress, StockLevel
from apps.live.network_selectors import ON_TIME_IN_FULL
from apps.live.projection_rules import STOCK_TYPES, stock_changes
from apps.live.settled_days import ShiftHours
from apps.live.stock_history import stock_levels_at
from apps.scenarios.backtest import backtest_window
from apps.scenarios.backtest_result import BacktestResult, FigureCheck, prediction_band
from apps.scenarios.models import Backtest
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.sources.models import Event
from tests.calibration.history import day, emulated_history

SPEC = {
    "name": "Rebalance NE",
    "horizon_days": 1,
    "replications": 2,
    "warmup_hours": 6,
    "scenarios": [
        {"name": "Shift 10% NE to SE", "interventions": [
            {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.1}
        ]},
    ],
}  # fmt: skip

DAY_SHIFT = ShiftHours("NE", time(6), 8.0, "1111100")
NIGHT_SHIFT = ShiftHours("NE", time(22), 8.0, "1111100")  # ends 06:00 the next day


def test_the_window_is_the_whole_settled_days_before_the_snapshot():
    # Tuesday 10 Nov 2026, 05:00: Monday's night shift is still working, so Monday has not
    # settled; the last settled day is Sunday.
    tuesday_early = datetime(2026, 11, 10, 5, tzinfo=UTC)
    window = backtest_window(
        as_of=tuesday_early, days=7, warmup_hours=24, shifts=[DAY_SHIFT, NIGHT_SHIFT]
    )
    assert window.measured_until == datetime(2026, 11, 9, tzinfo=UTC)
    assert window.measured_from == datetime(2026, 11, 2, tzinfo=UTC)
    assert window.state_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert (window.horizon_hours, window.warmup_hours) == (8 * 24, 24)
    # At 07:30 the night shift has clocked out (06:00) and the hour's margin passed: Monday
    # counts.
    later = backtest_window(
        as_of=tuesday_early.replace(hour=7, minute=30),
        days=7,
        warmup_hours=6,
        shifts=[DAY_SHIFT, NIGHT_SHIFT],
    )
    assert later.measured_until == datetime(2026, 11, 10, tzinfo=UTC)
    assert later.state_at == datetime(2026, 11, 2, 18, tzinfo=UTC)


def test_the_verdict_names_the_worst_gap_against_a_one_week_band():
    # Three replications 0.60, 0.62, 0.64: mean 0.62, s 0.02, t(2) 4.303, a prediction band
    # of ± 4.303 × 0.02 × √(4/3) = ± 0.0994, cut at 0 and 1 for a share.
    mean, low, high = prediction_band([0.60, 0.62, 0.64], share=True)
    assert (mean, low, high) == pytest.approx((0.62, 0.5206, 0.7194), abs=1e-4)
    assert prediction_band([0.97, 0.99, 1.0], share=True)[2] == 1.0
    assert prediction_band([-5.0, 5.0], share=False)[1] < -5.0
    result = BacktestResult(
        state_at=datetime(2026, 11, 1, tzinfo=UTC),
        measured_from=datetime(2026, 11, 2, tzinfo=UTC),
        measured_until=datetime(2026, 11, 9, tzinfo=UTC),
        replications=3,
        versions={"labour": 2},
        in_sample=("demand",),
        figures=(
            FigureCheck(
                "dc.NE.labour_utilisation", "NE utilisation", "percent", 0.9, 0.85, 0.95, 0.94
            ),
            FigureCheck("network.otif", "OTIF", "percent", 0.88, 0.83, 0.93, 0.91),
            FigureCheck(
                "network.cost_per_order_usd", "Cost per order", "usd", 17.0, 15.0, 19.0, 70.0
            ),
            FigureCheck("network.orders_shipped", "Orders shipped", "count", 900, 800, 1000, None),
        ),
    )
    assert result.worst.label == "Cost per order"
    assert result.verdict == (
        "The model reproduces last week (Mon 2 Nov – Sun 8 Nov 2026) within 4.0 pts on "
        "utilisation and OTIF and 76% on cost per order and orders; worst gap: Cost per order, "
        "$17.00 predicted against $70.00 (−76%). 2 of 3 figures fell inside their predicted 95% "
        "band. No version of demand was fitted before the week: those run on a later fit that "
        "saw it, so the test flatters them."
    )
    assert BacktestResult.from_json(result.as_json()) == result


def test_a_comparison_without_enough_history_says_so(client, role_user, demo_network, settings):
    settings.TWIN_BACKTEST_DAYS = 1
    emulated_history(days=0.05)
    comparison = comparison_run_here(comparison_create(spec=SPEC))
    backtest = Backtest.objects.get(comparison=comparison)
    assert backtest.status == Backtest.Status.TOO_LITTLE_HISTORY
    assert backtest.result is None
    assert backtest.reason.startswith(
        "Not enough history: the event log begins Mon 2 Nov 2026, 00:00 UTC"
    )
    assert "needs the log from Sat 31 Oct 2026, 18:00 UTC" in backtest.reason

    client.force_login(role_user(VIEWER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "Not enough history: the event log begins" in page
    assert 'data-backtest="too_little_history"' in page
    # The page polls while the back-test is pending, and reloads once it has an outcome.
    polled = reverse("scenarios:backtest", args=[comparison.pk])
    assert client.get(polled).headers["HX-Refresh"] == "true"
    Backtest.objects.filter(pk=backtest.pk).update(status=Backtest.Status.PENDING)
    assert (
        f'hx-get="{polled}"'
        in client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    )
    assert client.get(polled).status_code == 204


def _stock_replayed_to(at: datetime) -> dict[tuple[str, str], dict[str, int]]:
    """Forwards, from the start of the log: the independent account of the stock at `at`."""
    levels: dict = defaultdict(lambda: {"on_hand": 0, "on_order": 0})
    events = Event.objects.filter(occurred_at__lte=at, type__in=STOCK_TYPES)
    for kind, payload in events.values_list("type", "payload"):
        for sku, dc, counter, amount in stock_changes(kind, payload):
            levels[(sku, dc)][counter] += amount
    return levels


def _nonzero(levels: dict) -> dict:
    return {key: level for key, level in levels.items() if any(level.values())}


def test_the_back_test_replays_the_days_before_the_snapshot(
    client, role_user, demo_network, settings
):
    settings.TWIN_BACKTEST_DAYS = 1
    settings.TWIN_BACKTEST_REPLICATIONS = 2
    emulated_history(days=2.09)
    # The versions of that time: fitted up to the back-test's start (day 0.75 = day 1 less
    # the 6 h warm-up); the comparison itself runs on later ones that saw the tested day.
    calibrate(window=Window(day(0), day(0.75)))
    calibrate(window=Window(day(0), day(2.09)))
    comparison = comparison_run_here(comparison_create(spec=SPEC))
    assert set(comparison.versions.values()) == {2}

    backtest = Backtest.objects.get(comparison=comparison)
    assert backtest.status == Backtest.Status.DONE, backtest.reason
    result = BacktestResult.from_json(backtest.result)
    # At the snapshot (day 2.09, Wednesday 02:10) Tuesday has settled (its evening shifts
    # clocked out by 01:00, settling at 02:00), so Tuesday is the tested day.
    assert (result.measured_from, result.measured_until) == (day(1), day(2))
    assert result.state_at == day(0.75)
    assert set(result.versions.values()) == {1} and result.in_sample == ()

    figures = {f.kpi: f for f in result.figures}
    rows = DcHour.objects.filter(hour__gte=day(1), hour__lt=day(2))
    for dc in ("NE", "SE"):
        sums = rows.filter(dc=dc).aggregate(busy=Sum("busy_s"), clocked=Sum("clocked_s"))
        figure = figures[f"dc.{dc}.labour_utilisation"]
        assert figure.actual == pytest.approx(sums["busy"] / sums["clocked"])
        assert 0 <= figure.low <= figure.predicted <= figure.high <= 1
    assert figures["network.orders_shipped"].actual == rows.aggregate(n=Sum("orders_shipped"))["n"]
    assert figures["network.orders_shipped"].predicted > 0
    assert figures["network.cost_per_order_usd"].actual > 0
    # OTIF over the orders the run can judge: due in the tested day and placed since its
    # start, not every order due (most were placed before it, and the run never sees them).
    judged = OrderProgress.objects.filter(
        due_at__gte=day(1), due_at__lt=day(2), created_at__gte=result.state_at
    )
    assert (
        0
        < judged.count()
        < OrderProgress.objects.filter(due_at__gte=day(1), due_at__lt=day(2)).count()
    )
    on_time = judged.filter(ON_TIME_IN_FULL).count()
    assert figures["network.otif"].actual == pytest.approx(on_time / judged.count())
    worst = result.worst
    assert all(f.miss <= worst.miss for f in result.measured)
    assert result.verdict.startswith("The model reproduces last week (Tue 3 Nov – Tue 3 Nov")
    assert f"worst gap: {worst.label}, {worst.predicted_text} predicted" in result.verdict

    # The stock it started from is the live state's read back from the log: the same as
    # replaying the log forwards to that moment, and nothing before the log began.
    assert _nonzero(stock_levels_at(at=day(0.75))) == _nonzero(_stock_replayed_to(day(0.75)))
    assert _nonzero(stock_levels_at(at=day(0) - timedelta(seconds=1))) == {}
    now = {
        (s.sku, s.dc): {"on_hand": s.on_hand, "on_order": s.on_order}
        for s in StockLevel.objects.all()
    }
    assert _nonzero(stock_levels_at(at=day(3))) == _nonzero(now)

    # The planner reads the verdict before any what-if.
    client.force_login(role_user(VIEWER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    verdict = page.index("data-backtest-verdict")
    assert "The model reproduces last week" in page[verdict : verdict + 300]
    assert verdict < page.index('id="results"') and verdict < page.index("Shift 10% NE to SE")
    assert 'data-backtest-figure="dc.NE.labour_utilisation"' in page

    # The approver reads it on the recommendation too.
    decision = recommendation_create(
        comparison=comparison, user=role_user(PLANNER), scenario_name="Baseline", reason="Hold."
    )
    client.force_login(role_user(APPROVER))
    page = client.get(reverse("decisions:detail", args=[decision.pk])).content.decode()
    shown = page.index('data-field="backtest"')
    assert result.verdict[:60] in page[shown : shown + 400]
