"""Recommendations turned into decisions, their approval workflow and its append-only audit
trail."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.decisions.recommendation import Recommendation, recommendation_read
from apps.scenarios.models import Comparison, Scenario


class Decision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        CHANGES_REQUESTED = "changes", "Changes requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EXECUTED = "executed", "Executed"
        TRACKING = "tracking", "Tracking"
        CLOSED = "closed", "Closed"

    comparison = models.ForeignKey(Comparison, on_delete=models.PROTECT, related_name="decisions")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField(max_length=160)
    # Why this scenario: required when it is not the top-ranked one.
    reason = models.TextField(blank=True)
    # The figures the recommendation rests on, frozen when it was made: interventions in
    # plain language, predicted KPIs with intervals and differences from the baseline, the
    # trade-off summary, the runners-up, the calibration versions, the context.
    # Read it as `recommended` (recommendation.Recommendation), not by its keys.
    recommendation = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    # Day 1 of tracking: the first midnight in event time after the watermark at execution
    # (see apps/live/settled_days.py), when the enterprise starts carrying the decision out.
    tracking_from = models.DateTimeField(null=True, blank=True)
    # A clone carries its source's words and figures, so whoever took part in the source
    # takes part in the clone (four eyes).
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="clones"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"], name="decision_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def recommended(self) -> Recommendation:
        """The frozen figures, read through their dataclasses (read afresh each time: a
        draft's JSON may be replaced)."""
        return recommendation_read(self.recommendation)

    @property
    def outcome(self) -> str:
        """What the approver decided, whatever happened since ("" before a decision)."""
        if self.decided_by_id is None:
            return ""
        if self.status in (self.Status.REJECTED, self.Status.CHANGES_REQUESTED):
            return self.get_status_display()
        return self.Status.APPROVED.label


class AuditImmutableError(Exception):
    """The audit trail is append-only: an entry is never changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("audit entries cannot be changed")

    def delete(self):
        raise AuditImmutableError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One step of a decision: who, when, from → to, their comment, and the figures shown
    at that moment. Append-only here, in the admin, and in PostgreSQL by a trigger."""

    class Step(models.TextChoices):
        CREATE = "create", "Made the recommendation"
        EDIT = "edit", "Edited"
        PROPOSE = "propose", "Proposed"
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REQUEST_CHANGES = "request_changes", "Asked for changes"
        EXECUTE = "execute", "Marked as executed"
        TRACK = "track", "Tracking started"
        CLOSE = "close", "Closed"
        TAKE_OVER = "take_over", "Took over the draft"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="audit")
    # Which step this was. Entries written before steps were named have none: their
    # from → to says it (from nothing: made; to proposed: proposed).
    step = models.CharField(max_length=20, choices=Step.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # "twin" for the twin's own steps
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    comment = models.TextField(blank=True)
    figures = models.JSONField(default=dict)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="audit_at")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return (
            f"{self.decision_id}: {self.from_status or '—'} → {self.to_status} by {self.actor_name}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditImmutableError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("audit entries cannot be deleted")
