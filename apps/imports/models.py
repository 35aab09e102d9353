"""Uploaded files, saved mappings, import runs and the rows they could not import."""

from pathlib import Path

from django.conf import settings
from django.db import models


class Upload(models.Model):
    """A file a planner uploaded, kept on disk under TWIN_VAR_DIR/uploads/<id>/<name> so that
    the suggest -> preview -> import steps (and a worker) read the same bytes."""

    name = models.CharField(max_length=200, help_text="The file's name as uploaded")
    path = models.CharField(max_length=500, help_text="Where it is stored, absolute")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.size_bytes} bytes)"

    @property
    def file_path(self) -> Path:
        return Path(self.path)


class SavedMapping(models.Model):
    """A mapping document kept by name, to import the next export of the same system."""

    name = models.CharField(max_length=120, unique=True)
    document = models.JSONField(help_text="The mapping's JSON (apps.imports.mapping.Mapping)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """One import of files through a mapping: its progress while it runs, its counts after."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    mapping_name = models.CharField(max_length=120)
    mapping = models.JSONField(help_text="The mapping document as used")
    files = models.JSONField(default=list, help_text="Absolute paths of the files read")
    master_data = models.BooleanField(default=False, help_text="Master data applied first")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, help_text="Why the run failed as a whole")
    rows_read = models.PositiveIntegerField(default=0, help_text="Rows of the orders file")
    orders = models.PositiveIntegerField(default=0, help_text="Orders that yielded events")
    events_total = models.PositiveIntegerField(default=0)
    events_done = models.PositiveIntegerField(default=0, help_text="Progress: events sent")
    events_accepted = models.PositiveIntegerField(default=0)
    events_duplicate = models.PositiveIntegerField(default=0)
    events_rejected = models.PositiveIntegerField(default=0)
    row_failures = models.PositiveIntegerField(default=0)
    failures_by_category = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} {self.mapping_name} ({self.status})"

    @property
    def progress(self) -> float:
        """Share of the events sent, 0..1."""
        if self.status == self.Status.SUCCEEDED:
            return 1.0
        return self.events_done / self.events_total if self.events_total else 0.0


class RowFailureRecord(models.Model):
    """A row, or an event of a row, an import could not take, with where and why."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="failures")
    file = models.CharField(max_length=200)
    role = models.CharField(max_length=16)
    row = models.PositiveIntegerField(null=True, blank=True, help_text="Line or sheet row")
    field = models.CharField(max_length=200, blank=True, help_text="The column")
    category = models.CharField(max_length=32, db_index=True)
    reason = models.TextField()
    order_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.file} row {self.row}: {self.reason}"
