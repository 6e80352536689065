"""The customers' admin-edited configuration as pages read it: the active custom field definitions and the choice
options, kept per process while the installation's configuration is unchanged (kelu.core.configuration).

Callers get lists of their own; the model instances in them are shared, read-only.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kelu.core.configuration import changed, kept
from kelu.customers.models import ChoiceOption, FieldDefinition


def active_definitions(entity: str) -> list[FieldDefinition]:
    """The active custom fields of customers or contacts, in their order."""

    def read() -> tuple[FieldDefinition, ...]:
        return tuple(FieldDefinition.objects.filter(entity=entity, is_active=True))

    return list(kept(f"definitions:{entity}", read))


def choice_options() -> list[ChoiceOption]:
    """Every option of the built-in choice fields, inactive ones included (old values still read well), in order."""
    return list(kept("choice_options", lambda: tuple(ChoiceOption.objects.all())))


def choice_labels() -> dict[str, dict[str, str]]:
    """{field: {key: label}} including inactive options, so old values still read well."""
    labels: dict[str, dict[str, str]] = {}
    for option in choice_options():
        labels.setdefault(option.field, {})[option.key] = option.label
    return labels


@receiver(post_save, sender=FieldDefinition)
@receiver(post_delete, sender=FieldDefinition)
@receiver(post_save, sender=ChoiceOption)
@receiver(post_delete, sender=ChoiceOption)
def _configuration_changed(sender: Any, **kwargs: Any) -> None:
    changed()
