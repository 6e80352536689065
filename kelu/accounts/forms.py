from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kelu.accounts.models import User
from kelu.core.forms import StyledFormMixin


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(StyledFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm):
    pass


class PreferencesForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "language", "time_zone"]
        help_texts = {
            "language": _("Empty: the installation's default language."),
            # Lazy: "%" on a lazy string translates it at once, in whatever language is active at import.
            "time_zone": lazy(
                lambda: _("Empty: the installation's time zone (%(tz)s).") % {"tz": settings.TIME_ZONE}, str
            )(),
        }


class TokenCreateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. “ERP sync”."),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
