"""A recommendation's figures as frozen when it was made: the dataclasses every reader uses,
read from and written to Decision.recommendation's JSON in one place."""

from dataclasses import dataclass

from apps.decisions.prediction import Prediction
from apps.scenarios.documents import Interval
from apps.simulation.serialization import from_jsonable, to_jsonable


@dataclass(frozen=True)
class RunnerUp:
    name: str
    rank: int
    score: Interval
    summary: str


@dataclass(frozen=True)
class KeptStanding:
    """Where the baseline stood under the planner's weights when the recommendation was
    made, and whether the paired score test could tell the recommended scenario from it."""

    rank: int
    score: Interval
    indistinguishable: bool


@dataclass(frozen=True)
class Recommendation:
    scenario: str
    rank: int
    score: Interval
    interventions: tuple[dict, ...]  # the engine's JSON form, as the scenario stored them
    described: tuple[str, ...]
    kpis: dict[str, Interval]
    vs_baseline: dict[str, Interval]
    summary: str
    runners_up: tuple[RunnerUp, ...]
    baseline: dict[str, Interval]  # the baseline's KPIs
    versions: dict[str, int]
    weights: dict[str, float]
    as_of: str | None  # the live state's event time, ISO 8601
    context: str
    predicted: Prediction  # the bands tracking holds reality against
    # Kept since later versions; a recommendation made before has none of them.
    baseline_standing: KeptStanding | None = None
    evidence_warnings: tuple[str, ...] = ()
    default_weights: dict[str, float] | None = None
    rank_under_defaults: int | None = None
    scenario_count: int | None = None
    comparison_note: str = ""


def recommendation_read(stored: dict) -> Recommendation:
    """The recommendation a decision froze, from its JSON; raises SimulationInputError
    naming the field when the JSON does not fit."""
    return from_jsonable(Recommendation, stored, "recommendation")


def recommendation_json(recommendation: Recommendation) -> dict:
    return to_jsonable(recommendation)
