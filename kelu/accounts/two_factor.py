"""Optional TOTP two-factor sign-in (django-otp): enrol on the profile, a code after the password, required per role.

A user with a confirmed authenticator must enter a code before anything else; a user whose role requires two-factor
sign-in and has no authenticator is sent to enrol first. Bearer-token API calls are not affected (tokens are made
by a signed-in, verified user); a session API call that still lacks the code gets 403.
"""

import io
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kelu.accounts.audit import record_event
from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import AuditEvent, User
from kelu.core.forms import StyledFormMixin

# Pages a half-signed-in user may still reach.
OPEN_PATHS = ("/accounts/2fa/", "/accounts/logout/", "/accounts/language/", "/static/", "/healthz")


def confirmed_devices() -> QuerySet[TOTPDevice]:
    """What counts as a user's authenticator: a TOTP device whose enrolment was confirmed with a code (also written
    out in kelu.accounts.backends, which reads it with the signed-in user)."""
    return TOTPDevice.objects.filter(confirmed=True)


def confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = confirmed_devices().filter(user=user).first()
    return device


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user: Any = request.user
        if not user.is_authenticated or user.is_verified() or request.path.startswith(OPEN_PATHS):
            return self.get_response(request)
        has_device = getattr(user, "has_confirmed_device", None)  # read with the user (kelu.accounts.backends)
        if has_device is None:
            has_device = confirmed_device(user) is not None
        if not has_device and not user.role.require_2fa:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            raise PermissionDenied(_("Enter your two-factor code in the browser first."))
        target = "accounts:2fa_verify" if has_device else "accounts:2fa_setup"
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")


class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._apply_styles()


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@require_http_methods(["GET", "POST"])
def setup(request: AuthenticatedRequest) -> HttpResponse:
    """Turn two-factor sign-in on (scan, then confirm one code) or off (one code)."""
    user = request.user
    device = confirmed_device(user)
    form = CodeForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["code"]):
                if user.role.require_2fa:
                    messages.error(request, _("Your role requires two-factor sign-in."))
                else:
                    with transaction.atomic():
                        TOTPDevice.objects.filter(user=user).delete()
                        record_event(action=AuditEvent.Action.TWO_FACTOR_DISABLED, actor=user, request=request)
                    messages.success(request, _("Two-factor sign-in is off."))
                    return redirect("accounts:profile")
            else:
                form.add_error("code", _("That code is not right; try the current one."))
        return render(request, "accounts/two_factor.html", {"enabled": True, "form": form})
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    if request.method == "POST" and form.is_valid():
        if pending.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                record_event(action=AuditEvent.Action.TWO_FACTOR_ENABLED, actor=user, request=request)
            otp_login(request, pending)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(_next(request))
        form.add_error("code", _("That code is not right; try the current one."))
    context = {
        "enabled": False,
        "form": form,
        "qr": mark_safe(_qr_svg(pending.config_url)),
        "secret": pending.bin_key.hex() and _base32(pending.bin_key),
        "next": _next(request),
        "required": user.role.require_2fa,
    }
    return render(request, "accounts/two_factor.html", context)


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator."""
    device = confirmed_device(request.user)
    if device is None or request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next(request))
        record_event(action=AuditEvent.Action.LOGIN_FAILED, request=request, details={"second_factor": True})
        form.add_error("code", _("That code is not right; try the current one."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)})
