"""Pages for customers, contacts and the trash: thin views over the selectors and services."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kelu.accounts.audit import record_event
from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import AuditEvent
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.core.masking import sees_full_contacts
from kelu.customers import custom_fields, forms, selectors, services
from kelu.customers.history import history_entries
from kelu.customers.models import Contact, Customer, FieldDefinition
from kelu.search.selectors import apply_search

PAGE_SIZE = 50
SORTS = {
    "name": "name_pinyin",
    "level": "level",
    "stage": "stage",
    "owner": "owner__username",
    "city": "city",
    "created": "created_at",
    "updated": "updated_at",
}


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
    user = request.user
    sort = request.GET.get("sort", "-updated")
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = "-updated", "updated"
    direction = "-" if sort.startswith("-") else ""
    qs = apply_search(selectors.customers_visible_to(user), request.GET.get("q", ""))
    qs = qs.select_related("owner").prefetch_related("tags", "points", "contacts__points")
    qs = qs.order_by(f"{direction}{SORTS[key]}", f"{direction}id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    list_fields = [d for d in selectors.field_definitions(FieldDefinition.Entity.CUSTOMER) if d.show_in_list]
    rows = [
        {
            "customer": customer,
            "phone": _first_point(customer, "phone"),
            "email": _first_point(customer, "email"),
            "custom": [custom_fields.display_value(d, customer.custom.get(d.key)) for d in list_fields],
        }
        for customer in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "sort": sort,
        "query": request.GET.get("q", ""),
        "list_fields": list_fields,
        "labels": selectors.choice_labels(),
        "bulk_form": forms.BulkActionForm(actor=user, ids=[]),
        "can_write": user.role_id != "viewer",
        "can_export": user.is_admin or user.role.can_export,
    }
    template = "customers/customer_list.html#table" if request.htmx else "customers/customer_list.html"
    return render(request, template, context)


def _first_point(customer: Customer, kind: str) -> Any:
    for point in customer.points.all():
        if point.kind == kind:
            return point
    for contact in customer.contacts.all():
        for point in contact.points.all():
            if point.kind == kind:
                return point
    return None


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
    if request.POST.get("all_matching"):  # every customer the list shows, not only the ticked rows
        ids = list(apply_search(visible, request.POST.get("q", "")).values_list("pk", flat=True))
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


LETTERS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "#"]


@require_safe
def contact_list(request: AuthenticatedRequest) -> HttpResponse:
    """The address book: everyone A–Z by pinyin, one letter at a time, like a phone's contacts."""
    query = request.GET.get("q", "")
    qs = selectors.contacts_visible_to(request.user).select_related("customer").prefetch_related("points")
    letter = request.GET.get("letter", "")
    if query:
        qs = apply_search(qs, query)
    elif letter in LETTERS:
        qs = qs.filter(sort_letter=letter)
    page = Paginator(qs.order_by("name_pinyin", "id"), 100).get_page(request.GET.get("page"))
    context = {"page": page, "letters": LETTERS, "letter": letter, "query": query}
    return render(request, "customers/contact_list.html", context)


# --- trash -----------------------------------------------------------------------------------------------------------


@require_safe
def trash(request: AuthenticatedRequest) -> HttpResponse:
    qs = selectors.customers_visible_to(request.user, trashed=True).select_related("owner").order_by("-deleted_at")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    contacts = selectors.contacts_visible_to(request.user, trashed=True).select_related("customer")
    context = {"page": page, "contacts": contacts.order_by("-deleted_at")[:100], "purge_days": settings.KELU_TRASH_DAYS}
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
