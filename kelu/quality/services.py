"""Merging duplicate customers or contacts (and undoing a merge), and dismissing false duplicates.

A merge keeps one record (the survivor), takes for each field the value the user chose, unites tags, custom
multi-select values and contact points, re-points every related row of the merged records to the survivor with one
UPDATE per table (whatever tables later apps add: they are found through the model's relations), and moves the
merged records to the trash. What it changed is kept on the Merge row so that undo restores both sides exactly.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent, User
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.customers import services as customer_services
from kelu.customers.models import Contact, ContactPoint, Customer, CustomerShare, FieldDefinition
from kelu.customers.selectors import field_definitions
from kelu.quality.models import CustomerDuplicate, Merge
from kelu.search import index as search_index

Record = Customer | Contact


@dataclass(frozen=True)
class Kind:
    """What differs between merging customers and merging contacts."""

    model: type[Customer] | type[Contact]
    entity: str
    fields: tuple[str, ...]
    foreign_keys: tuple[str, ...]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    restore: Callable[..., Any]
    may_edit: Callable[[User, Any], bool]
    may_delete: Callable[[User, Any], bool]


CUSTOMERS = Kind(
    model=Customer,
    entity=FieldDefinition.Entity.CUSTOMER,
    fields=tuple(name for name in customer_services.CUSTOMER_FIELDS if name != "kind"),
    foreign_keys=("owner", "team"),
    update=lambda *, actor, record, **kw: customer_services.customer_update(actor=actor, customer=record, **kw),
    delete=lambda *, actor, record: customer_services.customer_delete(actor=actor, customer=record),
    restore=lambda *, actor, record: customer_services.customer_restore(actor=actor, customer=record),
    may_edit=permissions.may_edit_customer,
    may_delete=permissions.may_delete_customer,
)
CONTACTS = Kind(
    model=Contact,
    entity=FieldDefinition.Entity.CONTACT,
    fields=tuple(name for name in customer_services.CONTACT_FIELDS if name != "is_primary"),
    foreign_keys=(),
    update=lambda *, actor, record, **kw: customer_services.contact_update(actor=actor, contact=record, **kw),
    delete=lambda *, actor, record: customer_services.contact_delete(actor=actor, contact=record),
    restore=lambda *, actor, record: customer_services.contact_restore(actor=actor, contact=record),
    may_edit=permissions.may_edit_contact,
    may_delete=permissions.may_delete_contact,
)
MERGE_FIELDS = CUSTOMERS.fields
# Rows that describe the records rather than belong to them: not re-pointed.
NOT_MOVED = {CustomerDuplicate, Merge}


def kind_of(record: Record) -> Kind:
    return CUSTOMERS if isinstance(record, Customer) else CONTACTS


@dataclass
class MergePlan:
    survivor: Record
    others: list[Record]
    values: dict[str, Any] = field(default_factory=dict)  # field → value the survivor will have
    sources: dict[str, int] = field(default_factory=dict)  # field → id of the record it comes from
    custom: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    moves: dict[str, int] = field(default_factory=dict)  # related table → rows that will move


def _relations(kind: Kind) -> list[Any]:
    """Every table with a foreign key to the records (points, contacts, shares, and whatever later apps add)."""
    return [
        rel
        for rel in kind.model._meta.related_objects
        if rel.one_to_many and _model(rel) not in NOT_MOVED and not _model(rel).__name__.startswith("Historical")
    ]


def _model(rel: Any) -> type[models.Model]:
    model: type[models.Model] = rel.related_model
    return model


def _label(rel: Any) -> str:
    return f"{_model(rel)._meta.label_lower}.{rel.field.name}"


def _movable(rel: Any, survivor: Record, others: Sequence[Record]) -> models.QuerySet[Any]:
    rows = _model(rel)._default_manager.filter(**{f"{rel.field.name}__in": others})
    if _model(rel) is ContactPoint:  # a phone or email the survivor already has stays behind
        have = ContactPoint.objects.filter(**{rel.field.name: survivor}).values_list("kind", "normalized")
        for point_kind, normalized in have:
            rows = rows.exclude(kind=point_kind, normalized=normalized)
    if _model(rel) is CustomerShare and isinstance(survivor, Customer):
        rows = rows.exclude(user__in=[*survivor.shares.values_list("user_id", flat=True), survivor.owner_id])
    return rows


def _value(kind: Kind, record: Record, name: str) -> Any:
    return getattr(record, f"{name}_id" if name in kind.foreign_keys else name)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def plan_merge(
    *, actor: User, survivor: Record, others: Sequence[Record], choices: dict[str, int] | None = None
) -> MergePlan:
    """What a merge would do; refuses what the actor may not do.

    ``choices``: field name (or ``custom.<key>``) → id of the record whose value to keep.
    """
    kind = kind_of(survivor)
    choices = choices or {}
    ids = [other.pk for other in others]
    if not others or survivor.pk in ids or len(set(ids)) != len(ids) or any(kind_of(o) is not kind for o in others):
        raise ValidationError({"others": [_("Choose at least one other, different record of the same kind to merge.")]})
    if not kind.may_edit(actor, survivor):
        raise PermissionDenied(_("You may not change “%(name)s”.") % {"name": survivor.name})
    for other in others:
        if not kind.may_delete(actor, other):
            raise PermissionDenied(_("You may not merge “%(name)s” away.") % {"name": other.name})
    records: dict[int, Record] = {record.pk: record for record in [survivor, *others]}
    unknown = {key: [_("Not one of the merged records.")] for key, pk in choices.items() if pk not in records}
    if unknown:
        raise ValidationError(unknown)
    plan = MergePlan(survivor=survivor, others=list(others))
    for name in kind.fields:
        source = (
            records[choices[name]]
            if name in choices
            else next((r for r in records.values() if not _empty(_value(kind, r, name))), survivor)
        )
        plan.values[name] = _value(kind, source, name)
        plan.sources[name] = source.pk
    definitions = {d.key: d for d in field_definitions(kind.entity)}
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
            else next((r for r in records.values() if not _empty(r.custom.get(key))), survivor)
        )
        plan.custom[key] = source.custom.get(key)
    plan.tags = sorted({tag.name for record in records.values() for tag in record.tags.all()})
    for rel in _relations(kind):
        count = _movable(rel, survivor, others).count()
        if count:
            plan.moves[_label(rel)] = count
    return plan


@transaction.atomic
@search_index.batched()
def records_merge(
    *, actor: User, survivor: Record, others: Sequence[Record], choices: dict[str, int] | None = None
) -> Merge:
    """Merge customers, or contacts, into ``survivor`` (see the module docstring)."""
    kind = kind_of(survivor)
    survivor = kind.model.objects.select_for_update().get(pk=survivor.pk, deleted_at__isnull=True)
    others = list(kind.model.objects.select_for_update().filter(pk__in=[o.pk for o in others], deleted_at__isnull=True))
    plan = plan_merge(actor=actor, survivor=survivor, others=others, choices=choices)
    snapshot: dict[str, Any] = {
        "fields": {name: _value(kind, survivor, name) for name in kind.fields},
        "custom": dict(survivor.custom),
        "tags": sorted(tag.name for tag in survivor.tags.all()),
        "moved": {},
    }
    for rel in _relations(kind):
        rows = list(_movable(rel, survivor, others).values_list("pk", rel.field.attname))
        if rows:
            by_record: dict[str, list[Any]] = {}
            for pk, record_id in rows:
                by_record.setdefault(str(record_id), []).append(pk)
            snapshot["moved"][_label(rel)] = by_record
            _model(rel)._default_manager.filter(pk__in=[pk for pk, _r in rows]).update(**{rel.field.name: survivor})
    for other in others:  # first, so that unique custom values can move to the survivor
        kind.delete(actor=actor, record=other)
    changed = {name: value for name, value in plan.values.items() if value != snapshot["fields"][name]}
    custom = _custom_update(kind, survivor.custom, plan.custom)
    survivor = kind.update(actor=actor, record=survivor, values=changed, tags=plan.tags, custom=custom)
    snapshot["version_after"] = survivor.version
    target = {"survivor": survivor} if kind is CUSTOMERS else {"contact_survivor": survivor}
    merge = Merge.objects.create(
        actor=actor, entity=kind.entity, merged_ids=[o.pk for o in others], snapshot=_jsonable(snapshot), **target
    )
    record_event(action=AuditEvent.Action.MERGE, actor=actor, target=survivor, details={"merged": merge.merged_ids})
    if kind is CUSTOMERS:
        CustomerDuplicate.objects.filter(left__in=[survivor, *others], right__in=[survivor, *others]).delete()
    return merge


def customers_merge(
    *, actor: User, survivor: Customer, others: list[Customer], choices: dict[str, int] | None = None
) -> Merge:
    return records_merge(actor=actor, survivor=survivor, others=list(others), choices=choices)


def _custom_update(kind: Kind, current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The partial custom update that turns ``current`` into ``wanted`` (fields no longer defined stay as they are)."""
    active = {d.key for d in field_definitions(kind.entity)}
    return {key: wanted.get(key) for key in {*current, *wanted} if key in active}


