import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kelu.core.models import TimeStampedModel


class Activity(TimeStampedModel):
    """An interaction with a customer (and optionally one of its contacts): a call, a visit, an email, a note..."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        NOTE = "note", _("Note")
        TRANSACTION = "transaction", _("Transaction")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outgoing")
        INBOUND = "inbound", _("Incoming")

    class Outcome(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        VOICEMAIL = "voicemail", _("Left a voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    # A note is written about the customer, not exchanged with them: it does not count as contact.
    CONTACTING_KINDS = (Kind.CALL, Kind.VISIT, Kind.MEETING, Kind.EMAIL, Kind.WECHAT, Kind.TRANSACTION)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities",
        verbose_name=_("author"),
    )  # fmt: skip
    # Both optional in the database: a contact of no customer has interactions too, and a purged contact leaves the
    # customer's interactions with it in place. The services require at least one.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="activities",
        verbose_name=_("customer"),
    )  # fmt: skip
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities",
        verbose_name=_("contact"),
    )  # fmt: skip
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.CharField(_("participants"), max_length=500, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="activity_customer_time"),
            models.Index(fields=["contact", "-occurred_at"], name="activity_contact_time"),
            models.Index(fields=["author", "-occurred_at"], name="activity_author_time"),
        ]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}".strip()

    def get_absolute_url(self) -> str:
        if self.customer_id:
            return reverse("customers:detail", args=[self.customer_id]) + f"#activity-{self.pk}"
        return reverse("customers:contact_detail", args=[self.contact_id]) + f"#activity-{self.pk}"

    @property
    def duration(self) -> timedelta | None:
        return timedelta(seconds=self.duration_seconds) if self.duration_seconds is not None else None


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A generated name: nothing the uploader chose reaches the file system (the original name is kept aside)."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("interaction")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("activities:attachment", args=[self.pk])

    def delete_file(self, **kwargs: Any) -> None:
        self.file.delete(save=False)
