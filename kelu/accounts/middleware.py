import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """A logged-in user's saved language and time zone win over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The active zone is per thread and outlives the request: start each one from the installation's zone, or
        # an anonymous request (and any bearer-token API request, authenticated only later) would show times in the
        # zone of whoever this thread served before.
        timezone.deactivate()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.time_zone:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        return self.get_response(request)
