"""Keeping the search index in step with the records, on every write path.

Single-record writes (forms, API, merges, restores, tag changes) reach it through the model signals registered in
kelu.search.signals; bulk writes that bypass signals (``QuerySet.update``, ``bulk_create``: imports, bulk edits,
ownership transfers, the demo data) call ``refresh`` themselves with the ids they touched. ``batched()`` gathers the
changes of a block and writes each document once, inside the caller's transaction, so the index never disagrees
with committed data.

What a document holds: a customer's name, pinyin, region and address, notes, tags, text custom fields, its own
points (phones, emails, WeChat) and its living contacts' names and WeChat IDs; a contact's name, pinyin, title,
department, WeChat, notes, tags, text custom fields, points, and its customer's province and city. So "zw 北京"
finds 张伟 and his Beijing company, and a customer is found by its contacts' phones through theirs
(kelu.search.selectors.apply_search), each number being indexed once. Trashed records stay
indexed: the permission-scoped querysets the index is joined to leave them out, and a restore finds them again.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from kelu.customers.models import Contact, ContactPoint, Customer, FieldDefinition
from kelu.search.engines import engine_for
from kelu.search.tokens import Document

BATCH = 2000
TEXT_TYPES = {
    FieldDefinition.Type.TEXT,
    FieldDefinition.Type.LONG_TEXT,
    FieldDefinition.Type.EMAIL,
    FieldDefinition.Type.URL,
    FieldDefinition.Type.PHONE,
}


@dataclass
class _Changes:
    customers: set[int] = field(default_factory=set)
    contacts: set[int] = field(default_factory=set)


_local = threading.local()


def refresh(*, customers: Iterable[int] = (), contacts: Iterable[int] = ()) -> None:
    """Rewrite the documents of these records (and of the contacts of these customers, which carry their name);
    ids that no longer exist are dropped from the index."""
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.customers.update(customers)
        pending.contacts.update(contacts)
        return
    _write(set(customers), set(contacts))


@contextmanager
def batched() -> Iterator[None]:
    """Write each touched document once, at the end of the block (nested blocks join the outermost one)."""
    if getattr(_local, "pending", None) is not None:
        yield
        return
    _local.pending = changes = _Changes()
    try:
        yield
    finally:
        _local.pending = None
    _write(changes.customers, changes.contacts)


def _write(customer_ids: set[int], contact_ids: set[int]) -> None:
    if customer_ids:
        contact_ids |= set(Contact.objects.filter(customer_id__in=customer_ids).values_list("pk", flat=True))
    engine = engine_for()
    text_keys = text_field_keys()
    for entity, ids, build in (
        ("customer", sorted(customer_ids), _customer_documents),
        ("contact", sorted(contact_ids), _contact_documents),
    ):
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            docs = build(chunk, text_keys)
            engine.store(entity, [(pk, doc.text()) for pk, doc in docs.items()])
            engine.remove(entity, set(chunk) - docs.keys())


def store_new(*, customers: Sequence[tuple[int, str]] = (), contacts: Sequence[tuple[int, str]] = ()) -> None:
    """Index records just created in bulk, from documents their writer composed (``customer_document(...).text()``):
    for writers that make many rows at once in worker processes, where composing is cheap to spread."""
    engine = engine_for()
    engine.store("customer", customers, fresh=True)
    engine.store("contact", contacts, fresh=True)


def rebuild(*, progress: Any = None) -> dict[str, int]:
    """Index every record from scratch (``kelu search-rebuild``; after the demo data)."""
    engine = engine_for()
    text_keys = text_field_keys()
    counts = {}
    for entity, model, build in (
        ("customer", Customer, _customer_documents),
        ("contact", Contact, _contact_documents),
    ):
        engine.clear(entity)
        counts[entity] = 0
        last = 0
        while True:
            chunk = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not chunk:
                break
            docs = build(chunk, text_keys)
            with transaction.atomic():  # one commit a chunk, not one a row
                engine.store(entity, [(pk, doc.text()) for pk, doc in docs.items()], fresh=True)
            counts[entity] += len(docs)
            last = chunk[-1]
            if progress:
                progress(entity, counts[entity])
    return counts


def text_field_keys() -> dict[str, set[str]]:
    """The custom fields whose values are searched, per entity: the text-like ones."""
    keys: dict[str, set[str]] = {"customer": set(), "contact": set()}
    for entity, key, type_ in FieldDefinition.objects.values_list("entity", "key", "type"):
        if type_ in TEXT_TYPES:
            keys[entity].add(key)
    return keys


Point = tuple[str, str, str]  # kind, value as entered, normalised


def customer_document(
    customer: Mapping[str, Any],
    *,
    tags: Iterable[str],
    contacts: Iterable[tuple[str, str]],
    points: Iterable[Point],
    text_keys: set[str],
) -> Document:
    """A customer's tokens from plain values (also used where records are made in bulk: the demo data)."""
    doc = Document()
    doc.add_name(customer["name"])
    doc.add_text(customer.get("province"), customer.get("city"), customer.get("district"), *tags)
    doc.add_long_text(customer.get("address"), customer.get("notes"))
    _add_custom(doc, customer.get("custom"), text_keys)
    for name, wechat in contacts:
        doc.add_name(name)
        doc.add_text(wechat)
    for point in points:
        doc.add_point(*point)
    return doc


