"""Receivers keeping ``next_follow_up_at`` in step with follow-ups moved outside the services (merges)."""

from typing import Any

from django.dispatch import receiver

from kelu.core.signals import related_rows_moved
from kelu.customers.models import Customer


@receiver(related_rows_moved)
def _refresh_after_move(sender: type[Any], ids: list[int], **kwargs: Any) -> None:
    if sender is Customer:
        from kelu.followups.services import customer_next_follow_up_refresh

        customer_next_follow_up_refresh(ids)
