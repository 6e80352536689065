"""Sessions signed in before kelu.accounts.backends.UserBackend name Django's ModelBackend, which is no longer in
AUTHENTICATION_BACKENDS: Django would treat them as signed out. Name the new backend in them (the old on reverse)."""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations
from django.utils import timezone

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "kelu.accounts.backends.UserBackend"


def _rename(apps: Any, source: str, target: str) -> None:
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == source:
            data[BACKEND_SESSION_KEY] = target
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


def forwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, OLD, NEW)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_role_require_2fa"), ("sessions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
