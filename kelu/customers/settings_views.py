"""Administrators' settings: options of the built-in choice fields, custom field definitions and tags.

Every page answers 403 to anyone but an administrator, whatever the method; the services check again on write.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import Role
from kelu.customers import selectors, services
from kelu.customers.models import ChoiceOption, FieldDefinition, Tag
from kelu.customers.settings_forms import ChoiceOptionForm, FieldDefinitionForm, TagForm

View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role_id != Role.Key.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@admin_required
@require_safe
def index(request: AuthenticatedRequest) -> HttpResponse:
    choice_counts = [(label, len(selectors.choice_options(field))) for field, label in ChoiceOption.Field.choices]
    field_counts = [
        (label, len(selectors.field_definitions(entity))) for entity, label in FieldDefinition.Entity.choices
    ]
    return render(request, "settings/index.html", {"choice_counts": choice_counts, "field_counts": field_counts})


# --- choice options --------------------------------------------------------------------------------------------------


def _choice_field(field: str) -> str:
    if field not in ChoiceOption.Field.values:
        raise Http404
    return field


def _choice_option(field: str, pk: int) -> tuple[ChoiceOption, list[ChoiceOption]]:
    """One option and all options of its field, inactive ones included."""
    options = selectors.choice_options(_choice_field(field), include_inactive=True)
    for option in options:
        if option.pk == pk:
            return option, options
    raise Http404


def _add_form(field: str, options: list[ChoiceOption], data: Any = None) -> ChoiceOptionForm:
    # Four add forms share the page, so each gets its own element ids.
    return ChoiceOptionForm(data, option=ChoiceOption(field=field), siblings=options, auto_id=f"id_add_{field}_%s")


def _edit_form(option: ChoiceOption, options: list[ChoiceOption], data: Any = None) -> ChoiceOptionForm:
    form = ChoiceOptionForm(data, option=option, siblings=options, auto_id=f"id_option_{option.pk}_%s")
    form.fields["label_zh"].widget.attrs["autofocus"] = True
    return form


def _group(
    field: str,
    *,
    add_form: ChoiceOptionForm | None = None,
    edit_form: ChoiceOptionForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    options = selectors.choice_options(field, include_inactive=True)
    return {
        "field": field,
        "label": ChoiceOption.Field(field).label,
        "options": options,
        "add_form": add_form or _add_form(field, options),
        "edit_form": edit_form,
        "editing": edit_form.option.pk if edit_form else None,
        "notice": notice,
    }


def _render_choices(request: AuthenticatedRequest, group: dict[str, Any]) -> HttpResponse:
    """The changed group alone for htmx, else the whole page with that group in its current state."""
    if request.htmx:
        return render(request, "settings/choices.html#group", {"group": group})
    groups = [group if field == group["field"] else _group(field) for field in ChoiceOption.Field.values]
    return render(request, "settings/choices.html", {"groups": groups})


def _after_choice_change(request: AuthenticatedRequest, field: str, notice: str) -> HttpResponse:
    if request.htmx:
        return _render_choices(request, _group(field, notice=notice))
    messages.success(request, notice)
    return redirect(f"{reverse('settings:choices')}#choices-{field}")


@admin_required
@require_safe
def choices(request: AuthenticatedRequest) -> HttpResponse:
    field = request.GET.get("field", "")
    if request.htmx and field in ChoiceOption.Field.values:
        return _render_choices(request, _group(field))
    return render(request, "settings/choices.html", {"groups": [_group(f) for f in ChoiceOption.Field.values]})


@admin_required
@require_POST
def choice_add(request: AuthenticatedRequest, field: str) -> HttpResponse:
    options = selectors.choice_options(_choice_field(field), include_inactive=True)
    form = _add_form(field, options, request.POST)
    if form.is_valid():
        try:
            option = services.choice_option_save(actor=request.user, option=form.apply())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _after_choice_change(request, field, _("Option “%(label)s” was added.") % {"label": option.label})
    return _render_choices(request, _group(field, add_form=form))


@admin_required
@require_http_methods(["GET", "POST"])
def choice_edit(request: AuthenticatedRequest, field: str, pk: int) -> HttpResponse:
    option, options = _choice_option(field, pk)
    form = _edit_form(option, options, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            option = services.choice_option_save(actor=request.user, option=form.apply())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _after_choice_change(request, field, _("Option “%(label)s” was saved.") % {"label": option.label})
    return _render_choices(request, _group(field, edit_form=form))


def _set_option_active(request: AuthenticatedRequest, field: str, pk: int, *, active: bool) -> HttpResponse:
    option, _options = _choice_option(field, pk)
    option.is_active = active
    try:
        services.choice_option_save(actor=request.user, option=option)
    except ValidationError as error:
        notice = " ".join(error.messages)
        if request.htmx:
            return _render_choices(request, _group(field, notice=notice))
        messages.error(request, notice)
        return redirect(f"{reverse('settings:choices')}#choices-{field}")
    if active:
        notice = _("Option “%(label)s” is offered again.") % {"label": option.label}
    else:
        notice = _("Option “%(label)s” is no longer offered; records that have it keep it.") % {"label": option.label}
    return _after_choice_change(request, field, notice)


@admin_required
@require_POST
def choice_deactivate(request: AuthenticatedRequest, field: str, pk: int) -> HttpResponse:
    return _set_option_active(request, field, pk, active=False)


@admin_required
@require_POST
def choice_activate(request: AuthenticatedRequest, field: str, pk: int) -> HttpResponse:
    return _set_option_active(request, field, pk, active=True)


# --- custom fields ---------------------------------------------------------------------------------------------------


def _all_definitions() -> list[FieldDefinition]:
    return [
        definition
        for entity in FieldDefinition.Entity.values
        for definition in selectors.field_definitions(entity, include_inactive=True)
    ]


def _definition(entity: str, pk: int) -> tuple[FieldDefinition, list[FieldDefinition]]:
    """One definition and all definitions of its record type, inactive ones included."""
    if entity not in FieldDefinition.Entity.values:
        raise Http404
    definitions = selectors.field_definitions(entity, include_inactive=True)
    for definition in definitions:
        if definition.pk == pk:
            return definition, definitions
    raise Http404


def _fields_url(entity: str) -> str:
    return f"{reverse('settings:fields')}#fields-{entity}"


@admin_required
@require_safe
def fields(request: AuthenticatedRequest) -> HttpResponse:
    sections = [
        {"entity": entity, "label": label, "definitions": selectors.field_definitions(entity, include_inactive=True)}
        for entity, label in FieldDefinition.Entity.choices
    ]
    return render(request, "settings/fields.html", {"sections": sections})


@admin_required
@require_http_methods(["GET", "POST"])
def field_create(request: AuthenticatedRequest) -> HttpResponse:
    entity = request.GET.get("entity", "")
    initial = {"entity": entity if entity in FieldDefinition.Entity.values else FieldDefinition.Entity.CUSTOMER}
    form = FieldDefinitionForm(
        request.POST if request.method == "POST" else None,
        definition=FieldDefinition(),
        siblings=_all_definitions(),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.field_definition_save(actor=request.user, definition=form.apply())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Field “%(label)s” was created.") % {"label": definition.label})
            return redirect(_fields_url(definition.entity))
    return render(request, "settings/field_form.html", {"form": form, "definition": None})


@admin_required
@require_http_methods(["GET", "POST"])
def field_edit(request: AuthenticatedRequest, entity: str, pk: int) -> HttpResponse:
    definition, definitions = _definition(entity, pk)
    form = FieldDefinitionForm(
        request.POST if request.method == "POST" else None, definition=definition, siblings=definitions
    )
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.field_definition_save(actor=request.user, definition=form.apply())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Field “%(label)s” was saved.") % {"label": definition.label})
            return redirect(_fields_url(entity))
    return render(request, "settings/field_form.html", {"form": form, "definition": definition})


def _set_field_active(request: AuthenticatedRequest, definition: FieldDefinition, *, active: bool) -> None:
    definition.is_active = active
    try:
        services.field_definition_save(actor=request.user, definition=definition)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return
    if active:
        messages.success(request, _("Field “%(label)s” was restored.") % {"label": definition.label})
    else:
        messages.success(
            request, _("Field “%(label)s” was removed; its stored values are kept.") % {"label": definition.label}
        )


@admin_required
@require_http_methods(["GET", "POST"])
def field_remove(request: AuthenticatedRequest, entity: str, pk: int) -> HttpResponse:
    """A confirmation page; posting it deactivates the field."""
    definition, _definitions = _definition(entity, pk)
    if request.method == "POST":
        _set_field_active(request, definition, active=False)
        return redirect(_fields_url(entity))
    return render(request, "settings/field_remove.html", {"definition": definition})


@admin_required
@require_POST
def field_restore(request: AuthenticatedRequest, entity: str, pk: int) -> HttpResponse:
    definition, _definitions = _definition(entity, pk)
    _set_field_active(request, definition, active=True)
    return redirect(_fields_url(entity))


# --- tags ------------------------------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def tags(request: AuthenticatedRequest) -> HttpResponse:
    """All tags with how many customers and contacts carry them; rename, recolour (POST with ``pk``) or add."""
    edited: Tag | None = None
    form = TagForm()
    if request.method == "POST":
        edited = get_object_or_404(Tag, pk=request.POST["pk"]) if request.POST.get("pk") else Tag()
        form = TagForm(request.POST, instance=edited)
        if form.is_valid():
            try:
                services.tag_save(actor=request.user, tag=form.instance)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Tag “%(name)s” was saved.") % {"name": form.instance.name})
                return redirect("settings:tags")
    rows = Tag.objects.annotate(
        customer_count=Count("customers", distinct=True), contact_count=Count("contacts", distinct=True)
    )
    context = {"rows": rows, "form": form, "edited": edited, "colors": Tag.Color.choices}
    return render(request, "settings/tags.html", context)


@admin_required
@require_POST
def tag_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    services.tag_delete(actor=request.user, tag=tag)
    messages.success(request, _("Tag “%(name)s” was deleted.") % {"name": tag.name})
    return redirect("settings:tags")
