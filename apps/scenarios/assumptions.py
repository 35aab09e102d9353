"""The master-data assumptions a comparison's scenarios leaned on: inputs no history
supports (a cross-dock's dwell and fee, a lane never used), with their stated range and the
values the replications drew."""

from dataclasses import dataclass

from apps.simulation.results import ReplicationResult

# What each kind of assumed input is, in the planner's words, and its unit.
LABELS = {
    "dwell_hours_median": ("median dwell", "h"),
    "fee_usd_per_shipment": ("fee per line-haul", "USD"),
    "transit_hours_median": ("median transit", "h"),
}


@dataclass(frozen=True)
class AssumptionRow:
    label: str  # "Cross-dock XD1: median dwell"
    unit: str
    stated: float
    low: float
    high: float
    drawn_low: float  # the smallest and largest value a replication drew
    drawn_high: float
    scenarios: tuple[str, ...]  # the scenarios whose runs used it


def _label(name: str) -> tuple[str, str]:
    kind, code, field = name.split(".", 2)
    what, unit = LABELS.get(field, (field, ""))
    place = f"Cross-dock {code}" if kind == "cross_dock" else f"Lane {code}"
    return f"{place}: {what}", unit


def assumption_rows(results: dict[str, list[ReplicationResult]]) -> list[AssumptionRow]:
    """One row per assumed input any scenario used, across its replications. Replication k
    draws the same value in every scenario (common random numbers), so one range of draws
    per input holds for all the scenarios that used it."""
    seen: dict[str, list] = {}
    for scenario, runs in results.items():
        for run in runs:
            for item in run.assumptions:
                row = seen.setdefault(item.name, [item, set(), set()])
                row[1].add(item.drawn)
                row[2].add(scenario)
    rows = []
    for name, (item, drawn, scenarios) in sorted(seen.items()):
        label, unit = _label(name)
        rows.append(
            AssumptionRow(
                label=label,
                unit=unit,
                stated=item.stated,
                low=item.low,
                high=item.high,
                drawn_low=min(drawn),
                drawn_high=max(drawn),
                scenarios=tuple(s for s in results if s in scenarios),
            )
        )
    return rows