def _jsonable(value: Any) -> Any:
    return json.loads(DjangoJSONEncoder().encode(value))


@transaction.atomic
@search_index.batched()
def merge_undo(*, actor: User, merge: Merge) -> Record:
    """Put everything back: the survivor's values, the moved rows, and the merged records out of the trash."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    kind = CUSTOMERS if merge.entity == FieldDefinition.Entity.CUSTOMER else CONTACTS
    survivor = kind.model.objects.select_for_update().get(pk=merge.survivor_id or merge.contact_survivor_id or 0)
    if not kind.may_edit(actor, survivor):
        raise PermissionDenied(_("You may not change “%(name)s”.") % {"name": survivor.name})
    if survivor.version != merge.snapshot.get("version_after"):
        raise Conflict(_("The merged record was changed after the merge; undo would overwrite that change."))
    snapshot = merge.snapshot
    labels = {_label(rel): rel for rel in _relations(kind)}
    for label, by_record in snapshot["moved"].items():
        rel = labels[label]
        for record_id, pks in by_record.items():
            _model(rel)._default_manager.filter(pk__in=pks).update(**{rel.field.attname: int(record_id)})
    custom = _custom_update(kind, survivor.custom, snapshot["custom"])
    current = {name: _value(kind, survivor, name) for name in kind.fields}
    values = {name: value for name, value in snapshot["fields"].items() if _jsonable(current[name]) != value}
    survivor = kind.update(actor=actor, record=survivor, values=values, tags=snapshot["tags"], custom=custom)
    for other in kind.model.objects.filter(pk__in=merge.merged_ids):
        kind.restore(actor=actor, record=other)
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
