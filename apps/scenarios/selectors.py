"""Reads of comparisons: progress, ranking and KPIs with confidence intervals, as JSON."""

import math
from dataclasses import dataclass, replace

from django.conf import settings

from apps.scenarios.assumptions import assumption_rows
from apps.scenarios.documents import (
    ComparisonDocument,
    Interval,
    PrecisionReport,
    RankedScenario,
    Ranking,
    ScenarioEntry,
    ScreenedScenario,
)
from apps.scenarios.effects import ScenarioEffects, otif_coverage, scenario_effects
from apps.scenarios.kpis import (
    HEADLINE_KPIS,
    PRECISION_KPIS,
    kpi_cell,
    kpi_difference_text,
    kpi_label,
    kpi_text,
)
from apps.scenarios.models import REPLICATIONS_RANGE, Comparison, Scenario
from apps.scenarios.process_cache import ProcessCache
from apps.scenarios.progress import comparison_progress
from apps.scenarios.run_selectors import comparison_results, frozen_inputs
from apps.scenarios.screening import ScreenedOut
from apps.scenarios.specs import BASELINE
from apps.scenarios.summaries import trade_off_summary
from apps.simulation.errors import SimulationInputError
from apps.simulation.results import ReplicationResult
from apps.simulation.serialization import intervention_from_jsonable
from apps.simulation.statistics import (
    COST_KPI,
    Kpi,
    Precision,
    ScenarioStatistics,
    TooWide,
    intervals_too_wide,
    rank_scenarios,
    same_as_baseline,
    scenario_statistics,
)
from apps.simulation.statistics import Ranking as StatisticsRanking


def comparison_document(
    comparison: Comparison,
    *,
    weights: dict[Kpi, float] | None = None,
    results: dict[str, list[ReplicationResult]] | None = None,
) -> ComparisonDocument:
    """Progress, inputs and, once done, the ranking with every KPI's interval, its paired
    difference from the baseline and the trade-off summary; `results` when already loaded."""
    # Judged on the frozen inputs, so known from submission on: a planner can see a scenario
    # that changes nothing while it runs, and cancel.
    effects = scenarios_effects(comparison)
    scenarios = tuple(comparison.scenarios.all())
    document = _document_before_results(comparison, weights, effects, scenarios)
    if comparison.status != Comparison.Status.DONE:
        return document
    results = results if results is not None else comparison_results(comparison, hourly=False)
    ranking = rank_scenarios(results, document.weights, baseline=BASELINE)
    every_stats = [
        scenario_statistics(ranked.name, results[ranked.name], results[BASELINE])
        for ranked in ranking.scenarios
    ]
    interventions = {s.name: s.interventions for s in scenarios}
    rows = _ranked_rows(ranking, every_stats, results, effects, interventions)
    return replace(
        document,
        ranking=Ranking(
            scenarios=rows,
            top_indistinguishable=ranking.top_indistinguishable,
            tied_with_top=tuple(ranking.tied_with_top),
            tied_with_baseline=tuple(
                r.name
                for r in ranking.scenarios
                if r.name != BASELINE and ranking.indistinguishable(r.name, BASELINE)
            ),
            pareto=tuple(ranking.pareto),
            baseline_first=ranking.scenarios[0].name == BASELINE,
            screened_out=_screened_rows(comparison, scenarios, results[BASELINE]),
        ),
        precision=_precision(every_stats, comparison.replications),
        otif_coverage=(
            otif_coverage(
                comparison.parameters["customer"]["sla_hours_by_tier"],
                horizon_hours=comparison.horizon_days * 24,
                warmup_hours=comparison.warmup_hours,
            )
            if comparison.parameters
            else ""
        ),
        assumptions=tuple(assumption_rows(results)),
    )


