"""Reads of decisions: the list, one decision with its audit trail and tracking, the audit
log with its filters."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.decisions.models import AuditEntry, Decision
from apps.decisions.tracking import TrackingReport, tracking_report

AUDIT_LOG_LIMIT = 500


def decision_list(*, status: str = "") -> QuerySet[Decision]:
    decisions = Decision.objects.select_related("created_by", "proposed_by", "decided_by")
    return decisions.filter(status=status) if status else decisions


def decision_tracking(decision: Decision) -> TrackingReport | None:
    if decision.tracking_from is None:
        return None
    return tracking_report(
        predicted=decision.recommendation["predicted"], since=decision.tracking_from
    )


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    decision: int | None = None
    to_status: str = ""
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(filters: AuditFilters) -> list[AuditEntry]:
    entries = AuditEntry.objects.select_related("decision").order_by("-at", "-id")
    if filters.actor:
        entries = entries.filter(actor_name__iexact=filters.actor)
    if filters.decision:
        entries = entries.filter(decision_id=filters.decision)
    if filters.to_status:
        entries = entries.filter(to_status=filters.to_status)
    if filters.since:
        entries = entries.filter(at__gte=_day_start(filters.since))
    if filters.until:
        entries = entries.filter(at__lt=_day_start(filters.until) + timedelta(days=1))
    return list(entries[:AUDIT_LOG_LIMIT])
