"""The back-test on every comparison: does the twin reproduce the recent past?

Before a planner reads a what-if, the comparison says how the twin did on the week before
its snapshot: started from the state it held a week earlier (stock read back from the log,
the SKUs each DC had picked by then) with the calibrated versions of that time (fitted on
data up to the week's start), run for that week with a few replications, and held against
what the live state measured over the same whole, settled days: utilisation per DC, OTIF,
cost per order and orders shipped, measured as decision tracking measures an executed
decision. It runs in its own task once the comparison's replications are in, with its own
status, so the ranked answer never waits for it.
"""

import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from apps.calibration.selectors import parameters_fitted_before
from apps.calibration.snapshot import network_snapshot
from apps.live.models import DcHour, OrderProgress
from apps.live.network_selectors import ON_TIME_IN_FULL, costs_between
from apps.live.selectors import utilisation_of
from apps.live.settled_days import (
    ShiftHours,
    event_time_text,
    project_zone,
    settle_time,
    shift_hours,
)
from apps.scenarios.backtest_result import BacktestResult, FigureCheck, prediction_band
from apps.scenarios.models import Backtest, Comparison
from apps.simulation import kpis
from apps.simulation.errors import SimulationInputError
from apps.simulation.model import run_replication
from apps.simulation.results import ReplicationResult
from apps.sources.models import Event

DAY = timedelta(days=1)
# A few whole days back at most: the last settled day ends at most this far before the
# snapshot (a day settles an hour after its last shift ends).
MAX_DAYS_TO_SETTLE = 3


class TooLittleHistory(ValueError):
    """The event log does not reach back far enough before the snapshot for a back-test."""


@dataclass(frozen=True)
class BacktestWindow:
    state_at: datetime  # the moment the simulated network starts from; the warm-up begins
    measured_from: datetime  # a midnight, event time
    measured_until: datetime  # the end of the last day settled at the snapshot

    @property
    def horizon_hours(self) -> float:
        return (self.measured_until - self.state_at) / timedelta(hours=1)

    @property
    def warmup_hours(self) -> float:
        return (self.measured_from - self.state_at) / timedelta(hours=1)


def _midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=project_zone()).astimezone(UTC)


def backtest_window(
    *, as_of: datetime, days: int, warmup_hours: float, shifts: list[ShiftHours]
) -> BacktestWindow:
    """The `days` whole days ending with the last one settled at `as_of` (as decision
    tracking settles them: every shift working in it has clocked out), and the warm-up
    before them."""
    end_day = as_of.astimezone(project_zone()).date()
    for _ in range(MAX_DAYS_TO_SETTLE):
        if settle_time(_midnight(end_day - DAY), shifts=shifts, overtime={}) <= as_of:
            break
        end_day -= DAY
    measured_from = _midnight(end_day - days * DAY)
    return BacktestWindow(
        state_at=measured_from - timedelta(hours=warmup_hours),
        measured_from=measured_from,
        measured_until=_midnight(end_day),
    )


def history_check(window: BacktestWindow, *, days: int) -> None:
    """Raise TooLittleHistory unless the log holds events from the back-test's start."""
    first = Event.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    needs = (
        f"a back-test of the {days} day{'s' if days != 1 else ''} to "
        f"{event_time_text(window.measured_until)} needs the log from "
        f"{event_time_text(window.state_at)}, {window.warmup_hours:g} h of warm-up included"
    )
    if first is None:
        raise TooLittleHistory(f"Not enough history: the event log is empty, and {needs}.")
    if first > window.state_at:
        raise TooLittleHistory(
            f"Not enough history: the event log begins {event_time_text(first)}, and {needs}."
        )


# The figures held against what happened: (label, unit). Utilisation per DC is added per
# DC of the snapshot.
NETWORK_FIGURES = {
    "network.otif": ("OTIF", "percent"),
    "network.cost_per_order_usd": ("Cost per order", "usd"),
    "network.orders_shipped": ("Orders shipped", "count"),
}


def _predicted(result: ReplicationResult) -> dict[str, float]:
    figures = {f"dc.{d.dc}.labour_utilisation": d.labour_utilisation for d in result.dcs}
    figures["network.otif"] = result.network.otif
    figures["network.cost_per_order_usd"] = result.network.cost_per_order_usd
    # Orders shipped in the measured days, as the live state counts them: the denominator
    # of the world's cost per order.
    figures["network.orders_shipped"] = float(sum(d.orders_shipped for d in result.dcs))
    return figures


def _otif_of_the_run(window: BacktestWindow) -> float | None:
    """OTIF (kpis.otif) of the orders the twin's run can judge: due in the measured days
    and placed since the state it starts from. The run counts only orders it creates (its
    snapshot holds the open orders of before, not those already delivered), so the orders
    due early in the window that were placed before it are in neither count; over a short
    window they are most of them, and the ones left are the fastest promises."""
    due = OrderProgress.objects.filter(
        due_at__gte=window.measured_from,
        due_at__lt=window.measured_until,
        created_at__gte=window.state_at,
    ).aggregate(total=Count("id"), otif=Count("id", filter=ON_TIME_IN_FULL))
    return kpis.otif(on_time_in_full=due["otif"], due=due["total"])


