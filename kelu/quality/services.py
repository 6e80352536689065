"""Merging duplicate customers (and undoing a merge), and dismissing false duplicates.

A merge keeps one record (the survivor), takes for each field the value the user chose, unites tags, custom
multi-select values and contact points, re-points every related row of the merged records to the survivor with one
UPDATE per table, and moves the merged records to the trash. What it changed is kept on the Merge row so that undo
restores both sides exactly.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.models import User
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.customers import services as customer_services
from kelu.customers.models import ContactPoint, Customer, CustomerShare, FieldDefinition
from kelu.customers.selectors import field_definitions
from kelu.quality.models import CustomerDuplicate, Merge

MERGE_FIELDS = tuple(name for name in customer_services.CUSTOMER_FIELDS if name != "kind")
# Rows that describe the records rather than belong to them: not re-pointed.
NOT_MOVED = {CustomerDuplicate, Merge}


@dataclass
class MergePlan:
    survivor: Customer
    others: list[Customer]
    values: dict[str, Any] = field(default_factory=dict)  # field → value the survivor will have
    sources: dict[str, int] = field(default_factory=dict)  # field → id of the record it comes from
    custom: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    moves: dict[str, int] = field(default_factory=dict)  # related table → rows that will move


def _relations() -> list[Any]:
    """Every table with a foreign key to customers (contacts, points, shares, and whatever later apps add)."""
    return [
        rel
        for rel in Customer._meta.related_objects
        if rel.one_to_many and _model(rel) not in NOT_MOVED and not _model(rel).__name__.startswith("Historical")
    ]


def _model(rel: Any) -> type[models.Model]:
    model: type[models.Model] = rel.related_model
    return model


def _label(rel: Any) -> str:
    return f"{_model(rel)._meta.label_lower}.{rel.field.name}"


def _movable(rel: Any, survivor: Customer, others: list[Customer]) -> models.QuerySet[Any]:
    rows = _model(rel)._default_manager.filter(**{f"{rel.field.name}__in": others})
    if _model(rel) is ContactPoint:  # a phone or email the survivor already has stays behind
        have = ContactPoint.objects.filter(customer=survivor).values_list("kind", "normalized")
        for kind, normalized in have:
            rows = rows.exclude(kind=kind, normalized=normalized)
    if _model(rel) is CustomerShare:
        rows = rows.exclude(user__in=[*survivor.shares.values_list("user_id", flat=True), survivor.owner_id])
    return rows


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def plan_merge(
    *, actor: User, survivor: Customer, others: list[Customer], choices: dict[str, int] | None = None
) -> MergePlan:
    """What a merge would do; refuses what the actor may not do.

    ``choices``: field name (or ``custom.<key>``) → id of the record whose value to keep.
    """
    choices = choices or {}
    if not others or survivor.pk in {o.pk for o in others} or len({o.pk for o in others}) != len(others):
        raise ValidationError({"others": [_("Choose at least one other, different customer to merge.")]})
    if not permissions.may_edit_customer(actor, survivor):
        raise PermissionDenied(_("You may not change this customer."))
    for other in others:
        if not permissions.may_delete_customer(actor, other):
            raise PermissionDenied(_("You may not merge “%(name)s” away.") % {"name": other.name})
    records = {record.pk: record for record in [survivor, *others]}
    unknown = {key: [_("Not one of the merged records.")] for key, pk in choices.items() if pk not in records}
    if unknown:
        raise ValidationError(unknown)
    plan = MergePlan(survivor=survivor, others=others)
    for name in MERGE_FIELDS:
        attribute = f"{name}_id" if name in ("owner", "team") else name
        source = (
            records[choices[name]]
            if name in choices
            else next((record for record in records.values() if not _empty(getattr(record, attribute))), survivor)
        )
        plan.values[name] = getattr(source, attribute)
        plan.sources[name] = source.pk
    definitions = {d.key: d for d in field_definitions(FieldDefinition.Entity.CUSTOMER)}
    for key in sorted({key for record in records.values() for key in record.custom}):
        choice = choices.get(f"custom.{key}")
        definition = definitions.get(key)
        if choice is None and definition is not None and definition.type == FieldDefinition.Type.MULTI_SELECT:
            united: list[Any] = []
            for record in records.values():
                united += [v for v in record.custom.get(key) or [] if v not in united]
            plan.custom[key] = united
            continue
        source = (
            records[choice]
            if choice
            else next((record for record in records.values() if not _empty(record.custom.get(key))), survivor)
        )
        plan.custom[key] = source.custom.get(key)
    plan.tags = sorted({tag.name for record in records.values() for tag in record.tags.all()})
    for rel in _relations():
        count = _movable(rel, survivor, others).count()
        if count:
            plan.moves[_label(rel)] = count
    return plan


@transaction.atomic
def customers_merge(
    *, actor: User, survivor: Customer, others: list[Customer], choices: dict[str, int] | None = None
) -> Merge:
    survivor = Customer.objects.select_for_update().get(pk=survivor.pk, deleted_at__isnull=True)
    others = list(Customer.objects.select_for_update().filter(pk__in=[o.pk for o in others], deleted_at__isnull=True))
    plan = plan_merge(actor=actor, survivor=survivor, others=others, choices=choices)
    snapshot: dict[str, Any] = {
        "fields": {
            name: getattr(survivor, f"{name}_id" if name in ("owner", "team") else name) for name in MERGE_FIELDS
        },
        "custom": dict(survivor.custom),
        "tags": sorted(tag.name for tag in survivor.tags.all()),
        "moved": {},
    }
    for rel in _relations():
        rows = list(_movable(rel, survivor, others).values_list("pk", rel.field.attname))
        if rows:
            by_record: dict[str, list[Any]] = {}
            for pk, record_id in rows:
                by_record.setdefault(str(record_id), []).append(pk)
            snapshot["moved"][_label(rel)] = by_record
            _model(rel)._default_manager.filter(pk__in=[pk for pk, _r in rows]).update(**{rel.field.name: survivor})
    for other in others:  # first, so that unique custom values can move to the survivor
        customer_services.customer_delete(actor=actor, customer=other)
    changed = {name: value for name, value in plan.values.items() if value != snapshot["fields"][name]}
    custom = _custom_update(survivor.custom, plan.custom)
    survivor = customer_services.customer_update(
        actor=actor, customer=survivor, values=changed, tags=plan.tags, custom=custom
    )
    snapshot["version_after"] = survivor.version
    merge = Merge.objects.create(
        actor=actor,
        survivor=survivor,
        merged_ids=[other.pk for other in others],
        snapshot=_jsonable(snapshot),
    )
    CustomerDuplicate.objects.filter(left__in=[survivor, *others], right__in=[survivor, *others]).delete()
    return merge


def _custom_update(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The partial custom update that turns ``current`` into ``wanted`` (fields no longer defined stay as they are)."""
    active = {d.key for d in field_definitions(FieldDefinition.Entity.CUSTOMER)}
    return {key: wanted.get(key) for key in {*current, *wanted} if key in active}


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(DjangoJSONEncoder().encode(value))


