"""Writing one batch of prepared rows: duplicate decisions, bulk inserts of new records, updates of matched ones.

New customers, their contacts, contact points and tag links go in with the bulk writer of ``kelu demo`` (one prepared
multi-row INSERT per table, or COPY on PostgreSQL): the per-record services spend several queries per record and
would take hours for a million rows. What is stored is what the services store (the same normalisation, the team of
the owner, the region of the first valid phone). Updates of matched records are few and go through the ORM with
history, one record at a time, each checked against the actor's rights.

Every bulk write of customer data by imports ends in ``after_batch_written`` / ``after_records_deleted``, in the
batch's transaction: the one place where derived data (the search index) is kept in step.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.models import User
from kelu.core import permissions
from kelu.customers.demo import Batch, _Table, _Tables, write_batch
from kelu.customers.models import Contact, ContactPoint, Customer, Tag
from kelu.customers.selectors import customers_visible_to
from kelu.customers.services import tags_resolve
from kelu.quality.duplicates import company_key
from kelu.quality.models import CompanyKey
from kelu.search import index as search_index
from kelu.transfer.models import ImportJob
from kelu.transfer.preparing import FLAG, PROBLEM_CLASSES, Prepared

CUSTOMER_UPDATABLE = ("level", "stage", "source", "industry", "province", "city", "district", "address", "website",
                      "size", "notes")  # fmt: skip
CONTACT_UPDATABLE = ("title", "department", "birthday", "wechat", "notes")


def after_batch_written(*, created_ids: Sequence[int], updated_ids: Sequence[int]) -> None:
    """Customers (with their contacts and points) were inserted or changed in bulk by an import, outside the services.

    Called once per batch inside the batch's transaction, after the writes: keep derived data in step here. (New
    records are indexed for search by the bulk writer; updated ones through the model signals, at the end of the
    batch: see ``process_batch``.)
    """


def after_records_deleted(*, customer_ids: Sequence[int]) -> None:
    """Customers created by an import were deleted in bulk by its undo (inside the undo's transaction): their search
    documents and their contacts' go with them (model signals of the collector's deletes)."""


@dataclass
class BatchResult:
    created_ids: list[int] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0


class Context:
    """What stays the same across the batches of a run: the actor, the choices, caches of owners' teams and tags."""

    def __init__(self, job: ImportJob, actor: User) -> None:
        self.job = job
        self.actor = actor
        self.default_owner_id = job.default_owner_id or actor.pk
        self.skip_classes = {code for code in PROBLEM_CLASSES if job.problem_choices.get(code, FLAG) != FLAG}
        self.tables = _Tables.build()
        self.company_keys = _Table(CompanyKey, with_pk=True)
        self.teams: dict[int, int | None] = {}
        self.tag_ids: dict[str, int] = {}
        self.visible = customers_visible_to(actor)

    def team_of(self, owner_id: int) -> int | None:
        if owner_id not in self.teams:
            user = User.objects.filter(pk=owner_id).first()
            team = user.teams.order_by("pk").first() if user else None
            self.teams[owner_id] = team.pk if team else None
        return self.teams[owner_id]

    def tag_id(self, name: str) -> int:
        key = name.lower()
        if key not in self.tag_ids:
            self.tag_ids[key] = tags_resolve([name])[0].pk
        return self.tag_ids[key]


