import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kelu.core.models import TimeStampedModel


class FollowUp(TimeStampedModel):
    """Something to do for a customer by a given time, by someone: call back, send the quote, visit."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("Created by hand")
        INTERACTION = "interaction", _("Next step of an interaction")
        AUTOMATION = "automation", _("Automation")

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups",
        verbose_name=_("assignee"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups",
        verbose_name=_("customer"),
    )  # fmt: skip
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups",
        verbose_name=_("contact"),
    )  # fmt: skip
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups",
        verbose_name=_("from interaction"),
    )  # fmt: skip
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The reminder's sent state: set (under a row lock) by the run that sends it, cleared when remind_at changes.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="follow_up_assignee_due"),
            models.Index(fields=["customer", "status", "due_at"], name="follow_up_customer_due"),
            models.Index(fields=["status", "remind_at"], name="follow_up_reminder_due"),
        ]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("followups:edit", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Notification(models.Model):
    """An in-app message to one user (the bell). Its text is written when shown, in the reader's language."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ASSIGNED = "assigned", _("Assigned to you")
        DIGEST = "digest", _("Overdue follow-ups")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
        verbose_name=_("follow-up"),
    )  # fmt: skip
    count = models.PositiveIntegerField(_("count"), default=0)  # overdue follow-ups in a digest
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.follow_up or self.count}"

    def get_absolute_url(self) -> str:
        if self.follow_up_id:
            return reverse("followups:edit", args=[self.follow_up_id])
        return reverse("followups:my_day")


def _hash_token(raw: str) -> str:
    # 256 random bits: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class Preferences(models.Model):
    """A user's settings for follow-ups: the daily digest and the private calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_up_preferences",
        verbose_name=_("user"),
    )  # fmt: skip
    daily_digest = models.BooleanField(
        _("daily digest of overdue follow-ups"), default=True,
        help_text=_("Each morning, a list of your overdue follow-ups (by email when email is set up)."),
    )  # fmt: skip
    digest_sent_on = models.DateField(_("last digest"), null=True, blank=True)
    # Only the hash of the feed's secret is kept; the address is shown once, when it is made.
    calendar_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    calendar_token_created_at = models.DateTimeField(_("calendar address made"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up preferences")
        verbose_name_plural = _("follow-up preferences")

    def __str__(self) -> str:
        return str(self.user)

    @staticmethod
    def generate_token() -> tuple[str, str]:
        raw = secrets.token_urlsafe(32)
        return raw, _hash_token(raw)

    @staticmethod
    def hash_token(raw: str) -> str:
        return _hash_token(raw)
