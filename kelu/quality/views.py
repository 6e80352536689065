"""Pages of the duplicate finder and the merge: thin over the quality selectors and services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import Role
from kelu.core.errors import Conflict
from kelu.customers.models import Contact, Customer, FieldDefinition
from kelu.customers.selectors import choice_labels, contacts_visible_to, customers_visible_to, field_definitions
from kelu.quality import selectors, services, tasks
from kelu.quality.bulk import bulk_edit_undo
from kelu.quality.duplicates import possible_duplicates
from kelu.quality.models import BulkEdit, DuplicateScan


def _require_finder(request: AuthenticatedRequest) -> None:
    if request.user.role_id not in (Role.Key.ADMIN, Role.Key.MANAGER):
        raise PermissionDenied(_("The duplicate finder is for managers and administrators."))


@require_safe
def duplicates(request: AuthenticatedRequest) -> HttpResponse:
    _require_finder(request)
    context = {
        "groups": selectors.duplicate_groups_visible_to(request.user),
        "last_scan": DuplicateScan.objects.filter(finished_at__isnull=False).first(),
    }
    return render(request, "quality/duplicates.html", context)


@require_POST
def duplicates_scan(request: AuthenticatedRequest) -> HttpResponse:
    _require_finder(request)
    tasks.scan_duplicates.enqueue(full=True)
    messages.success(request, _("A full scan was started; reload this page in a while to see its results."))
    return redirect("quality:duplicates")


@require_POST
def duplicates_dismiss(request: AuthenticatedRequest) -> HttpResponse:
    """ "Not duplicates": hide the pairs among the given customers."""
    _require_finder(request)
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    for pair in selectors.duplicate_pairs_visible_to(request.user).filter(left__in=ids, right__in=ids):
        services.duplicate_dismiss(actor=request.user, pair=pair)
    messages.success(request, _("These customers will not be suggested as duplicates again."))
    return redirect("quality:duplicates")


def _merge_rows(kind: services.Kind, records: list[Any]) -> list[dict[str, Any]]:
    """One row per field: its label and each record's shown value (choosable when the values differ)."""
    labels = choice_labels() if kind is services.CUSTOMERS else {}
    rows = []
    for name in kind.fields:
        field: Any = kind.model._meta.get_field(name)
        values = []
        for record in records:
            value = getattr(record, name)
            shown = labels.get(name, {}).get(value, value) if name in labels else value
            values.append((record.pk, "" if shown in (None, "") else str(shown)))
        rows.append(
            {"key": name, "label": field.verbose_name, "values": values, "differ": len({v for _pk, v in values}) > 1}
        )
    for definition in field_definitions(kind.entity):
        if definition.type == FieldDefinition.Type.MULTI_SELECT:
            continue  # united, nothing to choose
        values = [(record.pk, str(record.custom.get(definition.key) or "")) for record in records]
        rows.append({"key": f"custom.{definition.key}", "label": definition.label, "values": values,
                     "differ": len({v for _pk, v in values}) > 1})  # fmt: skip
    return rows


@require_http_methods(["GET", "POST"])
def merge(request: AuthenticatedRequest) -> HttpResponse:
    """Choose the surviving record and, field by field, the value to keep; preview, then merge.

    ``?kind=contact`` merges contacts (e.g. the same person entered twice under one customer).
    """
    data = request.POST if request.method == "POST" else request.GET
    kind = services.CONTACTS if data.get("kind") == "contact" else services.CUSTOMERS
    visible: Any = (
        contacts_visible_to(request.user) if kind is services.CONTACTS else customers_visible_to(request.user)
    )
    ids = list(dict.fromkeys(int(pk) for pk in data.getlist("ids") if pk.isdigit()))
    # Oldest first: the original record is the natural survivor.
    records = list(visible.filter(pk__in=ids).order_by("pk").prefetch_related("tags", "points"))
    if len(records) != len(ids) or len(records) < 2:
        messages.error(request, _("Choose at least two records you can see to merge."))
        return redirect("quality:report")
    by_pk = {record.pk: record for record in records}
    survivor = by_pk.get(int(data.get("survivor") or records[0].pk), records[0])
    others = [record for record in records if record.pk != survivor.pk]
    choices = {
        key[7:]: int(value) for key in data if key.startswith("choice_") and (value := str(data.get(key))).isdigit()
    }
    try:
        plan = services.plan_merge(actor=request.user, survivor=survivor, others=others, choices=choices)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(survivor)
    if request.method == "POST" and data.get("confirm"):
        try:
            done = services.records_merge(actor=request.user, survivor=survivor, others=others, choices=choices)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            return redirect("quality:merge_detail", pk=done.pk)
    context = {
        "records": records,
        "survivor": survivor,
        "rows": _merge_rows(kind, records),
        "plan": plan,
        "kind": "contact" if kind is services.CONTACTS else "customer",
    }
    return render(request, "quality/merge.html", context)


