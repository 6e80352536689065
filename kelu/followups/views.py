"""Pages of follow-ups (My day, the form, quick complete and snooze), notifications (the bell), the follow-up
preferences on the profile and the private calendar feed."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.activities.services import may_log
from kelu.activities.views import back_to_record
from kelu.customers.models import Contact, Customer
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.followups import selectors, services
from kelu.followups.calendar import calendar_feed as feed_body
from kelu.followups.forms import FollowUpForm, PreferencesForm
from kelu.followups.models import FollowUp


def _follow_up(request: AuthenticatedRequest, pk: int) -> FollowUp:
    return get_object_or_404(selectors.follow_up_list_queryset(request.user), pk=pk)


def _next(request: AuthenticatedRequest, default: Any) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# --- My day ----------------------------------------------------------------------------------------------------------


@require_safe
def my_day(request: AuthenticatedRequest) -> HttpResponse:
    context = selectors.my_day(request.user)
    template = "followups/my_day.html#sections" if request.htmx else "followups/my_day.html"
    return render(request, template, context)


def _after_quick_action(request: AuthenticatedRequest, follow_up: FollowUp) -> HttpResponse:
    """My day swaps its lists in place; elsewhere the page the button was on comes back."""
    if request.htmx:
        return render(request, "followups/my_day.html#sections", selectors.my_day(request.user))
    return _next(request, follow_up.customer or follow_up.contact or "followups:my_day")


@require_POST
def follow_up_complete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = services.follow_up_complete(actor=request.user, follow_up=_follow_up(request, pk))
    if not request.htmx:
        messages.success(request, _("“%(title)s” is done.") % {"title": follow_up.title})
    return _after_quick_action(request, follow_up)


@require_POST
def follow_up_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = services.follow_up_set_status(
        actor=request.user, follow_up=_follow_up(request, pk), status=FollowUp.Status.OPEN
    )
    return _after_quick_action(request, follow_up)


@require_POST
def follow_up_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = services.follow_up_cancel(actor=request.user, follow_up=_follow_up(request, pk))
    if not request.htmx:
        messages.success(request, _("“%(title)s” was cancelled.") % {"title": follow_up.title})
    return _after_quick_action(request, follow_up)


@require_POST
def follow_up_snooze(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up(request, pk)
    try:
        follow_up = services.follow_up_snooze(
            actor=request.user, follow_up=follow_up, period=request.POST.get("period", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if not request.htmx:
            messages.success(request, _("“%(title)s” was put off.") % {"title": follow_up.title})
    return _after_quick_action(request, follow_up)


@require_POST
def follow_up_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up(request, pk)
    services.follow_up_delete(actor=request.user, follow_up=follow_up)
    messages.success(request, _("The follow-up was deleted."))
    return _next(request, follow_up.customer or follow_up.contact or "followups:my_day")


# --- the form --------------------------------------------------------------------------------------------------------


def _contacts_of(customer: Customer | None) -> list[Contact] | None:
    if customer is None:
        return None
    return list(customer.contacts.filter(deleted_at__isnull=True).order_by("-is_primary", "name_pinyin", "id"))


def _add_errors(form: FollowUpForm, error: ValidationError) -> None:
    for key, texts in getattr(error, "message_dict", {"__all__": error.messages}).items():
        form.add_error(key if key in form.fields else None, texts)


def _create(request: AuthenticatedRequest, customer: Customer | None, contact: Contact | None) -> HttpResponse:
    user = request.user
    if not may_log(user, customer=customer, contact=contact):
        raise PermissionDenied
    contacts = _contacts_of(customer)
    initial = {"assignee": user.pk, "contact": contact.pk if contact else None}
    form = FollowUpForm(request.POST or None, contacts=contacts, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("contact")
        chosen_contact = next((c for c in contacts or [] if c.pk == chosen), None) or contact
        try:
            services.follow_up_create(
                actor=user,
                values=form.values(),
                customer=customer,
                contact=chosen_contact,
                assignee=form.chosen_assignee(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if not request.htmx:  # in place, the timeline itself shows it
                messages.success(request, _("The follow-up was planned."))
            return back_to_record(request, customer, contact)
    context = {"form": form, "customer": customer, "contact": contact, "action": request.get_full_path()}
    return render(request, "followups/form.html#form" if request.htmx else "followups/form.html", context)


@require_http_methods(["GET", "POST"])
def follow_up_create(request: AuthenticatedRequest, customer_pk: int) -> HttpResponse:
    return _create(request, get_object_or_404(customers_visible_to(request.user), pk=customer_pk), None)


@require_http_methods(["GET", "POST"])
def contact_follow_up_create(request: AuthenticatedRequest, contact_pk: int) -> HttpResponse:
    contact = get_object_or_404(contacts_visible_to(request.user).select_related("customer"), pk=contact_pk)
    return _create(request, contact.customer, contact)


@require_http_methods(["GET", "POST"])
def follow_up_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up(request, pk)
    can_change = services.may_change(request.user, follow_up)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    contacts = _contacts_of(follow_up.customer)
    form = FollowUpForm(request.POST or None, contacts=contacts, initial=FollowUpForm.initial_for(follow_up))
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_update(
                actor=request.user, follow_up=follow_up, values=form.values(), assignee=form.chosen_assignee()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return _next(request, follow_up.customer or follow_up.contact or "followups:my_day")
    context = {
        "form": form, "follow_up": follow_up, "customer": follow_up.customer, "contact": follow_up.contact,
        "can_change": can_change, "action": request.get_full_path(),
    }  # fmt: skip
    return render(request, "followups/form.html", context)


# --- notifications ---------------------------------------------------------------------------------------------------


@require_safe
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    items = list(selectors.notifications_of(request.user)[:100])
    return render(request, "followups/notifications.html", {"items": items})


@never_cache
@require_safe
def bell(request: AuthenticatedRequest) -> HttpResponse:
    """The header's bell with the unread count (loaded after the page, refreshed every minute)."""
    return render(request, "followups/_bell.html#count", {"unread": selectors.unread_count(request.user)})


@require_POST
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_read(actor=request.user, notification=notification)
    if (
        notification.follow_up_id
        and not selectors.follow_ups_visible_to(request.user).filter(pk=notification.follow_up_id).exists()
    ):
        return redirect("followups:notifications")
    return redirect(notification.get_absolute_url())


@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    services.notifications_read_all(actor=request.user)
    return redirect("followups:notifications")


# --- preferences and the calendar feed -------------------------------------------------------------------------------


@require_POST
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    if form.is_valid():
        services.preferences_update(user=request.user, daily_digest=form.cleaned_data["daily_digest"])
        messages.success(request, _("Your preferences were saved."))
    return redirect("accounts:profile")


@require_POST
def calendar_token_create(request: AuthenticatedRequest) -> HttpResponse:
    raw = services.calendar_token_create(user=request.user)
    url = request.build_absolute_uri(reverse("followups:calendar_feed", args=[raw]))
    return render(request, "followups/calendar_created.html", {"url": url})


@require_POST
def calendar_token_revoke(request: AuthenticatedRequest) -> HttpResponse:
    services.calendar_token_revoke(user=request.user)
    messages.success(request, _("The calendar address no longer works."))
    return redirect("accounts:profile")


@login_not_required
@never_cache
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret address is the credential (calendar apps send no cookies); a wrong one is simply not found."""
    user = services.calendar_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(feed_body(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kelu.ics"'
    return response
