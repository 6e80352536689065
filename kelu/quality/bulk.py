"""Bulk edits: one change to many customers, run in the background in checkpointed batches, undoable as a whole.

The selection is fixed when the edit is asked for; every record is checked against the actor's rights when it is
processed (a record out of reach is reported, not changed); what each change replaced is kept for undo.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent, User
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.customers import services as customer_services
from kelu.customers.models import Customer, FieldDefinition
from kelu.customers.selectors import field_definitions
from kelu.quality.models import BulkEdit

BATCH = 200
FIELD_ACTIONS = ("owner", "team", "level", "stage", "source")


def bulk_edit_start(*, actor: User, ids: list[int], action: str, value: dict[str, Any]) -> BulkEdit:
    """Check the request as a whole (values, rights of the role), then queue the work; ``ids`` are visible ones."""
    if permissions.is_read_only(actor):
        raise PermissionDenied(_("Your role is read-only."))
    if action not in BulkEdit.Action.values:
        raise ValidationError({"action": [_("Unknown action.")]})
    if action == BulkEdit.Action.DELETE and not actor.role.can_delete:
        raise PermissionDenied(_("Your role may not delete."))
    if not ids:
        raise ValidationError({"ids": [_("Choose at least one customer.")]})
    if action == BulkEdit.Action.CUSTOM:
        definitions = {d.key: d for d in field_definitions(FieldDefinition.Entity.CUSTOMER)}
        if value.get("key") not in definitions:
            raise ValidationError({"key": [_("There is no custom field “%(key)s”.") % {"key": value.get("key")}]})
    if action in (BulkEdit.Action.TAG, BulkEdit.Action.UNTAG) and not [t for t in value.get("value") or [] if t]:
        raise ValidationError({"value": [_("Name at least one tag.")]})
    bulk = BulkEdit.objects.create(actor=actor, action=action, value=value, ids=list(dict.fromkeys(ids)))
    record_event(
        action=AuditEvent.Action.BULK_EDIT, actor=actor, target=bulk,
        details={"action": action, "value": value, "records": len(bulk.ids)},
    )  # fmt: skip
    from kelu.quality.tasks import run_bulk_edit

    transaction.on_commit(lambda: run_bulk_edit.enqueue(bulk.pk))
    return bulk


def bulk_edit_run(bulk_id: int) -> BulkEdit:
    """Process the selection from the last checkpoint on (a restarted worker resumes where the last one stopped)."""
    bulk = BulkEdit.objects.get(pk=bulk_id)
    if bulk.status in (BulkEdit.Status.DONE, BulkEdit.Status.UNDONE):
        return bulk
    actor = User.objects.select_related("role").filter(pk=bulk.actor_id or 0, is_active=True).first()
    if actor is None:  # the author left: nothing is changed in their name any more
        bulk.status = BulkEdit.Status.DONE
        bulk.finished_at = timezone.now()
        bulk.save(update_fields=["status", "finished_at"])
        return bulk
    bulk.status = BulkEdit.Status.RUNNING
    bulk.save(update_fields=["status"])
    while bulk.done < len(bulk.ids):
        batch = bulk.ids[bulk.done : bulk.done + BATCH]
        with transaction.atomic():
            for customer in Customer.objects.filter(pk__in=batch, deleted_at__isnull=True).select_related("team"):
                _apply_one(bulk, actor, customer)
            bulk.done += len(batch)
            bulk.save(update_fields=["done", "changed", "refused", "previous"])
    bulk.status = BulkEdit.Status.DONE
    bulk.finished_at = timezone.now()
    bulk.save(update_fields=["status", "finished_at"])
    return bulk


def _apply_one(bulk: BulkEdit, actor: User, customer: Customer) -> None:
    action, value = bulk.action, bulk.value.get("value")
    try:
        with transaction.atomic():
            if action == BulkEdit.Action.DELETE:
                previous: Any = None
                customer_services.customer_delete(actor=actor, customer=customer)
                version = customer.version
            else:
                if action in FIELD_ACTIONS:
                    attribute = f"{action}_id" if action in ("owner", "team") else action
                    previous = getattr(customer, attribute)
                    updated = customer_services.customer_update(actor=actor, customer=customer, values={action: value})
                elif action == BulkEdit.Action.CUSTOM:
                    previous = customer.custom.get(bulk.value["key"])
                    updated = customer_services.customer_update(
                        actor=actor, customer=customer, values={}, custom={bulk.value["key"]: value}
                    )
                else:
                    previous = sorted(customer.tags.values_list("name", flat=True))
                    names = set(previous) | set(value) if action == BulkEdit.Action.TAG else set(previous) - set(value)
                    updated = customer_services.customer_update(
                        actor=actor, customer=customer, values={}, tags=sorted(names)
                    )
                version = updated.version
    except (PermissionDenied, ValidationError) as error:
        reason = " ".join(getattr(error, "messages", [str(error)])) or _("Not allowed.")
        bulk.refused.append({"id": customer.pk, "name": customer.name, "reason": reason})
        return
    bulk.previous[str(customer.pk)] = {"value": previous, "version": version}
    bulk.changed += 1


def bulk_edit_undo(*, actor: User, bulk: BulkEdit) -> list[dict[str, Any]]:
    """Put back what the edit changed; records changed since by anyone are listed and left alone."""
    if bulk.actor_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(_("Only the person who made the change (or an administrator) can undo it."))
    if bulk.status != BulkEdit.Status.DONE:
        raise Conflict(_("Only a finished change can be undone."))
    skipped: list[dict[str, Any]] = []
    with transaction.atomic():
        records = Customer.objects.in_bulk([int(pk) for pk in bulk.previous])
        for pk, before in bulk.previous.items():
            customer = records.get(int(pk))
            if customer is None or customer.version != before["version"]:
                name = customer.name if customer else f"#{pk}"
                skipped.append({"id": int(pk), "name": name, "reason": _("Changed since.")})
                continue
            _undo_one(bulk, actor, customer, before["value"])
        bulk.status = BulkEdit.Status.UNDONE
        bulk.undone_at = timezone.now()
        bulk.save(update_fields=["status", "undone_at"])
    return skipped


def _undo_one(bulk: BulkEdit, actor: User, customer: Customer, previous: Any) -> None:
    if bulk.action == BulkEdit.Action.DELETE:
        customer_services.customer_restore(actor=actor, customer=customer)
    elif bulk.action in FIELD_ACTIONS:
        customer_services.customer_update(actor=actor, customer=customer, values={bulk.action: previous})
    elif bulk.action == BulkEdit.Action.CUSTOM:
        customer_services.customer_update(
            actor=actor, customer=customer, values={}, custom={bulk.value["key"]: previous}
        )
    else:
        customer_services.customer_update(actor=actor, customer=customer, values={}, tags=previous)
