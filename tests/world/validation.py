"""Validation of the twin against the world: for an intervention, the twin's predicted change
in each headline KPI beside the change the world shows when it carries the decision out.

1. The unchanged world's history of HISTORY_DAYS goes into the twin (ingested, projected,
   calibrated), once for every intervention checked against it.
2. The twin predicts the change as a comparison runs it (the baseline and one scenario per
   intervention, paired replications), with the Δ and its 95% interval from the twin's own
   statistics.
3. The world at the end of the history is copied: one copy carries the change out from
   that midnight on, the other does not (same seed, same state at the change: paired), over
   the prediction's horizon; the world's Δ is the difference of their KPIs (apps.world.kpis).
4. A row per KPI says whether the world's Δ lies within the prediction's tolerance.
"""

import dataclasses
import itertools
import math
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.live.projector import project_pending
from apps.scenarios.run_selectors import comparison_results
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.scenarios.specs import BASELINE
from apps.simulation.finance import COST_COMPONENTS
from apps.simulation.results import ReplicationResult
from apps.simulation.statistics import Summary, summarize
from apps.sources.services import events_ingest
from apps.world.changes import WorldChange, change_from_fields
from apps.world.enterprise import Emulator
from apps.world.kpis import world_kpis

START = datetime(2026, 10, 28, tzinfo=UTC)  # a Wednesday: a 5-day history ends on a Monday
HISTORY_DAYS = 5
DCS = ("MW", "NE", "SE", "W")
# What the world's cost per order adds up: every cost component of the twin has its own
# account in the books (apps.world.kpis).
BOOKED_COMPONENTS = COST_COMPONENTS
BOOKED_COST = "network.booked_cost_per_order_usd"
HEADLINE = (
    *(f"dc.{dc}.labour_utilisation" for dc in DCS),
    "network.otif",
    BOOKED_COST,
    "network.orders_lost",
)
# The lead-in the world's KPIs read before the change: a shift's length and more, so that
# the workers clocked in at the change's midnight are counted (apps.world.kpis).
LEAD_IN_HOURS = 14.0

# Tolerance beyond the prediction's own 95% interval, per KPI, and why.
# - The world's Δ is one draw, not a mean: a changed and an unchanged world that part at the
#   change's midnight draw different futures, so their difference carries about twice one
#   run's variance. The twin's spread of a KPI across its baseline replications is its own
#   estimate of one run's; the band is widened by 1.96·√2 times it (WORLD_DRAW).
# - Days of history calibrate the twin's rates to within a few percent (the recovery test
#   allows 5% on pick rates from 10 days; these have 5), an error the replications do not
#   show because they all share the fitted parameters. A floor per KPI covers it, in the
#   KPI's own unit:
FLOOR = {
    "labour_utilisation": 0.02,  # 2 points: ±3% on a pick rate moves a 90% DC by ~2.5
    "network.otif": 0.03,  # 3 points: transit times fitted from ~5 days of deliveries
    BOOKED_COST: 0.05,  # 5% of the baseline's: freight rates and payroll as fitted
    "network.orders_lost": 3.0,  # a few orders: cancellations are rare, lumpy events
}
WORLD_DRAW = 1.96 * math.sqrt(2)


def floor_for(kpi: str, baseline_mean: float) -> float:
    if kpi.endswith("labour_utilisation"):
        return FLOOR["labour_utilisation"]
    if kpi == BOOKED_COST:
        return FLOOR[BOOKED_COST] * abs(baseline_mean)
    return FLOOR[kpi]


@dataclass(frozen=True)
class History:
    """The twin calibrated on the world's first days, and the world standing at their end."""

    seed: int
    horizon_days: float
    world: bytes  # the pickled Emulator, its next happening at the change's midnight
    lead_in: tuple[dict, ...]  # its events of the LEAD_IN_HOURS before that midnight
    events: int

    @property
    def change_at(self) -> datetime:
        return START + timedelta(days=HISTORY_DAYS)


PAUSE = {"type": "pause"}


def _pause(now: float) -> dict:
    """A happening of no business, scheduled to hand the world back between two events."""
    return PAUSE


def _until(world: Emulator, hours: float) -> Iterator[dict]:
    """The world's events before `hours`, leaving it with every happening before then done
    and none at or after: a pause just before `hours` stops its stream there."""
    world.at(hours - 1e-6, _pause)
    for event in world.events():
        if event is PAUSE:
            return
        yield event


