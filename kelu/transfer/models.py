import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One import: the uploaded file, how it is read and mapped, the choices made, and its progress and result."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the mapping")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked, ready to import")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        CANCELLING = "cancelling", _("Stopping")
        CANCELLED = "cancelled", _("Stopped")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")

    class OnDuplicate(models.TextChoices):
        SKIP = "skip", _("Skip the row")
        FILL = "fill", _("Fill empty fields of the existing record")
        OVERWRITE = "overwrite", _("Overwrite the existing record")
        CREATE = "create", _("Create a new record anyway")

    ACTIVE = (Status.VALIDATING, Status.QUEUED, Status.RUNNING, Status.CANCELLING, Status.UNDOING)

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    original_name = models.CharField(_("file"), max_length=255)
    file_name = models.CharField(max_length=64, editable=False)  # generated, inside the data directory
    size = models.PositiveBigIntegerField(_("size"), default=0)
    layout = models.JSONField(default=dict)  # reading.Layout: kind, encoding, delimiter, sheet, header row
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)  # per column: {"target": ..., "label": ..., "label_column": ...}
    on_duplicate = models.CharField(
        _("duplicates"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    # Per problem class: "flag" (import the value marked as a problem) or "skip" (leave the row out).
    problem_choices = models.JSONField(default=dict)
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)  # checkpoint: data rows fully processed
    batches_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # The validation pass: problem counts per class, duplicates found, and the first problems with row and column.
    report = models.JSONField(default=dict)
    undo_report = models.JSONField(default=list)  # records left alone by the undo: [{"id", "name", "reason"}]
    error = models.TextField(blank=True)
    runner = models.CharField(max_length=32, blank=True)  # the run that holds the job; a stale one is replaced
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    run_started_at = models.DateTimeField(null=True, blank=True)
    run_started_rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    @staticmethod
    def new_file_name(suffix: str) -> str:
        return f"{uuid.uuid4().hex}{suffix}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        return int(self.rows_done * 100 / self.total_rows) if self.total_rows else 0

    @property
    def rate(self) -> float:
        """Rows per second of the current (or last) run."""
        if not self.run_started_at or not self.heartbeat_at:
            return 0.0
        seconds = (self.heartbeat_at - self.run_started_at).total_seconds()
        return (self.rows_done - self.run_started_rows) / seconds if seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> int | None:
        rate = self.rate
        if not rate or not self.total_rows:
            return None
        return int(max(self.total_rows - self.rows_done, 0) / rate)

    def counts(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "failed": self.failed}


class ImportBatch(models.Model):
    """What one checkpointed batch did, written in the same transaction as its records: the basis of resume and undo."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=0)
    created_ids = models.JSONField(default=list)  # customers this batch created
    # customer id → {"fields": {...}, "custom": {...}, "tags": [added tag ids], "points": [added ids], "version": n}
    updates = models.JSONField(default=dict)
    # rows not imported, and rows imported with flagged problems: [{"row", "status", "reason", "values"}]
    outcomes = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="import_batch_unique_number")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number}"


class SavedMapping(models.Model):
    """A mapping kept for files of the same shape (the same headers), personal to its author."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_mapping_unique_name")]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self) -> str:
        return self.name
