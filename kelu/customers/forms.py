"""Forms of the customer pages. They only shape input; the services validate the rules and write."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kelu.accounts.models import Team, User
from kelu.core.forms import StyledFormMixin
from kelu.core.permissions import assignable_owner_ids
from kelu.customers import selectors
from kelu.customers.models import ChoiceOption, ContactPoint, Customer, FieldDefinition

CUSTOM_PREFIX = "custom__"


def _choice_field(field: str, label: Any) -> forms.ChoiceField:
    """A select of the field's active options."""
    return forms.ChoiceField(label=label, choices=_active_choices(field), required=False)


def _active_choices(field: str) -> list[tuple[str, str]]:
    return [("", "—"), *[(o.key, o.label) for o in selectors.choice_options(field)]]


def _custom_form_field(definition: FieldDefinition) -> forms.Field:
    Type = FieldDefinition.Type
    common: dict[str, Any] = {"label": definition.label, "required": False}
    kind = definition.type
    if kind == Type.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == Type.INTEGER:
        return forms.IntegerField(**common)
    if kind == Type.DECIMAL:
        return forms.DecimalField(**common)
    if kind == Type.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == Type.DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if kind == Type.BOOLEAN:
        return forms.NullBooleanField(
            widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]), **common
        )
    if kind == Type.SINGLE_SELECT:
        choices = [("", "—"), *[(o["key"], definition.option_label(o["key"])) for o in definition.options]]
        return forms.ChoiceField(choices=choices, **common)
    if kind == Type.MULTI_SELECT:
        choices = [(o["key"], definition.option_label(o["key"])) for o in definition.options]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == Type.URL:
        return forms.URLField(assume_scheme="https", **common)
    if kind == Type.USER:
        return forms.TypedChoiceField(
            choices=[("", "—"), *[(u.pk, str(u)) for u in User.objects.filter(is_active=True)]], coerce=int, **common
        )
    return forms.CharField(max_length=500, **common)


class CustomFieldsMixin(StyledFormMixin):
    """Adds a form field per active custom field definition of ``entity``; values come back in ``custom_values``."""

    entity = FieldDefinition.Entity.CUSTOMER

    def __init__(self, *args: Any, custom: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.definitions = selectors.field_definitions(self.entity)
        initial = kwargs.setdefault("initial", {})
        for definition in self.definitions:
            if custom and definition.key in custom:
                initial[CUSTOM_PREFIX + definition.key] = custom[definition.key]
        super().__init__(*args, **kwargs)
        for definition in self.definitions:
            field = _custom_form_field(definition)
            if definition.is_required:
                field.label = f"{definition.label} *"
            self.fields[CUSTOM_PREFIX + definition.key] = field  # type: ignore[attr-defined]
        self._apply_styles()

    def custom_values(self) -> dict[str, Any]:
        data = self.cleaned_data  # type: ignore[attr-defined]
        values = {}
        for definition in self.definitions:
            value = data.get(CUSTOM_PREFIX + definition.key)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif value is not None and definition.type == FieldDefinition.Type.DECIMAL:
                value = str(value)
            values[definition.key] = value
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's per-field messages next to the matching inputs."""
        fields = self.fields  # type: ignore[attr-defined]
        for key, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            name = CUSTOM_PREFIX + key.removeprefix("custom.") if key.startswith("custom.") else key
            self.add_error(name if name in fields else None, messages)  # type: ignore[attr-defined]


class RecordForm(CustomFieldsMixin, forms.Form):
    """What customer and contact forms share: tags, notes, the edited version and custom fields."""

    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas; new tags are created."),
        widget=forms.TextInput(attrs={"list": "tag-names", "autocomplete": "off"}),
    )  # fmt: skip
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def field_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in self.fields
            if name not in ("tags", "version") and not name.startswith(CUSTOM_PREFIX)
        }

    def tag_names(self) -> list[str]:
        return split_tags(self.cleaned_data.get("tags", ""))


