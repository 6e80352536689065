"""Pages for customers, contacts and the trash: thin views over the selectors and services."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kelu.accounts.audit import record_event
from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import AuditEvent
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.core.keyset import count_capped, keyset_page
from kelu.core.masking import sees_full_contacts
from kelu.customers import cells, custom_fields, filters, forms, listing, selectors, services
from kelu.customers.history import history_entries
from kelu.customers.models import (
    ChoiceOption,
    Contact,
    ContactPoint,
    Customer,
    FieldDefinition,
    SavedView,
    Tag,
    list_url,
)

PAGE_SIZE = 50
CONTACT_PAGE_SIZE = 100


def _customer(request: AuthenticatedRequest, pk: int, *, trashed: bool = False) -> Customer:
    return get_object_or_404(selectors.customer_detail_queryset(request.user, trashed=trashed), pk=pk)


def _contact(request: AuthenticatedRequest, pk: int) -> Contact:
    qs = selectors.contacts_visible_to(request.user).select_related("customer").prefetch_related("points", "tags")
    return get_object_or_404(qs, pk=pk)


def _custom_rows(entity: str, values: dict[str, Any]) -> list[tuple[FieldDefinition, str]]:
    return [
        (definition, custom_fields.display_value(definition, values.get(definition.key)))
        for definition in selectors.field_definitions(entity)
    ]


# --- customers -------------------------------------------------------------------------------------------------------


@require_safe
def customer_list(request: AuthenticatedRequest) -> HttpResponse:
    return _record_list(request, FieldDefinition.Entity.CUSTOMER)


@require_safe
def customer_count(request: AuthenticatedRequest) -> HttpResponse:
    """How many customers the list's parameters match: exact up to 10,000, "10,000+" beyond unless ``count=exact``."""
    return _count(request, FieldDefinition.Entity.CUSTOMER)


def _count(request: AuthenticatedRequest, entity: str) -> HttpResponse:
    params = _list_params(request.GET)
    matching = (
        selectors.customers_matching if entity == FieldDefinition.Entity.CUSTOMER else selectors.contacts_matching
    )
    try:
        qs = matching(request.user, params)
    except ValidationError:
        return render(request, "customers/_count.html#text", {"invalid": True})
    if params.get("count") == ["exact"]:
        count, capped = qs.count(), False
    else:
        count, capped = count_capped(qs)
    exact_url = "?" + urlencode({**params, "count": ["exact"]}, doseq=True)
    context = {"count": count, "capped": capped, "entity": entity, "exact_url": exact_url}
    return render(request, "customers/_count.html#text", context)


def _matching(entity: str) -> Any:
    return selectors.customers_matching if entity == FieldDefinition.Entity.CUSTOMER else selectors.contacts_matching


def _list_params(data: Any) -> dict[str, list[str]]:
    return filters.params_of(data)


def _url(params: dict[str, list[str]], **changes: Any) -> str:
    """The list's query string with some parameters replaced (None drops one); paging always restarts."""
    merged = {name: values for name, values in params.items() if name not in ("cursor", "count")}
    for name, value in changes.items():
        if value is None or value == [] or value == "":
            merged.pop(name, None)
        else:
            merged[name] = value if isinstance(value, list) else [str(value)]
    encoded = urlencode(merged, doseq=True)
    return f"?{encoded}" if encoded else "?"


