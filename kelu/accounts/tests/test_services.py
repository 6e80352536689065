"""Account services: users, teams, the first administrator and API tokens."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kelu.accounts import selectors, services
from kelu.accounts.models import ApiToken, Team, User


def test_user_create_cleans_the_input_and_reuses_teams(db):
    first, _ = services.user_create(username=" li ", role="sales", teams=["华东"], display_name=" 李雷 ")
    second, _ = services.user_create(username="han", role="sales", teams=[" 华东 "])
    assert (first.username, first.display_name) == ("li", "李雷")
    assert Team.objects.count() == 1
    assert list(first.teams.all()) == list(second.teams.all())


def test_generated_passwords_differ_and_work(db):
    li, li_password = services.user_create(username="li", role="sales")
    han, han_password = services.user_create(username="han", role="sales")
    assert li_password != han_password
    assert li.check_password(li_password) and han.check_password(han_password)


def test_user_create_refuses_an_unknown_role(db):
    with pytest.raises(ValidationError) as error:
        services.user_create(username="li", role="boss")
    assert error.value.code == "invalid_role"
    assert not User.objects.exists()


def test_user_create_refuses_an_empty_team_name(db):
    with pytest.raises(ValidationError):
        services.user_create(username="li", role="sales", teams=[" "])
    assert not User.objects.exists()


def test_first_admin_is_created_once_on_a_fresh_installation(db):
    created = services.first_admin_ensure()
    assert created is not None
    user, password = created
    assert (user.username, user.role_id, user.is_admin) == ("admin", "admin", True)
    assert user.check_password(password)
    assert services.first_admin_ensure() is None
    assert User.objects.count() == 1


def test_no_first_admin_when_users_exist(owner):
    assert services.first_admin_ensure() is None


def test_token_is_stored_only_as_a_hash(owner):
    token, raw = services.token_create(user=owner, name="  ERP sync  ")
    assert raw.startswith(ApiToken.PREFIX)
    assert raw not in token.key_hash
    assert token.key_hint == raw[:9]
    assert token.name == "ERP sync"
    assert selectors.user_by_token(raw) == (owner, token)
    assert selectors.user_by_token(raw + "x") is None


def test_revoking_twice_keeps_the_first_revocation_time(owner):
    token, raw = services.token_create(user=owner)
    first = services.token_revoke(token=token).revoked_at
    assert services.token_revoke(token=token).revoked_at == first
    assert selectors.user_by_token(raw) is None


def test_token_use_is_written_at_most_once_a_minute(owner, django_assert_num_queries):
    token, _raw = services.token_create(user=owner)
    token.touch()
    with django_assert_num_queries(0):
        token.touch()
    token.last_used_at = timezone.now() - timedelta(minutes=2)
    with django_assert_num_queries(1):
        token.touch()


def test_tokens_of_lists_only_the_users_tokens(owner, outsider):
    mine, _ = services.token_create(user=owner)
    services.token_create(user=outsider)
    assert selectors.tokens_of(owner) == [mine]
