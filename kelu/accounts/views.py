from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kelu.accounts import forms, selectors, services
from kelu.accounts.audit import record_event
from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import ApiToken, AuditEvent


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your preferences were saved."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "token_form": forms.TokenCreateForm(), "tokens": selectors.tokens_of(request.user)},
    )


@require_POST
def token_create(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.TokenCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The token name is too long."))
        return redirect("accounts:profile")
    token, raw = services.token_create(user=request.user, name=form.cleaned_data["name"], request=request)
    return render(request, "accounts/token_created.html", {"token": token, "raw": raw})


@require_POST
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    # Another user's token answers 404 like a missing one.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.token_revoke(token=token, request=request)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@login_not_required
@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a logged-in user keeps the choice across devices."""
    form = forms.LanguageForm(request.POST)
    target = request.POST.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("core:home")
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


class PasswordChange(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_event(action=AuditEvent.Action.PASSWORD_CHANGED, actor=form.user, request=self.request)
        return response


class PasswordReset(auth_views.PasswordResetView):
    """Reset links point at KELU_SITE_URL, never at the request's Host header (which an attacker can forge)."""

    def form_valid(self, form: Any) -> HttpResponse:
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context={"site_name": "Kelu 客录", "site_url": settings.SITE_URL},
        )
        return HttpResponseRedirect(self.get_success_url())
