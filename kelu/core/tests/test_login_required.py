"""Nothing is public by accident: every URL the resolver knows is tried anonymously.

The patterns are read from the URL resolver, so an endpoint added later is covered without touching this file.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from kelu.core.tests.endpoints import url_patterns

# Pages anyone may open. Adding one is a decision: it has to be listed here.
PUBLIC = {
    "accounts:login",
    "accounts:language",
    "healthz",
    # Forgotten passwords: by definition for people who cannot log in.
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # Calendar apps send no cookies: the feed's secret address is its credential (a wrong one answers 404).
    "followups:calendar_feed",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    callback: Callable[..., Any]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.name} {self.path}"


ENDPOINTS = sorted((Endpoint(p.name, p.path(), p.callback) for p in url_patterns()), key=str)
PAGES = [e for e in ENDPOINTS if not e.is_api and e.name not in PUBLIC]
API = [e for e in ENDPOINTS if e.is_api]


def test_the_resolver_is_actually_enumerated():
    names = {e.name for e in ENDPOINTS}
    assert {"core:home", "accounts:profile", "api:users-me", "api:schema", *PUBLIC} <= names
    assert len(PAGES) > 5 and len(API) > 5


def test_only_the_listed_pages_are_public():
    # LoginRequiredMiddleware lets a page through when its view is marked @login_not_required. API views all are
    # (DRF authenticates them itself): they are covered by the 401 test below.
    public = {e.name for e in ENDPOINTS if not e.is_api and not getattr(e.callback, "login_required", True)}
    assert public == PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PAGES, ids=str)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_page_request_goes_to_login(client, endpoint, method):
    response = getattr(client, method)(endpoint.path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={endpoint.path}"


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", API, ids=str)
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_anonymous_api_request_gets_401_problem(client, endpoint, method):
    response = getattr(client, method)(endpoint.path, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
