"""Forms of the administrators' settings pages. They shape input; the services check the rules and write."""

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kelu.core.forms import StyledFormMixin
from kelu.core.text import clean_text, pinyin_of
from kelu.customers.models import ChoiceOption, FieldDefinition, Tag, key_validator

KEY_HELP = _(
    "Stored in the records and used by the API and imports: lower-case letters, digits and underscores. "
    "Left empty, it is made from the English label or the pinyin of the Chinese label. It cannot change later."
)
OPTIONS_HELP = _(
    "One option per line: key | 中文 | English (the English label may be left out). "
    "Removing a line keeps the values already stored; they are then shown by their key."
)
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_SEPARATOR = re.compile(r"[|｜]")


def derive_key(label_en: str, label_zh: str, taken: Iterable[str]) -> str:
    """A key for a new option or field from its labels, distinct from ``taken``: "Trade show" → "trade_show"."""
    base = _NOT_KEY.sub("_", label_en.lower()).strip("_") or pinyin_of(label_zh)[0]
    if not base or not base[0].isalpha():
        base = f"k_{base}".rstrip("_")
    base = base[:45].rstrip("_")
    used = set(taken)
    key, number = base, 2
    while key in used:
        key, number = f"{base}_{number}", number + 1
    return key


def next_position(positions: Iterable[int]) -> int:
    """The position after the last one, so a new entry lands at the end of its list."""
    return max(positions, default=0) + 1


class ServiceErrorsMixin:
    """Show the service's per-field messages next to the matching inputs, the others above the form."""

    def add_service_errors(self, error: ValidationError) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        for name, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            field = fields.get(name)
            if field is None or field.disabled:
                self.add_error(None, messages)  # type: ignore[attr-defined]
                continue
            self.add_error(name, messages)  # type: ignore[attr-defined]
            # StyledFormMixin marks inputs during validation only; these errors come later.
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} is-invalid".strip()
            field.widget.attrs["aria-invalid"] = "true"


class ChoiceOptionForm(ServiceErrorsMixin, StyledFormMixin, forms.Form):
    """Add an option to one of the four choice fields (with a key) or edit one (labels and position only)."""

    key = forms.CharField(label=_("Key"), max_length=50, required=False, help_text=KEY_HELP)
    label_zh = forms.CharField(label=_("Chinese label"), max_length=100)
    label_en = forms.CharField(label=_("English label"), max_length=100, required=False)
    position = forms.IntegerField(
        label=_("Position"), min_value=0, required=False, help_text=_("Lower numbers come first; empty: at the end.")
    )

    def __init__(self, *args: Any, option: ChoiceOption, siblings: list[ChoiceOption], **kwargs: Any) -> None:
        self.option = option
        self.siblings = siblings
        if option.pk:
            kwargs.setdefault(
                "initial",
                {"label_zh": option.label_zh, "label_en": option.label_en, "position": option.position},
            )
        super().__init__(*args, **kwargs)
        if option.pk:
            del self.fields["key"]
            self.fields["position"].required = True
        else:
            self.fields["key"].widget.attrs["placeholder"] = _("from the labels")
            self.fields["position"].widget.attrs["placeholder"] = _("at the end")

    def clean_key(self) -> str:
        key = clean_text(self.cleaned_data.get("key"))
        if key:
            key_validator(key)
        return key

    def clean_label_zh(self) -> str:
        return clean_text(self.cleaned_data.get("label_zh"))

    def clean_label_en(self) -> str:
        return clean_text(self.cleaned_data.get("label_en"))

    def apply(self) -> ChoiceOption:
        """The option with the submitted values, not saved yet."""
        option, data = self.option, self.cleaned_data
        if not option.pk:
            option.key = data["key"] or derive_key(data["label_en"], data["label_zh"], [o.key for o in self.siblings])
        option.label_zh = data["label_zh"]
        option.label_en = data["label_en"]
        position = data.get("position")
        option.position = next_position(o.position for o in self.siblings) if position is None else position
        return option