def _document_before_results(
    comparison: Comparison,
    weights: dict[Kpi, float] | None,
    effects: dict[str, ScenarioEffects],
    scenarios: tuple[Scenario, ...],
) -> ComparisonDocument:
    """What a comparison's document says from its creation on: its settings, progress and
    scenarios, with what each was judged to change."""
    return ComparisonDocument(
        id=comparison.pk,
        name=comparison.name,
        status=comparison.status,
        error=comparison.error,
        as_of=comparison.as_of,
        versions=comparison.versions,
        evidence_warnings=tuple(comparison.evidence_warnings),
        horizon_days=comparison.horizon_days,
        replications=comparison.replications,
        weights={Kpi(kpi): w for kpi, w in (weights or comparison.weights).items()},
        progress=comparison_progress(comparison),
        scenarios=tuple(
            ScenarioEntry(
                name=s.name,
                note=s.note,
                interventions=tuple(s.interventions),
                described=tuple(
                    intervention_from_jsonable(item, i).describe()
                    for i, item in enumerate(s.interventions)
                ),
                no_ops=effects.get(s.name, _UNJUDGED).no_ops,
                assumptions=effects.get(s.name, _UNJUDGED).assumptions,
            )
            for s in scenarios
        ),
    )


def _ranked_rows(
    ranking: StatisticsRanking,
    every_stats: list[ScenarioStatistics],
    results: dict[str, list[ReplicationResult]],
    effects: dict[str, ScenarioEffects],
    interventions: dict[str, list],
) -> tuple[RankedScenario, ...]:
    """Each ranked scenario with its KPIs' intervals, its differences from the baseline and
    what it trades against it, in the ranking's order."""
    dcs = sorted({d.dc for runs in results.values() for d in runs[0].dcs})
    regions = sorted({r.region for runs in results.values() for r in runs[0].regions})
    kpis = (*HEADLINE_KPIS, COST_KPI, *(f"dc.{dc}.labour_utilisation" for dc in dcs))
    rows = []
    for ranked, stats in zip(ranking.scenarios, every_stats, strict=True):
        effect = effects.get(ranked.name, _UNJUDGED)
        is_baseline = ranked.name == BASELINE
        unchanged = ""
        if not is_baseline:
            unchanged = _changes_nothing(
                interventions[ranked.name], effect, results[ranked.name], results[BASELINE]
            )
        summary = f"Changes nothing. {unchanged}" if unchanged else ""
        if not is_baseline and not unchanged:
            summary = trade_off_summary(stats, dcs=dcs, regions=regions)
        rows.append(
            RankedScenario(
                rank=ranked.rank,
                name=ranked.name,
                score=Interval.of(ranked.score),
                kpis={k: Interval.of(stats.kpis[k]) for k in kpis if k in stats.kpis},
                vs_baseline={
                    k: Interval.of(stats.differences[k])
                    for k in kpis
                    if k in stats.differences and not is_baseline
                },
                summary=summary,
                changes_nothing=unchanged,
                # Said beside the results, so a difference resting on an assumption or an
                # intervention that does nothing is read as such.
                no_ops=() if unchanged else tuple(effect.no_ops),
                assumptions=tuple(effect.assumptions),
            )
        )
    return tuple(rows)


def _screened_rows(
    comparison: Comparison, scenarios: tuple[Scenario, ...], baseline: list[ReplicationResult]
) -> tuple[ScreenedScenario, ...]:
    """The candidates the racing stopped, in the order it stopped them, each with its own
    figures over the replications it ran and its differences from the baseline over those."""
    screened = sorted(
        (s for s in scenarios if s.screened_out is not None),
        key=lambda s: (s.screened_out["after"], s.position),
    )
    if not screened:
        return ()
    results = comparison_results(comparison, hourly=False, scenarios=[s.name for s in screened])
    kpis = (*HEADLINE_KPIS, COST_KPI)
    rows = []
    for scenario in screened:
        verdict = ScreenedOut(**scenario.screened_out)
        stats = scenario_statistics(scenario.name, results[scenario.name], baseline)
        difference = Interval(verdict.mean, verdict.low, verdict.high, verdict.after)
        rows.append(
            ScreenedScenario(
                name=scenario.name,
                after=verdict.after,
                best=verdict.best,
                difference=difference,
                kpis={k: Interval.of(stats.kpis[k]) for k in kpis if k in stats.kpis},
                vs_baseline={
                    k: Interval.of(stats.differences[k]) for k in kpis if k in stats.differences
                },
                stated=screened_sentence(verdict, ran=len(results[scenario.name])),
            )
        )
    return tuple(rows)


