"""Administrators manage users (role, teams, active; hand over a leaver's records) and the roles' rights."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kelu.accounts import services
from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import Role, User
from kelu.core.forms import StyledFormMixin

FLAGS = ("can_import", "can_export", "can_delete", "can_see_full_contacts", "require_2fa")


def _admin(request: AuthenticatedRequest) -> None:
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators may manage users and roles."))


class UserForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150, required=False)
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.Key.choices)
    teams = forms.CharField(
        label=gettext_lazy("Teams"),
        required=False,
        help_text=gettext_lazy("Separated by commas; new ones are created."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._apply_styles()

    def team_names(self) -> list[str]:
        text = self.cleaned_data.get("teams", "").replace("，", ",")
        return [name.strip() for name in text.split(",") if name.strip()]


class TransferForm(StyledFormMixin, forms.Form):
    to_user = forms.ModelChoiceField(label=gettext_lazy("Hand all their records to"), queryset=User.objects.none())

    def __init__(self, *args: Any, leaving: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_user"]
        field.queryset = User.objects.filter(is_active=True).exclude(pk=leaving.pk)
        self._apply_styles()


@require_http_methods(["GET", "POST"])
def users(request: AuthenticatedRequest) -> HttpResponse:
    _admin(request)
    form = UserForm(request.POST or None)
    created: tuple[User, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.user_create(
                username=form.cleaned_data["username"], role=form.cleaned_data["role"], teams=form.team_names(),
                display_name=form.cleaned_data["display_name"], email=form.cleaned_data["email"],
            )  # fmt: skip
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                form.add_error(None if field not in form.fields else field, errors)
        else:
            form = UserForm()
    rows = User.objects.select_related("role").prefetch_related("teams").order_by("-is_active", "username")
    return render(request, "settings/users.html", {"rows": rows, "form": form, "created": created})


@require_http_methods(["GET", "POST"])
def user_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _admin(request)
    user = get_object_or_404(User, pk=pk)
    initial = {
        "display_name": user.display_name, "email": user.email, "role": user.role_id, "is_active": user.is_active,
        "teams": ", ".join(user.teams.values_list("name", flat=True)),
    }  # fmt: skip
    form = UserForm(request.POST or None, initial=initial)
    form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                actor=request.user, user=user, role=form.cleaned_data["role"], teams=form.team_names(),
                is_active=form.cleaned_data["is_active"], display_name=form.cleaned_data["display_name"],
                email=form.cleaned_data["email"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(user)s was saved.") % {"user": user})
            return redirect("settings:users")
    context = {"user_obj": user, "form": form, "transfer_form": TransferForm(leaving=user)}
    return render(request, "settings/user_edit.html", context)


@require_POST
def user_transfer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _admin(request)
    leaving = get_object_or_404(User, pk=pk)
    form = TransferForm(request.POST, leaving=leaving)
    if not form.is_valid():
        messages.error(request, _("Choose who receives the records."))
        return redirect("settings:user_edit", pk=pk)
    from kelu.customers.services import records_transfer  # customers builds on accounts

    moved = records_transfer(actor=request.user, from_user=leaving, to_user=form.cleaned_data["to_user"])
    messages.success(
        request,
        _("%(count)d customers of %(from)s now belong to %(to)s.")
        % {"count": moved, "from": leaving, "to": form.cleaned_data["to_user"]},
    )
    return redirect("settings:user_edit", pk=pk)


@require_http_methods(["GET", "POST"])
def roles(request: AuthenticatedRequest) -> HttpResponse:
    _admin(request)
    all_roles = list(Role.objects.all())
    if request.method == "POST":
        try:
            for role in all_roles:
                if role.key == Role.Key.ADMIN:  # every right, always; only two-factor is a choice
                    flags = {"require_2fa": f"{role.key}-require_2fa" in request.POST}
                else:
                    flags = {name: f"{role.key}-{name}" in request.POST for name in FLAGS}
                services.role_update(actor=request.user, role=role, flags=flags)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The roles' rights were saved; they apply from the next request."))
        return redirect("settings:roles")
    labels = {name: getattr(Role._meta.get_field(name), "verbose_name", name) for name in FLAGS}
    return render(request, "settings/roles.html", {"roles": all_roles, "flags": FLAGS, "labels": labels})
