"""Across replications: summaries with confidence intervals, paired differences against the
baseline, a weighted ranking, a flag when the leaders are indistinguishable, the Pareto set."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from apps.simulation.errors import SimulationInputError
from apps.simulation.results import ReplicationResult

# Two-sided 95% Student t quantiles by degrees of freedom; beyond 30 the normal's 1.96
# is within 2%.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


class Kpi(StrEnum):
    """A KPI a ranking may weigh, by its flat name in a replication's KPIs: a member is
    its name (a weights dict read from JSON looks members up by it)."""

    OTIF = "network.otif"
    FILL_RATE = "network.fill_rate"
    SATISFACTION_INDEX = "network.satisfaction_index"
    TOTAL_COST_USD = "network.total_cost_usd"
    COST_PER_ORDER_USD = "network.cost_per_order_usd"
    COMPLAINTS = "network.complaints"
    ORDERS_LOST = "network.orders_lost"
    STOCKOUTS = "network.stockouts"
    LOST_SALES_USD = "network.lost_sales_usd"
    MEAN_HOURS_IN_SYSTEM = "network.mean_hours_in_system"
    UTILISATION_GAP = "network.utilisation_gap"


# Whether more is better for the KPIs a ranking may weigh.
KPI_DIRECTION: dict[Kpi, int] = {
    Kpi.OTIF: +1,
    Kpi.FILL_RATE: +1,
    Kpi.SATISFACTION_INDEX: +1,
    Kpi.TOTAL_COST_USD: -1,
    Kpi.COST_PER_ORDER_USD: -1,
    Kpi.COMPLAINTS: -1,
    Kpi.ORDERS_LOST: -1,
    Kpi.STOCKOUTS: -1,
    Kpi.LOST_SALES_USD: -1,
    Kpi.MEAN_HOURS_IN_SYSTEM: -1,
    Kpi.UTILISATION_GAP: -1,
}
COST_KPI = Kpi.TOTAL_COST_USD
SERVICE_KPI = Kpi.OTIF

# The figures that are shares of a whole, from 0 to 1, by their field (a KPI's last part:
# "otif" of "network.otif", "labour_utilisation" of "dc.NE.labour_utilisation"). Their
# intervals stay inside [0, 1]; the KPI registry writes them as percentages.
SHARE_FIELDS = (
    "otif",
    "fill_rate",
    "utilisation_gap",
    "labour_utilisation",
    "pick_utilisation",
    "pack_utilisation",
    "pick_accuracy",
    "on_time_rate",
    "new_sku_error_rate",
    "known_sku_error_rate",
)
# A replication's share of exactly 0 or 1 has no logit: it is taken this far inside the
# bounds (a tenth of a basis point), which leaves every figure as the page writes it.
_SHARE_EDGE = 1e-5


def t95(degrees_of_freedom: int) -> float:
    if degrees_of_freedom < 1:
        return math.inf
    return _T95[degrees_of_freedom - 1] if degrees_of_freedom <= len(_T95) else 1.96


@dataclass(frozen=True)
class Summary:
    mean: float
    std: float
    ci95_low: float
    ci95_high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.ci95_high - self.ci95_low) / 2

    def excludes_zero(self) -> bool:
        return self.ci95_low > 0 or self.ci95_high < 0


def summarize(values: Sequence[float]) -> Summary:
    n = len(values)
    if n == 0:
        raise SimulationInputError("replications", "no values to summarise")
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    half = t95(n - 1) * std / math.sqrt(n) if n > 1 else math.inf
    return Summary(mean, std, mean - half, mean + half, n)


def is_share(kpi: str) -> bool:
    """Whether a flat KPI name ("dc.NE.labour_utilisation") is a share of a whole."""
    return kpi.rsplit(".", 1)[-1] in SHARE_FIELDS


def _logit(p: float) -> float:
    p = min(max(p, _SHARE_EDGE), 1 - _SHARE_EDGE)
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    return 1 / (1 + math.exp(-x))


def summarize_share(values: Sequence[float]) -> Summary:
    """A share's mean with a 95% interval that stays inside [0, 1].

    Each replication gives one share, and the replications are the independent samples,
    so the interval is a Student t-interval across replications taken on the logit scale
    and mapped back. Not a Wilson score interval: Wilson counts orders as the trials, and
    the orders of one replication are not independent (they share its queues and its
    stock), so it would be far too narrow. With 2 replications the t quantile is 12.7 and
    the interval is wide, as it should be, but never beyond 0% or 100% (the plain
    t-interval of OTIF 47.2% was [−552%, 647%]). The mean stays the plain mean of the
    replications; the interval is widened to include it where the back-mapped interval,
    centred on the logits' mean, would not. One replication gives [0, 1]; a figure outside
    [0, 1] (not a share after all) gets the plain interval.
    """
    plain = summarize(values)
    if any(not 0 <= v <= 1 for v in values):
        return plain
    on_logit = summarize([_logit(v) for v in values])
    low = min(_expit(on_logit.ci95_low), plain.mean)
    high = max(_expit(on_logit.ci95_high), plain.mean)
    return Summary(plain.mean, plain.std, low, high, plain.n)


@dataclass(frozen=True)
class ScenarioStatistics:
    name: str
    kpis: dict[str, Summary]
    # Scenario minus baseline, paired by replication (common random numbers).
    differences: dict[str, Summary]


def _by_replication(results: Sequence[ReplicationResult]) -> dict[int, dict[str, float]]:
    return {r.replication: r.kpis() for r in results}


def scenario_statistics(
    name: str, results: Sequence[ReplicationResult], baseline: Sequence[ReplicationResult]
) -> ScenarioStatistics:
    ours, theirs = _by_replication(results), _by_replication(baseline)
    paired = sorted(set(ours) & set(theirs))
    if not paired:
        raise SimulationInputError(name, "shares no replication index with the baseline")
    names = sorted(set.intersection(*(set(k) for k in ours.values())))
    kpis = {
        k: (summarize_share if is_share(k) else summarize)([ours[r][k] for r in sorted(ours)])
        for k in names
    }
    differences = {
        k: summarize([ours[r][k] - theirs[r].get(k, 0.0) for r in paired])
        for k in names
        if all(k in theirs[r] for r in paired)
    }
    return ScenarioStatistics(name, kpis, differences)


@dataclass(frozen=True)
class RankedScenario:
    name: str
    score: Summary  # weighted score of normalised KPIs, 0 (worst) to 1 (best)
    rank: int


@dataclass(frozen=True)
class Ranking:
    scenarios: tuple[RankedScenario, ...]
    # True when the best scenario's score is not significantly above the runner-up's.
    top_indistinguishable: bool
    pareto: tuple[str, ...]  # scenarios no other beats on both cost and service
    # Scenarios whose score is not significantly below the leader's (paired by replication).
    tied_with_top: tuple[str, ...] = ()
    # Each scenario's score per shared replication, in replication order: the pairing.
    scores: dict[str, tuple[float, ...]] = field(default_factory=dict, compare=False)

    def indistinguishable(self, name: str, other: str) -> bool:
        """The test behind "not distinguishable from #1", for any two scenarios."""
        return scores_indistinguishable(self.scores[name], self.scores[other])


def scores_indistinguishable(scores: Sequence[float], others: Sequence[float]) -> bool:
    """True when the paired score difference's 95% interval includes zero."""
    return not summarize([a - b for a, b in zip(scores, others, strict=True)]).excludes_zero()