def screened_sentence(verdict: ScreenedOut, *, ran: int) -> str:
    """Why a candidate has fewer replications than the ranked ones, in the page's words."""
    sentence = (
        f"Screened out after {verdict.after} replications: worse than {verdict.best} by "
        f"{-verdict.mean:.3f} in score (95% interval {-verdict.high:.3f} to {-verdict.low:.3f}; "
        f"one-sided p = {verdict.p_value:.2g}, below the {verdict.level:.2g} the racing "
        "requires), under the comparison's own weights, each KPI scaled by the range of every "
        "candidate's first replications. Not ranked: its figures are over the "
    )
    return sentence + (
        f"{ran} replications it ran." if ran != verdict.after else "replications it had."
    )


# A scenario of a comparison whose inputs were never frozen (nothing to judge it on).
_UNJUDGED = ScenarioEffects(no_ops=(), assumptions=(), changes_nothing=False)


# A submitted comparison's frozen inputs and scenarios never change, and reading the inputs
# back is most of the work (a snapshot holds every open order): kept per process, as
# services keeps the finished results, for re-ranking and re-rendering without re-reading.
_EFFECTS: ProcessCache[dict[str, ScenarioEffects]] = ProcessCache(kept=8)


def scenarios_effects(comparison: Comparison) -> dict[str, ScenarioEffects]:
    """Each scenario's no-op interventions and unfitted inputs, judged on the snapshot and
    parameters the comparison froze at submission; {} before it was submitted."""
    if not comparison.snapshot or not comparison.parameters:
        return {}
    # Inputs are frozen once, at submission; a clone is another comparison.
    frozen = comparison.submitted_at is not None
    key = (comparison.pk, comparison.submitted_at, comparison.as_of)
    if frozen and (kept := _EFFECTS.get(key)) is not None:
        return kept
    effects = _effects_judged(comparison)
    if frozen:
        _EFFECTS.put(key, effects)
    return effects


def scenarios_effects_forget(comparison_id: int) -> None:
    """Drop a comparison's judged effects kept in this process: called where its inputs are
    frozen."""
    _EFFECTS.forget(comparison_id)


def _effects_judged(comparison: Comparison) -> dict[str, ScenarioEffects]:
    snapshot, parameters = frozen_inputs(comparison)
    effects = {}
    for scenario in comparison.scenarios.all():
        try:
            interventions = [
                intervention_from_jsonable(item, i) for i, item in enumerate(scenario.interventions)
            ]
            effects[scenario.name] = scenario_effects(snapshot, parameters, interventions)
        except SimulationInputError as error:
            # Stored before a rule the code now holds (the run itself was validated when it
            # was frozen): its results stand, but nothing can be said of what it changes.
            unjudged = f"its interventions could not be judged on the frozen inputs ({error})"
            effects[scenario.name] = ScenarioEffects((), (unjudged,), changes_nothing=False)
    return effects


def _changes_nothing(
    interventions: list, effect: ScenarioEffects, runs: list, baseline: list
) -> str:
    """Why a scenario is the baseline again, in a sentence; "" when it changes something.
    Judged on what the replications gave, which is what the ranking sees: with common random
    numbers, a scenario that changes nothing comes out exactly as the baseline. The
    interventions judged no-ops before the run (effects.py) say why."""
    if not same_as_baseline(runs, baseline):
        return ""
    if not interventions:
        return "It has no interventions: every replication came out exactly as the baseline's."
    why = f" ({' '.join(effect.no_ops)})" if effect.no_ops else ""
    return (
        "Its interventions touch nothing the model runs on: every replication came out "
        f"exactly as the baseline's.{why}"
    )


