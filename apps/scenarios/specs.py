"""What a comparison spec may say, checked: the baseline, KPI weights, scenario fields and
interventions, each refused with the field at fault."""

import math

from apps.simulation.errors import SimulationInputError
from apps.simulation.serialization import intervention_from_jsonable
from apps.simulation.statistics import KPI_DIRECTION, Kpi

BASELINE = "Baseline"
# The question a planner brings is usually one of balance (a hot DC and a cool one), so the
# gap between the busiest and the idlest DC weighs as much as cost and service.
DEFAULT_WEIGHTS: dict[Kpi, float] = {
    Kpi.COST_PER_ORDER_USD: 1.0,
    Kpi.OTIF: 1.0,
    Kpi.UTILISATION_GAP: 1.0,
    Kpi.SATISFACTION_INDEX: 0.5,
}
SPEC_FIELDS = {
    "name",
    "note",
    "horizon_days",
    "replications",
    "warmup_hours",
    "seed",
    "weights",
    "scenarios",
}
SCENARIO_FIELDS = {"name", "note", "interventions"}


class ScenarioInputError(ValueError):
    """A comparison spec names something unknown or holds an impossible value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def interventions_read(raw, where: str) -> list:
    """A scenario's stored interventions as the engine's dataclasses; `where` names the
    scenario in the error ("scenarios[0].interventions[1].share: ...")."""
    if not isinstance(raw, list):
        raise ScenarioInputError(f"{where}.interventions", "must be a list")
    parsed = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ScenarioInputError(f"{where}.interventions[{i}]", "must be an object")
        try:
            parsed.append(intervention_from_jsonable(item, i))
        except SimulationInputError as error:
            raise ScenarioInputError(f"{where}.{error.field}", error.reason) from None
    return parsed


# Weights are relative: one KPI at 1000 times another already ranks on that KPI alone, and
# an infinite weight would turn every score into NaN.
MAX_WEIGHT = 1000.0


def weights_checked(raw) -> dict[Kpi, float]:
    if raw is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(raw, dict) or not raw:
        raise ScenarioInputError("weights", "must map KPIs to weights")
    for kpi, weight in raw.items():
        if kpi not in KPI_DIRECTION:
            raise ScenarioInputError(
                f"weights.{kpi}", f"not a rankable KPI; one of {', '.join(sorted(KPI_DIRECTION))}"
            )
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise ScenarioInputError(f"weights.{kpi}", "must be a number ≥ 0")
        if not math.isfinite(weight) or weight > MAX_WEIGHT:
            raise ScenarioInputError(f"weights.{kpi}", f"must be at most {MAX_WEIGHT:g}")
    if not any(w > 0 for w in raw.values()):
        raise ScenarioInputError("weights", "give at least one KPI a positive weight")
    return {Kpi(kpi): float(w) for kpi, w in raw.items()}


def weights_from_form(values) -> dict[Kpi, float]:
    """KPI weights typed into a form (text per KPI; blank means 0), checked; the KPIs
    weighted 0 are left out, as they count for nothing."""
    raw: dict[Kpi, float] = {}
    for kpi in KPI_DIRECTION:
        value = (values.get(kpi) or "").strip()
        if not value:
            continue
        try:
            raw[kpi] = float(value)
        except ValueError:
            raise ScenarioInputError(f"weights.{kpi}", f"{value!r} is not a number") from None
    return {kpi: weight for kpi, weight in weights_checked(raw).items() if weight > 0}


def scenarios_checked(scenarios) -> list[dict]:
    """A spec's scenarios besides the baseline, each named once and its interventions
    readable; refused at the first fault, by its field ("scenarios[1].name: ...")."""
    if not isinstance(scenarios, list) or not scenarios:
        raise ScenarioInputError("scenarios", "needs at least one scenario besides the baseline")
    seen = {BASELINE.lower()}
    checked = []
    for i, item in enumerate(scenarios):
        where = f"scenarios[{i}]"
        if not isinstance(item, dict):
            raise ScenarioInputError(where, "must be an object")
        extra = sorted(set(item) - SCENARIO_FIELDS)
        if extra:
            raise ScenarioInputError(f"{where}.{extra[0]}", "is not a known field")
        label = item.get("name")
        if not isinstance(label, str) or not label.strip():
            raise ScenarioInputError(f"{where}.name", "is required")
        if label.strip().lower() in seen:
            raise ScenarioInputError(
                f"{where}.name", f"{label!r} is used twice (or is the baseline)"
            )
        seen.add(label.strip().lower())
        interventions_read(item.get("interventions", []), where)
        checked.append(item)
    return checked