def _rows_where_in(sql: str, values: Sequence[Any], *params: Any) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (ending in "IN ({})") for the values, 2,000 at a time: plain parameters, because the ORM
    spends about 15 µs preparing each value of a large IN list, more than the index lookups themselves."""
    with connection.cursor() as cursor:
        for start in range(0, len(values), 2000):
            chunk = values[start : start + 2000]
            cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), [*params, *chunk])
            yield from cursor.fetchall()


def find_existing(context: Context, rows: Sequence[Prepared]) -> dict[tuple[str, str], int]:
    """Visible, living customers matching any key of the rows (lowest id per key), by indexed lookups only."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for kind, value in row.dedupe_keys():
            wanted[kind].add(value)
    candidates: dict[tuple[str, str], set[int]] = defaultdict(set)
    quote = connection.ops.quote_name
    points, contacts = quote(ContactPoint._meta.db_table), quote(Contact._meta.db_table)
    customers, keys = quote(Customer._meta.db_table), quote(CompanyKey._meta.db_table)
    for kind in ("phone", "email"):
        sql = (
            f"SELECT p.normalized, COALESCE(p.customer_id, c.customer_id) FROM {points} p "  # noqa: S608 (quoted names)
            f"LEFT JOIN {contacts} c ON c.id = p.contact_id WHERE p.kind = %s AND p.normalized IN ({{}})"
        )
        for normalized, customer_id in _rows_where_in(sql, sorted(wanted[kind]), kind):
            if customer_id:
                candidates[kind, normalized].add(customer_id)
    key_column = quote("key")
    sql = f"SELECT {key_column}, customer_id FROM {keys} WHERE {key_column} IN ({{}})"  # noqa: S608 (quoted names)
    for key, pk in _rows_where_in(sql, sorted(wanted["company"])):
        candidates["company", key].add(pk)
    # Companies named since the last duplicate scan have no stored key yet: their exact names are looked up too.
    names = sorted({row.name for row in rows if row.kind == Customer.Kind.COMPANY} | wanted["name"])
    sql = f"SELECT id, name, kind FROM {customers} WHERE deleted_at IS NULL AND name IN ({{}})"  # noqa: S608
    for pk, name, kind in _rows_where_in(sql, names):
        if kind == Customer.Kind.COMPANY and len(key := company_key(name)) >= 2:
            candidates["company", key].add(pk)
        else:
            candidates["name", name].add(pk)
    ids = sorted({pk for found in candidates.values() for pk in found})
    visible: set[int] = set()
    for start in range(0, len(ids), 2000):
        visible |= set(context.visible.filter(pk__in=ids[start : start + 2000]).values_list("pk", flat=True))
    return {key: min(found & visible) for key, found in candidates.items() if found & visible}


def _outcome(row: Prepared, status: str, reason: str, cells: list[str]) -> dict[str, Any]:
    return {"row": row.row, "status": status, "reason": reason, "values": cells}


@search_index.batched()  # each touched document written once, at the end of the batch
def process_batch(context: Context, rows: Sequence[tuple[Prepared, list[str]]]) -> BatchResult:
    """Decide and write one batch (the caller holds the transaction)."""
    result = BatchResult()
    mode = context.job.on_duplicate
    existing = find_existing(context, [row for row, _cells in rows if not row.fatal])
    pending: dict[tuple[str, str], Prepared] = {}  # keys of rows created earlier in this batch
    new_rows: list[Prepared] = []
    to_update: dict[int, list[Prepared]] = defaultdict(list)
    for row, cells in rows:
        if row.fatal:
            result.failed += 1
            result.outcomes.append(_outcome(row, "failed", row.fatal, cells))
            continue
        skipping = [p for p in row.problems if p.code in context.skip_classes]
        if skipping:
            result.skipped += 1
            result.outcomes.append(_outcome(row, "skipped", " ".join(p.message for p in skipping), cells))
            continue
        keys = row.dedupe_keys()
        match_id = next((existing[key] for key in keys if key in existing), None)
        earlier = next((pending[key] for key in keys if key in pending), None)
        if mode != ImportJob.OnDuplicate.CREATE and (match_id or earlier):
            if mode == ImportJob.OnDuplicate.SKIP:
                reason = (
                    _("Same as the existing customer #%(id)s.") % {"id": match_id}
                    if match_id
                    else _("Same as row %(row)d of the file.") % {"row": earlier.row}  # type: ignore[union-attr]
                )
                result.skipped += 1
                result.outcomes.append(_outcome(row, "skipped", reason, cells))
                continue
            if match_id:
                to_update[match_id].append(row)
            else:
                _merge_into(earlier, row, overwrite=mode == ImportJob.OnDuplicate.OVERWRITE)  # type: ignore[arg-type]
                result.updated += 1
            if row.problems:
                result.outcomes.append(_flagged(row, cells))
            continue
        new_rows.append(row)
        for key in keys:
            pending.setdefault(key, row)
        if row.problems:
            result.outcomes.append(_flagged(row, cells))
    if new_rows:
        result.created_ids = _create(context, new_rows)
        result.created = len(result.created_ids)
    for customer_id, matched in to_update.items():
        done = _update(context, customer_id, matched, overwrite=mode == ImportJob.OnDuplicate.OVERWRITE)
        if isinstance(done, str):
            result.skipped += len(matched)
            result.outcomes += [_outcome(row, "skipped", done, []) for row in matched]
        else:
            result.updates[str(customer_id)] = done
            result.updated += len(matched)
    after_batch_written(created_ids=result.created_ids, updated_ids=[int(pk) for pk in result.updates])
    return result


def _flagged(row: Prepared, cells: list[str]) -> dict[str, Any]:
    return _outcome(row, "flagged", " ".join(p.message for p in row.problems), cells)


