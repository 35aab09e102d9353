"""The audit trail's entries: who took which step of a decision, and the figures its page
showed at that moment."""

from apps.decisions.models import AuditEntry, Decision
from apps.scenarios.documents import Interval
from apps.scenarios.kpis import HEADLINE_KPIS, kpi_text
from apps.simulation.serialization import to_jsonable
from apps.simulation.statistics import Kpi


def figures_shown(decision: Decision) -> dict:
    """What a page shows of the decision at this moment: kept in each audit entry."""
    recommended = decision.recommended
    shown = []
    for kpi, label in ((Kpi.OTIF, "OTIF"), (Kpi.COST_PER_ORDER_USD, "cost per order")):
        if value := recommended.kpis.get(kpi):
            low, high = kpi_text(kpi, value.low), kpi_text(kpi, value.high)
            shown.append(f"{label} {kpi_text(kpi, value.mean)} [{low}, {high}]")

    def interval(kpis: dict[str, Interval], kpi: str) -> dict | None:
        return to_jsonable(kpis.get(kpi))

    return {
        "text": f"{recommended.scenario} (#{recommended.rank}): " + "; ".join(shown),
        "scenario": recommended.scenario,
        "rank": recommended.rank,
        "rank_under_defaults": recommended.rank_under_defaults,
        "weights": recommended.weights,
        "score": to_jsonable(recommended.score),
        "predicted": {k: interval(recommended.kpis, k) for k in HEADLINE_KPIS},
        "vs_baseline": {k: interval(recommended.vs_baseline, k) for k in HEADLINE_KPIS},
        "summary": recommended.summary,
        "versions": recommended.versions,
    }


def audit_write(
    decision: Decision, *, actor, step: str, from_status: str, comment: str = ""
) -> None:
    AuditEntry.objects.create(
        decision=decision,
        step=step,
        actor=actor,
        actor_name=actor.get_username() if actor else "twin",
        from_status=from_status,
        to_status=decision.status,
        comment=comment,
        figures=figures_shown(decision),
    )
