"""Fixtures shared by every app's tests: one user per role and place in the team structure, and logged-in clients.

- ``owner``: sales in team 华东, the user whose records a test is about
- ``teammate``: sales in the same team; ``manager`` and ``viewer``: the other roles in that team
- ``outsider``: sales in team 华南, who must not see the owner's records
- ``admin``: an administrator in no team
All have the password ``PASSWORD`` (also the ``password`` fixture).
"""

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from kelu.accounts.models import ApiToken, User
from kelu.accounts.services import token_create, user_create

PASSWORD = "Kelu-test-passw0rd"  # noqa: S105


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """``make_user("li", role="manager", teams=["华东"])``: a user with the shared password."""

    def make(username: str, *, role: str = "sales", teams: Sequence[str] = (), **values: Any) -> User:
        return user_create(username=username, role=role, teams=teams, password=PASSWORD, **values)[0]

    return make


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("owner", role="sales", teams=["华东"], display_name="王小明")


@pytest.fixture
def teammate(make_user: Callable[..., User], owner: User) -> User:
    return make_user("teammate", role="sales", teams=["华东"], display_name="李娜")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("outsider", role="sales", teams=["华南"], display_name="陈强")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("manager", role="manager", teams=["华东"], display_name="赵经理")


@pytest.fixture
def viewer(make_user: Callable[..., User]) -> User:
    return make_user("viewer", role="viewer", teams=["华东"], display_name="孙看看")


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    # Not "admin": pytest-django's admin_user fixture takes that name.
    return make_user("administrator", role="admin", display_name="管理员")


@pytest.fixture
def client_as(db: None) -> Callable[[User], Client]:
    """A browser session logged in as the given user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner_client(client_as: Callable[[User], Client], owner: User) -> Client:
    return client_as(owner)


@pytest.fixture
def api_client() -> APIClient:
    """An API client with no credentials."""
    return APIClient()


@pytest.fixture
def token_for(db: None) -> Callable[[User], tuple[ApiToken, str]]:
    """A new API token of the user: the stored token and the raw secret to send."""

    def make(user: User) -> tuple[ApiToken, str]:
        return token_create(user=user, name="tests")

    return make


@pytest.fixture
def bearer_client(token_for: Callable[[User], tuple[ApiToken, str]]) -> Callable[[User], APIClient]:
    """An API client sending ``Authorization: Bearer <token>`` for the given user, as a script would."""

    def make(user: User) -> APIClient:
        _token, raw = token_for(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def owner_api(bearer_client: Callable[[User], APIClient], owner: User) -> APIClient:
    return bearer_client(owner)


class Clock:
    """A controllable ``kelu.core.clock.now``: ``clock.set(moment)``, ``clock.advance(timedelta)``."""

    def __init__(self, start: Any) -> None:
        self.moment = start

    def now(self) -> Any:
        return self.moment

    def set(self, moment: Any) -> None:
        self.moment = moment

    def advance(self, delta: Any) -> None:
        self.moment += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time as the reminders, digests and overdue lists see it, starting at the real now."""
    from django.utils import timezone

    fake = Clock(timezone.now())
    monkeypatch.setattr("kelu.core.clock.now", fake.now)
    return fake
