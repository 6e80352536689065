"""Exports: which customers (always through the scoped selector), which columns, and writing the file.

Small exports are written at once; large ones run in the background worker and are offered for download when ready.
Every export is audited (format, selection, rows).
"""

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent, User
from kelu.core.permissions import may_see_full_contacts
from kelu.customers.models import Contact, ContactPoint, Customer, Tag
from kelu.customers.selectors import customers_matching
from kelu.exports import columns as export_columns
from kelu.exports import writers
from kelu.exports.columns import ExportRow
from kelu.exports.models import ExportJob

INLINE_LIMIT = 5000  # up to this many rows the file is written during the request
ROW_CHUNK = 2000


def export_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def may_export(user: User) -> bool:
    return user.is_admin or bool(user.role.can_export)


def selected_customers(user: User, selection: dict[str, Any]) -> QuerySet[Customer]:
    """The customers an export covers — within the user's scope: a selection of ids, and/or what the list shows
    (its text query ``q`` and its ``filters`` in the list's filter language). Bad filters raise ValidationError."""
    params = dict(selection.get("filters") or {})
    if selection.get("q"):
        params["q"] = [str(selection["q"])]
    qs = customers_matching(user, params)
    ids = selection.get("ids")
    if ids:
        qs = qs.filter(pk__in=[int(pk) for pk in ids])
    return qs


def with_contacts(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """For vCards, which need each contact's points, tags, title and notes."""
    living = Contact.objects.filter(deleted_at__isnull=True).prefetch_related("points", "tags")
    return customers.prefetch_related("tags", "points", Prefetch("contacts", queryset=living)).order_by("pk")


def export_rows(customers: QuerySet[Customer], columns: list[export_columns.Column]) -> Iterator[ExportRow]:
    """The customers as plain rows, a few set-based queries per 2,000 (keyset over the primary key).

    Only what the chosen columns show is read; related rows are fetched by primary-key range (an index range is
    cheaper than a 2,000-item IN list) and kept only for the customers of the chunk.
    """
    keys = {column.key for column in columns}
    fields = [name for name in export_columns.FIELDS if name in keys or name in ("id", "kind", "size")]
    if any(key.startswith("custom.") for key in keys):
        fields.append("custom")
    fields += [*(["owner__username", "owner__display_name"] if "owner" in keys else []),
               *(["team__name"] if "team" in keys else [])]  # fmt: skip
    tag_names = dict(Tag.objects.values_list("id", "name"))
    last = 0
    while True:
        chunk = list(customers.filter(pk__gt=last).order_by("pk").values(*fields)[:ROW_CHUNK])
        if not chunk:
            return
        first, last = chunk[0]["id"], chunk[-1]["id"]
        points: dict[int, list[tuple[str, str]]] = defaultdict(list)
        if keys & {"phones", "emails"}:
            own = ContactPoint.objects.filter(customer_id__gte=first, customer_id__lte=last)
            for customer_id, kind, value in own.order_by("customer_id", "position", "id").values_list(
                "customer_id", "kind", "value"
            ):
                points[customer_id].append((kind, value))
            # Trashed contacts are skipped here rather than in SQL: SQLite would pick the (useless) deleted_at index.
            of_contacts = ContactPoint.objects.filter(contact__customer_id__gte=first, contact__customer_id__lte=last)
            for customer_id, kind, value, trashed in of_contacts.order_by("contact_id", "position").values_list(
                "contact__customer_id", "kind", "value", "contact__deleted_at"
            ):
                if trashed is None:
                    points[customer_id].append((kind, value))
        contacts: dict[int, list[str]] = defaultdict(list)
        if "contacts" in keys:
            of_chunk = Contact.objects.filter(customer_id__gte=first, customer_id__lte=last)
            for customer_id, name, trashed in of_chunk.order_by("-is_primary", "name_pinyin", "id").values_list(
                "customer_id", "name", "deleted_at"
            ):
                if trashed is None:
                    contacts[customer_id].append(name)
        tags: dict[int, list[str]] = defaultdict(list)
        if "tags" in keys:  # tag names from a dict: a join lets SQLite pick a plan that walks every tag
            links = Customer.tags.through.objects.filter(customer_id__gte=first, customer_id__lte=last)
            for customer_id, tag_id in links.values_list("customer_id", "tag_id"):
                tags[customer_id].append(tag_names[tag_id])
        for row in chunk:
            pk = row["id"]
            yield ExportRow(
                fields=row,
                owner=row.get("owner__display_name") or row.get("owner__username") or "",
                team=row.get("team__name") or "",
                points=points.get(pk, []),
                contacts=contacts.get(pk, []),
                tags=sorted(tags.get(pk, [])),
            )


def export_create(
    *,
    actor: User,
    format: str,
    selection: dict[str, Any],
    columns: list[str] | None = None,
    encoding: str = "utf-8",
    wait: bool = False,
) -> ExportJob:
    """Check, record and start an export; it is finished at once when small (or ``wait``), else queued."""
    if not may_export(actor):
        raise PermissionDenied(_("Your role may not export."))
    if format not in ExportJob.Format.values:
        raise ValidationError({"format": [_("Unknown format.")]})
    if encoding not in writers.ENCODINGS:
        raise ValidationError({"encoding": [_("Choose UTF-8 or GBK.")]})
    chosen = export_columns.resolve(columns)
    customers = selected_customers(actor, selection)  # bad filters are refused before anything is recorded
    job = ExportJob.objects.create(
        actor=actor, format=format, encoding=encoding, columns=[c.key for c in chosen], selection=selection
    )
    if wait or customers[: INLINE_LIMIT + 1].count() <= INLINE_LIMIT:
        return export_run(job.pk)
    from kelu.exports.tasks import run_export

    transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job


def export_run(job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("actor__role").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return job
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])
    actor = job.actor
    customers = selected_customers(actor, job.selection)
    context = export_columns.context_for(may_see_full_contacts(actor))
    chosen = export_columns.resolve(job.columns)
    name = ExportJob.new_file_name(job.extension)
    path = export_dir() / name
    if job.format == ExportJob.Format.XLSX:
        counted = _Counter(export_rows(customers, chosen))
        writers.write_xlsx(counted, chosen, context, str(path))
    elif job.format == ExportJob.Format.CSV:
        counted = _Counter(export_rows(customers, chosen))
        with path.open("wb") as handle:
            for chunk in writers.csv_chunks(counted, chosen, context, encoding=job.encoding):
                handle.write(chunk)
    else:
        counted = _Counter(with_contacts(customers).iterator(chunk_size=1000))
        version = "4.0" if job.format == ExportJob.Format.VCF4 else "3.0"
        with path.open("w", encoding="utf-8", newline="") as handle:
            for card in writers.vcards(counted, context, version=version):
                handle.write(card)
    job.rows, job.file_name, job.status, job.finished_at = counted.count, name, ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["rows", "file_name", "status", "finished_at"])
    _audit(job)
    return job


class _Counter:
    """Passes the customers through while counting them."""

    def __init__(self, items: Any) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Any:
        for item in self.items:
            self.count += 1
            yield item


def _audit(job: ExportJob) -> None:
    record_event(
        action=AuditEvent.Action.EXPORT,
        actor=job.actor,
        target=job,
        details={"format": job.format, "selection": job.selection, "rows": job.rows, "columns": job.columns},
    )
