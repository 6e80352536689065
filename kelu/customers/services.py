"""Every write to customers, contacts, contact points, tags, choice options and custom field definitions.

Each function checks the actor's right before changing anything, validates everything first and reports every
problem at once, and runs in one transaction: a refused or invalid write leaves the database as it was.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent, Role, Team, User
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.core.signals import records_transferred
from kelu.customers import configuration, custom_fields
from kelu.customers.models import (
    ChoiceOption,
    Contact,
    ContactPoint,
    Customer,
    CustomerShare,
    FieldDefinition,
    SavedView,
    Tag,
    contact_history,
    customer_history,
)
from kelu.customers.normalization import contact_name_fields, name_fields, normalize_point
from kelu.search import index as search_index

# last_contacted_at and next_follow_up_at are not among them: they are derived (activities and followups services).
CUSTOMER_FIELDS = (
    "kind", "name", "owner", "team", "level", "stage", "source", "industry", "province", "city", "district",
    "address", "website", "size", "notes",
)  # fmt: skip
CONTACT_FIELDS = ("name", "title", "department", "is_decision_maker", "is_primary", "birthday", "wechat", "notes")
CHOICE_FIELDS = ("level", "stage", "source", "industry")


# --- helpers ---------------------------------------------------------------------------------------------------------


def _require_writer(actor: User) -> None:
    if actor.role_id == Role.Key.VIEWER:
        raise PermissionDenied(_("Your role is read-only."))


def _check_edit(actor: User, customer: Customer) -> None:
    if not permissions.may_edit_customer(actor, customer):
        raise PermissionDenied(_("You may not change this customer."))


def _check_version(record: Customer | Contact, version: int | None) -> None:
    if version is not None and int(version) != record.version:
        raise Conflict(
            _("Someone else changed this record after you opened it. Reload it to see their change, then edit again."),
            current_version=record.version,
        )


def _save(record: Model, actor: User, update_fields: Iterable[str] | None = None) -> None:
    record._history_user = actor  # type: ignore[attr-defined]  # read by django-simple-history
    record.full_clean(exclude=["owner", "team", "customer", "tags", "created_by"])
    record.save(update_fields=update_fields)


def _save_with_tags(
    record: Customer | Contact, actor: User, history_type: str, tags: Sequence[str] | None = None
) -> None:
    """Save the record and set its tags, written to the history as one entry."""
    record.skip_history_when_saving = True  # type: ignore[union-attr]
    try:
        _save(record, actor)
        if tags is not None:
            record.tags.set(tags_resolve(tags))
    finally:
        del record.skip_history_when_saving  # type: ignore[union-attr]
    tracker = customer_history if isinstance(record, Customer) else contact_history
    tracker.create_historical_record(record, history_type)


def _validate_choices(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field in CHOICE_FIELDS:
        key = values.get(field)
        if key and not ChoiceOption.objects.filter(field=field, key=key, is_active=True).exists():
            errors[field] = [_("“%(value)s” is not an option of this field.") % {"value": key}]
    return errors


def _resolve_owner_and_team(actor: User, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Turn owner/team ids into objects, refusing the ones outside the actor's reach."""
    if "owner" in values:
        owner = values["owner"]
        owner_id = owner.pk if isinstance(owner, User) else owner
        allowed = permissions.assignable_owner_ids(actor)
        if owner_id is None:
            values["owner"] = None
        elif (allowed is not None and owner_id not in allowed) or not User.objects.filter(
            pk=owner_id, is_active=True
        ).exists():
            errors["owner"] = [_("You may not make this user the owner.")]
        else:
            values["owner"] = User.objects.get(pk=owner_id)
    if "team" in values:
        team = values["team"]
        team_id = team.pk if isinstance(team, Team) else team
        if team_id is None:
            values["team"] = None
        elif actor.role_id != Role.Key.ADMIN and not actor.teams.filter(pk=team_id).exists():
            errors["team"] = [_("You may not assign this team.")]
        else:
            found = Team.objects.filter(pk=team_id).first()
            if found is None:
                errors["team"] = [_("There is no such team.")]
            values["team"] = found


