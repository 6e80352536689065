"""A logged-in user's saved language and time zone apply to their requests, and to nobody else's."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from kelu.accounts.middleware import UserPreferencesMiddleware


@pytest.fixture(autouse=True)
def _reset_time_zone():
    yield
    timezone.deactivate()


def zone_seen_by_the_view(user) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        seen["language"] = translation.get_language()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    UserPreferencesMiddleware(view)(request)
    return seen["zone"]


def test_user_time_zone_is_active_during_their_request(owner):
    owner.time_zone = "Europe/Berlin"
    assert zone_seen_by_the_view(owner) == "Europe/Berlin"


def test_user_without_a_time_zone_gets_the_installation_zone(owner):
    timezone.activate("Europe/Berlin")
    assert zone_seen_by_the_view(owner) == settings.TIME_ZONE


def test_previous_users_time_zone_does_not_leak_into_an_anonymous_request(owner):
    # A thread serves many users in turn; API requests with a token are still anonymous at this point.
    owner.time_zone = "America/New_York"
    zone_seen_by_the_view(owner)
    assert zone_seen_by_the_view(AnonymousUser()) == settings.TIME_ZONE


def test_user_language_is_active_during_their_request(owner, client_as):
    owner.language = "en"
    owner.save(update_fields=["language"])
    assert client_as(owner).get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")["Content-Language"] == "en"
