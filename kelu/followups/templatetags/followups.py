from typing import Any

from django import template

from kelu.followups.forms import PreferencesForm
from kelu.followups.models import Preferences

register = template.Library()


@register.inclusion_tag("followups/_profile.html", takes_context=True)
def follow_up_preferences(context: Any) -> dict[str, Any]:
    """The profile's card for the daily digest and the calendar feed."""
    user = context["request"].user
    preferences = Preferences.objects.filter(user=user).first() or Preferences(user=user)
    return {
        "form": PreferencesForm(instance=preferences),
        "preferences": preferences,
        "csrf_token": context.get("csrf_token"),
        "read_only": user.role_id == "viewer",
    }
