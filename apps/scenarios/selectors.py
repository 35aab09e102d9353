"""Reads of comparisons: progress, ranking and KPIs with confidence intervals, as JSON."""

from apps.scenarios.kpis import HEADLINE_KPIS, kpi_cell
from apps.scenarios.models import Comparison
from apps.scenarios.services import BASELINE, comparison_progress, comparison_results
from apps.scenarios.summaries import trade_off_summary
from apps.simulation.results import ReplicationResult
from apps.simulation.serialization import intervention_from_jsonable
from apps.simulation.statistics import (
    COST_KPI,
    rank_scenarios,
    scenario_statistics,
)


def _summary(s) -> dict:
    return {"mean": s.mean, "low": s.ci95_low, "high": s.ci95_high, "n": s.n}


def comparison_document(
    comparison: Comparison,
    *,
    weights: dict | None = None,
    results: dict[str, list[ReplicationResult]] | None = None,
) -> dict:
    """Progress, inputs and, once done, the ranking with every KPI's interval, its paired
    difference from the baseline and the trade-off summary; `results` when already loaded."""
    progress = comparison_progress(comparison)
    document = {
        "id": comparison.pk,
        "name": comparison.name,
        "status": comparison.status,
        "error": comparison.error,
        "as_of": comparison.as_of.isoformat() if comparison.as_of else None,
        "versions": comparison.versions,
        "evidence_warnings": comparison.evidence_warnings,
        "horizon_days": comparison.horizon_days,
        "replications": comparison.replications,
        "weights": weights or comparison.weights,
        "progress": progress.as_json(),
        "scenarios": [
            {
                "name": s.name,
                "note": s.note,
                "interventions": s.interventions,
                "described": [
                    intervention_from_jsonable(item, i).describe()
                    for i, item in enumerate(s.interventions)
                ],
            }
            for s in comparison.scenarios.all()
        ],
        "ranking": None,
    }
    if comparison.status != Comparison.Status.DONE:
        return document
    results = results if results is not None else comparison_results(comparison)
    ranking = rank_scenarios(results, weights or comparison.weights)
    dcs = sorted({d.dc for runs in results.values() for d in runs[0].dcs})
    regions = sorted({r.region for runs in results.values() for r in runs[0].regions})
    kpis = (*HEADLINE_KPIS, COST_KPI, *(f"dc.{dc}.labour_utilisation" for dc in dcs))
    rows = []
    for ranked in ranking.scenarios:
        stats = scenario_statistics(ranked.name, results[ranked.name], results[BASELINE])
        rows.append(
            {
                "rank": ranked.rank,
                "name": ranked.name,
                "score": _summary(ranked.score),
                "kpis": {k: _summary(stats.kpis[k]) for k in kpis if k in stats.kpis},
                "vs_baseline": {
                    k: _summary(stats.differences[k])
                    for k in kpis
                    if k in stats.differences and ranked.name != BASELINE
                },
                "summary": ""
                if ranked.name == BASELINE
                else trade_off_summary(stats, dcs=dcs, regions=regions),
            }
        )
    document["ranking"] = {
        "scenarios": rows,
        "top_indistinguishable": ranking.top_indistinguishable,
        "tied_with_top": list(ranking.tied_with_top),
        # Scenarios whose score the same paired test cannot tell from doing nothing.
        "tied_with_baseline": [
            r.name
            for r in ranking.scenarios
            if r.name != BASELINE and ranking.indistinguishable(r.name, BASELINE)
        ],
        "pareto": list(ranking.pareto),
    }
    return document


def scenario_rank(
    results: dict[str, list[ReplicationResult]], *, weights: dict[str, float], name: str
) -> int:
    """Where a scenario ranks (1 = best) when the stored replications are ranked under these
    weights: re-weighted, nothing re-run."""
    ranking = rank_scenarios(results, weights)
    return next(ranked.rank for ranked in ranking.scenarios if ranked.name == name)


def ranking_rows(document: dict) -> list[dict]:
    """The ranked table's rows: each headline KPI with its interval and its difference from
    the baseline, marked better or worse when the difference's interval excludes zero."""
    ranking = document["ranking"]
    tied = set(ranking["tied_with_top"])
    rows = []
    for row in ranking["scenarios"]:
        cells = [
            kpi_cell(kpi, row["kpis"].get(kpi), row["vs_baseline"].get(kpi))
            for kpi in HEADLINE_KPIS
        ]
        rows.append({**row, "cells": cells, "tied": row["name"] in tied})
    return rows
