"""Forms of the interaction pages. They only shape input; the services validate the rules and write."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kelu.activities.models import Activity
from kelu.core.forms import StyledFormMixin
from kelu.customers.models import Contact
from kelu.followups.forms import assignee_choices

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ActivityForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices, initial=Activity.Kind.CALL)
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT)
    contact = forms.TypedChoiceField(label=_("Contact"), coerce=int, required=False, empty_value=None)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", "—"), *Activity.Direction.choices], required=False
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=0, max_value=24 * 60, required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Activity.Outcome.choices], required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    participants = forms.CharField(label=_("Participants"), max_length=500, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False, initial="CNY")
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args: Any, contacts: list[Contact], next_step: bool = False, actor: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Here, not on the field: the text must be translated into the language of each request.
        self.fields["attachments"].help_text = _("Up to %(mb)d MB each.") % {"mb": settings.KELU_ATTACHMENT_MAX_MB}
        cast(forms.ChoiceField, self.fields["contact"]).choices = [("", "—"), *[(c.pk, c.name) for c in contacts]]
        if next_step:
            self.fields["next_title"] = forms.CharField(label=_("Next step"), max_length=200, required=False)
            self.fields["next_due_at"] = forms.DateTimeField(label=_("Due"), widget=DATETIME_INPUT, required=False)
            self.fields["next_remind_at"] = forms.DateTimeField(
                label=_("Remind me at"), widget=DATETIME_INPUT, required=False
            )
            self.fields["next_assignee"] = forms.TypedChoiceField(
                label=_("Assignee"),
                coerce=int,
                choices=assignee_choices(),
                required=False,
                empty_value=None,
                initial=actor.pk if actor else None,
            )
            self._apply_styles()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("next_title") and not data.get("next_due_at"):
            self.add_error("next_due_at", _("Say by when."))
        if data.get("next_due_at") and not data.get("next_title"):
            self.add_error("next_title", _("Say what is to be done."))
        return data

    def activity_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        minutes = data.get("duration_minutes")
        values = {
            name: data.get(name)
            for name in ("kind", "occurred_at", "subject", "notes", "direction", "outcome", "place", "participants")
        }
        values["direction"] = values["direction"] or ""
        values["outcome"] = values["outcome"] or ""
        values["duration_seconds"] = minutes * 60 if minutes is not None else None
        values["amount"] = data.get("amount")
        values["currency"] = data.get("currency") or ""
        return values

    def next_step_values(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("next_title"):
            return None
        return {"title": data["next_title"], "due_at": data["next_due_at"], "remind_at": data.get("next_remind_at")}

    @staticmethod
    def initial_for(activity: Activity) -> dict[str, Any]:
        return {
            "kind": activity.kind,
            "occurred_at": activity.occurred_at,
            "contact": activity.contact_id,
            "subject": activity.subject,
            "notes": activity.notes,
            "direction": activity.direction,
            "duration_minutes": activity.duration_seconds // 60 if activity.duration_seconds is not None else None,
            "outcome": activity.outcome,
            "place": activity.place,
            "participants": activity.participants,
            "amount": activity.amount,
            "currency": activity.currency,
        }