def contact_document(
    contact: Mapping[str, Any],
    *,
    tags: Iterable[str],
    points: Iterable[Point],
    region: tuple[str, str],
    text_keys: set[str],
) -> Document:
    """A contact's tokens from plain values; ``region`` is its customer's (province, city)."""
    doc = Document()
    doc.add_name(contact["name"])
    doc.add_text(contact.get("title"), contact.get("department"), contact.get("wechat"), *region, *tags)
    doc.add_long_text(contact.get("notes"))
    _add_custom(doc, contact.get("custom"), text_keys)
    for point in points:
        doc.add_point(*point)
    return doc


def _add_custom(doc: Document, custom: dict[str, Any] | None, keys: set[str]) -> None:
    if custom:
        doc.add_values(value for key, value in custom.items() if key in keys)


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[Any]]:
    """{parent id: [the rest of each row]} (a single value instead of a one-tuple)."""
    groups: dict[int, list[Any]] = defaultdict(list)
    for pk, *rest in rows:
        groups[pk].append(rest[0] if len(rest) == 1 else tuple(rest))
    return groups


CUSTOMER_FIELDS = ("pk", "name", "province", "city", "district", "address", "notes", "custom")
CONTACT_FIELDS = (
    "pk",
    "name",
    "title",
    "department",
    "wechat",
    "notes",
    "custom",
    "customer__province",
    "customer__city",
)


def _customer_documents(ids: list[int], text_keys: dict[str, set[str]]) -> dict[int, Document]:
    tags = _grouped(Customer.tags.through.objects.filter(customer_id__in=ids).values_list("customer_id", "tag__name"))
    living = Contact.objects.filter(customer_id__in=ids, deleted_at__isnull=True)
    contacts = _grouped(living.values_list("customer_id", "name", "wechat"))
    points = _grouped(
        ContactPoint.objects.filter(customer_id__in=ids).values_list("customer_id", "kind", "value", "normalized")
    )
    return {
        row["pk"]: customer_document(
            row,
            tags=tags[row["pk"]],
            contacts=contacts[row["pk"]],
            points=points[row["pk"]],
            text_keys=text_keys["customer"],
        )
        for row in Customer.objects.filter(pk__in=ids).values(*CUSTOMER_FIELDS)
    }


def _contact_documents(ids: list[int], text_keys: dict[str, set[str]]) -> dict[int, Document]:
    tags = _grouped(Contact.tags.through.objects.filter(contact_id__in=ids).values_list("contact_id", "tag__name"))
    points = _grouped(
        ContactPoint.objects.filter(contact_id__in=ids).values_list("contact_id", "kind", "value", "normalized")
    )
    return {
        row["pk"]: contact_document(
            row,
            tags=tags[row["pk"]],
            points=points[row["pk"]],
            region=(row["customer__province"] or "", row["customer__city"] or ""),
            text_keys=text_keys["contact"],
        )
        for row in Contact.objects.filter(pk__in=ids).values(*CONTACT_FIELDS)
    }
