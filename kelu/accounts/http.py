from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from kelu.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind the login: ``request.user`` is a real user, never anonymous."""

    user: User
    htmx: HtmxDetails