@require_safe
def merge_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(
        selectors.merges_visible_to(request.user).select_related("survivor", "contact_survivor", "actor"), pk=pk
    )
    model = Customer if done.survivor_id else Contact
    merged = model.objects.filter(pk__in=done.merged_ids)
    return render(request, "quality/merge_detail.html", {"merge": done, "merged": merged})


@require_POST
def merge_undo(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(selectors.merges_visible_to(request.user), pk=pk)
    try:
        services.merge_undo(actor=request.user, merge=done)
    except (Conflict, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [getattr(error, "message", str(error))])))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("quality:merge_detail", pk=done.pk)


@require_safe
def check(request: AuthenticatedRequest) -> HttpResponse:
    """As-you-type warning on the customer form: existing customers (that the user may see) this one may duplicate."""
    return render(request, "quality/_possible_duplicates.html", {"candidates": _candidates(request.user, request.GET)})


def _candidates(user: Any, data: Any) -> list[tuple[Customer, str]]:
    points = [
        (data.get(key.replace("-value", "-kind"), "phone"), value)
        for key, value in data.items()
        if key.startswith("points-") and key.endswith("-value") and value.strip()
    ]
    exclude = data.get("exclude", "")
    return possible_duplicates(
        customers_visible_to(user),
        name=data.get("name", "")[:200],
        points=points[:20],
        exclude=int(exclude) if exclude.isdigit() else None,
    )


@require_safe
def report(request: AuthenticatedRequest) -> HttpResponse:
    """Clean-up report: what in the records you can see needs care, each count linking to the matching list."""
    days = request.GET.get("stale_days", "90")
    stale_days = int(days) if days.isdigit() and 0 < int(days) <= 3650 else 90
    context = {
        "rows": selectors.cleanup_counts(request.user, stale_days=stale_days),
        "cap": selectors.COUNT_CAP,
        "stale_days": stale_days,
        "may_find": request.user.role_id in (Role.Key.ADMIN, Role.Key.MANAGER),
    }
    return render(request, "quality/report.html", context)


def _bulk(request: AuthenticatedRequest, pk: int) -> BulkEdit:
    """Bulk edits are their author's (administrators see all); others' answer 404."""
    edits = BulkEdit.objects.all() if request.user.is_admin else BulkEdit.objects.filter(actor=request.user)
    return get_object_or_404(edits, pk=pk)


@require_safe
def bulk_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Progress of a bulk edit (polled by htmx while it runs), then its result and undo."""
    bulk = _bulk(request, pk)
    template = "quality/bulk.html#progress" if request.htmx else "quality/bulk.html"
    return render(request, template, {"bulk": bulk})


@require_POST
def bulk_undo(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bulk = _bulk(request, pk)
    try:
        skipped = bulk_edit_undo(actor=request.user, bulk=bulk)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", str(error)))
    else:
        messages.success(request, _("The change was undone."))
        for row in skipped:
            messages.warning(request, _("%(name)s was changed since and was left alone.") % {"name": row["name"]})
    return redirect("quality:bulk_detail", pk=bulk.pk)
