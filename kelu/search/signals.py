"""Single-record writes reach the index through these model signals (see kelu.search.index for the bulk paths)."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from kelu.customers.models import Contact, ContactPoint, Customer, Tag
from kelu.search import index


@receiver(post_save, sender=Customer)
@receiver(post_delete, sender=Customer)
def customer_changed(sender: Any, instance: Customer, **kwargs: Any) -> None:
    index.refresh(customers=[instance.pk])


@receiver(post_save, sender=Contact)
@receiver(post_delete, sender=Contact)
def contact_changed(sender: Any, instance: Contact, **kwargs: Any) -> None:
    index.refresh(contacts=[instance.pk], customers=[instance.customer_id] if instance.customer_id else [])


@receiver(post_save, sender=ContactPoint)
@receiver(post_delete, sender=ContactPoint)
def point_changed(sender: Any, instance: ContactPoint, **kwargs: Any) -> None:
    if instance.customer_id:
        index.refresh(customers=[instance.customer_id])
    elif instance.contact_id:
        customer_id = Contact.objects.filter(pk=instance.contact_id).values_list("customer_id", flat=True).first()
        index.refresh(contacts=[instance.contact_id], customers=[customer_id] if customer_id else [])


@receiver(m2m_changed, sender=Customer.tags.through)
@receiver(m2m_changed, sender=Contact.tags.through)
def tags_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Tag):  # tag.customers.add(...) and the like
        _tagged_records_changed(instance)
    elif isinstance(instance, Customer):
        index.refresh(customers=[instance.pk])
    elif isinstance(instance, Contact):
        index.refresh(contacts=[instance.pk])


@receiver(post_save, sender=Tag)
def tag_renamed(sender: Any, instance: Tag, created: bool, **kwargs: Any) -> None:
    if not created:
        _tagged_records_changed(instance)


@receiver(pre_delete, sender=Tag)
def tag_deleting(sender: Any, instance: Tag, **kwargs: Any) -> None:
    # The links go with the tag (no m2m signal): remember who had it, re-index them once it is gone.
    instance._tagged = (  # type: ignore[attr-defined]
        list(instance.customers.values_list("pk", flat=True)),
        list(instance.contacts.values_list("pk", flat=True)),
    )


@receiver(post_delete, sender=Tag)
def tag_deleted(sender: Any, instance: Tag, **kwargs: Any) -> None:
    customers, contacts = getattr(instance, "_tagged", ([], []))
    index.refresh(customers=customers, contacts=contacts)


def _tagged_records_changed(tag: Tag) -> None:
    index.refresh(
        customers=tag.customers.values_list("pk", flat=True), contacts=tag.contacts.values_list("pk", flat=True)
    )