def _record_list(request: AuthenticatedRequest, entity: str) -> HttpResponse:
    """The customer or contact list: scope → search → filters, keyset pages, chosen columns, saved views."""
    user = request.user
    is_customers = entity == FieldDefinition.Entity.CUSTOMER
    params = _list_params(request.GET)
    # The filter form sends its empty fields too: the address is shown without them.
    if not request.htmx and any(not value.strip() for values in request.GET.lists() for value in values[1]):
        return redirect(request.path + _url(params, cursor=_last(params, "cursor")))
    active_view = _active_view(user, entity, params)
    if "view" in params and active_view is None:
        raise Http404
    if active_view and set(params) == {"view"} and (active_view.filters or active_view.sort or active_view.columns):
        return redirect(request.path + _url({**_view_params(active_view), "view": [str(active_view.pk)]}))
    list_params = {name: values for name, values in params.items() if name != "view"}
    columns = listing.available_columns(entity)
    errors: dict[str, str] = {}
    try:
        sort, sort_column, descending = listing.resolve_sort(entity, _last(params, "sort"), columns)
    except ValueError as error:
        errors["sort"] = str(error)
        sort, sort_column, descending = listing.resolve_sort(entity, None, columns)
    language = filters.CustomerFilters if is_customers else filters.ContactFilters
    parsed = language(user, walk_order=True).parse(list_params)
    errors.update(parsed.errors)
    if is_customers:
        qs: Any = selectors.customers_matching(user, list_params, parsed=parsed, walk_order=True)
    else:
        qs = selectors.contacts_matching(user, list_params, parsed=parsed, walk_order=True)
    shown = listing.chosen_columns(entity, _last(params, "columns"), columns)
    # Only what the shown columns need leaves the database (notes can be long, custom is JSON to decode, and every
    # date read is a date parsed).
    qs = qs.only(*_fields_shown(shown, is_customers=is_customers))
    size = PAGE_SIZE if is_customers else CONTACT_PAGE_SIZE
    page = keyset_page(
        qs, sort_column.sort, descending=descending, cursor=_last(params, "cursor"), size=size,
        nullable=sort_column.nullable,
    )  # fmt: skip
    layout = _last(params, "layout") if _last(params, "layout") in listing.LAYOUTS else "table"
    points = _first_points(entity, [row.pk for row in page.rows]) if any(c.key == "phone" for c in shown) else {}
    labels = selectors.choice_labels() if is_customers else {}
    full = sees_full_contacts(request)
    zone = timezone.get_current_timezone()
    # Record addresses from one reverse(): fifty reverse() calls cost more than the page's own query.
    base = list_url(entity)
    # The bulk-action bar lists the users one may hand customers to: the page's owners are mostly among them.
    bulk = forms.bulk_choices(user) if is_customers else None
    known_users = {pk: name for pk, name in bulk["owner"] if pk} if bulk else {}  # not "public pool"
    related = _related_names(entity, page.rows, shown, known_users=known_users)
    rows = [
        {"record": record, "cells": _cells(record, shown, points, labels, related, url=f"{base}{record.pk}/",
                                           full=full, zone=zone)}
        for record in page.rows
    ]  # fmt: skip
    can_write = user.role_id != "viewer"
    for row in rows:  # the table's rows in one piece (see kelu/customers/cells.py)
        row["html"] = cells.row_html(row["record"], row["cells"], selectable=is_customers and can_write)
    chips = [
        {"label": chip.label, "url": _url(params, **{chip.param: [v for v in params[chip.param] if v != chip.value]})}
        for chip in parsed.chips
    ]
    if "q" in params:
        chips.insert(0, {"label": f"{_('Search')}: {params['q'][-1]}", "url": _url(params, q=None)})
    filter_query = urlencode({**parsed.params, **({"q": params["q"]} if "q" in params else {})}, doseq=True)
    context = {
        "entity": entity,
        "rows": rows,
        "page": page,
        "next_url": _url(params, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_url": _url(params, cursor=page.previous_cursor) if page.previous_cursor else "",
        "count_url": reverse("customers:count" if is_customers else "customers:contact_count") + "?" + filter_query,
        "columns": shown,
        "columns_url": reverse("customers:columns" if is_customers else "customers:contact_columns") + _url(params),
        "sort": sort,
        "sort_links": {c.key: _url(params, sort=_next_sort(sort, c.key)) for c in shown if c.sort is not None},
        "layout": layout,
        "layout_links": {name: _url(params, layout=None if name == "table" else name) for name in listing.LAYOUTS},
        "query": _last(params, "q") or "",
        "params": params,
        "filter_query": filter_query,
        "view_menu_url": reverse("customers:view_menu") + _url({**params, "entity": [entity]}),
        "chips": chips,
        "clear_url": _url({k: v for k, v in params.items() if k in ("sort", "columns", "layout")}),
        "errors": errors,
        "filter_form_url": reverse("customers:filters" if is_customers else "customers:contact_filters") + _url(params),
        "active_view": active_view,
        "views": selectors.saved_views_sidebar(user, entity),
        "can_write": can_write,
        "can_export": is_customers and (user.is_admin or user.role.can_export),
    }
    if is_customers:
        context["bulk"] = bulk
        context["labels"] = labels
    else:
        context["letters"] = filters.CONTACT_LETTERS
        context["letter_links"] = {letter: _url(params, letter=letter) for letter in filters.CONTACT_LETTERS}
        context["letter"] = _last(params, "letter") or ""
    template = "customers/customer_list.html" if is_customers else "customers/contact_list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


# The model fields a list column shows, where they differ from its key (custom fields all read ``custom``).
_COLUMN_FIELDS = {
    "phone": (), "tags": (), "owner": ("owner_id",), "team": ("team_id",), "customer": ("customer_id",),
    "last_contacted": ("last_contacted_at",), "next_follow_up": ("next_follow_up_at",), "created": ("created_at",),
    "updated": ("updated_at",),
}  # fmt: skip


def _fields_shown(shown: list[listing.Column], *, is_customers: bool) -> list[str]:
    # Beside the columns: a customer's name cell marks individuals, contacts are grouped by letter.
    fields = ["pk", "kind"] if is_customers else ["pk", "sort_letter"]
    for column in shown:
        fields += ("custom",) if column.definition else _COLUMN_FIELDS.get(column.key, (column.key,))
    return list(dict.fromkeys(fields))


def _next_sort(current: str, key: str) -> str:
    """Clicking a column header sorts by it ascending, then descending."""
    return f"-{key}" if current == key else key


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) <= 18 else -1