@transaction.atomic
def merge_undo(*, actor: User, merge: Merge) -> Customer:
    """Put everything back: the survivor's values, the moved rows, and the merged records out of the trash."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    survivor = Customer.objects.select_for_update().get(pk=merge.survivor_id)
    if not permissions.may_edit_customer(actor, survivor):
        raise PermissionDenied(_("You may not change this customer."))
    if survivor.version != merge.snapshot.get("version_after"):
        raise Conflict(_("The merged customer was changed after the merge; undo would overwrite that change."))
    snapshot = merge.snapshot
    labels = {_label(rel): rel for rel in _relations()}
    for label, by_record in snapshot["moved"].items():
        rel = labels[label]
        for record_id, pks in by_record.items():
            _model(rel)._default_manager.filter(pk__in=pks).update(**{rel.field.attname: int(record_id)})
    custom = _custom_update(survivor.custom, snapshot["custom"])
    current = {name: getattr(survivor, f"{name}_id" if name in ("owner", "team") else name) for name in MERGE_FIELDS}
    values = {name: value for name, value in snapshot["fields"].items() if _jsonable(current[name]) != value}
    survivor = customer_services.customer_update(
        actor=actor, customer=survivor, values=values, tags=snapshot["tags"], custom=custom
    )
    for other in Customer.objects.filter(pk__in=merge.merged_ids):
        customer_services.customer_restore(actor=actor, customer=other)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    return survivor


@transaction.atomic
def duplicate_dismiss(*, actor: User, pair: CustomerDuplicate) -> None:
    """ "Not a duplicate": the pair is not shown again, also after later scans."""
    if permissions.is_read_only(actor):
        raise PermissionDenied(_("Your role is read-only."))
    pair.dismissed_at = timezone.now()
    pair.dismissed_by = actor
    pair.save(update_fields=["dismissed_at", "dismissed_by"])