def _too_wide_sentence(wide: TooWide) -> str:
    s, kpi = wide.summary, wide.kpi
    allowed = kpi_difference_text(kpi, wide.allowed_half_width).replace("+", "±", 1)
    return (
        f"{kpi_label(kpi)} of {wide.scenario}: {kpi_text(kpi, s.mean)} "
        f"[{kpi_text(kpi, s.ci95_low)}, {kpi_text(kpi, s.ci95_high)}], wider than {allowed}."
    )


def stated_precision() -> Precision:
    """The interval widths this deployment acts on (TWIN_PRECISION_* settings)."""
    return Precision(
        share_points=settings.TWIN_PRECISION_SHARE_POINTS / 100,
        of_mean=settings.TWIN_PRECISION_PCT_OF_MEAN / 100,
    )


def _precision(stats: list[ScenarioStatistics], replications: int) -> PrecisionReport:
    """The headline intervals too wide to act on (the widest scenario's for each KPI) and
    the replications that would narrow every one of them enough (None: more than allowed)."""
    limit = REPLICATIONS_RANGE[1]
    stated = stated_precision()
    wide = intervals_too_wide(stats, PRECISION_KPIS, limit=limit, precision=stated)

    def overshoot(item: TooWide) -> float:
        allowed = item.allowed_half_width
        return item.summary.half_width / allowed if allowed > 0 else math.inf

    widest: dict[str, TooWide] = {}
    for item in sorted(wide, key=overshoot, reverse=True):  # stable: on a tie, the higher rank
        widest.setdefault(item.kpi, item)
    needed = [item.replications_needed for item in wide]
    return PrecisionReport(
        replications=replications,
        too_wide=tuple(_too_wide_sentence(widest[kpi]) for kpi in PRECISION_KPIS if kpi in widest),
        replications_needed=None if None in needed else max(needed, default=replications),
        replications_limit=limit,
        stated=f"±{100 * stated.share_points:g} pts for a share, "
        f"±{100 * stated.of_mean:g}% of the mean otherwise",
    )


def scenario_rank(
    results: dict[str, list[ReplicationResult]], *, weights: dict[Kpi, float], name: str
) -> int:
    """Where a scenario ranks (1 = best) when the stored replications are ranked under these
    weights: re-weighted, nothing re-run."""
    ranking = rank_scenarios(results, weights, baseline=BASELINE)
    return next(ranked.rank for ranked in ranking.scenarios if ranked.name == name)


@dataclass(frozen=True)
class RankingRow:
    """A row of the ranked table: the ranked scenario, its headline KPIs written out, and
    whether the paired test ties it with #1 or with the baseline."""

    scenario: RankedScenario
    cells: tuple[dict, ...]
    tied: bool
    tied_with_baseline: bool


def ranking_rows(ranking: Ranking) -> list[RankingRow]:
    """The ranked table's rows: each headline KPI with its interval and its difference from
    the baseline, marked better or worse when the difference's interval excludes zero."""
    tied = set(ranking.tied_with_top)
    # Beside the baseline at #1, "not distinguishable from #1" already says it.
    with_baseline = set() if ranking.baseline_first else set(ranking.tied_with_baseline)
    return [
        RankingRow(
            scenario=row,
            cells=tuple(
                kpi_cell(kpi, row.kpis.get(kpi), row.vs_baseline.get(kpi)) for kpi in HEADLINE_KPIS
            ),
            tied=row.name in tied,
            tied_with_baseline=row.name in with_baseline,
        )
        for row in ranking.scenarios
    ]


@dataclass(frozen=True)
class ScreenedRow:
    """A row of the screened-out table: the candidate and its headline KPIs written out,
    over the replications it ran."""

    scenario: ScreenedScenario
    cells: tuple[dict, ...]


def screened_rows(ranking: Ranking) -> list[ScreenedRow]:
    return [
        ScreenedRow(
            scenario=row,
            cells=tuple(
                kpi_cell(kpi, row.kpis.get(kpi), row.vs_baseline.get(kpi)) for kpi in HEADLINE_KPIS
            ),
        )
        for row in ranking.screened_out
    ]
