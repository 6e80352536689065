from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    PHONE = "phone", _("Same phone number")
    EMAIL = "email", _("Same email address")
    NAME = "name", _("Same or similar name")


class CustomerDuplicate(models.Model):
    """Two customers that are probably the same; ``left_id < right_id``. Found by the scan, never written by users."""

    left = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    found_at = models.DateTimeField(_("found at"), auto_now=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-score", "left_id", "right_id"]
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="customer_duplicate_pair")]
        indexes = [models.Index(fields=["right"], name="customer_duplicate_right")]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.reason} {self.score})"


class Merge(models.Model):
    """A merge of customers or of contacts, with what is needed to undo it exactly."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entity = models.CharField(_("record type"), max_length=20, default="customer")
    survivor = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="merges"
    )
    contact_survivor = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="merges"
    )
    merged_ids = models.JSONField(_("merged records"), default=list)
    # Survivor's fields, tags and version before the merge, and which related rows moved from which record.
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.entity} {self.merged_ids} → {self.survivor_id or self.contact_survivor_id}"

    @property
    def record(self) -> Any:
        return self.survivor if self.survivor_id else self.contact_survivor


class DuplicateScan(models.Model):
    """One run of the duplicate finder; the next incremental run checks what changed since ``started_at``."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    full = models.BooleanField(_("full scan"), default=False)
    checked = models.PositiveIntegerField(_("customers checked"), default=0)
    pairs = models.PositiveIntegerField(_("pairs found"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'full' if self.full else 'incremental'}"


class CompanyKey(models.Model):
    """A company's name without suffixes, region and punctuation (see ``duplicates.company_key``), for fast lookups."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="company_key"
    )
    key = models.CharField(max_length=200, db_index=True)

    def __str__(self) -> str:
        return self.key


class BulkEdit(models.Model):
    """One change applied to many customers in the background, checked per record, undoable as a whole."""

    class Action(models.TextChoices):
        OWNER = "owner", _("Change owner")
        TEAM = "team", _("Change team")
        LEVEL = "level", _("Change level")
        STAGE = "stage", _("Change lifecycle stage")
        SOURCE = "source", _("Change source channel")
        CUSTOM = "custom", _("Set a custom field")
        TAG = "tag", _("Add tags")
        UNTAG = "untag", _("Remove tags")
        DELETE = "delete", _("Move to trash")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        UNDONE = "undone", _("Undone")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    value = models.JSONField(_("value"), default=dict, blank=True)  # {"value": ...} or {"key": ..., "value": ...}
    ids = models.JSONField(default=list)  # the selection, fixed when the edit was asked for
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("processed"), default=0)  # checkpoint: ids[:done] are finished
    changed = models.PositiveIntegerField(_("changed"), default=0)
    refused = models.JSONField(default=list)  # [{"id", "name", "reason"}]
    previous = models.JSONField(default=dict)  # id → what undo puts back, and the version it left
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} × {len(self.ids)}"

    @property
    def total(self) -> int:
        return len(self.ids)
