"""Configuration that nearly every page reads, kept in each process while it is unchanged.

The custom field definitions and the choice options give the lists their columns, filters and labels, the forms
their fields, and the roles every request's permissions; they change a few times a year, and reading them cost
statements (or a join) on every page. A process keeps what it read for as long as the installation's configuration
token is the same. The token is read with the signed-in user, in the statement every request makes anyway
(kelu.accounts.backends), so keeping costs no statement, and every web process sees a change on its next request.
Outside a signed-in request (tasks, commands, bearer-token API calls) nothing is kept: each read goes to the
database.

A change draws a random token rather than counting up, so that a rolled-back change (or test) that restores an old
token never meets values read under its successor. Written here because Django's cache framework would need a
shared cache (Redis, optional in Kelu) for the processes to agree.
"""

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase

from kelu.core.models import ConfigurationVersion

T = TypeVar("T")

_request_token: ContextVar[int | None] = ContextVar("kelu_configuration_token", default=None)
_kept: tuple[int | None, dict[str, Any]] = (None, {})  # (token, values read under it), one per process


def kept(key: str, read: Callable[[], T]) -> T:
    """``read()``'s value, read once per process and token; read afresh each time outside a signed-in request."""
    return kept_under(_request_token.get(), key, read)


def kept_under(current: int | None, key: str, read: Callable[[], T]) -> T:
    """``kept`` under a token read just now, before the request is bound to it (the signed-in user's role)."""
    global _kept
    if current is None:
        return read()
    kept_token, values = _kept
    if kept_token != current:
        values = {}
        _kept = (current, values)
    if key not in values:
        values[key] = read()
    value: T = values[key]
    return value


def changed() -> None:
    """Draw a new token: every process reads the configuration afresh on its next request, this one at once."""
    global _kept
    drawn = secrets.randbits(62)
    if not ConfigurationVersion.objects.filter(pk=1).update(token=drawn):
        ConfigurationVersion.objects.create(pk=1, token=drawn)
    _kept = (None, {})
    _request_token.set(None)  # the rest of this request reads from the database (the middleware restores it)


class ConfigurationMiddleware:
    """Binds the token read with the signed-in user (``configuration_token``) to the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        bound = _request_token.set(getattr(request.user, "configuration_token", None))
        try:
            return self.get_response(request)
        finally:
            _request_token.reset(bound)
