from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from kelu.accounts import selectors


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``; only in the header, never in a URL, where logs would keep it."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use “Bearer <token>”."))
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        found = selectors.user_by_token(raw)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        user, token = found
        if token.touch():  # audited at the same once-a-minute resolution as last_used_at
            from kelu.accounts.audit import record_event

            record_event(action="token_used", actor=user, request=request._request, target=token)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
