"""Pages of interactions and the timeline: thin views over the selectors and services."""

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.activities import selectors, services, timeline
from kelu.activities.forms import ActivityForm
from kelu.activities.models import Activity
from kelu.core import clock
from kelu.customers.models import Contact, Customer
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.followups import services as follow_up_services
from kelu.followups.models import FollowUp


def _customer(request: AuthenticatedRequest, pk: int) -> Customer:
    return get_object_or_404(customers_visible_to(request.user), pk=pk)


def _contact(request: AuthenticatedRequest, pk: int) -> Contact:
    return get_object_or_404(contacts_visible_to(request.user).select_related("customer"), pk=pk)


def _activity(request: AuthenticatedRequest, pk: int) -> Activity:
    return get_object_or_404(selectors.activity_list_queryset(request.user), pk=pk)


def _contacts_of(customer: Customer | None, contact: Contact | None) -> list[Contact]:
    if customer is not None:
        return list(customer.contacts.filter(deleted_at__isnull=True).order_by("-is_primary", "name_pinyin", "id"))
    return [contact] if contact is not None else []


# --- timeline --------------------------------------------------------------------------------------------------------


def _timeline_response(request: AuthenticatedRequest, record: Customer | Contact) -> HttpResponse:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = timeline.timeline(request.user, record, kind=request.GET.get("kind", ""), page=number)
    customer, contact = (record, None) if isinstance(record, Customer) else (record.customer, record)
    context = {
        "record": record,
        "customer": customer,
        "contact": contact,
        "page": page,
        "filters": timeline.FILTERS,
        "url": reverse("activities:contact_timeline" if contact else "activities:customer_timeline", args=[record.pk]),
        "can_log": services.may_log(request.user, customer=customer, contact=contact),
    }
    if request.htmx:
        # "More" appends the next entries; the filter and the first load swap the whole card.
        return render(
            request, "activities/timeline.html#entries" if number > 1 else "activities/timeline.html#timeline", context
        )
    return render(request, "activities/timeline.html", context)


@require_safe
def customer_timeline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _timeline_response(request, _customer(request, pk))


@require_safe
def contact_timeline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _timeline_response(request, _contact(request, pk))


# --- logging and editing ---------------------------------------------------------------------------------------------


def _log(request: AuthenticatedRequest, customer: Customer | None, contact: Contact | None) -> HttpResponse:
    user = request.user
    if not services.may_log(user, customer=customer, contact=contact):
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    initial: dict[str, Any] = {"occurred_at": clock.now(), "contact": contact.pk if contact else None}
    if kind in Activity.Kind.values:
        initial["kind"] = kind
    if kind == Activity.Kind.CALL:
        initial["direction"] = Activity.Direction.OUTBOUND
    form = ActivityForm(
        request.POST or None, request.FILES or None, contacts=_contacts_of(customer, contact), next_step=True,
        actor=user, initial=initial,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("contact")
        chosen_contact = next((c for c in _contacts_of(customer, contact) if c.pk == chosen), None)
        try:
            with transaction.atomic():
                activity = services.activity_create(
                    actor=user, values=form.activity_values(), customer=customer, contact=chosen_contact or contact,
                    attachments=form.cleaned_data.get("attachments") or [],
                )  # fmt: skip
                next_step = form.next_step_values()
                if next_step:
                    follow_up_services.follow_up_create(
                        actor=user, values=next_step, customer=activity.customer, contact=activity.contact,
                        assignee=_user(form.cleaned_data.get("next_assignee")) or user, activity=activity,
                        origin=FollowUp.Origin.INTERACTION,
                    )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error, prefix_next=True)
        else:
            if not request.htmx:  # in place, the timeline itself shows it
                messages.success(request, _("The interaction was logged."))
            return back_to_record(request, activity.customer, activity.contact)
    context = {"form": form, "customer": customer, "contact": contact, "action": request.get_full_path()}
    return render(request, _form_template(request), context)