def rank_scenarios(
    results: dict[str, Sequence[ReplicationResult]],
    weights: dict[Kpi, float],
    *,
    baseline: str | None = None,
) -> Ranking:
    """Rank by Σ weight × KPI normalised to [0, 1] across scenarios (1 = best), per replication.

    Scoring each replication separately keeps the pairing of common random numbers, so
    "is the leader really better?" is a paired test on the score difference. Equal scores
    rank by name, except that `baseline` comes before any scenario it ties with: a scenario
    that changes nothing scores exactly as the baseline and must not rank above it.
    """
    if not weights or all(w <= 0 for w in weights.values()):
        raise SimulationInputError("weights", "give at least one KPI a positive weight")
    for kpi, weight in weights.items():
        if kpi not in KPI_DIRECTION:
            raise SimulationInputError(f"weights.{kpi}", "not a KPI that can be ranked on")
        if weight < 0:
            raise SimulationInputError(f"weights.{kpi}", "must not be negative")
    per_scenario = {name: _by_replication(rs) for name, rs in results.items()}
    replications = sorted(set.intersection(*(set(v) for v in per_scenario.values())))
    if not replications:
        raise SimulationInputError("results", "the scenarios share no replication index")
    total_weight = sum(weights.values())
    scores: dict[str, list[float]] = {name: [] for name in results}
    for r in replications:
        for name in results:
            scores[name].append(0.0)
        for kpi, weight in weights.items():
            values = {name: per_scenario[name][r][kpi] for name in results}
            lo, hi = min(values.values()), max(values.values())
            for name, value in values.items():
                normalised = 0.5 if hi == lo else (value - lo) / (hi - lo)
                if KPI_DIRECTION[kpi] < 0:
                    normalised = 1.0 - normalised
                scores[name][-1] += weight * normalised / total_weight
    order = sorted(results, key=lambda name: (-sum(scores[name]), name != baseline, name))
    ranked = tuple(
        # A score is a weighted mean of figures scaled to [0, 1]: a share, and its interval
        # stays inside [0, 1] as a share's does.
        RankedScenario(name, summarize_share(scores[name]), i + 1)
        for i, name in enumerate(order)
    )
    tied = tuple(
        name for name in order[1:] if scores_indistinguishable(scores[order[0]], scores[name])
    )
    indistinguishable = len(order) > 1 and order[1] in tied
    kept = {name: tuple(values) for name, values in scores.items()}
    return Ranking(ranked, indistinguishable, pareto_set(results), tied, kept)