def _last(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _view_params(view: SavedView) -> dict[str, list[str]]:
    params = filters.params_of(view.filters)
    for name, value in (("sort", view.sort), ("columns", ",".join(view.columns)), ("layout", view.layout)):
        if value and not (name == "layout" and value == "table"):
            params[name] = [value]
    return params


def _share_teams(user: Any) -> list[Any]:
    from kelu.accounts.models import Team

    if user.is_admin:
        return list(Team.objects.all())
    if user.role_id == "manager":
        return list(user.teams.all())
    return []


@require_safe
def customer_columns(request: AuthenticatedRequest) -> HttpResponse:
    return _column_chooser(request, FieldDefinition.Entity.CUSTOMER)


@require_safe
def contact_columns(request: AuthenticatedRequest) -> HttpResponse:
    return _column_chooser(request, FieldDefinition.Entity.CONTACT)


def _column_chooser(request: AuthenticatedRequest, entity: str) -> HttpResponse:
    """The column chooser of a list, its links keeping the list's other parameters (htmx loads it when it opens:
    most page views never need its dozens of links)."""
    params = _list_params(request.GET)
    columns = listing.available_columns(entity)
    shown = listing.chosen_columns(entity, _last(params, "columns"), columns)
    context = {
        "entity": entity,
        "choices": _column_choices(list_url(entity), params, columns, shown),
        "list_url": list_url(entity) + _url(params),
    }
    template = "customers/_column_chooser.html" if request.htmx else "customers/column_chooser.html"
    return render(request, template, context)


def _column_choices(
    base: str, params: dict[str, list[str]], columns: dict[str, listing.Column], shown: list[listing.Column]
) -> list[dict[str, Any]]:
    """Links of the column chooser (to the list at ``base``): show/hide each column, move a shown one left or right."""
    keys = [column.key for column in shown]

    def link(chosen: list[str]) -> str:
        return base + _url(params, columns=",".join(chosen))

    choices = []
    for index, key in enumerate(keys):
        moved_up = keys[:]
        moved_down = keys[:]
        if index > 1:
            moved_up[index - 1], moved_up[index] = moved_up[index], moved_up[index - 1]
        if 0 < index < len(keys) - 1:
            moved_down[index + 1], moved_down[index] = moved_down[index], moved_down[index + 1]
        choices.append({
            "column": columns[key], "shown": True,
            "toggle_url": "" if key == "name" else link([k for k in keys if k != key]),
            "up_url": link(moved_up) if index > 1 else "",
            "down_url": link(moved_down) if 0 < index < len(keys) - 1 else "",
        })  # fmt: skip
    for key, column in columns.items():
        if key not in keys:
            choices.append({"column": column, "shown": False, "toggle_url": link([*keys, key])})
    return choices


def _first_points(entity: str, ids: list[int]) -> dict[int, dict[str, cells.Point]]:
    """The first phone and email of each record of the page, in one small query (no contacts loaded)."""
    found: dict[int, dict[str, cells.Point]] = {}
    if not ids:
        return found
    kinds = ("phone", "email")
    fields = ("kind", "label", "value", "normalized", "is_valid", "problem")
    if entity == FieldDefinition.Entity.CUSTOMER:
        # The customer's own points first, then its contacts' (primary contact first, then by name), in one read.
        # Written out: the ORM's union of two annotated querysets takes longer to compile than to run.
        point_table, contact_table = ContactPoint._meta.db_table, Contact._meta.db_table
        columns = ", ".join(f"p.{name}" for name in fields)
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.customer_id, {columns}, p.contact_id, TRUE, '', p.position, p.id FROM {point_table} p "  # noqa: S608
                f"WHERE p.customer_id IN ({marks}) AND p.kind IN (%s, %s) UNION ALL "
                f"SELECT c.customer_id, {columns}, p.contact_id, c.is_primary, c.name_pinyin, p.position, p.id "
                f"FROM {point_table} p JOIN {contact_table} c ON c.id = p.contact_id "
                f"WHERE c.customer_id IN ({marks}) AND c.deleted_at IS NULL AND p.kind IN (%s, %s)",
                [*ids, *kinds, *ids, *kinds],
            )
            rows = [row[: -len(_POINT_ORDER)] for row in sorted(cursor.fetchall(), key=_point_order)]
    else:
        points = ContactPoint.objects.filter(contact_id__in=ids, kind__in=kinds).order_by("position", "id")
        rows = list(points.values_list("contact_id", *fields))
    for row in rows:
        point = cells.Point(*row)
        found.setdefault(point.owner_id, {}).setdefault(point.kind, point)
    return found


