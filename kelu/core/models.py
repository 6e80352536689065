from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class SoftDeleteModel(models.Model):
    """Deleting moves a record to the trash; it is purged for good later (see customers.tasks)."""

    # No plain index: nearly every row is NULL, and SQLite without statistics would pick it for every list query
    # ("deleted_at IS NULL") instead of the index that gives the list its order. Models add a partial index over
    # the trash (deleted_at IS NOT NULL) for the trash and the purge.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ConfigurationVersion(models.Model):
    """One row: a random token, drawn anew whenever the installation's configuration changes
    (kelu.core.configuration)."""

    token = models.BigIntegerField()

    class Meta:
        verbose_name = _("configuration version")

    def __str__(self) -> str:
        return str(self.token)
