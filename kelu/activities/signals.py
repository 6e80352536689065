"""Receivers keeping stored files and derived facts in step with changes made outside the services."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from kelu.activities.models import Attachment
from kelu.core.signals import related_rows_moved
from kelu.customers.models import Contact, Customer


@receiver(post_delete, sender=Attachment)
def _delete_stored_file(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    """Whatever deleted the row (the interaction, a purged customer), the file goes once that is committed."""
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(related_rows_moved)
def _refresh_after_move(sender: type[Any], ids: list[int], **kwargs: Any) -> None:
    if sender is Customer:
        from kelu.activities.services import customer_last_contacted_refresh

        customer_last_contacted_refresh(ids)


@receiver(post_delete, sender=Contact)
def _delete_orphans(sender: type[Contact], instance: Contact, **kwargs: Any) -> None:
    """A contact of no customer purged for good takes its interactions and follow-ups along (nothing else shows
    them any more); a customer's ones stay with the customer."""
    from kelu.activities.models import Activity
    from kelu.followups.models import FollowUp

    Activity.objects.filter(customer__isnull=True, contact__isnull=True).delete()
    FollowUp.objects.filter(customer__isnull=True, contact__isnull=True).delete()
