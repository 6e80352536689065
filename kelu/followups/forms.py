"""Forms of the follow-up pages. They only shape input; the services validate the rules and write."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kelu.accounts.models import Role, User
from kelu.core.forms import StyledFormMixin
from kelu.followups.models import FollowUp, Preferences

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def assignee_choices() -> list[tuple[int, str]]:
    """Everyone who can do follow-ups; the service checks that the chosen one can see the customer."""
    users = User.objects.filter(is_active=True).exclude(role_id=Role.Key.VIEWER)
    return [(user.pk, str(user)) for user in users]


class FollowUpForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due"), widget=DATETIME_INPUT)
    remind_at = forms.DateTimeField(
        label=_("Remind at"), widget=DATETIME_INPUT, required=False,
        help_text=_("An in-app notification, and an email when email is set up."),
    )  # fmt: skip
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int)
    priority = forms.ChoiceField(label=_("Priority"), choices=FollowUp.Priority.choices, initial="normal")
    contact = forms.TypedChoiceField(label=_("Contact"), coerce=int, required=False, empty_value=None)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, contacts: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = assignee_choices()
        if contacts is None:
            del self.fields["contact"]
        else:
            cast(forms.ChoiceField, self.fields["contact"]).choices = [("", "—"), *[(c.pk, c.name) for c in contacts]]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {key: data.get(key) for key in ("title", "due_at", "remind_at", "priority", "notes")}

    def chosen_assignee(self) -> User | None:
        return User.objects.filter(pk=self.cleaned_data["assignee"]).first()

    @staticmethod
    def initial_for(follow_up: FollowUp) -> dict[str, Any]:
        return {
            "title": follow_up.title,
            "due_at": follow_up.due_at,
            "remind_at": follow_up.remind_at,
            "assignee": follow_up.assignee_id,
            "priority": follow_up.priority,
            "contact": follow_up.contact_id,
            "notes": follow_up.notes,
        }


class PreferencesForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["daily_digest"]
