"""A comparison's document as frozen dataclasses: what its page, exports, charts, decisions
and the command line read, and the one place it is written out as JSON."""

from dataclasses import dataclass
from datetime import datetime

from apps.scenarios.assumptions import AssumptionRow
from apps.scenarios.progress import Progress
from apps.simulation.serialization import to_jsonable
from apps.simulation.statistics import Kpi, Summary


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% interval over n replications."""

    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, summary: Summary) -> "Interval":
        return cls(summary.mean, summary.ci95_low, summary.ci95_high, summary.n)


@dataclass(frozen=True)
class ScenarioEntry:
    """One scenario as it was specified, with what it was judged to change before a run."""

    name: str
    note: str
    interventions: tuple[dict, ...]  # as stored, the engine's JSON form
    described: tuple[str, ...]
    no_ops: tuple[str, ...]
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class RankedScenario:
    """A scenario's place in the ranking with every KPI's interval and, but for the
    baseline, each KPI's paired difference from the baseline."""

    rank: int
    name: str
    score: Interval
    kpis: dict[str, Interval]  # flat KPI name ("dc.NE.labour_utilisation") -> interval
    vs_baseline: dict[str, Interval]
    summary: str
    changes_nothing: str  # why it is the baseline again; "" when it changes something
    no_ops: tuple[str, ...]
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class ScreenedScenario:
    """A candidate the racing stopped (screening.py): not ranked, as it has fewer
    replications than the ranked; its own figures over the replications it ran, and why."""

    name: str
    after: int  # the replications it had when it was screened out
    best: str  # the scenario it was compared with, the best at that look
    difference: Interval  # its score less the best's, paired, at that look
    kpis: dict[str, Interval]
    vs_baseline: dict[str, Interval]
    stated: str  # the sentence the page shows

    @property
    def replications(self) -> int:
        return next(iter(self.kpis.values())).n if self.kpis else self.after


@dataclass(frozen=True)
class Ranking:
    scenarios: tuple[RankedScenario, ...]
    top_indistinguishable: bool
    tied_with_top: tuple[str, ...]
    # Scenarios whose score the same paired test cannot tell from doing nothing.
    tied_with_baseline: tuple[str, ...]
    pareto: tuple[str, ...]
    baseline_first: bool
    # Candidates the racing stopped early, in the order they were stopped: not ranked.
    screened_out: tuple[ScreenedScenario, ...] = ()

    def scenario(self, name: str) -> RankedScenario | None:
        return next((row for row in self.scenarios if row.name == name), None)


@dataclass(frozen=True)
class PrecisionReport:
    """The headline intervals too wide to act on and the replications that would narrow
    them (None: more than allowed)."""

    replications: int
    too_wide: tuple[str, ...]
    replications_needed: int | None
    replications_limit: int
    stated: str


@dataclass(frozen=True)
class ComparisonDocument:
    """Progress, inputs and, once done, the ranking, its precision and its assumptions."""

    id: int
    name: str
    status: str
    error: str
    as_of: datetime | None
    versions: dict[str, int]
    evidence_warnings: tuple[str, ...]
    horizon_days: int
    replications: int
    weights: dict[Kpi, float]
    progress: Progress
    scenarios: tuple[ScenarioEntry, ...]
    ranking: Ranking | None = None
    precision: PrecisionReport | None = None
    otif_coverage: str = ""
    assumptions: tuple[AssumptionRow, ...] = ()

    def scenario(self, name: str) -> ScenarioEntry | None:
        return next((s for s in self.scenarios if s.name == name), None)


def comparison_json(document: ComparisonDocument) -> dict:
    """The document as JSON (the status API, `run_scenarios --json`): the fields a finished
    comparison's document has only once done are left out before."""
    json = {
        "id": document.id,
        "name": document.name,
        "status": document.status,
        "error": document.error,
        "as_of": document.as_of.isoformat() if document.as_of else None,
        "versions": document.versions,
        "evidence_warnings": to_jsonable(document.evidence_warnings),
        "horizon_days": document.horizon_days,
        "replications": document.replications,
        "weights": to_jsonable(document.weights),
        "progress": document.progress.as_json(),
        "scenarios": to_jsonable(document.scenarios),
        "ranking": to_jsonable(document.ranking),
    }
    if document.ranking is not None:
        json["precision"] = to_jsonable(document.precision)
        json["otif_coverage"] = document.otif_coverage
        json["assumptions"] = to_jsonable(document.assumptions)
    return json