@transaction.atomic
@search_index.batched()
def tag_save(*, actor: User, tag: Tag) -> Tag:
    """Create a tag (anyone who writes), or rename / recolour one (administrators: it changes every record)."""
    if tag.pk is None:
        _require_writer(actor)
    else:
        _require_admin(actor)
    tag.name = " ".join(tag.name.split())[:50]
    errors: dict[str, list[Any]] = {}
    _collect_model_errors(tag, errors)
    if Tag.objects.filter(name__iexact=tag.name).exclude(pk=tag.pk).exists():
        errors.setdefault("name", []).append(_("A tag with this name exists already."))
    if errors:
        raise ValidationError(errors)
    tag.save()
    return tag


@transaction.atomic
@search_index.batched()
def tag_delete(*, actor: User, tag: Tag) -> None:
    """Remove the tag from every record and delete it (administrators)."""
    _require_admin(actor)
    tag.delete()


def tags_resolve(names: Iterable[str]) -> list[Tag]:
    """Tags by name, created on the fly; names are trimmed and case-insensitively unique."""
    result: list[Tag] = []
    for raw in names:
        name = " ".join(str(raw).split())[:50]
        if not name:
            continue
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        if tag not in result:
            result.append(tag)
    return result


def _replace_points(*, actor: User, parent: Customer | Contact, points: Sequence[dict[str, Any]]) -> list[ContactPoint]:
    """Make the parent's contact points exactly ``points`` (matched by id when given); returns them."""
    field = "customer" if isinstance(parent, Customer) else "contact"
    existing = {p.pk: p for p in parent.points.all()}
    kept: list[ContactPoint] = []
    for position, item in enumerate(points):
        kind = item.get("kind") or ContactPoint.Kind.PHONE
        if kind not in ContactPoint.Kind.values:
            raise ValidationError({"points": [_("Unknown contact point kind “%(kind)s”.") % {"kind": kind}]})
        value = normalize_point(kind, str(item.get("value") or ""))
        if not value.value:
            continue
        point = existing.pop(int(item["id"]), None) if item.get("id") else None
        point = point or ContactPoint(**{field: parent})
        point.kind = kind
        point.label = str(item.get("label") or "")[:50]
        point.value = value.value[:300]
        point.normalized = value.normalized[:300]
        point.is_valid = value.is_valid
        point.problem = value.problem
        point.is_primary = bool(item.get("is_primary"))
        point.position = position
        _save(point, actor)
        kept.append(point)
    for stale in existing.values():
        stale._history_user = actor  # type: ignore[attr-defined]
        stale.delete()
    return kept


def _fill_region_from_phones(customer: Customer, points: Iterable[dict[str, Any]]) -> None:
    """Empty province/city take the region of the first valid mainland phone number given."""
    if customer.province or customer.city:
        return
    for point in points:
        if (point.get("kind") or ContactPoint.Kind.PHONE) == ContactPoint.Kind.PHONE:
            value = normalize_point("phone", str(point.get("value") or ""))
            if value.is_valid and value.province:
                customer.province, customer.city = value.province, value.city
                return


# --- customers -------------------------------------------------------------------------------------------------------


@transaction.atomic
@search_index.batched()
def customer_create(
    *,
    actor: User,
    values: dict[str, Any],
    tags: Sequence[str] = (),
    points: Sequence[dict[str, Any]] = (),
    custom: dict[str, Any] | None = None,
    contacts: Sequence[dict[str, Any]] = (),
) -> Customer:
    """Create a customer with its main-line contact points and contacts.

    An individual customer without contacts gets its primary contact made from its own name and points.
    """
    _require_writer(actor)
    values = {key: value for key, value in values.items() if key in CUSTOMER_FIELDS}
    values.setdefault("owner", actor)
    errors = _validate_choices(values)
    _resolve_owner_and_team(actor, values, errors)
    try:
        merged_custom = custom_fields.clean_custom_values(FieldDefinition.Entity.CUSTOMER, custom or {})
    except ValidationError as exc:
        errors.update({f"custom.{key}": msgs for key, msgs in exc.message_dict.items()})
        merged_custom = {}
    if errors:
        raise ValidationError(errors)
    customer = Customer(**values, custom=merged_custom, created_by=actor)
    customer.__dict__.update(name_fields(customer.name))
    if customer.team is None and customer.owner is not None:
        customer.team = customer.owner.teams.first()
    if customer.kind == Customer.Kind.INDIVIDUAL and not contacts:
        contacts = [{"values": {"name": customer.name, "is_primary": True}, "points": points}]
        points = ()
    _fill_region_from_phones(customer, [*points, *(p for c in contacts for p in c.get("points", ()))])
    _save_with_tags(customer, actor, "+", tags)
    _replace_points(actor=actor, parent=customer, points=points)
    for contact in contacts:
        contact_create(
            actor=actor,
            customer=customer,
            values=contact.get("values", {}),
            points=contact.get("points", ()),
            tags=contact.get("tags", ()),
            custom=contact.get("custom"),
        )
    return customer


