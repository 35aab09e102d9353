"""The decisions the twin announces in its event log, for the systems that carry them out
(ERP, WMS, TMS) to read from the decision feed (apps/decisions/api.py)."""

from django.utils import timezone

from apps.decisions.models import Decision
from apps.live.selectors import watermark
from apps.sources.services import twin_event_record


def _announced(decision: Decision) -> dict:
    """What both announcements say of the decision (schemas.DecisionAnnounced)."""
    recommended = decision.recommended
    return {
        "decision_id": decision.pk,
        "title": decision.title,
        "comparison_id": decision.comparison_id,
        "scenario": recommended.scenario,
        "interventions": list(recommended.interventions),
        "approved_by": decision.decided_by.get_username(),
        "versions": recommended.versions,
    }


def announce_approval(decision: Decision) -> None:
    """`twin.decision_approved` in the event log, once, for other systems to act on."""
    twin_event_record(
        event_id=f"decision-{decision.pk}-approved",
        type="twin.decision_approved",
        occurred_at=watermark() or timezone.now(),
        payload={
            **_announced(decision),
            "proposed_by": decision.proposed_by.get_username(),
            "comment": decision.decision_comment,
        },
    )


def announce_execution(decision: Decision, actor) -> None:
    """`twin.decision_executed` in the event log, once: the ERP, WMS or TMS reading the
    decision feed carries the interventions out from here."""
    twin_event_record(
        event_id=f"decision-{decision.pk}-executed",
        type="twin.decision_executed",
        occurred_at=watermark() or timezone.now(),
        payload={
            **_announced(decision),
            "executed_by": actor.get_username(),
            "executed_at": decision.executed_at.isoformat(),
            "carried_out_from": decision.tracking_from.isoformat(),
        },
    )