def _actuals(window: BacktestWindow, dcs: list[str]) -> dict[str, float | None]:
    """What the live state measured over the window's days, as decision tracking reads it."""
    start, end = window.measured_from, window.measured_until
    hours = DcHour.objects.filter(hour__gte=start, hour__lt=end)
    actual: dict[str, float | None] = {}
    labour = {
        dc: (busy or 0.0, clocked or 0.0)
        for dc, busy, clocked in hours.values("dc")
        .annotate(busy=Sum("busy_s"), clocked=Sum("clocked_s"))
        .values_list("dc", "busy", "clocked")
    }
    for dc in dcs:
        busy, clocked = labour.get(dc, (0.0, 0.0))
        actual[f"dc.{dc}.labour_utilisation"] = utilisation_of(busy, clocked)
    actual["network.otif"] = _otif_of_the_run(window)
    zone = project_zone()
    costs, shipped = costs_between(
        first_day=start.astimezone(zone).date(),
        until=(end - timedelta(microseconds=1)).astimezone(zone),
    )
    actual["network.cost_per_order_usd"] = (
        sum(costs.values()) / shipped if shipped and costs else None
    )
    total = hours.aggregate(total=Sum("orders_shipped"))["total"]
    actual["network.orders_shipped"] = float(total) if total is not None else None
    return actual


def backtest_run(
    *,
    as_of: datetime,
    ceiling: dict[str, int],
    warmup_hours: float,
    seed: int,
    days: int | None = None,
    replications: int | None = None,
) -> BacktestResult:
    """Run the twin over the `days` settled days before `as_of` from the state it held at
    their start, and hold it against what happened. Raises TooLittleHistory."""
    days = days or settings.TWIN_BACKTEST_DAYS
    replications = replications or settings.TWIN_BACKTEST_REPLICATIONS
    window = backtest_window(
        as_of=as_of, days=days, warmup_hours=warmup_hours, shifts=shift_hours()
    )
    history_check(window, days=days)
    then = parameters_fitted_before(end=window.state_at, ceiling=ceiling)
    snapshot = network_snapshot(at=window.state_at, as_it_was=True)
    runs = [
        _predicted(
            run_replication(
                snapshot,
                then.parameters,
                [],
                replication=replication,
                seed=seed,
                horizon_hours=window.horizon_hours,
                warmup_hours=window.warmup_hours,
            )
        )
        for replication in range(replications)
    ]
    dcs = [dc.code for dc in snapshot.dcs]
    actual = _actuals(window, dcs)
    labels = {f"dc.{dc}.labour_utilisation": (f"{dc} utilisation", "percent") for dc in dcs}
    labels |= NETWORK_FIGURES
    figures = []
    for kpi, (label, unit) in labels.items():
        mean, low, high = prediction_band([run[kpi] for run in runs], share=unit == "percent")
        figures.append(FigureCheck(kpi, label, unit, mean, low, high, actual[kpi]))
    return BacktestResult(
        state_at=window.state_at,
        measured_from=window.measured_from,
        measured_until=window.measured_until,
        replications=replications,
        versions=then.versions,
        in_sample=then.in_sample,
        figures=tuple(figures),
    )


def backtest_execute(comparison_id: int) -> Backtest:
    """Run a comparison's back-test unless it already has an outcome (a retried or resent
    task changes nothing), and store it."""
    comparison = Comparison.objects.get(pk=comparison_id)
    backtest, _ = Backtest.objects.get_or_create(comparison=comparison)
    if backtest.status != Backtest.Status.PENDING or comparison.as_of is None:
        return backtest
    started = clock.perf_counter()
    outcome: dict = {"status": Backtest.Status.DONE, "result": None, "reason": ""}
    try:
        result = backtest_run(
            as_of=comparison.as_of,
            ceiling=comparison.versions,
            warmup_hours=comparison.warmup_hours,
            seed=comparison.seed,
        )
        outcome["result"] = result.as_json()
    except TooLittleHistory as error:
        outcome |= {"status": Backtest.Status.TOO_LITTLE_HISTORY, "reason": str(error)}
    except SimulationInputError as error:
        outcome |= {"status": Backtest.Status.FAILED, "reason": f"The back-test failed: {error}"}
    Backtest.objects.filter(pk=backtest.pk, status=Backtest.Status.PENDING).update(
        **outcome, seconds=clock.perf_counter() - started, finished_at=timezone.now()
    )
    backtest.refresh_from_db()
    return backtest


def backtests_stalled(*, after_s: float) -> list[int]:
    """Finished comparisons whose back-test is still pending `after_s` after they finished:
    its task was lost (it takes seconds), so it is handed out again."""
    cutoff = timezone.now() - timedelta(seconds=after_s)
    return list(
        Backtest.objects.filter(
            status=Backtest.Status.PENDING,
            comparison__status__in=(Comparison.Status.DONE, Comparison.Status.FAILED),
            comparison__finished_at__lte=cutoff,
        ).values_list("comparison_id", flat=True)
    )


@dataclass(frozen=True)
class BacktestView:
    """A comparison's back-test as its page and the approver's read it."""

    status: str
    result: BacktestResult | None
    reason: str

    @property
    def verdict(self) -> str:
        if self.result is not None:
            return self.result.verdict
        if self.status == Backtest.Status.PENDING:
            return "The back-test on last week runs once the scenarios have run."
        return self.reason


def backtest_view(comparison: Comparison) -> BacktestView | None:
    backtest = Backtest.objects.filter(comparison=comparison).first()
    if backtest is None:
        return None
    result = BacktestResult.from_json(backtest.result) if backtest.result else None
    return BacktestView(backtest.status, result, backtest.reason)