class CustomerForm(RecordForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.COMPANY)
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, empty_value=None, required=False)
    level = forms.ChoiceField(required=False)
    stage = forms.ChoiceField(required=False)
    source = forms.ChoiceField(required=False)
    industry = forms.ChoiceField(required=False)
    size = forms.ChoiceField(label=_("Size"), choices=[("", "—"), *Customer.Size.choices], required=False)
    province = forms.CharField(label=_("Province"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    website = forms.URLField(label=_("Website"), max_length=300, required=False, assume_scheme="https")

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in ChoiceOption.Field:
            self.fields[field.value] = _choice_field(field.value, field.label)
        allowed = assignable_owner_ids(actor)
        users = User.objects.filter(is_active=True)
        if allowed is not None:
            users = users.filter(pk__in=allowed)
        owner_field: Any = self.fields["owner"]
        owner_field.choices = [("", _("Public pool")), *[(u.pk, str(u)) for u in users]]
        teams = Team.objects.all() if actor.is_admin else actor.teams.all()
        team_field: Any = self.fields["team"]
        team_field.choices = [("", "—"), *[(t.pk, t.name) for t in teams]]
        self._apply_styles()


def split_tags(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]


class ContactForm(RecordForm):
    entity = FieldDefinition.Entity.CONTACT

    name = forms.CharField(label=_("Name"), max_length=100)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)
    is_decision_maker = forms.BooleanField(label=_("Decision maker"), required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    wechat = forms.CharField(label=_("WeChat"), max_length=100, required=False)


class PointForm(StyledFormMixin, forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactPoint.Kind.choices, initial=ContactPoint.Kind.PHONE)
    label = forms.CharField(
        label=_("Label"), max_length=50, required=False, widget=forms.TextInput(attrs={"placeholder": _("e.g. mobile")})
    )
    value = forms.CharField(label=_("Number or address"), max_length=300, required=False)
    is_primary = forms.BooleanField(label=_("Primary"), required=False)


PointFormSet = forms.formset_factory(PointForm, extra=2, max_num=50)


def point_items(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of a contact point formset, as the services take them."""
    return [form.cleaned_data for form in formset.forms if form.cleaned_data.get("value")]


def point_initial(points: Any) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "kind": p.kind, "label": p.label, "value": p.value, "is_primary": p.is_primary} for p in points
    ]


class BulkActionForm(StyledFormMixin, forms.Form):
    ACTIONS = [
        ("tag", _("Add tags")),
        ("untag", _("Remove tags")),
        ("owner", _("Change owner")),
        ("level", _("Change level")),
        ("delete", _("Move to trash")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True)
    tags = forms.CharField(label=_("Tags"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)

    def __init__(self, *args: Any, actor: User, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids_field: Any = self.fields["ids"]
        ids_field.choices = [(pk, pk) for pk in ids]
        owner_field: Any = self.fields["owner"]
        owner_field.choices = owner_choices(actor)
        self.fields["level"] = _choice_field("level", _("Level"))
        self._apply_styles()


def owner_choices(actor: User) -> list[tuple[Any, Any]]:
    """Whom the user may hand customers to: the public pool, then the people."""
    allowed = assignable_owner_ids(actor)
    people: Any
    if allowed == [actor.pk]:  # a salesperson: only themselves, read already
        people = [actor] if actor.is_active else []
    else:
        people = User.objects.filter(is_active=True).only("pk", "username", "display_name")
        if allowed is not None:
            people = people.filter(pk__in=allowed)
    return [("", _("Public pool")), *[(user.pk, str(user)) for user in people]]


def bulk_choices(actor: User) -> dict[str, list[tuple[Any, Any]]]:
    """The selects of a list's bulk-action bar, as BulkActionForm offers them, without building the form on every
    page view."""
    return {"action": BulkActionForm.ACTIONS, "owner": owner_choices(actor), "level": _active_choices("level")}


class ShareForm(StyledFormMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())
    can_edit = forms.BooleanField(label=_("May edit"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field: Any = self.fields["user"]
        user_field.queryset = User.objects.filter(is_active=True).exclude(pk=actor.pk)
        self._apply_styles()