def _merge_into(target: Prepared, row: Prepared, *, overwrite: bool) -> None:
    """A later row of the same file that duplicates one not yet written: its values join the first one's."""
    for name, value in row.customer.items():
        if name in CUSTOMER_UPDATABLE and value and (overwrite or not target.customer.get(name)):
            target.customer[name] = value
    for key, value in row.customer.get("custom", {}).items():
        if overwrite or key not in target.customer.setdefault("custom", {}):
            target.customer["custom"][key] = value
    known = {(p["kind"], p["normalized"]) for p in target.points}
    target.points += [p for p in row.points if (p["kind"], p["normalized"]) not in known]
    target.tags += [tag for tag in row.tags if tag not in target.tags]


def _create(context: Context, rows: Sequence[Prepared]) -> list[int]:
    batch, companies = build_batch(context, rows)
    write_batch(batch, context.tables)
    ids = [values["id"] for values in batch.customers]
    keys = [{"customer_id": batch.customers[index]["id"], "key": key} for index, key in companies if len(key) >= 2]
    with connection.cursor() as cursor:
        context.company_keys.insert(cursor, keys, {})
    return ids


def build_batch(context: Context, rows: Sequence[Prepared]) -> tuple[Batch, list[tuple[int, str]]]:
    """The rows as the bulk writer's batch (customers, contacts, points, tag links), and the companies among them
    (index, company key)."""
    now = timezone.now()
    batch = Batch()
    actor_id = context.actor.pk
    companies: list[tuple[int, str]] = []
    for row in rows:
        owner_id = row.owner_id or context.default_owner_id
        # Fields not given take their model defaults in the bulk writer.
        values = {
            **row.customer,
            "kind": row.kind,
            "owner_id": owner_id,
            "team_id": context.team_of(owner_id),
            "created_by_id": actor_id,
            "created_at": now,
            "updated_at": now,
            "next_follow_up_at": None,
        }
        if not values.get("province") and not values.get("city"):
            first = next((p for p in row.points if p["kind"] == "phone" and p["is_valid"] and p["province"]), None)
            if first:
                values["province"], values["city"] = first["province"], first["city"]
        index = len(batch.customers)
        batch.customers.append(values)
        if row.kind == Customer.Kind.COMPANY:
            companies.append((index, row.company_key))
        parent, of_contact = index, False
        if row.contact is not None:
            contact = {
                **row.contact,
                "is_primary": True,
                "created_by_id": actor_id,
                "created_at": now,
                "updated_at": now,
            }
            parent, of_contact = len(batch.contacts), True
            batch.contacts.append((index, contact))
        primary: set[str] = set()
        for position, point in enumerate(row.points):  # (their "province" and "city" are not columns: ignored)
            point.update(position=position, is_primary=point["kind"] not in primary)
            primary.add(point["kind"])
            batch.points.append((parent, of_contact, point))
        for tag in row.tags:
            batch.tags.append((index, context.tag_id(tag)))
    return batch, companies


