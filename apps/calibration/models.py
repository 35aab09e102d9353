"""Calibrated versions of the six sub-models, the predictions made from them and their
errors, the thresholds that trigger recalibration, and the record of recalibrations."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class SubModel(models.TextChoices):
    DEMAND = "demand", "Demand"
    SUPPLY = "supply", "Supply"
    LOGISTICS = "logistics", "Logistics"
    LABOUR = "labour", "Labour"
    FINANCE = "finance", "Finance"
    CUSTOMER = "customer", "Customer experience"


class ImmutableError(ValidationError):
    pass


class ModelVersion(models.Model):
    """One fit of one sub-model: immutable once written; a new fit is a new version."""

    sub_model = models.CharField(max_length=16, choices=SubModel.choices)
    number = models.PositiveIntegerField()
    parameters = models.JSONField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    observations = models.PositiveIntegerField()
    # What the parameters rest on (evidence.py judges it): the window and its observations,
    # or, for a refit of one drifting subject on a few hours, those of the version it
    # narrows, whose parameters the rest carry over.
    evidence_observations = models.PositiveIntegerField(default=0)
    evidence_hours = models.FloatField(default=0.0)
    goodness_name = models.CharField(max_length=60)
    goodness_value = models.FloatField(null=True, blank=True)
    notes = models.JSONField(default=list)
    stats = models.JSONField(default=dict)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sub_model", "number"], name="version_number_unique")
        ]
        ordering = ["sub_model", "-number"]

    def __str__(self) -> str:
        return f"{self.sub_model} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("a calibrated version is never changed: calibrate anew")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("a calibrated version is never deleted")


class ModelSettings(models.Model):
    """Per sub-model: when its rolling error calls for a recalibration. Planners edit it."""

    sub_model = models.CharField(max_length=16, choices=SubModel.choices, primary_key=True)
    threshold_pct = models.FloatField(
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="Recalibrate when a checked figure's rolling error exceeds this (%)",
    )
    window_hours = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="Event-time hours of settled predictions the rolling error covers",
    )
    min_predictions = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Settled predictions of the current version needed before judging it",
    )
    auto_recalibrate = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["sub_model"]

    def __str__(self) -> str:
        return f"{self.sub_model}: {self.threshold_pct}% over {self.window_hours} h"


class Prediction(models.Model):
    """A figure predicted for a period from a version, and, once the period is over, what
    actually happened. `weight` says how much evidence the actual rests on (lines, orders)."""

    sub_model = models.CharField(max_length=16, choices=SubModel.choices)
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(max_length=40)
    subject = models.CharField(max_length=64)
    item = models.CharField(max_length=64, blank=True, default="")
    made_at = models.DateTimeField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    predicted = models.FloatField()
    actual = models.FloatField(null=True, blank=True)
    weight = models.FloatField(default=1.0)
    settled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "subject", "item", "period_start"], name="prediction_unique"
            )
        ]
        indexes = [
            models.Index(fields=["settled", "period_end"], name="prediction_open"),
            models.Index(fields=["sub_model", "period_end"], name="prediction_model_time"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.subject} {self.period_start:%Y-%m-%d %H:%M}"


class Recalibration(models.Model):
    """A drift the delta check found, and what the recalibration changed."""

    sub_model = models.CharField(max_length=16, choices=SubModel.choices)
    at = models.DateTimeField(help_text="Event time of the check")
    metric = models.CharField(max_length=40)
    subject = models.CharField(max_length=64)
    error_pct = models.FloatField()
    threshold_pct = models.FloatField()
    from_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="+", null=True
    )
    to_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="+", null=True
    )
    summary = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.summary


class DeltaCheckpoint(models.Model):
    """The last event-time hour the prediction rounds have handled (one row)."""

    name = models.CharField(max_length=16, primary_key=True, default="rounds")
    last_hour = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_hour}"


class RefitLease(models.Model):
    """Held (wall time) while a scheduled refit runs, so that beat's next tick skips rather
    than piling a second refit on the first (one row)."""

    name = models.CharField(max_length=16, primary_key=True, default="scheduled")
    running_since = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return (
            f"{self.name}: running since {self.running_since}" if self.running_since else self.name
        )


class Round(models.Model):
    """One calibration run, or one sitting of the hourly delta rounds, and how each
    sub-model fared in it (its parts)."""

    class Kind(models.TextChoices):
        CALIBRATION = "calibration", "Calibration"
        DELTA = "delta", "Delta rounds"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(help_text="Event time: the window's end, or the last hour checked")
    hours = models.PositiveIntegerField(default=0, help_text="Event-time hours checked (delta)")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class RoundPart(models.Model):
    """One sub-model's part in a round: the rows it skipped, and its failure if it had one
    (the round went on with the other sub-models)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="parts")
    sub_model = models.CharField(max_length=16, choices=SubModel.choices)
    version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    rows_skipped = models.PositiveIntegerField(default=0)
    skipped_summary = models.CharField(max_length=400, blank=True)
    failed_step = models.CharField(max_length=60, blank=True)
    error_type = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "sub_model"], name="round_part_unique")
        ]
        indexes = [models.Index(fields=["sub_model", "round"], name="round_part_latest")]

    def __str__(self) -> str:
        return f"{self.sub_model} in {self.round}"

    @property
    def failed(self) -> bool:
        return bool(self.error_type)

    @property
    def failure(self) -> str:
        return f"{self.failed_step} failed: {self.error_type}: {self.error}" if self.failed else ""


class PromiseReportState(models.Model):
    """The delivery-promise report as last computed by its Celery task, and whether a refresh
    is queued (one row). The page reads this and never computes: a refresh takes seconds on a
    real history, and during a live replay every new order would otherwise start one."""

    name = models.CharField(max_length=16, primary_key=True, default="promises")
    report = models.JSONField(null=True, blank=True)
    log_state = models.CharField(max_length=100, blank=True, help_text="What it was computed from")
    as_of = models.DateTimeField(
        null=True, blank=True, help_text="Event time: the newest event the report read"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    refresh_queued_at = models.DateTimeField(null=True, blank=True)
    refresh_started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: as of {self.as_of}"
