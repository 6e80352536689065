import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One export: what was asked (format, columns, selection), and the file when it is ready."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"
        VCF3 = "vcf", "vCard 3.0"
        VCF4 = "vcf4", "vCard 4.0"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.CSV)
    encoding = models.CharField(_("encoding"), max_length=10, default="utf-8")
    columns = models.JSONField(_("columns"), default=list)
    selection = models.JSONField(_("selection"), default=dict)  # {"ids": [...]} or list filter parameters
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file_name = models.CharField(max_length=64, default="", editable=False)  # generated, inside the data dir
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} × {self.rows}"

    @staticmethod
    def new_file_name(extension: str) -> str:
        return f"{uuid.uuid4().hex}.{extension}"

    @property
    def extension(self) -> str:
        return "vcf" if self.format in (self.Format.VCF3, self.Format.VCF4) else self.format

    @property
    def download_name(self) -> str:
        return f"kelu-customers-{self.created_at:%Y%m%d-%H%M}.{self.extension}"