def history_into_twin(*, seed: int, horizon_days: float) -> History:
    """Step 1: HISTORY_DAYS of the unchanged world into the twin, projected and calibrated."""
    world = Emulator(start=START, days=HISTORY_DAYS + horizon_days, seed=seed)
    change_at = START + timedelta(days=HISTORY_DAYS)
    lead_from = change_at - timedelta(hours=LEAD_IN_HOURS)
    batch, lead_in, count = [], [], 0
    for event in _until(world, HISTORY_DAYS * 24.0):
        batch.append(event)
        if datetime.fromisoformat(event["occurred_at"]) >= lead_from:
            lead_in.append(event)
        if len(batch) == 5000:
            count += _ingest(batch)
            batch = []
    count += _ingest(batch)
    while project_pending(batch_size=5000).applied:
        pass
    calibrate(window=Window(START, change_at), reason="validation")
    return History(seed, horizon_days, pickle.dumps(world), tuple(lead_in), count)


def _ingest(batch: list[dict]) -> int:
    result = events_ingest(items=batch)
    if result.rejections:
        raise AssertionError(f"the twin refused the world's events: {result.rejections[:3]}")
    return result.accepted


def booked_cost_per_order(result: ReplicationResult) -> float:
    """The twin's cost per order over the components the world's events book."""
    by_component = result.network.cost_per_order_by_component_usd
    return sum(by_component.get(component, 0.0) for component in BOOKED_COMPONENTS)


def _figures(result: ReplicationResult) -> dict[str, float]:
    flat = result.kpis()
    flat[BOOKED_COST] = booked_cost_per_order(result)
    return {kpi: flat[kpi] for kpi in HEADLINE}


@dataclass(frozen=True)
class Prediction:
    """The twin's Δ per headline KPI (paired by replication) and its baseline's spread."""

    differences: dict[str, Summary]
    baseline: dict[str, Summary]


def twin_predicts(
    interventions: list[dict], *, horizon_days: float, replications: int, seed: int
) -> dict[str, Prediction]:
    """Step 2: the baseline and each intervention as the scenario engine runs a comparison
    (one scenario per intervention, each paired with the baseline), in this process."""
    comparison = comparison_create(
        spec={
            "name": "Validation against the world",
            "horizon_days": horizon_days,
            "replications": replications,
            # The run starts from the live state at the history's end, queues and stock
            # included, as the world stands at the change: no warm-up to discard.
            "warmup_hours": 0,
            "seed": seed,
            "scenarios": [
                {"name": item["kind"], "interventions": [item]} for item in interventions
            ],
        }
    )
    results = comparison_results(comparison_run_here(comparison))
    theirs = {r.replication: _figures(r) for r in results[BASELINE]}
    baseline = {kpi: summarize([figures[kpi] for figures in theirs.values()]) for kpi in HEADLINE}
    predictions = {}
    for item in interventions:
        ours = {r.replication: _figures(r) for r in results[item["kind"]]}
        paired = sorted(set(ours) & set(theirs))
        differences = {
            kpi: summarize([ours[r][kpi] - theirs[r][kpi] for r in paired]) for kpi in HEADLINE
        }
        predictions[item["kind"]] = Prediction(differences, baseline)
    return predictions


def world_runs(history: History, intervention: dict | None = None) -> dict[str, float]:
    """Step 3: the world from the history's end on, carrying the intervention out from that
    midnight (or not, without one); its headline KPIs over the prediction's horizon."""
    world: Emulator = pickle.loads(history.world)
    if intervention is not None:
        fields = {k: v for k, v in intervention.items() if k != "kind"}
        change = change_from_fields(intervention["kind"], fields, world.network)
        world.carry_out(WorldChange(HISTORY_DAYS, change))
    end = history.change_at + timedelta(days=history.horizon_days)
    events = itertools.chain(history.lead_in, world.events())
    flat = world_kpis(events, start=history.change_at, end=end).headline()
    flat[BOOKED_COST] = flat.pop("network.cost_per_order_usd")
    return {kpi: flat.get(kpi, 0.0) for kpi in HEADLINE}


@dataclass(frozen=True)
class WorldOutcome:
    """The world with and without the change, from the same state at the change: paired."""

    unchanged: dict[str, float]
    changed: dict[str, float]

    @property
    def differences(self) -> dict[str, float]:
        return {kpi: self.changed[kpi] - self.unchanged[kpi] for kpi in HEADLINE}


