from django.http import HttpRequest

from kelu.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind the login: ``request.user`` is a real user, never anonymous."""

    user: User