def _user(pk: int | None) -> Any:
    from kelu.accounts.models import User

    return User.objects.filter(pk=pk).first() if pk else None


@require_http_methods(["GET", "POST"])
def activity_create(request: AuthenticatedRequest, customer_pk: int) -> HttpResponse:
    return _log(request, _customer(request, customer_pk), None)


@require_http_methods(["GET", "POST"])
def contact_activity_create(request: AuthenticatedRequest, contact_pk: int) -> HttpResponse:
    """ "Log this call" from a contact's phone number (``?kind=call``), or any interaction with the contact."""
    contact = _contact(request, contact_pk)
    return _log(request, contact.customer, contact)


@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    if not services.may_change(request.user, activity):
        raise PermissionDenied
    contacts = _contacts_of(activity.customer, activity.contact)
    form = ActivityForm(
        request.POST or None, request.FILES or None, contacts=contacts, initial=ActivityForm.initial_for(activity)
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("contact")
        try:
            with transaction.atomic():
                services.activity_update(
                    actor=request.user, activity=activity, values=form.activity_values(),
                    contact=next((c for c in contacts if c.pk == chosen), None) if activity.customer_id else False,
                )  # fmt: skip
                uploads = form.cleaned_data.get("attachments") or []
                if uploads:
                    services.attachment_add(actor=request.user, activity=activity, uploads=uploads)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Your changes were saved."))
            return back_to_record(request, activity.customer, activity.contact)
    context = {"form": form, "activity": activity, "customer": activity.customer, "contact": activity.contact,
               "action": request.get_full_path()}  # fmt: skip
    return render(request, _form_template(request), context)


@require_POST
def activity_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    services.activity_delete(actor=request.user, activity=activity)
    if not request.htmx:
        messages.success(request, _("The interaction was deleted."))
    return back_to_record(request, activity.customer, activity.contact)


@require_safe
def attachment_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """Only to those who may see the customer; always as a download, never rendered in the page's origin."""
    attachment = get_object_or_404(selectors.attachments_visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        from django.http import Http404

        raise Http404 from missing
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type="application/octet-stream"
    )


@require_POST
def attachment_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        selectors.attachments_visible_to(request.user).select_related(
            "activity", "activity__customer", "activity__contact"
        ),
        pk=pk,
    )
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("The attachment was removed."))
    return redirect("activities:edit", pk=attachment.activity_id)


def _form_template(request: AuthenticatedRequest) -> str:
    return "activities/form.html#form" if request.htmx else "activities/form.html"


def back_to_record(request: AuthenticatedRequest, customer: Customer | None, contact: Contact | None) -> HttpResponse:
    """After a change: the page it was made on, the customer's or the contact's (htmx requests reload the timeline
    card in place; follow-ups use this too)."""
    on_contact_page = contact is not None and (
        customer is None or urlsplit(request.htmx.current_url or "").path.startswith(contact.get_absolute_url())
    )
    target = contact if on_contact_page else customer
    assert target is not None
    if request.htmx:
        # Read again: the derived facts (last contacted, next follow-up) were just recomputed.
        record = _contact(request, target.pk) if on_contact_page else _customer(request, target.pk)
        response = _timeline_response(request, record)
        response["HX-Retarget"] = "#timeline"
        response["HX-Reswap"] = "outerHTML"
        return response
    return redirect(target)


def _add_errors(form: ActivityForm, error: ValidationError, *, prefix_next: bool = False) -> None:
    """The services' per-field messages next to the inputs (a next step's ones next to its inputs)."""
    names = {"duration_seconds": "duration_minutes", "customer": None}
    for key, messages_ in getattr(error, "message_dict", {"__all__": error.messages}).items():
        name = names.get(key, key)
        if prefix_next and name in ("title", "due_at", "remind_at", "assignee"):
            name = f"next_{name}"
        form.add_error(name if name in form.fields else None, messages_)