def same_as_baseline(
    results: Sequence[ReplicationResult], baseline: Sequence[ReplicationResult]
) -> bool:
    """Whether every replication came out exactly as the baseline's of the same index: with
    common random numbers that is what a scenario whose interventions touch nothing the
    model runs on gives (a shift of a region no DC of it serves, overtime already worked)."""
    ours, theirs = _by_replication(results), _by_replication(baseline)
    return set(ours) == set(theirs) and all(
        ours[r].keys() == theirs[r].keys()
        and all(
            math.isclose(v, theirs[r][k], rel_tol=1e-12, abs_tol=1e-12) for k, v in ours[r].items()
        )
        for r in ours
    )


def pareto_set(results: dict[str, Sequence[ReplicationResult]]) -> tuple[str, ...]:
    """Scenarios whose mean cost and mean OTIF no other scenario beats on both at once."""
    means = {}
    for name, rs in results.items():
        kpis = [r.kpis() for r in rs]
        means[name] = (
            sum(k[COST_KPI] for k in kpis) / len(kpis),
            sum(k[SERVICE_KPI] for k in kpis) / len(kpis),
        )

    def dominated(name: str) -> bool:
        cost, service = means[name]
        return any(
            other != name
            and means[other][0] <= cost
            and means[other][1] >= service
            and means[other] != (cost, service)
            for other in means
        )

    return tuple(sorted(name for name in means if not dominated(name)))


# How wide a headline figure's 95% interval may be before a comparison says it is too wide
# to act on: a half-width of 5 points for a share (OTIF 90% ± 5 spans a good week and a bad
# one), else 10% of the mean (cost per order $16 ± $1.60 spans the cost differences the
# interventions make). Beyond that the figure cannot tell the scenarios apart.
MAX_HALF_WIDTH_POINTS = 0.05
MAX_HALF_WIDTH_OF_MEAN = 0.10


@dataclass(frozen=True)
class Precision:
    """How narrow a headline interval must be: ± `share_points` (as a share: 0.05 is 5
    points) for a share, else ± `of_mean` times its mean. A deployment states its own."""

    share_points: float = MAX_HALF_WIDTH_POINTS
    of_mean: float = MAX_HALF_WIDTH_OF_MEAN

    def __post_init__(self) -> None:
        for name in ("share_points", "of_mean"):
            if not 0 < getattr(self, name) <= 1:
                raise SimulationInputError(f"precision.{name}", "must lie in (0, 1]")


def allowed_half_width(kpi: str, summary: Summary, precision: Precision = Precision()) -> float:
    """The half-width a KPI's interval may have under `precision`."""
    if is_share(kpi):
        return precision.share_points
    return precision.of_mean * abs(summary.mean)


def replications_needed(summary: Summary, allowed: float, *, limit: int) -> int | None:
    """The fewest replications whose 95% interval would be no wider than ±`allowed`, from
    the spread the replications showed; None when more than `limit` would be needed.

    The rule of thumb n' ≈ n·(width/target)² keeps the t quantile of n replications, which
    for 2 (12.7 against about 2 for 30) asks for some 40 times too many: the quantile is
    taken at each candidate n' instead.
    """
    if summary.std == 0 or allowed <= 0:
        return summary.n if summary.std == 0 else None
    for n in range(max(summary.n, 2), limit + 1):
        if t95(n - 1) * summary.std / math.sqrt(n) <= allowed:
            return n
    return None


@dataclass(frozen=True)
class TooWide:
    """A figure whose interval is wider than a planner can act on, and what would fix it."""

    scenario: str
    kpi: str
    summary: Summary
    allowed_half_width: float
    replications_needed: int | None  # None: more than the limit


def intervals_too_wide(
    stats: Sequence[ScenarioStatistics],
    kpis: Sequence[str],
    *,
    limit: int,
    precision: Precision = Precision(),
) -> list[TooWide]:
    """Each of `kpis`, in every scenario, whose 95% interval is wider than `precision` allows."""
    wide = []
    for scenario in stats:
        for kpi in kpis:
            summary = scenario.kpis.get(kpi)
            if summary is None:
                continue
            allowed = allowed_half_width(kpi, summary, precision)
            if summary.half_width > allowed:
                needed = replications_needed(summary, allowed, limit=limit)
                if needed is not None:
                    # A share's logit interval can be wider on one side than the plain spread
                    # suggests; what is too wide now needs more than it has, at least.
                    needed = min(max(needed, summary.n + 1), limit) if summary.n < limit else None
                wide.append(TooWide(scenario.name, kpi, summary, allowed, needed))
    return wide