class FieldDefinitionForm(ServiceErrorsMixin, StyledFormMixin, forms.Form):
    """Create a custom field, or edit one: its record type, key and type are fixed once it exists."""

    entity = forms.ChoiceField(label=_("Record type"), choices=FieldDefinition.Entity.choices)
    label_zh = forms.CharField(label=_("Chinese label"), max_length=100)
    label_en = forms.CharField(label=_("English label"), max_length=100, required=False)
    key = forms.CharField(label=_("Key"), max_length=50, required=False, help_text=KEY_HELP)
    type = forms.ChoiceField(label=_("Type"), choices=FieldDefinition.Type.choices)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        help_text=OPTIONS_HELP,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "gold | 金牌 | Gold\nsilver | 银牌 | Silver"}),
    )
    is_required = forms.BooleanField(label=_("Required"), required=False)
    is_unique = forms.BooleanField(
        label=_("Unique"), required=False, help_text=_("No two records may have the same value.")
    )
    show_in_list = forms.BooleanField(label=_("Shown in list"), required=False)
    is_filterable = forms.BooleanField(label=_("Filterable"), required=False)
    position = forms.IntegerField(
        label=_("Position"), min_value=0, required=False, help_text=_("Lower numbers come first; empty: at the end.")
    )

    def __init__(self, *args: Any, definition: FieldDefinition, siblings: list[FieldDefinition], **kwargs: Any) -> None:
        self.definition = definition
        self.siblings = siblings
        if definition.pk:
            kwargs["initial"] = {
                "entity": definition.entity,
                "key": definition.key,
                "type": definition.type,
                "label_zh": definition.label_zh,
                "label_en": definition.label_en,
                "options": format_options(definition.options),
                "is_required": definition.is_required,
                "is_unique": definition.is_unique,
                "show_in_list": definition.show_in_list,
                "is_filterable": definition.is_filterable,
                "position": definition.position,
            }
        super().__init__(*args, **kwargs)
        if definition.pk:
            # Disabled fields ignore what is posted and keep the stored value.
            for name in ("entity", "key", "type"):
                self.fields[name].disabled = True
            self.fields["key"].help_text = _("Stored in the records and used by the API and imports.")
            self.fields["position"].required = True
            if definition.type not in FieldDefinition.SELECT_TYPES:
                del self.fields["options"]
        self.fields["type"].widget.attrs["data-field-type"] = ""
        if "options" in self.fields:
            self.fields["options"].widget.attrs["data-select-types"] = " ".join(FieldDefinition.SELECT_TYPES)

    def clean_key(self) -> str:
        key = clean_text(self.cleaned_data.get("key"))
        if key and not self.definition.pk:
            key_validator(key)
        return key

    def clean_label_zh(self) -> str:
        return clean_text(self.cleaned_data.get("label_zh"))

    def clean_label_en(self) -> str:
        return clean_text(self.cleaned_data.get("label_en"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        kind = data.get("type")
        if "options" not in self.fields or kind not in FieldDefinition.SELECT_TYPES:
            data["options"] = self.definition.options if self.definition.pk else []
            return data
        known = {str(option.get("key")) for option in self.definition.options if isinstance(option, dict)}
        try:
            data["options"] = parse_options(data.get("options") or "", known_keys=known)
        except ValidationError as error:
            self.add_error("options", error)
        return data

    def apply(self) -> FieldDefinition:
        """The definition with the submitted values, not saved yet."""
        definition, data = self.definition, self.cleaned_data
        if not definition.pk:
            definition.entity = data["entity"]
            definition.type = data["type"]
            same_entity = [d.key for d in self.siblings if d.entity == definition.entity]
            definition.key = data["key"] or derive_key(data["label_en"], data["label_zh"], same_entity)
        definition.label_zh = data["label_zh"]
        definition.label_en = data["label_en"]
        definition.options = data["options"]
        for flag in ("is_required", "is_unique", "show_in_list", "is_filterable"):
            setattr(definition, flag, data[flag])
        position = data.get("position")
        if position is None:
            position = next_position(d.position for d in self.siblings if d.entity == definition.entity)
        definition.position = position
        return definition


def format_options(options: list[Any]) -> str:
    """The options of a select field as the lines of the options editor."""
    lines = []
    for option in options:
        if not isinstance(option, dict):
            continue
        parts = [str(option.get("key", "")), str(option.get("label_zh", "")), str(option.get("label_en", ""))]
        lines.append(" | ".join(parts).rstrip(" |"))
    return "\n".join(lines)


def parse_options(text: str, *, known_keys: set[str]) -> list[dict[str, str]]:
    """Lines of "key | 中文 | English" to the stored options; every bad line is reported with its number."""
    options: list[dict[str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [clean_text(part) for part in _SEPARATOR.split(line)]
        if len(parts) < 2 or len(parts) > 3:
            problems.append(str(_("Line %(number)d: write key | 中文 | English.") % {"number": number}))
            continue
        key, label_zh, label_en = (*parts, "")[:3]
        if not key:
            problems.append(str(_("Line %(number)d: the key is missing.") % {"number": number}))
            continue
        # Keys that exist already are kept as they are, even if they predate the key rules.
        if key not in known_keys:
            try:
                key_validator(key)
            except ValidationError:
                problems.append(
                    str(
                        _("Line %(number)d: the key “%(key)s” must use lower-case letters, digits and underscores.")
                        % {"number": number, "key": key}
                    )
                )
                continue
        if not label_zh:
            problems.append(str(_("Line %(number)d: the Chinese label is missing.") % {"number": number}))
            continue
        if key in seen:
            problems.append(
                str(_("Line %(number)d: the key “%(key)s” is used twice.") % {"number": number, "key": key})
            )
            continue
        seen.add(key)
        options.append({"key": key, "label_zh": label_zh, "label_en": label_en})
    if problems:
        raise ValidationError(problems)
    if not options:
        raise ValidationError(_("A select field needs at least one option."))
    return options


class TagForm(ServiceErrorsMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "color"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._apply_styles()

    def validate_unique(self) -> None:
        """The service checks uniqueness (case-insensitively) and reports it on the name."""