@transaction.atomic
@search_index.batched()
def customer_update(
    *,
    actor: User,
    customer: Customer,
    values: dict[str, Any],
    version: int | None = None,
    tags: Sequence[str] | None = None,
    points: Sequence[dict[str, Any]] | None = None,
    custom: dict[str, Any] | None = None,
) -> Customer:
    """Change the given fields (a partial update); ``version`` guards against overwriting a newer change."""
    _require_writer(actor)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_edit(actor, customer)
    _check_version(customer, version)
    values = {key: value for key, value in values.items() if key in CUSTOMER_FIELDS}
    errors = _validate_choices(values)
    _resolve_owner_and_team(actor, values, errors)
    if custom is not None:
        try:
            customer.custom = custom_fields.clean_custom_values(
                FieldDefinition.Entity.CUSTOMER, custom, existing=customer.custom, exclude_pk=customer.pk
            )
        except ValidationError as exc:
            errors.update({f"custom.{key}": msgs for key, msgs in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    for key, value in values.items():
        setattr(customer, key, value)
    if "name" in values:
        customer.__dict__.update(name_fields(customer.name))
    customer.version += 1
    if points is not None:
        _fill_region_from_phones(customer, points)
    _save_with_tags(customer, actor, "~", tags)
    if points is not None:
        _replace_points(actor=actor, parent=customer, points=points)
    if "name" in values and customer.kind == Customer.Kind.INDIVIDUAL:
        # An individual customer and its primary contact are the same person.
        for contact in customer.contacts.filter(is_primary=True, deleted_at__isnull=True).exclude(name=customer.name):
            contact_update(actor=actor, contact=contact, values={"name": customer.name})
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer) -> Customer:
    """Move to the trash; restorable until purged."""
    _require_writer(actor)
    customer.refresh_from_db(fields=["owner", "team"])  # rights follow the stored owner, not a stale copy
    if not permissions.may_delete_customer(actor, customer):
        raise PermissionDenied(_("You may not delete this customer."))
    customer.deleted_at = timezone.now()
    _save(customer, actor, update_fields=["deleted_at", "updated_at"])
    record_event(action=AuditEvent.Action.DELETE, actor=actor, target=customer)
    return customer


@transaction.atomic
def customer_restore(*, actor: User, customer: Customer) -> Customer:
    _require_writer(actor)
    customer.refresh_from_db(fields=["owner", "team"])
    if not permissions.may_delete_customer(actor, customer):
        raise PermissionDenied(_("You may not restore this customer."))
    customer.deleted_at = None
    _save(customer, actor, update_fields=["deleted_at", "updated_at"])
    record_event(action=AuditEvent.Action.RESTORE, actor=actor, target=customer)
    return customer


@transaction.atomic
def customer_purge(*, actor: User | None, customer: Customer) -> None:
    """Delete for good (admins only, or the scheduled purge when ``actor`` is None)."""
    if actor is not None and actor.role_id != Role.Key.ADMIN:
        raise PermissionDenied(_("Only administrators may delete permanently."))
    if customer.deleted_at is None:
        raise ValidationError(_("Only records in the trash can be deleted permanently."))
    record_event(action=AuditEvent.Action.PURGE, actor=actor, target=customer, details={"scheduled": actor is None})
    customer.delete()


def trash_purge_expired(*, days: int) -> int:
    """Delete customers and contacts that have been in the trash longer than ``days``; returns how many."""
    cutoff = timezone.now() - timedelta(days=days)
    count = 0
    for model in (Customer, Contact):
        for pk in model.objects.filter(deleted_at__lt=cutoff).values_list("pk", flat=True).iterator():
            with transaction.atomic():
                model.objects.filter(pk=pk).delete()
            count += 1
    if count:
        record_event(action=AuditEvent.Action.PURGE, details={"scheduled": True, "days": days, "records": count})
    return count


@transaction.atomic
@search_index.batched()
def customer_revert(*, actor: User, customer: Customer, history_id: int) -> Customer:
    """Bring the customer's fields, tags and custom values back to a past version (recorded as a new change)."""
    past = _past_version(customer, history_id)
    values = {field: getattr(past, f"{field}_id" if field in ("owner", "team") else field) for field in CUSTOMER_FIELDS}
    custom = _custom_for_revert(FieldDefinition.Entity.CUSTOMER, customer.custom, past.custom)
    return customer_update(actor=actor, customer=customer, values=values, tags=_past_tags(past), custom=custom)


@transaction.atomic
@search_index.batched()
def contact_revert(*, actor: User, contact: Contact, history_id: int) -> Contact:
    past = _past_version(contact, history_id)
    values = {field: getattr(past, field) for field in CONTACT_FIELDS}
    custom = _custom_for_revert(FieldDefinition.Entity.CONTACT, contact.custom, past.custom)
    return contact_update(actor=actor, contact=contact, values=values, tags=_past_tags(past), custom=custom)


def _past_version(record: Customer | Contact, history_id: int) -> Any:
    past = record.history.filter(history_id=history_id).first()
    if past is None:
        raise ValidationError(_("There is no such version of this record."))
    return past


def _past_tags(past: Any) -> list[str]:
    tag_ids = [row.tag_id for row in past.tags.all()]
    return list(Tag.objects.filter(pk__in=tag_ids).values_list("name", flat=True))


def _custom_for_revert(entity: str, current: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Old values, and explicit blanks for the keys that did not exist then (inactive fields are left alone)."""
    active = {d.key for d in configuration.active_definitions(entity)}
    result: dict[str, Any] = {key: None for key in current if key in active}
    result.update({key: value for key, value in (old or {}).items() if key in active})
    return result


@transaction.atomic
@search_index.batched()
def customers_bulk_update(
    *,
    actor: User,
    customers: Iterable[Customer],
    values: dict[str, Any] | None = None,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
) -> int:
    """Apply the same change to many customers; refuses all if any is out of the actor's rights."""
    customers = list(customers)
    for customer in customers:
        _check_edit(actor, customer)
    add = tags_resolve(add_tags)
    remove = [tag for tag in Tag.objects.filter(name__in=list(remove_tags))]
    for customer in customers:
        if values:
            customer_update(actor=actor, customer=customer, values=dict(values))
        customer._history_user = actor  # type: ignore[attr-defined]
        if add:
            customer.tags.add(*add)
        if remove:
            customer.tags.remove(*remove)
    return len(customers)


@transaction.atomic
@search_index.batched()
def customers_bulk_delete(*, actor: User, customers: Iterable[Customer]) -> int:
    customers = list(customers)
    for customer in customers:
        if not permissions.may_delete_customer(actor, customer):
            raise PermissionDenied(_("You may not delete “%(name)s”.") % {"name": customer.name})
    for customer in customers:
        customer_delete(actor=actor, customer=customer)
    return len(customers)


# --- ownership: claim, collaborators, transfer -----------------------------------------------------------------------


@transaction.atomic
def customer_claim(*, actor: User, customer: Customer) -> Customer:
    """Take a customer out of the public pool: the actor becomes its owner (first come, first served)."""
    _require_writer(actor)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not permissions.may_claim(actor, owner_id=customer.owner_id):
        raise PermissionDenied(_("Someone else has already claimed this customer."))
    customer.owner = actor
    customer.team = actor.teams.first() or customer.team
    customer.version += 1
    _save_with_tags(customer, actor, "~")
    return customer


@transaction.atomic
def customer_share(*, actor: User, customer: Customer, user: User, can_edit: bool = False) -> CustomerShare:
    """Make ``user`` a collaborator (read, or read and edit); sharing again changes the access."""
    _require_writer(actor)
    _check_edit(actor, customer)
    if not user.is_active:
        raise ValidationError({"user": [_("This user is deactivated.")]})
    if user.pk == customer.owner_id:
        raise ValidationError({"user": [_("The owner already has full access.")]})
    share, _created = CustomerShare.objects.update_or_create(
        customer=customer, user=user, defaults={"can_edit": can_edit, "created_by": actor}
    )
    record_event(
        action=AuditEvent.Action.SHARED, actor=actor, target=customer,
        details={"user": user.username, "can_edit": can_edit},
    )  # fmt: skip
    return share


@transaction.atomic
def customer_unshare(*, actor: User, customer: Customer, user: User) -> None:
    _require_writer(actor)
    if actor.pk != user.pk:  # anyone may leave a share; removing others needs edit rights
        _check_edit(actor, customer)
    if CustomerShare.objects.filter(customer=customer, user=user).delete()[0]:
        record_event(action=AuditEvent.Action.UNSHARED, actor=actor, target=customer, details={"user": user.username})


@transaction.atomic
@search_index.batched()
def records_transfer(*, actor: User, from_user: User, to_user: User) -> int:
    """Hand all of a user's customers (trash included) and standalone contacts to another user in one step.

    For people leaving the company: nothing becomes orphaned or invisible. Returns the number of customers moved.
    """
    allowed = permissions.assignable_owner_ids(actor)
    if actor.role_id not in (Role.Key.ADMIN, Role.Key.MANAGER) or (
        allowed is not None and (from_user.pk not in allowed or to_user.pk not in allowed)
    ):
        raise PermissionDenied(_("You may not transfer these records."))
    if from_user.pk == to_user.pk:
        raise ValidationError({"to_user": [_("Choose another user to receive the records.")]})
    if not to_user.is_active:
        raise ValidationError({"to_user": [_("This user is deactivated.")]})
    team = to_user.teams.first()
    moved = 0
    for customer in Customer.objects.filter(owner=from_user).select_for_update().iterator(chunk_size=500):
        customer.owner = to_user
        customer.team = team or customer.team
        customer.version += 1
        _save_with_tags(customer, actor, "~")
        moved += 1
    for contact in Contact.objects.filter(owner=from_user, customer__isnull=True).iterator(chunk_size=500):
        contact.owner = to_user
        contact.version += 1
        _save_with_tags(contact, actor, "~")
    # The receiver owns these now; a share of them to the receiver is redundant.
    CustomerShare.objects.filter(user=to_user, customer__owner=to_user).delete()
    records_transferred.send(sender=User, from_user=from_user, to_user=to_user)
    record_event(
        action=AuditEvent.Action.RECORDS_TRANSFERRED, actor=actor, target=from_user,
        details={"to": to_user.username, "customers": moved},
    )  # fmt: skip
    return moved


# --- contacts --------------------------------------------------------------------------------------------------------


def _contact_guard(actor: User, contact: Contact) -> None:
    _require_writer(actor)
    if contact.customer is not None:
        _check_edit(actor, contact.customer)
    elif not permissions.may_edit(actor, owner_id=contact.owner_id, team_id=None):
        raise PermissionDenied(_("You may not change this contact."))


@transaction.atomic
@search_index.batched()
def contact_create(
    *,
    actor: User,
    customer: Customer | None,
    values: dict[str, Any],
    points: Sequence[dict[str, Any]] = (),
    tags: Sequence[str] = (),
    custom: dict[str, Any] | None = None,
) -> Contact:
    values = {key: value for key, value in values.items() if key in CONTACT_FIELDS}
    contact = Contact(customer=customer, owner=None if customer else actor, created_by=actor, **values)
    _contact_guard(actor, contact)
    contact.custom = custom_fields.clean_custom_values(FieldDefinition.Entity.CONTACT, custom or {})
    contact.__dict__.update(contact_name_fields(contact.name))
    _save_with_tags(contact, actor, "+", tags)
    if contact.is_primary and customer is not None:
        customer.contacts.exclude(pk=contact.pk).update(is_primary=False)
    _replace_points(actor=actor, parent=contact, points=points)
    return contact


@transaction.atomic
@search_index.batched()
def contact_update(
    *,
    actor: User,
    contact: Contact,
    values: dict[str, Any],
    version: int | None = None,
    points: Sequence[dict[str, Any]] | None = None,
    tags: Sequence[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _contact_guard(actor, contact)
    _check_version(contact, version)
    for key, value in values.items():
        if key in CONTACT_FIELDS:
            setattr(contact, key, value)
    if custom is not None:
        contact.custom = custom_fields.clean_custom_values(
            FieldDefinition.Entity.CONTACT, custom, existing=contact.custom, exclude_pk=contact.pk
        )
    if "name" in values:
        contact.__dict__.update(contact_name_fields(contact.name))
    contact.version += 1
    _save_with_tags(contact, actor, "~", tags)
    if contact.is_primary and contact.customer is not None:
        contact.customer.contacts.exclude(pk=contact.pk).update(is_primary=False)
    if points is not None:
        _replace_points(actor=actor, parent=contact, points=points)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> Contact:
    _contact_guard(actor, contact)
    if not actor.role.can_delete:
        raise PermissionDenied(_("You may not delete contacts."))
    contact.deleted_at = timezone.now()
    _save(contact, actor, update_fields=["deleted_at", "updated_at"])
    record_event(action=AuditEvent.Action.DELETE, actor=actor, target=contact)
    return contact


@transaction.atomic
def contact_restore(*, actor: User, contact: Contact) -> Contact:
    _contact_guard(actor, contact)
    contact.deleted_at = None
    _save(contact, actor, update_fields=["deleted_at", "updated_at"])
    record_event(action=AuditEvent.Action.RESTORE, actor=actor, target=contact)
    return contact


# --- configuration (admins) ------------------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if actor.role_id != Role.Key.ADMIN:
        raise PermissionDenied(_("Only administrators may change settings."))


@transaction.atomic
def choice_option_save(*, actor: User, option: ChoiceOption) -> ChoiceOption:
    """Create or change an option. Records store its key, so the key and field are fixed once it exists."""
    _require_admin(actor)
    errors: dict[str, list[Any]] = {}
    if option.pk:
        stored = ChoiceOption.objects.get(pk=option.pk)
        if stored.field != option.field:
            errors["field"] = [_("The field of an option cannot change once it exists.")]
        if stored.key != option.key:
            errors["key"] = [_("The key of an option cannot change once it exists.")]
    if ChoiceOption.objects.filter(field=option.field, key=option.key).exclude(pk=option.pk).exists():
        errors.setdefault("key", []).append(_("Another option of this field already has this key."))
    _collect_model_errors(option, errors)
    if errors:
        raise ValidationError(errors)
    option.save()
    return option


# Equality of a JSON list or a yes/no value says nothing about identity, so these types cannot be unique.
_NEVER_UNIQUE = (FieldDefinition.Type.BOOLEAN, FieldDefinition.Type.MULTI_SELECT)


@transaction.atomic
def field_definition_save(*, actor: User, definition: FieldDefinition) -> FieldDefinition:
    """Create or change a custom field; a removed field is only deactivated, so stored values survive."""
    _require_admin(actor)
    errors: dict[str, list[Any]] = {}
    if definition.type in FieldDefinition.SELECT_TYPES:
        options = definition.options if isinstance(definition.options, list) else []
        keys = [str(option.get("key", "")).strip() if isinstance(option, dict) else "" for option in options]
        if not keys or any(not key for key in keys) or len(set(keys)) != len(keys):
            errors["options"] = [_("A select field needs options with distinct, non-empty keys.")]
    elif definition.options:
        definition.options = []
    if definition.is_unique and definition.type in _NEVER_UNIQUE:
        errors["is_unique"] = [_("A field of this type cannot be unique.")]
    if definition.pk:
        stored = FieldDefinition.objects.get(pk=definition.pk)
        for name in ("entity", "key", "type"):
            if getattr(stored, name) != getattr(definition, name):
                errors.setdefault(name, []).append(
                    _("The key, record type and type of a field cannot change once it exists.")
                )
    if FieldDefinition.objects.filter(entity=definition.entity, key=definition.key).exclude(pk=definition.pk).exists():
        errors.setdefault("key", []).append(_("Another field of this record type already has this key."))
    elif definition.is_unique and "is_unique" not in errors and _has_duplicate_values(definition):
        errors["is_unique"] = [_("Some records already share a value of this field; make them distinct first.")]
    _collect_model_errors(definition, errors)
    if errors:
        raise ValidationError(errors)
    definition.save()
    return definition


def _has_duplicate_values(definition: FieldDefinition) -> bool:
    model = Customer if definition.entity == FieldDefinition.Entity.CUSTOMER else Contact
    path = f"custom__{definition.key}"
    values = model.objects.filter(**{f"{path}__isnull": False}).values(path)
    return values.annotate(count=Count("id")).filter(count__gt=1).exists()


def _collect_model_errors(instance: Model, errors: dict[str, list[Any]]) -> None:
    """Add the model's own field checks to ``errors``; the unique keys were checked above with a clearer message."""
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


# --- saved views -----------------------------------------------------------------------------------------------------
# Anyone who writes may keep views of their own (read-only roles use the views shared with their teams). Managers
# share with their own teams, administrators with any team; a shared view runs inside each user's own scope
# (selectors.customers_matching).


def _saved_view_errors(view: SavedView) -> dict[str, list[Any]]:
    from kelu.customers import filters, listing

    errors: dict[str, list[Any]] = {}
    view.name = " ".join(view.name.split())[:100]
    if not view.name:
        errors["name"] = [_("Give the view a name.")]
    if view.entity not in FieldDefinition.Entity.values:
        errors["entity"] = [_("Choose customers or contacts.")]
        return errors
    if not isinstance(view.filters, dict):
        errors["filters"] = [_("Filters must be an object of parameter: values.")]
        return errors
    params = filters.params_of(view.filters)
    view.filters = {name: values for name, values in params.items() if name not in filters.LIST_PARAMS or name == "q"}
    language = filters.CustomerFilters if view.entity == FieldDefinition.Entity.CUSTOMER else filters.ContactFilters
    parsed = language(view.owner).parse(view.filters)
    if parsed.errors:
        errors["filters"] = [f"{name}: {message}" for name, message in parsed.errors.items()]
    columns = listing.available_columns(view.entity)
    if view.sort:
        try:
            listing.resolve_sort(view.entity, view.sort, columns)
        except ValueError as error:
            errors["sort"] = [str(error)]
    if not isinstance(view.columns, list) or any(key not in columns for key in view.columns):
        errors["columns"] = [_("Unknown column.")]
    if view.layout not in SavedView.Layout.values:
        errors["layout"] = [_("Choose list or cards.")]
    if view.team_id is not None:
        owner = view.owner
        if owner.role_id == Role.Key.ADMIN:
            pass
        elif owner.role_id != Role.Key.MANAGER:
            errors["team"] = [_("Only managers and administrators share views with a team.")]
        elif not owner.teams.filter(pk=view.team_id).exists():
            errors["team"] = [_("Share views only with a team of yours.")]
    same_name = SavedView.objects.filter(owner=view.owner, entity=view.entity, name=view.name).exclude(pk=view.pk)
    if view.name and same_name.exists():
        errors["name"] = [_("You have a view of this name already.")]
    return errors


@transaction.atomic
def saved_view_save(*, actor: User, view: SavedView, pinned: bool | None = None) -> SavedView:
    """Create a view (the actor owns it) or change one of the actor's views; ``pinned`` pins it for the actor."""
    _require_writer(actor)
    if view.pk is None:
        view.owner = actor
    elif view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of a view may change it."))
    errors = _saved_view_errors(view)
    if errors:
        raise ValidationError(errors)
    view.save()
    if pinned is not None:
        saved_view_pin(actor=actor, view=view, pinned=pinned)
    return view


def saved_view_pin(*, actor: User, view: SavedView, pinned: bool) -> None:
    """Pin a view the actor can see to their sidebar, or unpin it (only for themselves)."""
    _require_writer(actor)
    if pinned:
        view.pinned_by.add(actor)
    else:
        view.pinned_by.remove(actor)


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of a view may delete it."))
    view.delete()