_POINT_ORDER = ("contact_id", "primary", "pinyin", "position", "id")  # the last columns of _first_points' rows


def _point_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    contact_id, primary, pinyin, position, pk = row[-len(_POINT_ORDER) :]
    return (contact_id is not None, not primary, pinyin, contact_id or 0, position, pk)


def _related_names(
    entity: str, records: list[Any], shown: list[listing.Column], *, known_users: dict[int, str]
) -> dict[str, dict[int, Any]]:
    """Tags, owners, teams and customers of a page's records as plain values, one small query each: model
    instances through joins and prefetches cost more than the page's own query. ``known_users``: names the page
    has read already (only the other owners are read)."""
    from kelu.accounts.models import Team, User

    keys = {column.key for column in shown}
    ids = [record.pk for record in records]
    through = (Customer if entity == FieldDefinition.Entity.CUSTOMER else Contact).tags.through
    tags: dict[int, list[tuple[str, str]]] = {}
    if ids:  # written out, as _first_points: the ORM's compile of this join costs more than running it
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT link.{entity}_id, tag.name, tag.color FROM {through._meta.db_table} link "  # noqa: S608
                f"JOIN {Tag._meta.db_table} tag ON tag.id = link.tag_id "
                f"WHERE link.{entity}_id IN ({', '.join(['%s'] * len(ids))}) ORDER BY tag.name",
                ids,
            )
            for record_id, name, color in cursor.fetchall():
                tags.setdefault(record_id, []).append((name, color))
    related: dict[str, dict[int, Any]] = {"tags": tags}
    if "owner" in keys:
        owner_ids = {record.owner_id for record in records if record.owner_id} - known_users.keys()
        others = User.objects.filter(pk__in=owner_ids) if owner_ids else []
        related["owner"] = {**known_users, **{user.pk: str(user) for user in others}}
    if "team" in keys:
        team_ids = {record.team_id for record in records if record.team_id}
        related["team"] = dict(Team.objects.filter(pk__in=team_ids).values_list("id", "name"))
    if "customer" in keys:
        customer_ids = {record.customer_id for record in records if record.customer_id}
        related["customer"] = dict(Customer.objects.filter(pk__in=customer_ids).values_list("id", "name"))
    return related


def _cells(
    record: Any,
    shown: list[listing.Column],
    points: dict[int, dict[str, cells.Point]],
    labels: dict[str, Any],
    related: dict[str, dict[int, Any]],
    *,
    url: str,
    full: bool,
    zone: datetime.tzinfo,
) -> list[dict[str, Any]]:
    cells_of_row = []
    for column in shown:
        key = column.key
        cell: dict[str, Any] = {"key": key, "label": column.label}
        if key == "name":
            tags = related["tags"].get(record.pk, [])
            cell["html"] = cells.name_html(record, url, tags, individual=getattr(record, "kind", "") == "individual")
            cells_of_row.append(cell)
            continue
        if key == "tags":
            cell["tags"] = related["tags"].get(record.pk, [])
        elif key == "phone":
            cell["points"] = [p for p in (points.get(record.pk, {}).get(k) for k in ("phone", "email")) if p]
        elif column.definition is not None:
            cell["text"] = custom_fields.display_value(column.definition, record.custom.get(column.definition.key))
        elif key in ("level", "stage", "source", "industry"):
            value = getattr(record, key)
            cell["text"] = labels.get(key, {}).get(value, value)
        elif key in ("kind", "size"):
            cell["text"] = getattr(record, f"get_{key}_display")()
        elif key == "owner":
            cell["text"] = related["owner"].get(record.owner_id, "") if record.owner_id else _("Public pool")
        elif key == "team":
            cell["text"] = related["team"].get(record.team_id, "") if record.team_id else ""
        elif key == "customer":
            cell["text"] = related["customer"].get(record.customer_id, "") if record.customer_id else ""
            cell["url"] = f"{reverse('customers:list')}{record.customer_id}/" if record.customer_id else ""
        elif key in ("created", "updated", "last_contacted", "next_follow_up"):
            moment = getattr(record, "updated_at" if key == "updated" else f"{key}_at")
            cell["day"] = moment.astimezone(zone).date() if moment else None
        else:
            cell["text"] = getattr(record, key, "")
        cell["html"] = cells.cell_html(cell, full=full)
        cells_of_row.append(cell)
    return cells_of_row


@require_safe
def customer_filter_form(request: AuthenticatedRequest) -> HttpResponse:
    return _filter_form(request, FieldDefinition.Entity.CUSTOMER)