@dataclass(frozen=True)
class Row:
    """One KPI of one intervention: the twin's Δ and interval, the world's Δ, the verdict."""

    kind: str
    kpi: str
    predicted: float
    low: float
    high: float
    world: float
    tolerance: float  # beyond the interval, each side
    # The KPI's level without the change, in the twin's baseline and in the world: a Δ can
    # agree while the levels do not, which the report card shows too.
    twin_level: float = math.nan
    world_level: float = math.nan

    @property
    def inside(self) -> bool:
        return self.low <= self.world <= self.high

    @property
    def passes(self) -> bool:
        return self.low - self.tolerance <= self.world <= self.high + self.tolerance

    @property
    def verdict(self) -> str:
        if self.inside:
            return "inside"
        return "within tolerance" if self.passes else "OUTSIDE"

    def as_json(self) -> dict:
        return {**dataclasses.asdict(self), "verdict": self.verdict}


def report_rows(kind: str, prediction: Prediction, world: WorldOutcome) -> list[Row]:
    """Step 4: a row per headline KPI."""
    rows = []
    n = next(iter(prediction.baseline.values())).n
    for kpi in HEADLINE:
        difference, spread = prediction.differences[kpi], prediction.baseline[kpi]
        draw = WORLD_DRAW * spread.std if n > 1 else math.inf
        rows.append(
            Row(
                kind,
                kpi,
                difference.mean,
                difference.ci95_low,
                difference.ci95_high,
                world.differences[kpi],
                draw + floor_for(kpi, spread.mean),
                spread.mean,
                world.unchanged[kpi],
            )
        )
    return rows


def validate(
    history: History, interventions: list[dict], *, replications: int, seed: int
) -> dict[str, list[Row]]:
    """Steps 2-4 for each intervention against a calibrated history: one comparison and one
    unchanged world serve them all."""
    predictions = twin_predicts(
        interventions, horizon_days=history.horizon_days, replications=replications, seed=seed
    )
    unchanged = world_runs(history)
    return {
        item["kind"]: report_rows(
            item["kind"],
            predictions[item["kind"]],
            WorldOutcome(unchanged, world_runs(history, item)),
        )
        for item in interventions
    }


def _text(kpi: str, value: float, *, as_level: bool = False, sign: str = "+") -> str:
    """A Δ (signed, in points for shares) or, `as_level`, a level (a share in %)."""
    sign = sign if value >= 0 and not as_level else ""
    if kpi.endswith(("labour_utilisation", "otif")):
        return f"{100 * value:.1f}%" if as_level else f"{sign}{100 * value:.1f} pts"
    if kpi == BOOKED_COST:
        return f"{sign or '-' if value < 0 else sign}${abs(value):.2f}"
    return f"{sign}{value:.1f}"


def table(rows: list[Row]) -> str:
    """The report card as a markdown table."""
    lines = [
        "| Intervention | KPI | Predicted Δ | 95% interval | Tolerance | World Δ | Verdict "
        "| Level: twin / world |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        interval = f"[{_text(row.kpi, row.low)}, {_text(row.kpi, row.high)}]"
        lines.append(
            f"| {row.kind} | {row.kpi} | {_text(row.kpi, row.predicted)} | {interval} | "
            f"{_text(row.kpi, row.tolerance, sign='±')} | {_text(row.kpi, row.world)} | "
            f"{row.verdict} | {_text(row.kpi, row.twin_level, as_level=True)} / "
            f"{_text(row.kpi, row.world_level, as_level=True)} |"
        )
    return "\n".join(lines)


# One intervention of each kind the twin can propose, as the twin's feed publishes it.
INTERVENTIONS = {
    "ShiftVolume": {
        "kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.3,
        "regions": ["NEN", "MAT"],
    },
    "RouteViaCrossDock": {
        "kind": "RouteViaCrossDock", "regions": ["MWE"], "cross_dock": "XD1", "from_dcs": ["MW"],
    },
    "ChangeHeadcount": {
        "kind": "ChangeHeadcount", "dc": "NE", "role": "pickers", "delta": 3, "shift": "Day",
    },
    "Overtime": {"kind": "Overtime", "dc": "NE", "hours_per_day": 2.0},
    "ChangeCarrier": {"kind": "ChangeCarrier", "lane": "NE-NEN-CDF", "carrier": "RDX"},
    "TransferStock": {
        "kind": "TransferStock", "skus": ["ADH-0001", "ADH-0002"], "from_dc": "SE",
        "to_dc": "NE", "quantity": 20,
    },
    "ChangeReorderPolicy": {
        "kind": "ChangeReorderPolicy", "skus": ["ADH-0001", "ADH-0002"], "dc": "NE",
        "reorder_point": 400, "reorder_quantity": 800,
    },
}  # fmt: skip
