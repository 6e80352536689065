"""Receivers keeping follow-ups in step with changes made outside their services (merges, hand-overs)."""

from typing import Any

from django.dispatch import receiver

from kelu.core.signals import records_transferred, related_rows_moved
from kelu.customers.models import Customer


@receiver(related_rows_moved)
def _refresh_after_move(sender: type[Any], ids: list[int], **kwargs: Any) -> None:
    if sender is Customer:
        from kelu.followups.services import customer_next_follow_up_refresh

        customer_next_follow_up_refresh(ids)


@receiver(records_transferred)
def _hand_over_follow_ups(sender: type[Any], from_user: Any, to_user: Any, **kwargs: Any) -> None:
    """The open follow-ups of the records handed over go to their new owner too, or they would never be done."""
    from django.db.models import Q

    from kelu.followups.models import FollowUp

    FollowUp.objects.filter(assignee=from_user, status=FollowUp.Status.OPEN).filter(
        Q(customer__owner=to_user) | Q(customer__isnull=True, contact__owner=to_user)
    ).update(assignee=to_user)