def _update(context: Context, customer_id: int, rows: Sequence[Prepared], *, overwrite: bool) -> dict[str, Any] | str:
    """Fill (or overwrite) a matched customer from the rows; returns what undo needs, or why it was left alone."""
    customer = Customer.objects.select_for_update().filter(pk=customer_id, deleted_at__isnull=True).first()
    if customer is None:
        return _("The matching customer was deleted meanwhile.")
    if not permissions.may_edit_customer(context.actor, customer):
        return _("You may not change the matching customer #%(id)s.") % {"id": customer_id}
    previous: dict[str, Any] = {"fields": {}, "custom": dict(customer.custom), "tags": [], "points": [],
                                "contacts": [], "contact_fields": {}}  # fmt: skip
    contacts = list(customer.contacts.filter(deleted_at__isnull=True).order_by("-is_primary", "pk"))
    known = set(
        ContactPoint.objects.filter(Q(customer=customer) | Q(contact__customer=customer)).values_list(
            "kind", "normalized"
        )
    )
    current_tags = set(customer.tags.values_list("pk", flat=True))
    for row in rows:
        for name in CUSTOMER_UPDATABLE:
            value = row.customer.get(name)
            current = getattr(customer, name)
            if value and value != current and (overwrite or not current):
                previous["fields"].setdefault(name, current)
                setattr(customer, name, value)
        if row.owner_id and row.owner_id != customer.owner_id and (overwrite or customer.owner_id is None):
            previous["fields"].setdefault("owner_id", customer.owner_id)
            previous["fields"].setdefault("team_id", customer.team_id)
            customer.owner_id, customer.team_id = row.owner_id, context.team_of(row.owner_id)
        for key, value in row.customer.get("custom", {}).items():
            if overwrite or customer.custom.get(key) in (None, "", []):
                customer.custom[key] = value
        contact = None
        if row.contact is not None:
            contact = next((c for c in contacts if c.name == row.contact["name"]), None)
            if contact is None:
                fields = {key: value for key, value in row.contact.items() if key != "custom"}
                contact = Contact(customer=customer, created_by=context.actor, custom=row.contact.get("custom", {}))
                for key, value in fields.items():
                    setattr(contact, key, value)
                contact.is_primary = not contacts
                contact._history_user = context.actor  # type: ignore[attr-defined]
                contact.save()
                contacts.append(contact)
                previous["contacts"].append(contact.pk)
            else:
                changed = {}
                for name in CONTACT_UPDATABLE:
                    value = row.contact.get(name)
                    current = getattr(contact, name)
                    if value and value != current and (overwrite or not current):
                        changed[name] = current
                        setattr(contact, name, value)
                if changed:
                    previous["contact_fields"].setdefault(str(contact.pk), {}).update(
                        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in changed.items()}
                    )
                    contact.version += 1
                    contact._history_user = context.actor  # type: ignore[attr-defined]
                    contact.save()
        holder = contact or (contacts[0] if customer.kind == Customer.Kind.INDIVIDUAL and contacts else None)
        for point in row.points:
            if (point["kind"], point["normalized"]) in known:
                continue
            known.add((point["kind"], point["normalized"]))
            values = {key: point[key] for key in ("kind", "label", "value", "normalized", "is_valid", "problem")}
            new = ContactPoint(customer=None if holder else customer, contact=holder, position=50, **values)
            new._history_user = context.actor  # type: ignore[attr-defined]
            new.save()
            previous["points"].append(new.pk)
        for tag in row.tags:
            tag_id = context.tag_id(tag)
            if tag_id not in current_tags:
                current_tags.add(tag_id)
                previous["tags"].append(tag_id)
    if previous["custom"] == customer.custom:
        del previous["custom"]
    customer.version += 1
    customer._history_user = context.actor  # type: ignore[attr-defined]
    customer.save()
    if previous["tags"]:
        customer.tags.add(*Tag.objects.filter(pk__in=previous["tags"]))
    previous["version"] = customer.version
    return previous


def undo_update(actor: User, customer_id: int, previous: dict[str, Any]) -> str:
    """Put a customer back as it was before the import changed it; returns why not, when it was changed since."""
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        return _("Deleted since.")
    if customer.version != previous["version"]:
        return _("Changed since the import.")
    for name, value in previous["fields"].items():
        setattr(customer, name, value)
    if "custom" in previous:
        customer.custom = previous["custom"]
    ContactPoint.objects.filter(pk__in=previous["points"]).delete()
    Contact.objects.filter(pk__in=previous["contacts"], customer=customer).delete()
    for pk, fields in previous.get("contact_fields", {}).items():
        contact = Contact.objects.filter(pk=int(pk), customer=customer).first()
        if contact is not None:
            for name, value in fields.items():
                setattr(contact, name, value)
            contact.version += 1
            contact._history_user = actor  # type: ignore[attr-defined]
            contact.save()
    if previous["tags"]:
        customer.tags.remove(*Tag.objects.filter(pk__in=previous["tags"]))
    customer.version += 1
    customer._history_user = actor  # type: ignore[attr-defined]
    customer.save()
    return ""


@search_index.batched()
def delete_created(customer_ids: Sequence[int], left_at: dict[int, int]) -> list[dict[str, Any]]:
    """Delete customers an import created, except those changed since (returned with the reason).

    ``left_at``: the version the import itself left a record at when a later row updated it (else 1).
    """
    left: list[dict[str, Any]] = []
    records = Customer.objects.filter(pk__in=customer_ids)
    touched = set(records.filter(contacts__version__gt=1).values_list("pk", flat=True))
    for pk, name, version in records.values_list("pk", "name", "version"):
        if version != left_at.get(pk, 1) or (pk in touched and pk not in left_at):
            left.append({"id": pk, "name": name, "reason": _("Changed since the import.")})
    keep = {row["id"] for row in left}
    doomed = [pk for pk in customer_ids if pk not in keep]
    if doomed:
        # Contacts and points go with their customer (ON DELETE CASCADE in the ORM's collector).
        Customer.objects.filter(pk__in=doomed).delete()
        after_records_deleted(customer_ids=doomed)
    return left