@require_safe
def contact_filter_form(request: AuthenticatedRequest) -> HttpResponse:
    return _filter_form(request, FieldDefinition.Entity.CONTACT)


def _filter_form(request: AuthenticatedRequest, entity: str) -> HttpResponse:
    """The filter form of a list, filled in with the list's parameters (htmx loads it when the panel opens)."""
    is_customers = entity == FieldDefinition.Entity.CUSTOMER
    params = _list_params(request.GET)
    language = filters.CustomerFilters if is_customers else filters.ContactFilters
    parsed = language(request.user).parse({k: v for k, v in params.items() if k != "view"})
    columns = listing.available_columns(entity)
    context = {
        "entity": entity,
        "params": params,
        "panel": _filter_panel(request, entity, parsed.params, columns, _share_teams(request.user)),
        "list_url": list_url(entity),
        "clear_url": list_url(entity) + _url({k: v for k, v in params.items() if k in ("sort", "columns", "layout")}),
    }
    template = "customers/_filter_form.html" if request.htmx else "customers/filter_form.html"
    return render(request, template, context)


def _filter_panel(
    request: AuthenticatedRequest,
    entity: str,
    active: dict[str, list[str]],
    columns: dict[str, listing.Column],
    teams: list[Any],
) -> dict[str, Any]:
    """What the filter form offers, with the current values."""
    from kelu.accounts.models import Team, User

    def values(name: str) -> list[str]:
        return filters._split(active.get(name, []))

    definitions = [c.definition for c in columns.values() if c.definition and c.definition.is_filterable]
    user = request.user
    people = [] if user.role_id == "sales" else list(User.objects.filter(is_active=True).order_by("username")[:200])
    panel: dict[str, Any] = {
        "value": {name: (vals[-1] if vals else "") for name, vals in active.items()},
        "values": {name: values(name) for name in active},
        "custom": definitions,
        "people": people,
        "teams": teams if user.is_admin else list(Team.objects.all()[:100]) if user.role_id != "sales" else [],
    }
    if entity == FieldDefinition.Entity.CUSTOMER:
        panel["choices"] = [
            (field, label, [(option.key, option.label) for option in selectors.choice_options(field)])
            for field, label in ChoiceOption.Field.choices
        ]
        panel["kinds"] = Customer.Kind.choices
        panel["sizes"] = Customer.Size.choices
    return panel


@require_http_methods(["GET", "POST"])
def customer_create(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.role_id == "viewer":
        raise PermissionDenied
    form = forms.CustomerForm(request.POST or None, actor=request.user, initial={"owner": request.user.pk})
    points = forms.PointFormSet(request.POST or None, prefix="points")
    if request.method == "POST" and form.is_valid() and points.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user,
                values=form.field_values(),
                tags=form.tag_names(),
                points=forms.point_items(points),
                custom=form.custom_values(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Customer “%(name)s” was created.") % {"name": customer.name})
            return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "points": points, "tags": _tag_names()})


@require_http_methods(["GET", "POST"])
def customer_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    if not permissions.may_edit_customer(request.user, customer):
        raise PermissionDenied
    initial = {
        **{name: getattr(customer, name) for name in services.CUSTOMER_FIELDS},
        "owner": customer.owner_id,
        "team": customer.team_id,
        "tags": ", ".join(tag.name for tag in customer.tags.all()),
        "version": customer.version,
    }
    form = forms.CustomerForm(request.POST or None, actor=request.user, initial=initial, custom=customer.custom)
    points = _existing_points(request, customer.points.all())
    if request.method == "POST" and form.is_valid() and (points is None or points.is_valid()):
        try:
            services.customer_update(
                actor=request.user,
                customer=customer,
                values=form.field_values(),
                version=form.cleaned_data.get("version"),
                tags=form.tag_names(),
                points=forms.point_items(points) if points else None,
                custom=form.custom_values(),
            )
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(customer)
    context = {"form": form, "points": points, "customer": customer, "tags": _tag_names()}
    return render(request, "customers/customer_form.html", context)


def _existing_points(request: AuthenticatedRequest, current: Any) -> Any:
    """The phones/emails editor, or None for users who may not see them in full (they stay as they are)."""
    if not permissions.may_see_full_contacts(request.user):
        return None
    return forms.PointFormSet(request.POST or None, prefix="points", initial=forms.point_initial(current))


def _tag_names() -> list[str]:
    return list(selectors.tags_all().values_list("name", flat=True)[:500])


@require_safe
def customer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    user = request.user
    context = {
        "customer": customer,
        "contacts": list(customer.contacts.all()),
        "custom": _custom_rows(FieldDefinition.Entity.CUSTOMER, customer.custom),
        "labels": selectors.choice_labels(),
        "can_edit": permissions.may_edit_customer(user, customer),
        "can_delete": permissions.may_delete_customer(user, customer),
        "can_claim": permissions.may_claim(user, owner_id=customer.owner_id),
        "shares": list(customer.shares.select_related("user")),
    }
    if context["can_edit"]:
        context["share_form"] = forms.ShareForm(actor=user)
    _audit_full_view(request, customer)
    return render(request, "customers/customer_detail.html", context)


