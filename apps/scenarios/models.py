"""Comparisons of what-if scenarios: their inputs, frozen at submission, and their runs."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# The bounds of a comparison's run settings: the model's validators and the forms' one
# message per field both read these.
HORIZON_DAYS_RANGE = (1, 60)
REPLICATIONS_RANGE = (2, 100)


class Comparison(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    horizon_days = models.FloatField(
        default=14.0,
        validators=[
            MinValueValidator(HORIZON_DAYS_RANGE[0]),
            MaxValueValidator(HORIZON_DAYS_RANGE[1]),
        ],
    )
    replications = models.PositiveIntegerField(
        default=10,
        validators=[
            MinValueValidator(REPLICATIONS_RANGE[0]),
            MaxValueValidator(REPLICATIONS_RANGE[1]),
        ],
    )
    warmup_hours = models.FloatField(
        default=24.0, validators=[MinValueValidator(0), MaxValueValidator(24 * 14)]
    )
    seed = models.PositiveIntegerField(default=1)
    # KPI (e.g. "network.otif") → weight, for the ranking; re-weighting needs no re-run.
    weights = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Frozen at submission, so that a re-run reproduces the comparison exactly.
    snapshot = models.JSONField(null=True, blank=True)
    parameters = models.JSONField(null=True, blank=True)
    versions = models.JSONField(default=dict)  # sub-model → calibrated version number
    # A caution per sub-model those versions fitted on too little of the log (evidence.py),
    # as it stood at submission.
    evidence_warnings = models.JSONField(default=list, blank=True)
    as_of = models.DateTimeField(null=True, blank=True, help_text="Event time of the snapshot")
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Racing (screening.py): a candidate clearly worse than the current best after the first
    # replications gets no more. Only for machine-generated candidates (Suggest rebalances);
    # a planner's own scenarios always get every replication asked for.
    screening = models.BooleanField(default=False)
    # The replications every scenario still racing had at the last screening look.
    screened_through = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.horizon_days is not None
            and self.warmup_hours is not None
            and self.horizon_days * 24 <= self.warmup_hours
        ):
            raise ValidationError(
                {
                    "horizon_days": f"must be longer than the warm-up ({self.warmup_hours:g} h), "
                    "which is simulated but not measured"
                }
            )

    @property
    def total_runs(self) -> int:
        return self.replications * self.scenarios.count()


class Scenario(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="scenarios")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=80)
    note = models.TextField(blank=True)
    # Each as {"kind": "ShiftVolume", ...fields}; the baseline has none.
    interventions = models.JSONField(default=list)
    is_baseline = models.BooleanField(default=False)
    # screening.ScreenedOut as JSON once the racing dropped it (null while it runs): after how
    # many replications, the best it was compared with, and the score difference's interval.
    screened_out = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["comparison", "position"]
        constraints = [
            models.UniqueConstraint(fields=["comparison", "name"], name="scenario_name_unique"),
            models.UniqueConstraint(
                fields=["comparison", "position"], name="scenario_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReplicationRun(models.Model):
    """One replication of one scenario: written once, so a retried task adds nothing."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    replication = models.PositiveIntegerField()
    result = models.JSONField()
    seconds = models.FloatField()
    worker = models.CharField(max_length=120, blank=True)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "replication"], name="replication_run_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scenario} #{self.replication}"


class HandoverImmutableError(Exception):
    """A draft's hand-over record is append-only: it is never changed or deleted."""


class HandoverQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise HandoverImmutableError("hand-over records cannot be changed")

    def delete(self):
        raise HandoverImmutableError("hand-over records cannot be deleted")


class DraftHandover(models.Model):
    """A planner took over another's draft comparison: who from, who to, when. Append-only,
    like the decisions' audit trail; the names are kept as they were, so the record still
    reads after a user or the draft is gone."""

    comparison = models.ForeignKey(
        Comparison, null=True, on_delete=models.SET_NULL, related_name="handovers"
    )
    comparison_name = models.CharField(max_length=120)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField(max_length=150)  # "nobody" for a draft made without a user
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.comparison_name}: {self.from_name} → {self.to_name}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise HandoverImmutableError("hand-over records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HandoverImmutableError("hand-over records cannot be deleted")


class Backtest(models.Model):
    """How the twin, started from the state a week before a comparison's snapshot, reproduced
    the week that followed: run beside the comparison, with its own status."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        # The log holds less than the back-test's span before the snapshot: nothing to test.
        TOO_LITTLE_HISTORY = "too_little_history", "Too little history"
        FAILED = "failed", "Failed"

    comparison = models.OneToOneField(Comparison, on_delete=models.CASCADE, related_name="backtest")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # backtest.BacktestResult, as JSON: the window, the versions, each figure's band and
    # actual, the verdict.
    result = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)  # why there is no result (too little history, failure)
    seconds = models.FloatField(default=0.0)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"back-test of {self.comparison}"
