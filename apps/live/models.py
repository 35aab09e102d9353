"""Projected state: rebuilt from the event log at any time (manage.py rebuild_live)."""

from django.db import models


class ProjectorCheckpoint(models.Model):
    """The last event id a projector applied; it resumes after it."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    watermark = models.DateTimeField(null=True, blank=True, help_text="Newest event time seen")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_event_id}"


class WorkerPresence(models.Model):
    """A worker clocked in and not yet out."""

    dc = models.CharField(max_length=8, db_index=True)
    worker_id = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16)
    clocked_in_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.role}) at {self.dc}"


class OrderProgress(models.Model):
    """Where an order stands: released to a DC floor, shipped, or cancelled."""

    order_id = models.CharField(max_length=64, unique=True)
    dc = models.CharField(max_length=8, blank=True, db_index=True)
    lines = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dc", "shipped_at"], name="order_progress_open")]

    def __str__(self) -> str:
        return self.order_id


class EquipmentState(models.Model):
    dc = models.CharField(max_length=8, db_index=True)
    equipment_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    up = models.BooleanField()
    since = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.equipment_id} {'up' if self.up else 'down'}"


class DcHour(models.Model):
    """One DC's hour of event time: the actuals charts draw and calibration compares with."""

    dc = models.CharField(max_length=8)
    hour = models.DateTimeField()
    busy_s = models.FloatField(default=0.0)  # pick and pack labour-seconds worked
    clocked_s = models.FloatField(default=0.0)  # pick and pack labour-seconds clocked in
    lines_picked = models.PositiveIntegerField(default=0)
    pick_errors = models.PositiveIntegerField(default=0)
    orders_released = models.PositiveIntegerField(default=0)
    orders_shipped = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dc", "hour"], name="dc_hour_unique")]
        ordering = ["dc", "hour"]

    def __str__(self) -> str:
        return f"{self.dc} {self.hour:%Y-%m-%d %H}:00"