def _audit_full_view(request: AuthenticatedRequest, record: Customer | Contact) -> None:
    """Opening a record shows its phones and emails in full to roles that may see them: that is audited."""
    if sees_full_contacts(request):
        record_event(action=AuditEvent.Action.VIEW_UNMASKED, target=record)


@require_safe
def customer_history(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    user = request.user
    context = {
        "customer": customer,
        "entries": history_entries(customer, full_contacts=permissions.may_see_full_contacts(user)),
        "labels": selectors.choice_labels(),
        "can_edit": permissions.may_edit_customer(user, customer),
        "can_delete": permissions.may_delete_customer(user, customer),
    }
    template = "customers/customer_history.html#entries" if request.htmx else "customers/customer_history.html"
    return render(request, template, context)


@require_POST
def customer_revert(request: AuthenticatedRequest, pk: int, history_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    try:
        services.customer_revert(actor=request.user, customer=customer, history_id=history_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The customer was restored to the chosen version."))
    return redirect("customers:history", pk=customer.pk)


@require_POST
def customer_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    services.customer_delete(actor=request.user, customer=customer)
    messages.success(request, _("“%(name)s” was moved to the trash.") % {"name": customer.name})
    return redirect("customers:list")


@require_POST
def customer_claim(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    try:
        services.customer_claim(actor=request.user, customer=customer)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("“%(name)s” is now yours.") % {"name": customer.name})
    return redirect(customer)


@require_POST
def customer_share(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.ShareForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.customer_share(
                actor=request.user, customer=customer, user=form.cleaned_data["user"],
                can_edit=form.cleaned_data["can_edit"],
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(user)s can now work on this customer.") % {"user": form.cleaned_data["user"]}
            )
    else:
        messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
    return redirect(customer)


@require_POST
def customer_unshare(request: AuthenticatedRequest, pk: int, user_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    share = get_object_or_404(customer.shares.select_related("user"), user_id=user_id)
    services.customer_unshare(actor=request.user, customer=customer, user=share.user)
    messages.success(request, _("%(user)s no longer collaborates on this customer.") % {"user": share.user})
    if not selectors.customers_visible_to(request.user).filter(pk=customer.pk).exists():
        return redirect("customers:list")
    return redirect(customer)


@require_POST
def customer_bulk(request: AuthenticatedRequest) -> HttpResponse:
    visible = selectors.customers_visible_to(request.user)
    if request.POST.get("all_matching"):  # every customer the list shows (its search and filters), not only ticked
        shown = QueryDict(request.POST.get("list_query", ""))
        params = filters.params_of(shown) if shown else {"q": [request.POST.get("q", "")]}
        try:
            matching = selectors.customers_matching(request.user, filters.filter_params(params) | _only_q(params))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("customers:list")
        ids = list(matching.values_list("pk", flat=True))
        form = forms.BulkActionForm(request.POST, actor=request.user, ids=[])
        form.fields["ids"].required = False
    else:
        raw_ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
        ids = list(visible.filter(pk__in=raw_ids).values_list("pk", flat=True))
        form = forms.BulkActionForm(request.POST, actor=request.user, ids=ids)
    if not form.is_valid() or not ids:
        messages.error(request, _("Choose at least one customer and an action."))
        return redirect("customers:list")
    action = form.cleaned_data["action"]
    if action in ("tag", "untag"):
        value: dict[str, Any] = {"value": forms.split_tags(form.cleaned_data["tags"])}
    else:
        value = {"value": form.cleaned_data.get(action)}
    from kelu.quality.bulk import bulk_edit_start  # quality builds on customers

    try:
        bulk = bulk_edit_start(actor=request.user, ids=ids, action=action, value=value)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("customers:list")
    return redirect("quality:bulk_detail", pk=bulk.pk)


def _only_q(params: dict[str, list[str]]) -> dict[str, list[str]]:
    return {"q": params["q"]} if "q" in params else {}


# --- contacts --------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedRequest, customer_pk: int) -> HttpResponse:
    customer = _customer(request, customer_pk)
    if not permissions.may_edit_customer(request.user, customer):
        raise PermissionDenied
    form = forms.ContactForm(request.POST or None)
    points = forms.PointFormSet(request.POST or None, prefix="points")
    if request.method == "POST" and form.is_valid() and points.is_valid():
        try:
            services.contact_create(
                actor=request.user,
                customer=customer,
                values=form.field_values(),
                points=forms.point_items(points),
                tags=form.tag_names(),
                custom=form.custom_values(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if request.htmx:
                return _contacts_card(request, customer, retarget=True)
            messages.success(request, _("The contact was added."))
            return redirect(customer)
    context = {"form": form, "points": points, "customer": customer, "tags": _tag_names()}
    return render(request, _form_template(request, "customers/contact_form.html"), context)


@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    if not _may_edit_contact(request.user, contact):
        raise PermissionDenied
    initial = {
        **{name: getattr(contact, name) for name in services.CONTACT_FIELDS},
        "tags": ", ".join(tag.name for tag in contact.tags.all()),
        "version": contact.version,
    }
    form = forms.ContactForm(request.POST or None, initial=initial, custom=contact.custom)
    if not permissions.may_see_full_contacts(request.user):
        del form.fields["wechat"]
    points = _existing_points(request, contact.points.all())
    if request.method == "POST" and form.is_valid() and (points is None or points.is_valid()):
        try:
            services.contact_update(
                actor=request.user,
                contact=contact,
                values=form.field_values(),
                version=form.cleaned_data.get("version"),
                points=forms.point_items(points) if points else None,
                tags=form.tag_names(),
                custom=form.custom_values(),
            )
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if request.htmx and contact.customer:
                return _contacts_card(request, contact.customer, retarget=True)
            messages.success(request, _("Your changes were saved."))
            return redirect(contact.customer or contact)
    context = {"form": form, "points": points, "contact": contact, "customer": contact.customer, "tags": _tag_names()}
    return render(request, _form_template(request, "customers/contact_form.html"), context)


def _form_template(request: AuthenticatedRequest, template: str) -> str:
    """Inline editing loads just the form into the page (and re-renders it with its errors)."""
    return f"{template}#form" if request.htmx else template


def _contacts_card(request: AuthenticatedRequest, customer: Customer, *, retarget: bool = False) -> HttpResponse:
    customer = _customer(request, customer.pk)
    context = {
        "customer": customer,
        "contacts": list(customer.contacts.all()),
        "can_edit": permissions.may_edit_customer(request.user, customer),
    }
    response = render(request, "customers/customer_detail.html#contacts", context)
    if retarget:  # the form asked to replace itself; on success the whole card is fresh
        response["HX-Retarget"] = "#contacts-card"
        response["HX-Reswap"] = "outerHTML"
    return response


@require_safe
def contacts_card(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The contacts of a customer as shown on its page (htmx refreshes it after inline edits)."""
    return _contacts_card(request, _customer(request, pk))


@require_safe
def contact_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    context = {
        "contact": contact,
        "custom": _custom_rows(FieldDefinition.Entity.CONTACT, contact.custom),
        "entries": history_entries(contact, full_contacts=permissions.may_see_full_contacts(request.user)),
        "can_edit": _may_edit_contact(request.user, contact),
    }
    _audit_full_view(request, contact)
    return render(request, "customers/contact_detail.html", context)


def _may_edit_contact(user: Any, contact: Contact) -> bool:
    parent: Any = contact.customer or contact
    return permissions.may_edit(
        user, owner_id=parent.owner_id, team_id=getattr(parent, "team_id", None), customer_id=contact.customer_id
    )


@require_POST
def contact_revert(request: AuthenticatedRequest, pk: int, history_id: int) -> HttpResponse:
    contact = _contact(request, pk)
    try:
        services.contact_revert(actor=request.user, contact=contact, history_id=history_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The contact was restored to the chosen version."))
    return redirect(contact)


@require_POST
def contact_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    services.contact_delete(actor=request.user, contact=contact)
    if request.htmx and contact.customer:
        return _contacts_card(request, contact.customer)
    messages.success(request, _("“%(name)s” was moved to the trash.") % {"name": contact.name})
    return redirect(contact.customer or "customers:contacts")


@require_safe
def contact_list(request: AuthenticatedRequest) -> HttpResponse:
    """The address book: everyone A–Z by pinyin (a letter at a time, like a phone's contacts), with filters."""
    return _record_list(request, FieldDefinition.Entity.CONTACT)


@require_safe
def contact_count(request: AuthenticatedRequest) -> HttpResponse:
    return _count(request, FieldDefinition.Entity.CONTACT)


# --- trash -----------------------------------------------------------------------------------------------------------


@require_safe
def trash(request: AuthenticatedRequest) -> HttpResponse:
    qs = selectors.customers_visible_to(request.user, trashed=True).select_related("owner")
    page = keyset_page(qs, "deleted_at", descending=True, cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    contacts = selectors.contacts_visible_to(request.user, trashed=True).select_related("customer")
    context = {
        "page": page,
        "next_url": f"?cursor={page.next_cursor}" if page.next_cursor else "",
        "previous_url": f"?cursor={page.previous_cursor}" if page.previous_cursor else "",
        "contacts": contacts.order_by("-deleted_at")[:100],
        "purge_days": settings.KELU_TRASH_DAYS,
    }
    return render(request, "customers/trash.html", context)


@require_POST
def trash_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, trashed=True)
    services.customer_restore(actor=request.user, customer=customer)
    messages.success(request, _("“%(name)s” was restored.") % {"name": customer.name})
    return redirect(customer)


@require_POST
def trash_contact_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(selectors.contacts_visible_to(request.user, trashed=True), pk=pk)
    services.contact_restore(actor=request.user, contact=contact)
    messages.success(request, _("“%(name)s” was restored.") % {"name": contact.name})
    return redirect(contact.customer or contact)


@require_POST
def trash_purge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, trashed=True)
    services.customer_purge(actor=request.user, customer=customer)
    messages.success(request, _("“%(name)s” was deleted permanently.") % {"name": customer.name})
    return redirect("customers:trash")


# --- saved views -----------------------------------------------------------------------------------------------------


def _active_view(user: Any, entity: str, params: dict[str, list[str]]) -> SavedView | None:
    """The saved view a list's ``view`` parameter names, when the user may see it."""
    if "view" not in params:
        return None
    return selectors.saved_views_visible_to(user, entity).filter(pk=_int(params["view"][-1])).first()


def _saved_view(request: AuthenticatedRequest, pk: int) -> SavedView:
    return get_object_or_404(selectors.saved_views_visible_to(request.user), pk=pk)


def _apply_list_state(view: SavedView, list_query: str) -> None:
    """The view takes the list's state as it is shown: filters and search, sort, columns, layout."""
    params = filters.params_of(QueryDict(list_query))
    view.filters = {**filters.filter_params(params), **_only_q(params)}
    view.sort = _last(params, "sort") or ""
    view.columns = [key for key in (_last(params, "columns") or "").split(",") if key]
    view.layout = _last(params, "layout") or SavedView.Layout.TABLE


def _team_id(raw: str | None) -> int | None:
    return _int(raw) if raw else None


@require_safe
def saved_view_menu(request: AuthenticatedRequest) -> HttpResponse:
    """A list's save-view menu: save the list as it is shown as a view, or update, rename or delete the open one
    (htmx loads it when it opens)."""
    entity = request.GET.get("entity", "")
    if entity not in FieldDefinition.Entity.values:
        raise Http404
    params = {name: values for name, values in _list_params(request.GET).items() if name != "entity"}
    context = {
        "entity": entity,
        "list_query": urlencode({k: v for k, v in params.items() if k not in ("cursor", "count", "view")}, doseq=True),
        "active_view": _active_view(request.user, entity, params),
        "share_teams": _share_teams(request.user),
    }
    template = "customers/_saved_view_menu.html" if request.htmx else "customers/saved_view_menu.html"
    return render(request, template, context)


@require_POST
def saved_view_create(request: AuthenticatedRequest) -> HttpResponse:
    entity = request.POST.get("entity", FieldDefinition.Entity.CUSTOMER)
    view = SavedView(entity=entity, name=request.POST.get("name", ""), team_id=_team_id(request.POST.get("team")))
    _apply_list_state(view, request.POST.get("list_query", ""))
    try:
        services.saved_view_save(actor=request.user, view=view, pinned=bool(request.POST.get("pinned")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{list_url(entity)}?{request.POST.get('list_query', '')}")
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return redirect(view)


@require_POST
def saved_view_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rename or (un)share a view, or replace what it shows with the list's current state (``list_query``)."""
    view = _saved_view(request, pk)
    if "name" in request.POST:
        view.name = request.POST["name"]
    if "team" in request.POST:
        view.team_id = _team_id(request.POST["team"])
    if "list_query" in request.POST:
        _apply_list_state(view, request.POST["list_query"])
    try:
        services.saved_view_save(actor=request.user, view=view)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return redirect(view)


@require_POST
def saved_view_pin(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    view = _saved_view(request, pk)
    services.saved_view_pin(actor=request.user, view=view, pinned=request.POST.get("pinned") == "1")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if back and safe else view.get_absolute_url())


@require_POST
def saved_view_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    view = _saved_view(request, pk)
    try:
        services.saved_view_delete(actor=request.user, view=view)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return redirect(view)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
    return redirect(list_url(view.entity))


@require_safe
def saved_view_count(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The sidebar badge of a pinned view: its capped count, in the viewing user's own scope."""
    view = _saved_view(request, pk)
    try:
        count, capped = count_capped(_matching(view.entity)(request.user, {"view": [str(view.pk)]}))
    except ValidationError:
        return render(request, "customers/_count.html#badge", {"invalid": True})
    return render(request, "customers/_count.html#badge", {"count": count, "capped": capped})
